"""Reminders 12, 6 and 3 months before a fixed-term contract ends: to
coordination and the employing carrier, each once, by e-mail (issue 15)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from schulsozial.contracts import services
from schulsozial.contracts.models import Reason
from schulsozial.core.actors import SYSTEM
from schulsozial.notifications.models import Notification, SentReminder
from schulsozial.notifications.selectors import open_tasks
from schulsozial.notifications.services import send_reminders
from schulsozial.notifications.tests.factories import with_emails

from .factories import contracts_for_world, fixed_contract


@pytest.fixture(autouse=True)
def _emails(world):
    with_emails(world)


def contract_mails():
    return sorted((m.to[0], m.subject) for m in mail.outbox if "Befristeter Vertrag" in m.subject)


def test_each_threshold_is_reminded_once_to_coordination_and_the_carrier(
    world, django_capture_on_commit_callbacks
):
    contract = fixed_contract(world, days=400)
    end = contract.end
    day = end - datetime.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(day=day).sent == 0  # more than 12 months ahead
        assert send_reminders(day=end - datetime.timedelta(days=365)).sent == 2
        assert send_reminders(day=end - datetime.timedelta(days=300)).sent == 0
        assert send_reminders(day=end - datetime.timedelta(days=183)).sent == 2
        assert send_reminders(day=end - datetime.timedelta(days=183)).sent == 0
        assert send_reminders(day=end - datetime.timedelta(days=92)).sent == 2
        assert send_reminders(day=end - datetime.timedelta(days=10)).sent == 0
        assert send_reminders(day=end + datetime.timedelta(days=1)).sent == 0
    subject = "schulsozial: Erinnerung: Befristeter Vertrag von Fachkraft T-02 endet"
    assert contract_mails() == sorted(
        [("coordinator@example.org", subject), ("carrier@example.org", subject)] * 3
    )
    leads = sorted(
        SentReminder.objects.filter(key=f"contract_end:{contract.pk}").values_list(
            "lead_days", flat=True
        )
    )
    assert leads == [92, 92, 183, 183, 365, 365]
    note = Notification.objects.filter(recipient=world.users["carrier"]).latest("pk")
    assert note.url == f"/vertraege/person/{contract.staff_member_id}/"
    assert note.body == f"Fällig am {end:%d.%m.%Y}, in 92 Tagen."


def test_nobody_else_is_reminded_and_permanent_contracts_never(
    world, django_capture_on_commit_callbacks
):
    contracts_for_world(world)  # T-02 ends in 120 days, the others are permanent
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(day=timezone.localdate()).sent == 2
    recipients = {m.to[0] for m in mail.outbox if "Befristeter Vertrag" in m.subject}
    assert recipients == {"coordinator@example.org", "carrier@example.org"}


def test_an_extension_starts_the_reminders_anew(world, django_capture_on_commit_callbacks):
    contract = fixed_contract(world, days=80)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(day=today).sent == 2
        services.contract_extend(
            contract=contract,
            new_end=contract.end + datetime.timedelta(days=285),  # 365 days from today
            agreed_on=today,
            reason=Reason.FUNDING_ENDS,
            by=SYSTEM,
        )
        assert send_reminders(day=today).sent == 2  # the 12-month reminder of the new end
        assert send_reminders(day=today).sent == 0
    assert len(contract_mails()) == 4


def test_a_contract_ending_soon_is_a_task_of_carrier_and_coordination(world):
    contract = fixed_contract(world, days=100)
    today = timezone.localdate()
    for name in ("coordinator", "carrier"):
        items = [
            i for i in open_tasks(user=world.users[name], day=today) if i.kind == "contract_ending"
        ]
        assert [(i.due, i.url) for i in items] == [
            (contract.end, f"/vertraege/person/{contract.staff_member_id}/")
        ]
        assert items[0].title.startswith("Befristeter Vertrag von Fachkraft T-02 endet am ")
    for name in ("worker", "worker2", "principal", "committee", "admin"):
        assert not [
            i for i in open_tasks(user=world.users[name], day=today) if i.kind == "contract_ending"
        ]
