"""The lifecycles as tables: every step × every source state × every role.

A step by a role that may not take it raises PermissionDenied; a step by the
right role from a state that does not allow it raises InvalidTransitionError;
everything else moves the object to the documented target state."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from schulsozial.concepts import services
from schulsozial.concepts.models import FrameworkVersion, SchoolConcept
from schulsozial.concepts.services import InvalidTransitionError
from schulsozial.concepts.tests.factories import adopted_framework, fill_concept
from schulsozial.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "carrier", "worker", "worker2", "principal", "committee", "admin"]
SC = SchoolConcept.Status
SCHOOL_STATES = [SC.DRAFT, SC.CHANGES_REQUESTED, SC.SUBMITTED, SC.APPROVED, SC.ACKNOWLEDGED]

# action: (roles allowed for school 0, source states, target state)
SCHOOL_TABLE = {
    "submit": ({"worker"}, {SC.DRAFT, SC.CHANGES_REQUESTED}, SC.SUBMITTED),
    "approve_principal": ({"principal"}, {SC.SUBMITTED}, SC.SUBMITTED),
    "approve_carrier": ({"carrier"}, {SC.SUBMITTED}, SC.SUBMITTED),
    "request_changes": (
        {"principal", "carrier", "coordinator"},
        {SC.SUBMITTED, SC.APPROVED},
        SC.CHANGES_REQUESTED,
    ),
    "acknowledge": ({"coordinator"}, {SC.APPROVED}, SC.ACKNOWLEDGED),
    "reopen": ({"worker", "coordinator"}, {SC.ACKNOWLEDGED}, SC.DRAFT),
}


@pytest.fixture
def concept(world):
    adopted_framework(world.town)
    concept = services.school_concept_create(school=world.schools[0], by=world.users["worker"])
    return fill_concept(concept, world.users["worker"])


def put_in_state(concept: SchoolConcept, state: str) -> SchoolConcept:
    now = timezone.now()
    approved = state in (SC.APPROVED, SC.ACKNOWLEDGED)
    SchoolConcept.objects.filter(pk=concept.pk).update(
        status=state,
        principal_approved_at=now if approved else None,
        carrier_approved_at=now if approved else None,
        acknowledged_at=now if state == SC.ACKNOWLEDGED else None,
    )
    concept.refresh_from_db()
    return concept


@pytest.mark.parametrize("state", SCHOOL_STATES)
@pytest.mark.parametrize("action", sorted(SCHOOL_TABLE))
def test_school_concept_steps_for_every_role_and_state(world, concept, action, state):
    roles, sources, target = SCHOOL_TABLE[action]
    outcomes = {}
    for role in ROLES:
        put_in_state(concept, state)
        try:
            result = services.school_concept_transition(
                concept=concept, action=action, by=world.users[role], comment="Bitte prüfen."
            )
        except PermissionDenied:
            outcomes[role] = "forbidden"
        except InvalidTransitionError:
            outcomes[role] = "wrong state"
        else:
            outcomes[role] = result.status
    expected = {
        role: (target if state in sources else "wrong state") if role in roles else "forbidden"
        for role in ROLES
    }
    assert outcomes == expected


def test_principal_and_carrier_approve_in_either_order(world, concept):
    for first, second in (("principal", "carrier"), ("carrier", "principal")):
        put_in_state(concept, SC.SUBMITTED)
        concept = services.school_concept_transition(
            concept=concept, action=f"approve_{first}", by=world.users[first]
        )
        assert concept.status == SC.SUBMITTED
        concept = services.school_concept_transition(
            concept=concept, action=f"approve_{second}", by=world.users[second]
        )
        assert concept.status == SC.APPROVED


def test_nobody_approves_twice(world, concept):
    put_in_state(concept, SC.SUBMITTED)
    services.school_concept_approve_as_principal(concept=concept, by=world.users["principal"])
    with pytest.raises(InvalidTransitionError):
        services.school_concept_approve_as_principal(concept=concept, by=world.users["principal"])


def test_rebase_only_after_a_new_framework_version_is_adopted(world, concept):
    with pytest.raises(InvalidTransitionError):
        services.school_concept_rebase(concept=concept, by=world.users["worker"])
    draft = services.framework_new_version(previous=concept.framework_version, by=SYSTEM)
    today = timezone.localdate()
    services.framework_open_consultation(
        version=draft, opens=today, closes=today, roles=["principal"], by=SYSTEM
    )
    services.framework_adopt(
        version=draft,
        decision_body="Rat",
        decision_date=today,
        paper_number="2/2026",
        confirm_open_consultation=True,  # closes today: still open
        by=SYSTEM,
    )
    for role in ROLES:
        concept.refresh_from_db()
        allowed = role in {"worker", "coordinator"}
        if not allowed:
            with pytest.raises(PermissionDenied):
                services.school_concept_rebase(concept=concept, by=world.users[role])
    concept = services.school_concept_rebase(concept=concept, by=world.users["worker"])
    assert concept.framework_version == draft and concept.status == SC.DRAFT
    assert not concept.framework_changed


# --------------------------------------------------------------------------- framework

FV = FrameworkVersion.Status
FRAMEWORK_STATES = [FV.DRAFT, FV.CONSULTATION, FV.ADOPTED, FV.SUPERSEDED]


def framework_step(action, version, user):
    today = timezone.localdate()
    if action == "open_consultation":
        return services.framework_open_consultation(
            version=version, opens=today, closes=today, roles=["carrier"], by=user
        )
    if action == "close_consultation":
        return services.framework_close_consultation(version=version, by=user)
    if action == "adopt":
        return services.framework_adopt(
            version=version,
            decision_body="Jugendhilfeausschuss",
            decision_date=today,
            paper_number="12/2026",
            confirm_open_consultation=True,  # closes today: still open
            by=user,
        )
    if action == "new_version":
        return services.framework_new_version(previous=version, by=user)
    raise AssertionError(action)


FRAMEWORK_TABLE = {
    "open_consultation": ({FV.DRAFT}, FV.CONSULTATION),
    "close_consultation": ({FV.CONSULTATION}, FV.DRAFT),
    "adopt": ({FV.CONSULTATION}, FV.ADOPTED),
    "new_version": ({FV.ADOPTED}, FV.DRAFT),
}


@pytest.mark.parametrize("state", FRAMEWORK_STATES)
@pytest.mark.parametrize("action", sorted(FRAMEWORK_TABLE))
def test_framework_steps_for_every_role_and_state(world, action, state):
    sources, target = FRAMEWORK_TABLE[action]
    version = services.framework_create(municipality=world.town, title="RK", by=SYSTEM)
    outcomes = {}
    for role in ROLES:
        FrameworkVersion.objects.filter(pk=version.pk).update(
            status=state,
            review_due=datetime.date(2028, 1, 1),
        )
        FrameworkVersion.objects.exclude(pk=version.pk).delete()
        version.refresh_from_db()
        try:
            result = framework_step(action, version, world.users[role])
        except PermissionDenied:
            outcomes[role] = "forbidden"
        except InvalidTransitionError:
            outcomes[role] = "wrong state"
        else:
            outcomes[role] = result.status
    expected = {
        role: (target if state in sources else "wrong state")
        if role == "coordinator"
        else "forbidden"
        for role in ROLES
    }
    assert outcomes == expected


def test_adopting_supersedes_the_previous_version_and_marks_school_concepts(world, concept):
    old = concept.framework_version
    draft = services.framework_new_version(previous=old, by=world.users["coordinator"])
    today = timezone.localdate()
    framework_step("open_consultation", draft, world.users["coordinator"])
    framework_step("adopt", draft, world.users["coordinator"])
    old.refresh_from_db()
    concept.refresh_from_db()
    assert old.status == FV.SUPERSEDED and old.superseded_at is not None
    assert concept.framework_changed
    draft.refresh_from_db()
    assert draft.review_due == today.replace(year=today.year + 3)


def test_adoption_waits_until_every_comment_is_answered(world):
    version = adopted_framework(world.town)
    draft = services.framework_new_version(previous=version, by=SYSTEM)
    today = timezone.localdate()
    services.framework_open_consultation(
        version=draft, opens=today, closes=today, users=[world.users["worker"]], by=SYSTEM
    )
    comment = services.comment_create(
        version=draft,
        section=draft.sections.first(),
        text="Zu allgemein.",
        by=world.users["worker"],
    )
    with pytest.raises(InvalidTransitionError):
        framework_step("adopt", draft, world.users["coordinator"])
    services.comment_answer(
        comment=comment,
        answer="partly",
        reason="Teilweise übernommen.",
        by=world.users["coordinator"],
    )
    assert framework_step("adopt", draft, world.users["coordinator"]).status == FV.ADOPTED
