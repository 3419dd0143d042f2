"""Adopting a framework version safely (issue 13): an adoption while the
consultation still runs warns and needs a confirmation; school concepts
approved on the earlier version keep their validity for the transition
period, and the landscape counts them; a resubmitted concept shows no dates
of its previous round."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from schulsozial.concepts import selectors, services
from schulsozial.concepts.models import SchoolConcept, add_months
from schulsozial.concepts.tests.factories import concept_world, fill_concept
from schulsozial.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

SC = SchoolConcept.Status


def acknowledged_concept(world, cw):
    """The concept of school 0 taken to acknowledged on version 1."""
    concept = fill_concept(cw.concept, world.users["worker"])
    services.school_concept_submit(concept=concept, by=world.users["worker"])
    services.school_concept_approve_as_principal(concept=concept, by=world.users["principal"])
    services.school_concept_approve_as_carrier(concept=concept, by=world.users["carrier"])
    return services.school_concept_acknowledge(concept=concept, by=world.users["coordinator"])


def answer_comments(cw):
    services.comment_answer(comment=cw.comment, answer="accepted", reason="Übernommen.", by=SYSTEM)


# The decision lies after the one of the version in force (factories: 20 days ago):
# an older one would need the confirmation of council.older_decision_warning.
ADOPT = {
    "decision_body": "Jugendhilfeausschuss",
    "decision_date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
    "paper_number": "095/2026",
}


def test_adoption_during_the_open_consultation_is_refused_without_confirmation(world, client_for):
    cw = concept_world(world)
    answer_comments(cw)
    assert cw.draft.consultation_closes > timezone.localdate()
    client = client_for("coordinator")
    url = f"/konzepte/framework/{cw.draft.pk}/adopt/"

    form = client.get(url).content.decode()
    closes = cw.draft.consultation_closes.strftime("%d.%m.%Y")
    assert 'data-warning="consultation-open"' in form
    assert f"Das Beteiligungsverfahren läuft noch bis {closes}" in form
    assert 'name="confirm_open_consultation"' in form

    response = client.post(url, ADOPT)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Das Beteiligungsverfahren läuft noch bis {closes}" in body
    cw.draft.refresh_from_db()
    cw.adopted.refresh_from_db()
    assert cw.draft.status == "consultation" and cw.adopted.status == "adopted"

    response = client.post(url, {**ADOPT, "confirm_open_consultation": "on"}, follow=True)
    cw.draft.refresh_from_db()
    assert cw.draft.status == "adopted"
    assert "Fassung 2 wurde beschlossen." in response.content.decode()


def test_the_service_itself_refuses_an_unconfirmed_early_adoption(world):
    cw = concept_world(world)
    answer_comments(cw)
    with pytest.raises(ValidationError) as refused:
        services.framework_adopt(
            version=cw.draft, decision_body="JHA", decision_date=timezone.localdate(),
            paper_number="1", by=world.users["coordinator"],
        )  # fmt: skip
    assert refused.value.code == "consultation_open"


def test_adoption_after_the_consultation_needs_no_confirmation(world, client_for):
    cw = concept_world(world)
    answer_comments(cw)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    type(cw.draft).objects.filter(pk=cw.draft.pk).update(consultation_closes=yesterday)
    client = client_for("coordinator")
    url = f"/konzepte/framework/{cw.draft.pk}/adopt/"
    assert 'name="confirm_open_consultation"' not in client.get(url).content.decode()
    assert client.post(url, ADOPT).status_code == 302
    cw.draft.refresh_from_db()
    assert cw.draft.status == "adopted"


def test_open_comments_are_announced_before_the_form_is_filled_in(world, client_for):
    cw = concept_world(world)
    page = client_for("coordinator").get(f"/konzepte/framework/{cw.draft.pk}/adopt/")
    body = page.content.decode()
    assert 'data-warning="open-comments"' in body
    assert "1 Stellungnahme ist noch nicht beantwortet" in body


def test_approved_concepts_stay_valid_in_the_transition_period(world, client_for):
    cw = concept_world(world)
    concept = acknowledged_concept(world, cw)
    answer_comments(cw)
    coordinator = world.users["coordinator"]
    before = selectors.overview_figures(user=coordinator)[0]
    assert before["current"] == 1

    decided = timezone.localdate() - datetime.timedelta(days=10)
    response = client_for("coordinator").post(
        f"/konzepte/framework/{cw.draft.pk}/adopt/",
        {**ADOPT, "decision_date": decided.isoformat(), "transition_months": "4",
         "confirm_open_consultation": "on"},
        follow=True,
    )  # fmt: skip
    cw.draft.refresh_from_db()
    until = add_months(decided, 4)
    assert cw.draft.transition_months == 4 and cw.draft.transition_until == until
    date = until.strftime("%d.%m.%Y")
    assert (
        f"1 beschlossenes Schulkonzept auf einer früheren Fassung bleibt bis {date} gültig"
        in response.content.decode()
    )
    concept.refresh_from_db()
    assert concept.framework_changed

    figures = selectors.overview_figures(user=coordinator)[0]
    assert figures["current"] == before["current"] and figures["in_transition"] == 1
    assert figures["current_share"] == before["current_share"]
    page = client_for("coordinator").get("/konzepte/").content.decode()
    assert f"gültig bis {date} (Übergangsfrist)" in page
    detail = client_for("principal").get(f"/konzepte/school-concepts/{concept.pk}/")
    assert f"gültig bis {date} (Übergangsfrist)" in detail.content.decode()

    # After the transition period the concept no longer counts as current.
    later = until + datetime.timedelta(days=1)
    after = selectors.overview_figures(user=coordinator, day=later)[0]
    assert after["current"] == before["current"] - 1 and after["in_transition"] == 0
    states = {
        s.pk: s.concept_state for s in selectors.overview_schools(user=coordinator, day=later)
    }
    assert states[concept.school_id] == "framework_changed"


def test_no_transition_period_drops_the_concepts_at_once(world):
    cw = concept_world(world)
    concept = acknowledged_concept(world, cw)
    answer_comments(cw)
    services.framework_adopt(
        version=cw.draft, decision_body="JHA", decision_date=timezone.localdate(),
        paper_number="1", transition_months=0, confirm_open_consultation=True, by=SYSTEM,
    )  # fmt: skip
    coordinator = world.users["coordinator"]
    states = {s.pk: s.concept_state for s in selectors.overview_schools(user=coordinator)}
    assert states[concept.school_id] == "framework_changed"
    assert selectors.overview_figures(user=coordinator)[0]["in_transition"] == 0


def test_the_transition_period_is_bounded(world):
    cw = concept_world(world)
    answer_comments(cw)
    with pytest.raises(ValidationError):
        services.framework_adopt(
            version=cw.draft, decision_body="JHA", decision_date=timezone.localdate(),
            paper_number="1", transition_months=37, confirm_open_consultation=True, by=SYSTEM,
        )  # fmt: skip


def test_a_resubmitted_concept_shows_no_dates_of_the_previous_round(world, client_for):
    cw = concept_world(world)
    concept = acknowledged_concept(world, cw)
    assert concept.acknowledged_at and concept.review_due
    services.school_concept_reopen(concept=concept, by=world.users["worker"])
    services.school_concept_submit(concept=concept, by=world.users["worker"])
    concept.refresh_from_db()
    assert concept.status == SC.SUBMITTED
    assert concept.acknowledged_at is None and concept.review_due is None
    page = client_for("principal").get(f"/konzepte/school-concepts/{concept.pk}/")
    body = page.content.decode()
    old_review = add_months(timezone.localdate(), 24).strftime("%d.%m.%Y")
    facts = body[body.index('<dl class="facts">') : body.index("</dl>")]
    assert old_review not in facts
    assert 'data-fact="acknowledged">noch nicht' in facts
    assert 'data-fact="review-due">–' in facts
    # The previous round stays in the history.
    assert body.count('data-step="acknowledge"') == 1


def test_an_approval_by_the_system_shows_no_empty_name(world, client_for):
    cw = concept_world(world)
    concept = fill_concept(cw.concept, world.users["worker"])
    services.school_concept_submit(concept=concept, by=world.users["worker"])
    services.school_concept_approve_as_principal(concept=concept, by=SYSTEM)
    body = client_for("principal").get(f"/konzepte/school-concepts/{concept.pk}/").content.decode()
    fact = body[body.index('data-fact="principal-approved"') :].split("</dd>")[0]
    assert "(–)" not in fact and "noch nicht" not in fact


def test_coordination_changes_the_transition_period_of_the_adopted_version(world, client_for):
    cw = concept_world(world)
    concept = acknowledged_concept(world, cw)
    answer_comments(cw)
    decided = timezone.localdate() - datetime.timedelta(days=40)
    services.framework_adopt(
        version=cw.draft, decision_body="JHA", decision_date=decided, paper_number="1",
        transition_months=1, confirm_open_consultation=True, by=SYSTEM,
        confirm_older_decision=True,  # 40 days ago: before the version in force (20 days)
    )  # fmt: skip
    coordinator = world.users["coordinator"]
    states = {s.pk: s.concept_state for s in selectors.overview_schools(user=coordinator)}
    assert states[concept.school_id] == "framework_changed"  # one month is over

    client = client_for("coordinator")
    page = client.get(f"/konzepte/framework/{cw.draft.pk}/").content.decode()
    assert 'data-action="change-transition"' in page
    url = f"/konzepte/framework/{cw.draft.pk}/transition/"
    assert client.post(url, {"transition_months": "12"}).status_code == 302
    cw.draft.refresh_from_db()
    assert cw.draft.transition_until == add_months(decided, 12)
    states = {s.pk: s.concept_state for s in selectors.overview_schools(user=coordinator)}
    assert states[concept.school_id] == "transition"
    page = client.get(f"/konzepte/framework/{cw.draft.pk}/").content.decode()
    date = add_months(decided, 12).strftime("%d.%m.%Y")
    assert f"12 Monate: Schulkonzepte früherer Fassungen bleiben bis {date} gültig" in page
    # Others may not.
    assert client_for("worker").post(url, {"transition_months": "0"}).status_code == 403
    assert client_for("committee").get(url).status_code in (403, 404)
