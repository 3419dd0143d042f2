"""The task list: computed from the concepts' state, scoped, gone once done."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from schulsozial.concepts import services as cs
from schulsozial.concepts.tests.factories import adopted_framework, draft_in_consultation
from schulsozial.core.actors import SYSTEM
from schulsozial.notifications import registry
from schulsozial.notifications.selectors import deadlines_of, open_tasks

from .factories import foreign_principal_and_concept, submitted_concept

pytestmark = pytest.mark.django_db


def tasks(user):
    """The user's open tasks of the concepts (the quality cycle, contracts and
    staffing plan register their own providers, tested in their apps)."""
    return [
        (t.kind, t.title)
        for t in open_tasks(user=user, day=timezone.localdate())
        if t.url.startswith("/konzepte/")
    ]


def test_principal_and_carrier_get_the_approval_task_which_is_gone_once_approved(world):
    concept = submitted_concept(world)
    principal, carrier = world.users["principal"], world.users["carrier"]
    wanted = ("approve_school_concept", "Schulkonzept Testschule 0 freigeben")
    assert tasks(principal) == [wanted]
    assert tasks(carrier) == [wanted]
    item = open_tasks(user=principal, day=timezone.localdate())[0]
    assert item.url == reverse("concepts:school_concept_detail", args=[concept.pk])

    cs.school_concept_approve_as_principal(concept=concept, by=principal)
    assert tasks(principal) == []
    assert tasks(carrier) == [wanted]  # the carrier has not approved yet
    cs.school_concept_approve_as_carrier(concept=concept, by=carrier)
    assert tasks(carrier) == []
    # Coordination now acknowledges.
    assert tasks(world.users["coordinator"]) == [
        ("acknowledge_school_concept", "Schulkonzept Testschule 0 zur Kenntnis nehmen")
    ]


def test_changes_requested_become_the_workers_task(world):
    concept = submitted_concept(world)
    cs.school_concept_request_changes(
        concept=concept, by=world.users["principal"], comment="Ziele konkreter fassen."
    )
    assert tasks(world.users["worker"]) == [
        (
            "revise_school_concept",
            "Schulkonzept Testschule 0 überarbeiten: Änderungen wurden erbeten",
        )
    ]
    assert tasks(world.users["principal"]) == []
    assert tasks(world.users["worker2"]) == []  # another school


def test_a_user_never_sees_another_municipalitys_tasks(world):
    submitted_concept(world)
    foreign_principal, _concept = foreign_principal_and_concept(world)
    assert tasks(foreign_principal) == [
        ("approve_school_concept", "Schulkonzept Nachbarschule freigeben")
    ]
    for name in ("principal", "carrier", "coordinator", "worker", "committee", "admin"):
        assert all("Nachbarschule" not in title for _kind, title in tasks(world.users[name]))
    day = timezone.localdate()
    far = day + datetime.timedelta(days=4000)
    assert all(
        d.municipality_id == world.town.pk
        for d in deadlines_of(user=world.users["coordinator"], day=day, start=day, end=far)
    )


def test_invited_workers_comment_until_they_have_commented(world):
    worker = world.users["worker"]
    adopted = adopted_framework(world.town)
    draft = draft_in_consultation(adopted, invite=[worker])
    title = f"Zum Rahmenkonzept „{draft.title}“ Stellung nehmen"
    assert ("comment_consultation", title) in tasks(worker)
    assert ("comment_consultation", title) in tasks(world.users["principal"])  # invited by role
    assert all(kind != "comment_consultation" for kind, _ in tasks(world.users["carrier"]))
    cs.comment_create(
        version=draft, section=draft.sections.get(key="goals"), text="Konkreter.", by=worker
    )
    assert all(kind != "comment_consultation" for kind, _ in tasks(worker))
    # Coordination answers the one comment (singular form).
    assert (
        "answer_comments",
        f"1 Stellungnahme zu „{draft.title}“ beantworten",
    ) in tasks(world.users["coordinator"])


def test_reviews_due_show_with_their_date(world):
    adopted = adopted_framework(world.town)
    soon = timezone.localdate() + datetime.timedelta(days=20)
    type(adopted).objects.filter(pk=adopted.pk).update(review_due=soon)
    coordinator_tasks = open_tasks(user=world.users["coordinator"], day=timezone.localdate())
    review = [t for t in coordinator_tasks if t.kind == "review_framework"]
    assert len(review) == 1 and review[0].due == soon
    assert all(
        t.kind != "review_framework" for t in open_tasks(user=world.users["worker"], day=soon)
    )


def test_a_registered_provider_adds_its_tasks_and_system_gets_none(world):
    calls = []

    def provider(user, day):
        calls.append(user)
        yield registry.WorkItem("contract_ending", "Vertrag endet", "/x/", due=day)

    registry.register_tasks(provider)
    try:
        ours = [
            (t.kind, t.title)
            for t in open_tasks(user=world.users["carrier"], day=timezone.localdate())
        ]
        assert ("contract_ending", "Vertrag endet") in ours
        assert open_tasks(user=SYSTEM, day=timezone.localdate()) == []
    finally:
        registry._task_providers.remove(provider)
    assert calls == [world.users["carrier"]]


def test_an_approval_is_due_some_weeks_after_the_submission_and_reminded(
    world, settings, django_capture_on_commit_callbacks
):
    from schulsozial.notifications.models import Notification
    from schulsozial.notifications.services import send_reminders

    settings.SCHOOL_CONCEPT_APPROVAL_DAYS = 10
    settings.NOTIFICATION_REMINDER_DAYS = {"school_concept_approval": [3]}
    submitted_concept(world)
    day = timezone.localdate()
    due = day + datetime.timedelta(days=10)
    principal = world.users["principal"]
    (item,) = open_tasks(user=principal, day=day)
    assert item.due == due
    found = deadlines_of(user=principal, day=day, start=day, end=due)
    assert [(d.date, d.title) for d in found] == [
        (due, "Schulkonzept Testschule 0: Freigabe erbeten")
    ]
    assert deadlines_of(user=world.users["worker"], day=day, start=day, end=due) == []
    Notification.objects.all().delete()
    assert send_reminders(day=day).sent == 0  # 10 days ahead, reminded at 3
    assert send_reminders(day=due - datetime.timedelta(days=2)).sent == 2  # principal, carrier
    cs.school_concept_approve_as_principal(concept=item_concept(item), by=principal)
    assert deadlines_of(user=principal, day=day, start=day, end=due) == []


def item_concept(item):
    from schulsozial.concepts.models import SchoolConcept

    return SchoolConcept.objects.get(pk=int(item.url.rstrip("/").rsplit("/", 1)[1]))
