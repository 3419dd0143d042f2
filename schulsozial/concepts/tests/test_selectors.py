"""Concept reads stay inside the user's scope; the overview counts match."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from schulsozial.concepts import selectors, services
from schulsozial.concepts.models import SchoolConcept
from schulsozial.concepts.tests.factories import adopted_framework, concept_world, fill_concept
from schulsozial.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


def test_committee_sees_published_versions_only(world):
    cw = concept_world(world)
    visible = {
        name: set(selectors.framework_versions_visible_to(user=world.users[name]))
        for name in (
            "coordinator",
            "committee",
            "carrier",
            "worker",
            "worker2",
            "principal",
            "admin",
        )
    }
    assert visible["coordinator"] == {cw.adopted, cw.draft}
    assert visible["committee"] == {cw.adopted}
    assert visible["carrier"] == {cw.adopted} and visible["worker2"] == {cw.adopted}
    assert visible["worker"] == {cw.adopted, cw.draft}  # invited in person
    assert visible["principal"] == {cw.adopted, cw.draft}  # invited by role
    assert visible["admin"] == set()


def test_other_municipality_sees_nothing_of_ours(world):
    from schulsozial.testing.personas import make_user

    cw = concept_world(world)
    foreign = make_user("koord-n", "coordination", municipality=world.other_town)
    assert not selectors.framework_versions_visible_to(user=foreign).exists()
    assert not selectors.school_concepts_visible_to(user=foreign).exists()
    assert not selectors.ideas_visible_to(user=foreign).exists()
    assert not selectors.comments_visible_to(user=foreign).filter(pk=cw.comment.pk).exists()


def test_commenters_see_their_own_comments_and_answers_only(world):
    cw = concept_world(world)
    other = services.comment_create(
        version=cw.draft,
        section=cw.draft.sections.get(key="leitbild"),
        text="Leitbild kürzen.",
        by=world.users["principal"],
    )
    assert set(selectors.comments_visible_to(user=world.users["worker"])) == {cw.comment}
    assert set(selectors.comments_visible_to(user=world.users["principal"])) == {other}
    assert set(selectors.comments_visible_to(user=world.users["coordinator"])) == {
        cw.comment,
        other,
    }


def test_school_concepts_are_visible_to_school_carrier_and_coordination(world):
    cw = concept_world(world)
    for name, sees in {
        "coordinator": True,
        "carrier": True,
        "worker": True,
        "principal": True,
        "worker2": False,
        "committee": False,
        "admin": False,
    }.items():
        assert (
            selectors.school_concepts_visible_to(user=world.users[name])
            .filter(pk=cw.concept.pk)
            .exists()
            is sees
        ), name


def test_overview_states_and_share_of_current_concepts(world):
    cw = concept_world(world)
    worker, worker2 = world.users["worker"], world.users["worker2"]
    fill_concept(cw.concept, worker)
    services.school_concept_submit(concept=cw.concept, by=worker)
    services.school_concept_approve_as_principal(concept=cw.concept, by=world.users["principal"])
    services.school_concept_approve_as_carrier(concept=cw.concept, by=world.users["carrier"])
    services.school_concept_acknowledge(concept=cw.concept, by=world.users["coordinator"])
    services.school_concept_create(school=world.schools[2], by=worker2)
    states = {
        s.pk: s.concept_state for s in selectors.overview_schools(user=world.users["coordinator"])
    }
    assert states == {
        world.schools[0].pk: "acknowledged",
        world.schools[1].pk: "none",
        world.schools[2].pk: "draft",
        world.schools[3].pk: "none",
    }
    [figures] = selectors.overview_figures(user=world.users["coordinator"])
    assert figures["current"] == 1 and figures["schools"] == 4 and figures["current_share"] == 25.0
    assert figures["adopted"] == cw.adopted and figures["in_work"] == cw.draft
    assert figures["consultation"]["comments"] == 1 and figures["consultation"]["open"] == 1
    # review due once the date has passed
    SchoolConcept.objects.filter(pk=cw.concept.pk).update(
        review_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    states = {
        s.pk: s.concept_state for s in selectors.overview_schools(user=world.users["coordinator"])
    }
    assert states[world.schools[0].pk] == "review_due"
    assert list(selectors.reviews_due(user=world.users["coordinator"])) == [cw.concept]


def test_new_framework_marks_concepts_and_names_the_changed_binding_standards(world):
    adopted = adopted_framework(world.town)
    concept = services.school_concept_create(school=world.schools[0], by=world.users["worker"])
    draft = services.framework_new_version(previous=adopted, by=SYSTEM)
    st = draft.standards.get(code="ST-02")
    services.standard_update(
        standard=st, expected_version=st.lock_version, by=SYSTEM, description="Neu gefasst"
    )
    services.standard_add(
        version=draft,
        by=SYSTEM,
        code="ST-04",
        title="Kinderschutz",
        dimension="process",
        binding=True,
    )
    today = timezone.localdate()
    services.framework_open_consultation(
        version=draft, opens=today, closes=today, roles=["worker"], by=SYSTEM
    )
    services.framework_adopt(
        version=draft,
        decision_body="JHA",
        decision_date=today,
        paper_number="3",
        confirm_open_consultation=True,  # closes today: still open
        by=SYSTEM,
    )
    concept.refresh_from_db()
    assert concept.framework_changed
    assert selectors.binding_changes(concept=concept) == {
        "added": ["ST-04"],
        "changed": ["ST-02"],
        "removed": [],
    }
    states = {
        s.pk: s.concept_state for s in selectors.overview_schools(user=world.users["coordinator"])
    }
    assert states[world.schools[0].pk] == "framework_changed"


def test_compare_versions_section_by_section(world):
    adopted = adopted_framework(world.town)
    draft = services.framework_new_version(previous=adopted, by=SYSTEM)
    section = draft.sections.get(key="leitbild")
    services.framework_section_update(
        section=section,
        expected_version=section.lock_version,
        by=SYSTEM,
        text="Ganz neues Leitbild.",
    )
    rows = selectors.compare_versions(old=adopted, new=draft)
    changes = {r.key: r.change for r in rows["sections"]}
    assert changes["leitbild"] == "changed" and changes["goals"] == "unchanged"
    leitbild = next(r for r in rows["sections"] if r.key == "leitbild")
    assert "<ins>" in leitbild.html and "<del>" in leitbild.html
