"""Concept services: versions copy and never change once adopted, the
consultation rules, ideas, optimistic locking, completeness, audit."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from schulsozial.concepts import services
from schulsozial.concepts.models import (
    ConsultationComment,
    FrameworkVersion,
    Idea,
    SchoolConcept,
    YearlyGoal,
)
from schulsozial.concepts.services import EditConflictError, InvalidTransitionError
from schulsozial.concepts.tests.factories import adopted_framework, concept_world, fill_concept
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_first_version_has_the_default_sections(world):
    version = services.framework_create(
        municipality=world.town, title="RK", by=world.users["coordinator"]
    )
    keys = list(version.sections.values_list("key", flat=True))
    assert keys[0] == "leitbild" and keys[-1] == "review" and len(keys) == 10
    assert AuditEntry.objects.filter(object_type="concepts.frameworkversion").count() == 1


def test_a_new_version_starts_as_a_copy_of_the_adopted_one(world):
    adopted = adopted_framework(world.town)
    draft = services.framework_new_version(previous=adopted, by=world.users["coordinator"])
    assert draft.number == 2 and draft.status == "draft" and draft.based_on == adopted
    assert [(s.key, s.text) for s in draft.sections.all()] == [
        (s.key, s.text) for s in adopted.sections.all()
    ]
    assert list(draft.standards.values_list("code", "binding")) == list(
        adopted.standards.values_list("code", "binding")
    )


def test_an_adopted_version_never_changes(world):
    adopted = adopted_framework(world.town)
    section = adopted.sections.first()
    standard = adopted.standards.first()
    coordinator = world.users["coordinator"]
    for call in (
        lambda: services.framework_section_update(
            section=section, expected_version=section.lock_version, by=SYSTEM, text="neu"
        ),
        lambda: services.framework_section_add(version=adopted, key="x", title="X", by=SYSTEM),
        lambda: services.framework_section_remove(section=section, by=SYSTEM),
        lambda: services.standard_update(
            standard=standard, expected_version=standard.lock_version, by=SYSTEM, title="neu"
        ),
        lambda: services.standard_add(
            version=adopted, by=SYSTEM, code="ST-99", title="X", dimension="result"
        ),
        lambda: services.standard_remove(standard=standard, by=SYSTEM),
    ):
        with pytest.raises(InvalidTransitionError):
            call()
    # The coordinator's permission already refuses edits of an adopted version.
    with pytest.raises(PermissionDenied):
        services.framework_section_update(
            section=section, expected_version=section.lock_version, by=coordinator, text="neu"
        )
    section.refresh_from_db()
    assert section.text.startswith("Text zum Abschnitt")


def test_the_database_allows_only_one_adopted_version_per_municipality(world):
    adopted = adopted_framework(world.town)
    draft = services.framework_new_version(previous=adopted, by=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        FrameworkVersion.objects.filter(pk=draft.pk).update(
            status="adopted",
            review_due=datetime.date(2029, 1, 1),
        )


def test_second_save_of_the_same_section_is_refused_and_keeps_both_texts(world):
    adopted = adopted_framework(world.town)
    draft = services.framework_new_version(previous=adopted, by=SYSTEM)
    section = draft.sections.get(key="leitbild")
    start = section.lock_version
    coordinator = world.users["coordinator"]
    services.framework_section_update(
        section=section, expected_version=start, by=coordinator, text="Fassung A"
    )
    with pytest.raises(EditConflictError) as conflict:
        services.framework_section_update(
            section=section, expected_version=start, by=coordinator, text="Fassung B"
        )
    assert conflict.value.mine == {"text": "Fassung B"}
    assert conflict.value.theirs == {"text": "Fassung A"}
    assert conflict.value.current_version == start + 1
    section.refresh_from_db()
    assert section.text == "Fassung A"
    # Saving again on top of the current version works.
    services.framework_section_update(
        section=section, expected_version=start + 1, by=coordinator, text="Fassung A und B"
    )
    section.refresh_from_db()
    assert section.text == "Fassung A und B" and section.lock_version == start + 2


def test_comments_only_by_invitees_inside_the_period(world):
    cw = concept_world(world)
    section = cw.draft.sections.first()
    with pytest.raises(PermissionDenied):
        services.comment_create(
            version=cw.draft, section=section, text="x", by=world.users["worker2"]
        )
    # invited by role (principal)
    comment = services.comment_create(
        version=cw.draft, section=section, text="Gut so.", by=world.users["principal"]
    )
    assert comment.answer == ConsultationComment.Answer.OPEN
    FrameworkVersion.objects.filter(pk=cw.draft.pk).update(
        consultation_closes=timezone.localdate() - datetime.timedelta(days=1)
    )
    cw.draft.refresh_from_db()
    with pytest.raises(InvalidTransitionError):
        services.comment_create(
            version=cw.draft, section=section, text="zu spät", by=world.users["principal"]
        )


def test_every_answer_needs_a_reason_and_is_recorded(world):
    cw = concept_world(world)
    with pytest.raises(ValidationError):
        services.comment_answer(
            comment=cw.comment, answer="rejected", reason=" ", by=world.users["coordinator"]
        )
    with pytest.raises(PermissionDenied):
        services.comment_answer(
            comment=cw.comment, answer="accepted", reason="ok", by=world.users["worker"]
        )
    services.comment_answer(
        comment=cw.comment,
        answer="accepted",
        reason="Die Ziele werden messbar formuliert.",
        by=world.users["coordinator"],
    )
    cw.comment.refresh_from_db()
    assert cw.comment.answered_by == world.users["coordinator"] and cw.comment.answered_at


def test_ideas_become_comments_or_changes(world):
    cw = concept_world(world)
    section = cw.draft.sections.get(key="tasks")
    services.idea_convert(
        idea=cw.idea, into="comment", section=section, by=world.users["coordinator"]
    )
    cw.idea.refresh_from_db()
    assert cw.idea.status == Idea.Status.COMMENT
    assert cw.idea.comment.author == world.users["worker"] and cw.idea.comment.section == section
    second = services.idea_create(
        municipality=world.town,
        text="Gemeinsame Fortbildungen",
        cornerstone="quality",
        by=world.users["carrier"],
    )
    assert second.author_role == "carrier"
    services.idea_convert(
        idea=second, into="change", section=section, by=world.users["coordinator"]
    )
    section.refresh_from_db()
    assert "Gemeinsame Fortbildungen" in section.text
    with pytest.raises(InvalidTransitionError):
        services.idea_convert(
            idea=second, into="change", section=section, by=world.users["coordinator"]
        )


def test_a_school_concept_gets_every_required_section_and_binding_standard(world):
    adopted = adopted_framework(world.town)
    concept = services.school_concept_create(school=world.schools[0], by=world.users["worker"])
    required = set(adopted.sections.filter(required_for_school=True).values_list("key", flat=True))
    assert set(concept.sections.values_list("key", flat=True)) == required
    assert set(concept.implementations.values_list("standard_code", flat=True)) == {
        "ST-01",
        "ST-02",
    }
    with pytest.raises(PermissionDenied):
        services.school_concept_create(school=world.schools[1], by=world.users["worker"])


def test_completeness_check_blocks_submission_until_done(world):
    adopted_framework(world.town)
    worker = world.users["worker"]
    concept = services.school_concept_create(school=world.schools[0], by=worker)
    with pytest.raises(InvalidTransitionError) as refused:
        services.school_concept_submit(concept=concept, by=worker)
    assert any("ST-01" in m for m in refused.value.messages)
    fill_concept(concept, worker)
    entry = concept.implementations.get(standard_code="ST-02")
    with pytest.raises(ValidationError):
        services.implementation_update(
            entry=entry,
            text="Abweichend",
            deviation=True,
            deviation_reason="",
            expected_version=entry.lock_version,
            by=worker,
        )
    services.implementation_update(
        entry=entry,
        text="Sprechzeiten nur dienstags.",
        deviation=True,
        deviation_reason="Halbe Stelle an zwei Standorten.",
        expected_version=entry.lock_version,
        by=worker,
    )
    concept = services.school_concept_submit(concept=concept, by=worker, comment="Fertig.")
    assert concept.status == SchoolConcept.Status.SUBMITTED
    step = concept.steps.get(action="submit")
    assert step.by == worker and step.comment == "Fertig."


def test_a_submitted_concept_cannot_be_edited(world):
    adopted_framework(world.town)
    worker = world.users["worker"]
    concept = fill_concept(
        services.school_concept_create(school=world.schools[0], by=worker), worker
    )
    services.school_concept_submit(concept=concept, by=worker)
    section = concept.sections.first()
    with pytest.raises(InvalidTransitionError):
        services.school_section_update(
            section=section, text="x", expected_version=section.lock_version, by=worker
        )


def test_request_changes_needs_a_comment_and_returns_to_the_drafters(world):
    adopted_framework(world.town)
    worker = world.users["worker"]
    concept = fill_concept(
        services.school_concept_create(school=world.schools[0], by=worker), worker
    )
    services.school_concept_submit(concept=concept, by=worker)
    with pytest.raises(ValidationError):
        services.school_concept_request_changes(concept=concept, by=world.users["principal"])
    concept = services.school_concept_request_changes(
        concept=concept, by=world.users["principal"], comment="Abschnitt Kooperation ergänzen."
    )
    assert concept.status == "changes_requested" and concept.is_editable


def test_acknowledging_sets_the_review_date_from_the_interval(world):
    adopted_framework(world.town)
    worker = world.users["worker"]
    concept = fill_concept(
        services.school_concept_create(school=world.schools[0], by=worker), worker
    )
    services.school_concept_submit(concept=concept, by=worker)
    services.school_concept_approve_as_carrier(concept=concept, by=world.users["carrier"])
    services.school_concept_approve_as_principal(concept=concept, by=world.users["principal"])
    concept = services.school_concept_acknowledge(concept=concept, by=world.users["coordinator"])
    today = timezone.localdate()
    assert concept.review_due == today.replace(year=today.year + 2)
    services.school_concept_set_review_interval(
        concept=concept, years=3, by=world.users["coordinator"]
    )
    concept.refresh_from_db()
    assert concept.review_due == today.replace(year=today.year + 3)
    assert [s.action for s in concept.steps.all()] == [
        "create",
        "submit",
        "approve_carrier",
        "approve_principal",
        "acknowledge",
    ]
    audits = AuditEntry.objects.filter(
        object_type="concepts.schoolconcept", object_id=str(concept.pk)
    )
    assert audits.count() == 6  # one per write


def test_yearly_goals_are_reviewed_at_year_end(world):
    cw = concept_world(world)
    with pytest.raises(ValidationError):
        services.yearly_goal_review(
            goal=cw.goal, review="open", review_comment="x", by=world.users["worker"]
        )
    with pytest.raises(PermissionDenied):
        services.yearly_goal_review(
            goal=cw.goal, review="achieved", review_comment="x", by=world.users["principal"]
        )
    goal = services.yearly_goal_review(
        goal=cw.goal,
        review=YearlyGoal.Review.PARTLY,
        review_comment="In vier von sechs Klassen eingeführt.",
        by=world.users["worker"],
    )
    assert goal.review == "partly" and goal.reviewed_at is not None


def test_a_write_without_an_actor_is_refused(world):
    """`by=None` used to mean "allowed" (issue 12): a caller that forgets the
    actor now gets a refusal; the platform itself passes `by=SYSTEM`."""
    cw = concept_world(world)
    with pytest.raises(PermissionDenied):
        services.framework_create(municipality=world.other_town, title="RK", by=None)
    with pytest.raises(PermissionDenied):
        services.yearly_goal_review(goal=cw.goal, review="achieved", review_comment="gut", by=None)
    with pytest.raises(PermissionDenied):
        services.linked_concept_create(
            municipality=world.town, by=None, kind="truancy", title="X", owner="Y"
        )
    version = services.framework_create(municipality=world.other_town, title="RK", by=SYSTEM)
    assert version.number == 1
    entry = AuditEntry.objects.get(object_type="concepts.frameworkversion", object_id=version.pk)
    assert entry.actor is None and entry.actor_label == "system"
