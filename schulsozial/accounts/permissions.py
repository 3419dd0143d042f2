# SQL here is built from model table and column names only; values are parameters.
# ruff: noqa: S608
"""Every permission rule of the platform, in one place.

A user's role assignments become *grants* (role + scope). Two kinds of rule
live here:

* visibility: ``*_visible_q(user)`` returns the Q filter that a selector must
  apply, so every list, detail, export and form sees only rows inside the
  user's scopes (a row outside gives 404);
* actions: ``can_<verb>_<thing>(user, obj)`` predicates, checked by views
  after loading through a selector (a refused action gives 403).

Nothing else in the code base decides who may see or do what.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from schulsozial.core.statements import Columns, fetch

from .models import Role

NOTHING = Q(pk__in=[])


@dataclass(frozen=True)
class Grant:
    role: str
    municipality_id: int | None
    carrier_id: int | None
    school_id: int | None


def grants(user: Any) -> tuple[Grant, ...]:
    """The user's grants, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return ()
    cached = getattr(user, "_schulsozial_grants", None)
    if cached is None:
        cached = tuple(
            Grant(a.role, a.municipality_id, a.carrier_id, a.school_id)
            for a in user.role_assignments.all().order_by("pk")
        )
        user._schulsozial_grants = cached
    return cached


def remember_grants(user: Any, found: Any) -> None:
    """Set the grants of `user` read elsewhere (the authentication backend
    reads them with the user, in one query), so `grants()` needs no query."""
    user._schulsozial_grants = tuple(found)


def roles(user: Any) -> set[str]:
    return {g.role for g in grants(user)}


def has_role(user: Any, *wanted: str) -> bool:
    return any(g.role in wanted for g in grants(user))


def municipality_ids(user: Any, *wanted: str) -> set[int]:
    return {g.municipality_id for g in grants(user) if g.role in wanted and g.municipality_id}


def carrier_ids(user: Any) -> set[int]:
    return {g.carrier_id for g in grants(user) if g.role == Role.CARRIER and g.carrier_id}


def school_ids(user: Any, *wanted: str) -> set[int]:
    return {g.school_id for g in grants(user) if g.role in wanted and g.school_id}


def is_global_admin(user: Any) -> bool:
    return any(g.role == Role.ADMINISTRATION and g.municipality_id is None for g in grants(user))


def coordinates(user: Any, municipality_id: int | None) -> bool:
    return municipality_id is not None and municipality_id in municipality_ids(
        user, Role.COORDINATION
    )


# --------------------------------------------------------------------------- visibility


def audit_visible_q(user: Any) -> Q:
    """A municipal administrator sees the entries filed under its
    municipalities, and the session events (login, logout, failed login) of
    every account holding a role there (a person in two municipalities is
    filed under the first; the other's administrator sees them too). Only a
    global administrator sees entries of no municipality."""
    if is_global_admin(user):
        return Q()
    mun = municipality_ids(user, Role.ADMINISTRATION)
    if not mun:
        return NOTHING
    from django.db.models import CharField
    from django.db.models.functions import Cast

    from .models import RoleAssignment

    members = (
        RoleAssignment.objects.filter(municipality_id__in=mun)
        .annotate(key=Cast("user_id", output_field=CharField()))
        .values("key")
    )
    return Q(municipality_id__in=mun) | Q(
        action__in=["login", "logout", "login_failed"],
        object_type="accounts.user",
        object_id__in=members,
    )


def administered_municipality_ids(user: Any) -> set[int] | None:
    """The municipalities whose users and roles `user` administers: None
    means every municipality (a global administrator). A role of another
    kind in a municipality gives no administration there."""
    if is_global_admin(user):
        return None
    return municipality_ids(user, Role.ADMINISTRATION)


def administered_municipalities_q(user: Any) -> Q:
    """Filter for Municipality: where `user` may assign roles."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(pk__in=ids) if ids else NOTHING


def users_visible_q(user: Any) -> Q:
    """Administration sees the accounts that hold a role in its municipalities
    (a global administrator sees all)."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(role_assignments__municipality_id__in=ids) if ids else NOTHING


def role_assignments_visible_q(user: Any) -> Q:
    """The role assignments an administrator sees and may remove: those in
    its municipalities (F-03: a person with roles in two municipalities shows
    each administrator only its own municipality's roles). Global roles
    (no municipality) only to a global administrator."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(municipality_id__in=ids) if ids else NOTHING


# --------------------------------------------------------------------------- pages


def can_administer(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATION)


# --------------------------------------------------------------------------- actions


def can_manage_users(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATION)


def can_assign_role(
    user: Any, role: str, municipality: Any, carrier: Any = None, school: Any = None
) -> bool:
    """May `user` give a role with this scope? A global administrator: any
    role, global ones included. A municipal administrator: only roles inside
    the municipalities it administers (the scope's municipality is the
    carrier's or school's for those roles), never a global (unscoped) role
    (security review F-01)."""
    ids = administered_municipality_ids(user)
    if ids is None:
        return can_manage_users(user)
    if role == Role.CARRIER:
        target = getattr(carrier, "municipality_id", None)
    elif role in (Role.WORKER, Role.PRINCIPAL):
        target = getattr(school, "municipality_id", None)
    else:
        target = getattr(municipality, "pk", None)
    return target is not None and target in ids


def can_remove_role(user: Any, assignment: Any) -> bool:
    ids = administered_municipality_ids(user)
    if ids is None:
        return can_manage_users(user)
    return assignment.municipality_id is not None and assignment.municipality_id in ids


def can_manage_account(user: Any, subject: Any) -> bool:
    """Account-wide actions (deactivate, reactivate, set a password): every
    role of `subject` must lie in the municipalities `user` administers, so
    that no administrator takes over an account with rights elsewhere. A
    global administrator manages every account; nobody deactivates or
    resets its own account here (that is the own page's password change)."""
    if not can_manage_users(user) or subject.pk == user.pk:
        return False
    ids = administered_municipality_ids(user)
    if ids is None:
        return True
    held = [a.municipality_id for a in subject.role_assignments.all()]
    return bool(held) and all(m is not None and m in ids for m in held)


def can_view_audit_log(user: Any) -> bool:
    return has_role(user, Role.ADMINISTRATION)


# --------------------------------------------------------------------------- concepts
# Framework concept (Rahmenkonzept), consultation, ideas, linked concepts,
# school concepts and yearly goals (issue #4). The allowed *source states* of
# each step live in concepts/services.py; the *roles* live here.

PUBLISHED_FRAMEWORK = ("adopted", "superseded")
CONSULTATION_ROLES = (Role.CARRIER, Role.WORKER, Role.PRINCIPAL)
SCHOOL_CONCEPT_ROLES = (Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL)


def _all_municipality_ids(user: Any, *wanted: str) -> set[int]:
    return {
        g.municipality_id
        for g in grants(user)
        if g.municipality_id and (not wanted or g.role in wanted) and g.role != Role.ADMINISTRATION
    }


def can_use_concepts(user: Any) -> bool:
    """Framework pages, ideas and linked concepts: every content role."""
    return has_role(
        user, Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE
    )


def can_use_school_concepts(user: Any) -> bool:
    return has_role(user, *SCHOOL_CONCEPT_ROLES)


def can_view_concept_overview(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


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
        query |= Q(status="consultation", invitations__user=user)
        for grant in grants(user):
            if grant.role in CONSULTATION_ROLES and grant.municipality_id:
                query |= Q(
                    status="consultation",
                    municipality_id=grant.municipality_id,
                    invitations__role=grant.role,
                )
    return query


def is_invited(user: Any, version: Any) -> bool:
    """Invited to the version in consultation: in person, or by a role the
    user holds in the version's municipality."""
    if version.status != "consultation" or not has_role(user, *CONSULTATION_ROLES):
        return False
    roles_here = [
        g.role
        for g in grants(user)
        if g.role in CONSULTATION_ROLES and g.municipality_id == version.municipality_id
    ]
    return version.invitations.filter(Q(user=user) | Q(role__in=roles_here)).exists()


def can_manage_framework(user: Any, municipality_id: int | None) -> bool:
    """Create versions, edit drafts, run the consultation, adopt: coordination."""
    return coordinates(user, municipality_id)


def can_edit_framework_version(user: Any, version: Any) -> bool:
    return coordinates(user, version.municipality_id) and version.status in (
        "draft",
        "consultation",
    )


def can_comment_on_framework(user: Any, version: Any) -> bool:
    return is_invited(user, version)


def consultation_comments_visible_q(user: Any) -> Q:
    """Coordination: every comment in its municipality; others: their own."""
    query = NOTHING
    coord = municipality_ids(user, Role.COORDINATION)
    if coord:
        query |= Q(version__municipality_id__in=coord)
    if has_role(user, *CONSULTATION_ROLES):
        query |= Q(author=user)
    return query


def can_answer_comment(user: Any, comment: Any) -> bool:
    return coordinates(user, comment.version.municipality_id)


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


def can_convert_idea(user: Any, idea: Any) -> bool:
    return coordinates(user, idea.municipality_id)


def linked_concepts_visible_q(user: Any) -> Q:
    ids = _all_municipality_ids(user)
    return Q(municipality_id__in=ids) if ids else NOTHING


def can_manage_linked_concepts(user: Any, municipality_id: int | None) -> bool:
    return coordinates(user, municipality_id)


def _school_q(user: Any, prefix: str) -> Q:
    """Schools whose concept and goals the user may read: coordination of the
    municipality, carriers whose positions serve the school, the school's own
    social workers and principal. Committees see none."""
    query = NOTHING
    coord = municipality_ids(user, Role.COORDINATION)
    if coord:
        query |= Q(**{f"{prefix}municipality_id__in": coord})
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(**{f"{prefix}assignments__position__carrier_id__in": carriers})
    own = school_ids(user, Role.WORKER, Role.PRINCIPAL)
    if own:
        query |= Q(**{f"{prefix}pk__in": own})
    return query


def school_concepts_visible_q(user: Any) -> Q:
    return _school_q(user, "school__")


def yearly_goals_visible_q(user: Any) -> Q:
    return _school_q(user, "school__")


def carrier_serves_school(user: Any, school_id: int) -> bool:
    """The carrier (manager) acts on a school's concept when its positions
    serve the school (the same rule as `schools_visible_q`)."""
    from schulsozial.masterdata.models import PositionAssignment

    carriers = carrier_ids(user)
    return bool(carriers) and (
        PositionAssignment.objects.filter(
            school_id=school_id, position__carrier_id__in=carriers
        ).exists()
    )


def can_draft_school_concept(user: Any, school: Any) -> bool:
    """Create, edit and submit the concept: the school's social workers."""
    return school.pk in school_ids(user, Role.WORKER)


def can_approve_school_concept_as_principal(user: Any, concept: Any) -> bool:
    return concept.school_id in school_ids(user, Role.PRINCIPAL)


def can_approve_school_concept_as_carrier(user: Any, concept: Any) -> bool:
    return carrier_serves_school(user, concept.school_id)


def can_acknowledge_school_concept(user: Any, concept: Any) -> bool:
    return coordinates(user, concept.school.municipality_id)


def can_request_school_concept_changes(user: Any, concept: Any) -> bool:
    return (
        can_approve_school_concept_as_principal(user, concept)
        or can_acknowledge_school_concept(user, concept)
        or can_approve_school_concept_as_carrier(user, concept)
    )


def can_revise_school_concept(user: Any, concept: Any) -> bool:
    """Reopen an acknowledged concept or move it to a new framework version."""
    return can_draft_school_concept(user, concept.school) or coordinates(
        user, concept.school.municipality_id
    )


def can_manage_yearly_goals(user: Any, school: Any) -> bool:
    return school.pk in school_ids(user, Role.WORKER)


# --------------------------------------------------------------------------- distribution


def scenarios_visible_q(user: Any) -> Q:
    """Coordination: every scenario of its municipalities. Everybody else with
    a role in the municipality: adopted (published) scenarios only."""
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(municipality_id__in=mun)
    readers = municipality_ids(user, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE)
    if readers:
        query |= Q(municipality_id__in=readers, status="adopted")
    return query


def can_list_scenarios(user: Any) -> bool:
    return has_role(
        user, Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE
    )


def can_manage_scenarios(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def can_edit_scenario(user: Any, scenario: Any) -> bool:
    return coordinates(user, scenario.municipality_id) and scenario.status == "draft"


def can_adopt_scenario(user: Any, scenario: Any) -> bool:
    return coordinates(user, scenario.municipality_id) and scenario.status == "draft"


# --------------------------------------------------------------------------- documentation and statistics


def activities_visible_q(user: Any) -> Q:
    """Single records are the social worker's own only (the author's records
    at the schools they hold a worker role for). Carriers, coordination,
    principals and committees see statistics, never records."""
    if not has_role(user, Role.WORKER):
        return NOTHING
    return Q(worker__user=user, school_id__in=school_ids(user, Role.WORKER))


def can_document(user: Any) -> bool:
    return has_role(user, Role.WORKER) and getattr(user, "staff_member", None) is not None


def can_manage_catalogues(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def statistics_scope(user: Any) -> dict[str, Any]:
    """What the statistics of a user cover, and whether disclosure control
    applies to what they see on screen (exports are always protected).

    - coordination: every school of its municipalities, unprotected on screen;
    - carrier: the records of its own staff, protected;
    - worker: their own records, unprotected (they wrote them);
    - principal: their school, protected;
    - committee: the municipality, protected.
    """
    return {
        "municipalities": municipality_ids(user, Role.COORDINATION),
        "committee_municipalities": municipality_ids(user, Role.COMMITTEE),
        "carriers": carrier_ids(user),
        "worker": has_role(user, Role.WORKER),
        "principal_schools": school_ids(user, Role.PRINCIPAL),
    }


def can_view_statistics(user: Any) -> bool:
    return has_role(
        user, Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE
    )


# --------------------------------------------------------------------------- documentation tools
# Entry, weekly grid, import, catalogues, API tokens (issue #5, documentation).


def can_use_documentation(user: Any) -> bool:
    """The "Documentation" menu: social workers record, coordination keeps
    the catalogues, carriers (and coordination) manage API access."""
    return can_document(user) or can_manage_catalogues(user) or can_use_api_tokens(user)


def can_import_activities(user: Any) -> bool:
    return can_document(user)


def can_correct_activity(user: Any, activity: Any) -> bool:
    """Only the author, at a school they still document for; the correction
    window (services.is_locked) is checked by the service as well."""
    return (
        can_document(user)
        and activity.author_id == user.pk
        and activity.school_id in school_ids(user, Role.WORKER)
    )


def catalogue_municipality_ids(user: Any) -> set[int]:
    return municipality_ids(user, Role.COORDINATION)


def can_edit_catalogue_entry(user: Any, entry: Any) -> bool:
    return coordinates(user, entry.municipality_id)


def can_use_api_tokens(user: Any) -> bool:
    return has_role(user, Role.CARRIER, Role.COORDINATION)


def api_tokens_visible_q(user: Any) -> Q:
    """Carrier managers: their carrier's tokens; coordination: every token of
    the carriers in its municipalities."""
    query = NOTHING
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers)
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(carrier__municipality_id__in=mun)
    return query


def can_manage_api_token(user: Any, carrier: Any) -> bool:
    """Revoke a key: the carrier, and coordination (to stop a misused key)."""
    return carrier.pk in carrier_ids(user) or coordinates(user, carrier.municipality_id)


def can_create_api_token(user: Any, carrier: Any) -> bool:
    """Only a carrier creates keys, for itself: a key submits records in its
    social workers' names, which coordination (the steering role) must not."""
    return carrier.pk in carrier_ids(user)


def api_staff_q(carrier_id: int) -> Q:
    """Whose records a carrier's API token may submit: its own social workers."""
    return Q(carrier_id=carrier_id)


# The two checks of every API entry run as SQL built once (core/statements.py):
# compiling their ORM queries cost more than running them (docs/performance.md,
# Entry, run 7). They state the rules of api_staff_q and Position.active_on;
# accounts/tests/test_api_rules_sql.py holds them to the ORM versions.
_API_SQL: dict[tuple[str, str], tuple[str, Columns | None]] = {}


def _api_sql(name: str) -> tuple[str, Columns | None]:
    from schulsozial.masterdata.models import Position, PositionAssignment, StaffMember

    key = (connection.vendor, name)
    found = _API_SQL.get(key)
    if found is None:
        q = connection.ops.quote_name
        if name == "staff":
            columns = Columns(StaffMember, "m")
            found = (
                f"SELECT {columns.sql} FROM {q(StaffMember._meta.db_table)} m "
                f"WHERE m.{q('carrier_id')} = %s AND m.{q('id')} = %s",
                columns,
            )
        else:
            position, assignment = Position._meta.db_table, PositionAssignment._meta.db_table
            found = (
                f"SELECT 1 FROM {q(position)} p "
                f"JOIN {q(assignment)} a ON a.{q('position_id')} = p.{q('id')} "
                f"WHERE p.{q('staff_member_id')} = %s AND a.{q('school_id')} = %s "
                f"AND p.{q('valid_from')} <= %s "
                f"AND (p.{q('valid_to')} IS NULL OR p.{q('valid_to')} >= %s) LIMIT 1",
                None,
            )
        _API_SQL[key] = found
    return found


def api_staff_member(*, carrier_id: int, staff_id: int) -> Any:
    """The staff member `staff_id` if a token of `carrier_id` may submit its
    records (api_staff_q: the carrier's own social workers), else None."""
    sql, columns = _api_sql("staff")
    rows = fetch(sql, [carrier_id, staff_id])
    return columns.instance(rows[0]) if rows and columns is not None else None


def api_may_record_at(*, worker: Any, school: Any, day: Any) -> bool:
    """A record submitted through the API must name a school where one of the
    worker's positions is assigned on that day (Position.active_on)."""
    sql, _columns = _api_sql("position")
    when = connection.ops.adapt_datefield_value(day)
    return bool(fetch(sql, [worker.pk, school.pk, when, when]))


# --------------------------------------------------------------------------- two-factor login and single sign-on
# (accounts/twofactor.py, accounts/oidc.py)


def two_factor_policy_municipality_ids(user: Any) -> set[int] | None:
    """Where `user` may switch mandatory two-factor login on or off:
    coordination and administration of the municipality; None means every
    municipality (a global administrator)."""
    if is_global_admin(user):
        return None
    return municipality_ids(user, Role.COORDINATION, Role.ADMINISTRATION)


def can_set_two_factor_policy(user: Any, municipality: Any) -> bool:
    ids = two_factor_policy_municipality_ids(user)
    return ids is None or municipality.pk in ids


def oidc_mapping_municipality_ids(user: Any) -> set[int] | None:
    """Where `user` may map the provider's groups to roles: that
    municipality's administration (None: every municipality, a global
    administrator). Mapping gives roles, so it is administration's, as
    assigning roles is."""
    if is_global_admin(user):
        return None
    return municipality_ids(user, Role.ADMINISTRATION)


def can_manage_oidc_mappings(user: Any, municipality: Any) -> bool:
    ids = oidc_mapping_municipality_ids(user)
    return ids is None or municipality.pk in ids


def oidc_mappings_visible_q(user: Any) -> Q:
    ids = oidc_mapping_municipality_ids(user)
    if ids is None:
        return Q()
    return Q(municipality_id__in=ids) if ids else NOTHING
