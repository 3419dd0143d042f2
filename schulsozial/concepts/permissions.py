"""Who may see and do what in concepts: framework concept (Rahmenkonzept),
consultation, ideas, linked concepts, school concepts and yearly goals.

The roles live here; the allowed *source states* of each lifecycle step live
in the services (a refused role is a 403, a wrong state a readable error).
Grants and scopes come from accounts.permissions.

The platform itself (`SYSTEM`: the demo, a command) passes every action check
marked `@system_may`; the services' state checks still apply to it. SYSTEM
never comments on a consultation: a comment is a person's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    carrier_serves_school,
    coordinates,
    grants,
    has_role,
    municipality_ids,
    school_ids,
    school_scope_q,
    system_may,
)

from .models import ConsultationInvitation, FrameworkVersion, SchoolConcept

FV = FrameworkVersion.Status
SC = SchoolConcept.Status

PUBLISHED_FRAMEWORK = FrameworkVersion.PUBLISHED
CONSULTATION_ROLES = ConsultationInvitation.INVITABLE_ROLES
SCHOOL_CONCEPT_ROLES = (Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL)
CONTENT_ROLES = (Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE)


def _all_municipality_ids(user: Any, *wanted: str) -> set[int]:
    return {
        g.municipality_id
        for g in grants(user)
        if g.municipality_id and (not wanted or g.role in wanted) and g.role != Role.ADMINISTRATION
    }


# --------------------------------------------------------------------------- pages


def can_use_concepts(user: Any) -> bool:
    """Framework pages, ideas and linked concepts: every content role."""
    return has_role(user, *CONTENT_ROLES)


def can_use_school_concepts(user: Any) -> bool:
    return has_role(user, *SCHOOL_CONCEPT_ROLES)


def can_view_concept_overview(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


# --------------------------------------------------------------------------- framework


def framework_versions_visible_q(user: Any) -> Q:
    """Coordination: every version of its municipality; every other content
    role (committee included): published versions only; invitees also see
    the version in consultation they were invited to."""
    query = NOTHING
    coord = municipality_ids(user, Role.COORDINATION)
    if coord:
        query |= Q(municipality_id__in=coord)
    published = _all_municipality_ids(user)
    if published:
        query |= Q(municipality_id__in=published, status__in=PUBLISHED_FRAMEWORK)
    if has_role(user, *CONSULTATION_ROLES):
        query |= Q(status=FV.CONSULTATION, invitations__user=user)
        for grant in grants(user):
            if grant.role in CONSULTATION_ROLES and grant.municipality_id:
                query |= Q(
                    status=FV.CONSULTATION,
                    municipality_id=grant.municipality_id,
                    invitations__role=grant.role,
                )
    return query


def is_invited(user: Any, version: Any) -> bool:
    """Invited to the version in consultation: in person, or by a role the
    user holds in the version's municipality."""
    if version.status != FV.CONSULTATION or not has_role(user, *CONSULTATION_ROLES):
        return False
    roles_here = [
        g.role
        for g in grants(user)
        if g.role in CONSULTATION_ROLES and g.municipality_id == version.municipality_id
    ]
    return bool(version.invitations.filter(Q(user=user) | Q(role__in=roles_here)).exists())


def can_start_framework(user: Any) -> bool:
    """The page for a new framework version (first one or a new draft): coordination."""
    return has_role(user, Role.COORDINATION)


@system_may
def can_manage_framework(user: Any, municipality_id: int | None) -> bool:
    """Create versions, edit drafts, run the consultation, adopt: coordination."""
    return coordinates(user, municipality_id)


@system_may
def can_edit_framework_version(user: Any, version: Any) -> bool:
    return (
        coordinates(user, version.municipality_id) and version.status in FrameworkVersion.EDITABLE
    )


def can_comment_on_framework(user: Any, version: Any) -> bool:
    return not acting_as_system(user) and is_invited(user, version)


def consultation_comments_visible_q(user: Any) -> Q:
    """Coordination: every comment in its municipality; others: their own."""
    query = NOTHING
    coord = municipality_ids(user, Role.COORDINATION)
    if coord:
        query |= Q(version__municipality_id__in=coord)
    if has_role(user, *CONSULTATION_ROLES):
        query |= Q(author=user)
    return query


@system_may
def can_answer_comment(user: Any, comment: Any) -> bool:
    return coordinates(user, comment.version.municipality_id)


# --------------------------------------------------------------------------- ideas


def ideas_visible_q(user: Any) -> Q:
    query = NOTHING
    coord = municipality_ids(user, Role.COORDINATION)
    if coord:
        query |= Q(municipality_id__in=coord)
    if can_use_concepts(user):
        query |= Q(author=user)
    return query


def idea_municipality_ids(user: Any) -> set[int]:
    """Where the user may hand in ideas: every municipality of a content role."""
    return _all_municipality_ids(user)


def can_hand_in_ideas(user: Any) -> bool:
    return bool(idea_municipality_ids(user))


@system_may
def can_hand_in_idea(user: Any, municipality_id: int) -> bool:
    return municipality_id in idea_municipality_ids(user)


def role_in_municipality(user: Any, municipality_id: int) -> str:
    """The role the user holds in the municipality (the first grant), or ''."""
    return next((g.role for g in grants(user) if g.municipality_id == municipality_id), "")


@system_may
def can_convert_idea(user: Any, idea: Any) -> bool:
    return coordinates(user, idea.municipality_id)


# --------------------------------------------------------------------------- linked concepts


def linked_concepts_visible_q(user: Any) -> Q:
    ids = _all_municipality_ids(user)
    return Q(municipality_id__in=ids) if ids else NOTHING


def can_create_linked_concept(user: Any) -> bool:
    """The page for a new linked concept: coordination (of some municipality)."""
    return has_role(user, Role.COORDINATION)


@system_may
def can_manage_linked_concepts(user: Any, municipality_id: int | None) -> bool:
    return coordinates(user, municipality_id)


# --------------------------------------------------------------------------- school concepts


def school_concepts_visible_q(user: Any) -> Q:
    """School concepts the user may read: coordination of the municipality,
    carriers whose positions serve the school, the school's own social
    workers and principal. Committees see none."""
    return school_scope_q(user, roles=SCHOOL_CONCEPT_ROLES, prefix="school__")


def yearly_goals_visible_q(user: Any) -> Q:
    """Yearly goals: the same schools as the school concepts."""
    return school_scope_q(user, roles=SCHOOL_CONCEPT_ROLES, prefix="school__")


def drafting_school_ids(user: Any) -> set[int]:
    """The schools whose concept the user drafts: the school's social workers."""
    return school_ids(user, Role.WORKER)


@system_may
def can_draft_school_concept(user: Any, school: Any) -> bool:
    """Create, edit and submit the concept: the school's social workers."""
    return school.pk in drafting_school_ids(user)


def can_edit_school_concept(user: Any, concept: Any) -> bool:
    """Edit the concept's texts now: a drafter, while it is a draft or changes were requested."""
    return bool(concept.is_editable) and can_draft_school_concept(user, concept.school)


@system_may
def can_approve_school_concept_as_principal(user: Any, concept: Any) -> bool:
    return concept.school_id in school_ids(user, Role.PRINCIPAL)


@system_may
def can_approve_school_concept_as_carrier(user: Any, concept: Any) -> bool:
    """The carrier (manager) approves a school's concept when its positions
    serve the school (accounts.permissions.carrier_serves_school)."""
    return carrier_serves_school(user, concept.school_id)


@system_may
def can_acknowledge_school_concept(user: Any, concept: Any) -> bool:
    return coordinates(user, concept.school.municipality_id)


@system_may
def can_request_school_concept_changes(user: Any, concept: Any) -> bool:
    return (
        can_approve_school_concept_as_principal(user, concept)
        or can_acknowledge_school_concept(user, concept)
        or can_approve_school_concept_as_carrier(user, concept)
    )


@system_may
def can_revise_school_concept(user: Any, concept: Any) -> bool:
    """Reopen an acknowledged concept or move it to a new framework version."""
    return can_draft_school_concept(user, concept.school) or coordinates(
        user, concept.school.municipality_id
    )


def _can_submit(user: Any, concept: Any) -> bool:
    return can_draft_school_concept(user, concept.school)


# Who may take each step of the school concept's approval (the states are the services').
STEP_ROLES: dict[str, Callable[[Any, Any], bool]] = {
    "submit": _can_submit,
    "approve_principal": can_approve_school_concept_as_principal,
    "approve_carrier": can_approve_school_concept_as_carrier,
    "request_changes": can_request_school_concept_changes,
    "acknowledge": can_acknowledge_school_concept,
    "reopen": can_revise_school_concept,
    "rebase": can_revise_school_concept,
}


def can_take_school_concept_step(user: Any, concept: Any, action: str) -> bool:
    """The role check of one approval step (unknown steps: nobody)."""
    check = STEP_ROLES.get(action)
    return check is not None and check(user, concept)


# --------------------------------------------------------------------------- yearly goals


@system_may
def can_manage_yearly_goals(user: Any, school: Any) -> bool:
    return school.pk in drafting_school_ids(user)
