"""Two people acting at the same moment (issue 11, "Concurrency").

* Two coordinators adopting different scenarios of the same municipality and
  school year at once leave exactly one adopted; the other is told why, in
  German. The partial unique constraint `scenario_one_adopted_per_year` is the
  last guarantee; the service serialises adoptions on the municipality row and
  compares what is adopted with what the coordinator saw on the form.
* Two approvals of the same school concept at once create one approval step;
  a principal and a carrier approving at once both count (the concept is
  approved, not left waiting for an approval it already has).

The racing tests run two threads on separate PostgreSQL connections (SQLite
has one writer at a time, so there is nothing to race). The sequential tests
run on both databases.
"""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from schulsozial.allocation import services as allocation
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.templates_rules import pupils_only
from schulsozial.concepts import services as concepts
from schulsozial.concepts.models import ConceptStep, SchoolConcept
from schulsozial.concepts.services import InvalidTransitionError
from schulsozial.concepts.tests.factories import adopted_framework, fill_concept
from schulsozial.testing.concurrency import in_thread, postgres_only


def _race(calls, *, slow, delay: float = 0.3) -> list[dict]:
    """Start `calls` (callables) at the same moment, each on its own
    connection. `slow` is (class, method name): that method sleeps `delay`
    first, which holds every caller inside its transaction after it has read
    the state, so both read it before either writes (the race window)."""
    owner, name = slow
    original = getattr(owner, name)

    def sleepy(self, *args, **kwargs):
        time.sleep(delay)
        return original(self, *args, **kwargs)

    start = threading.Barrier(len(calls))

    def wrapped(call):
        start.wait(10)
        return call()

    setattr(owner, name, sleepy)
    try:
        runs = [in_thread(wrapped, call) for call in calls]
        for thread, _result in runs:
            thread.join(30)
            assert not thread.is_alive()
    finally:
        setattr(owner, name, original)
    return [result for _thread, result in runs]


def _messages(error: BaseException) -> str:
    return " ".join(getattr(error, "messages", [str(error)]))


# --------------------------------------------------------------------------- scenarios


def _two_drafts(world) -> tuple[Scenario, Scenario]:
    return tuple(  # type: ignore[return-value]
        allocation.scenario_create(
            municipality=world.town,
            school_year=world.year,
            name=name,
            rules_toml=pupils_only(Decimal("4")),
            by=world.users["coordinator"],
        )
        for name in ("Variante A", "Variante B")
    )


def _adopt(scenario: Scenario, by, **extra):
    return allocation.scenario_adopt(
        scenario=scenario,
        decision_body="Jugendhilfeausschuss",
        decision_date="2026-06-30",
        decision_reference=f"2026/{scenario.pk:04d}",
        by=by,
        **extra,
    )


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_adopting_at_once_leave_exactly_one_adopted(world):
    first, second = _two_drafts(world)
    # Both opened the adoption form while nothing was adopted for the year.
    results = _race(
        [
            lambda: _adopt(first, world.users["coordinator"], supersedes=None),
            lambda: _adopt(second, world.users["coordinator"], supersedes=None),
        ],
        slow=(Scenario, "full_clean"),
    )
    won = [r["value"] for r in results if "value" in r]
    lost = [r["error"] for r in results if "error" in r]
    assert len(won) == 1 and len(lost) == 1, results
    assert type(lost[0]).__name__ == "ValidationError", repr(lost[0])  # not an IntegrityError (500)
    assert "inzwischen" in _messages(lost[0]), _messages(lost[0])
    adopted = Scenario.objects.filter(municipality=world.town, school_year=world.year).adopted()
    assert list(adopted) == [won[0]]
    loser = second if won[0].pk == first.pk else first
    loser.refresh_from_db()
    assert loser.status == Scenario.Status.DRAFT


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_the_municipality_lock_the_constraint_still_leaves_one_adopted(world, monkeypatch):
    """The partial unique constraint is the guarantee: with the row lock
    taken away, the second adoption runs into it and gets the same German
    message (not an IntegrityError)."""

    class NoLock:
        def select_for_update(self):
            return self

        def only(self, *fields):
            return self

        def get(self, **kwargs):
            return None

    monkeypatch.setattr(allocation.Municipality, "objects", NoLock())
    first, second = _two_drafts(world)
    results = _race(
        [
            lambda: _adopt(first, world.users["coordinator"]),
            lambda: _adopt(second, world.users["coordinator"]),
        ],
        slow=(Scenario, "full_clean"),
    )
    lost = [r["error"] for r in results if "error" in r]
    assert len(lost) == 1, results
    assert type(lost[0]).__name__ == "ValidationError", repr(lost[0])
    assert "inzwischen" in _messages(lost[0])
    assert Scenario.objects.filter(municipality=world.town).adopted().count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_adoptions_at_once_without_a_form_still_leave_one_adopted(world):
    """Callers that supersede on purpose (the demo builder, scripts) are
    serialised: the later one supersedes the earlier one, no IntegrityError."""
    first, second = _two_drafts(world)
    results = _race(
        [
            lambda: _adopt(first, world.users["coordinator"]),
            lambda: _adopt(second, world.users["coordinator"]),
        ],
        slow=(Scenario, "full_clean"),
    )
    assert all("value" in r for r in results), results
    statuses = sorted(Scenario.objects.filter(pk__in=[first.pk, second.pk]).values_list("status"))
    assert statuses == [("adopted",), ("superseded",)]


def test_an_adoption_after_another_one_the_form_did_not_show_is_refused_in_german(
    world, client_for
):
    first, second = _two_drafts(world)
    other = client_for("coordinator")
    mine = client_for("coordinator")
    form = mine.get(f"/verteilung/{second.pk}/adopt/")
    assert form.status_code == 200
    seen = form.context["form"]["supersedes"].value()
    assert seen in (None, "")
    data = {
        "decision_body": "Jugendhilfeausschuss",
        "decision_date": "2026-06-30",
        "decision_reference": "2026/0007",
    }
    # Meanwhile a colleague adopts the first scenario.
    done = other.post(
        f"/verteilung/{first.pk}/adopt/", {**data, "supersedes": seen or ""}, follow=True
    )
    assert done.status_code == 200
    first.refresh_from_db()
    assert first.status == Scenario.Status.ADOPTED
    refused = mine.post(f"/verteilung/{second.pk}/adopt/", {**data, "supersedes": seen or ""})
    assert refused.status_code == 200
    text = refused.content.decode()
    assert "inzwischen" in text and "Variante A" in text, text[:2000]
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.status == Scenario.Status.DRAFT and first.status == Scenario.Status.ADOPTED
    # Having seen it, the coordinator may replace it on purpose.
    form = mine.get(f"/verteilung/{second.pk}/adopt/")
    assert str(form.context["form"]["supersedes"].value()) == str(first.pk)
    assert "Variante A" in form.content.decode()
    # Replacing an adopted scenario takes the confirmation step first.
    step = mine.post(f"/verteilung/{second.pk}/adopt/", {**data, "supersedes": first.pk})
    assert step.status_code == 200 and 'name="confirm"' in step.content.decode()
    replaced = mine.post(
        f"/verteilung/{second.pk}/adopt/", {**data, "supersedes": first.pk, "confirm": "1"}
    )
    assert replaced.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "adopted")


def test_adopting_an_adopted_scenario_again_is_refused_in_german(world):
    first, _second = _two_drafts(world)
    _adopt(first, world.users["coordinator"], supersedes=None)
    with pytest.raises(Exception) as refused:
        _adopt(first, world.users["coordinator"], supersedes=first)
    assert type(refused.value).__name__ == "ValidationError"
    assert "Nur ein Entwurf kann beschlossen werden" in _messages(refused.value)
    assert Scenario.objects.adopted().count() == 1


# --------------------------------------------------------------------------- school concepts


def _submitted_concept(world) -> SchoolConcept:
    adopted_framework(world.town)
    worker = world.users["worker"]
    concept = concepts.school_concept_create(school=world.schools[0], by=worker)
    fill_concept(concept, worker)
    return concepts.school_concept_submit(concept=concept, by=worker)


def _steps(concept: SchoolConcept, action: str) -> int:
    return ConceptStep.objects.filter(concept=concept, action=action).count()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_approvals_of_the_same_concept_at_once_create_one_step(world):
    concept = _submitted_concept(world)
    principal = world.users["principal"]
    results = _race(
        [
            lambda: concepts.school_concept_approve_as_principal(concept=concept, by=principal),
            lambda: concepts.school_concept_approve_as_principal(concept=concept, by=principal),
        ],
        slow=(SchoolConcept, "save"),
    )
    won = [r for r in results if "value" in r]
    lost = [r["error"] for r in results if "error" in r]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], InvalidTransitionError)
    assert "bereits" in _messages(lost[0]), _messages(lost[0])
    assert _steps(concept, "approve_principal") == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_principal_and_carrier_approving_at_once_approve_the_concept(world):
    concept = _submitted_concept(world)
    results = _race(
        [
            lambda: concepts.school_concept_approve_as_principal(
                concept=concept, by=world.users["principal"]
            ),
            lambda: concepts.school_concept_approve_as_carrier(
                concept=concept, by=world.users["carrier"]
            ),
        ],
        slow=(SchoolConcept, "save"),
    )
    assert all("value" in r for r in results), results
    concept.refresh_from_db()
    assert concept.status == SchoolConcept.Status.APPROVED
    assert concept.principal_approved_at and concept.carrier_approved_at
    assert _steps(concept, "approve_principal") == _steps(concept, "approve_carrier") == 1


@pytest.mark.django_db
def test_a_second_approval_is_refused_in_german_and_adds_no_step(world, client_for):
    concept = _submitted_concept(world)
    principal = client_for("principal")
    url = f"/konzepte/school-concepts/{concept.pk}/step/approve_principal/"
    first = principal.post(url, {"comment": ""}, follow=True)
    assert first.status_code == 200
    again = principal.post(url, {"comment": ""}, follow=True)
    assert again.status_code in (200, 400)
    assert "bereits" in again.content.decode()
    assert _steps(concept, "approve_principal") == 1
