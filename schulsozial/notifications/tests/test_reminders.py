"""Reminders at the configured lead times, each sent once."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from schulsozial.concepts.models import FrameworkVersion
from schulsozial.concepts.tests.factories import adopted_framework
from schulsozial.notifications.models import Notification, SentReminder
from schulsozial.notifications.services import send_reminders

from .factories import with_emails

pytestmark = pytest.mark.django_db


@pytest.fixture
def review_in(world, settings):
    settings.NOTIFICATION_REMINDER_DAYS = {"framework_review": [30, 7]}
    with_emails(world)
    adopted = adopted_framework(world.town)

    def set_days(days: int) -> datetime.date:
        due = timezone.localdate() + datetime.timedelta(days=days)
        FrameworkVersion.objects.filter(pk=adopted.pk).update(review_due=due)
        return due

    return set_days


def test_framework_review_is_reminded_once_per_lead_time(
    world, review_in, django_capture_on_commit_callbacks
):
    due = review_in(20)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(day=today).sent == 1
    (note,) = Notification.objects.filter(kind="reminder")
    assert note.recipient == world.users["coordinator"]
    assert note.title == "Erinnerung: Rahmenkonzept „Rahmenkonzept Teststadt“: Überprüfung fällig"
    assert note.body == f"Fällig am {due:%d.%m.%Y}, in 20 Tagen."
    assert [m.to for m in mail.outbox] == [["coordinator@example.org"]]

    # Run again the same day and the next days: nothing new until 7 days ahead.
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(day=today).sent == 0
        assert send_reminders(day=today + datetime.timedelta(days=5)).sent == 0
        assert send_reminders(day=due - datetime.timedelta(days=7)).sent == 1
        assert send_reminders(day=due - datetime.timedelta(days=1)).sent == 0
    assert SentReminder.objects.count() == 2
    assert len(mail.outbox) == 2
    assert mail.outbox[1].body.count("in 7 Tagen") == 1


def test_no_reminder_beyond_the_lead_time_nor_after_the_date(world, review_in):
    review_in(45)
    assert send_reminders().sent == 0
    review_in(-2)
    assert send_reminders().sent == 0
    assert not SentReminder.objects.exists()


def test_the_command_runs_the_reminders_and_can_enqueue(world, review_in, capsys):
    review_in(3)
    call_command("send_reminders")
    out = capsys.readouterr().out  # German, singular and plural (issue 13)
    assert re.fullmatch(r"1 Erinnerung versandt; \d+ Benutzerkont(o|en) geprüft\.\n", out)
    call_command("send_reminders", "--enqueue")  # immediate backend in tests: runs now
    assert "Auftrag für die Erinnerungen " in capsys.readouterr().out
    assert SentReminder.objects.count() == 1
