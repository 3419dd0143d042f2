"""Notifications recorded by the concepts' steps, delivered by e-mail from
the background task on commit (immediately or as a daily digest)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from schulsozial.concepts import services as cs
from schulsozial.concepts.tests.factories import adopted_framework, draft_in_consultation
from schulsozial.notifications import services
from schulsozial.notifications.models import Notification, Preference

from .factories import ready_concept, submitted_concept, with_emails

pytestmark = pytest.mark.django_db


def test_submitting_notifies_principal_and_carrier_by_mail_on_commit(
    world, django_capture_on_commit_callbacks
):
    with_emails(world)
    concept = ready_concept(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cs.school_concept_submit(
            concept=concept, by=world.users["worker"], comment="Bitte um Freigabe."
        )
    # Recorded in the step's transaction, nothing sent in it.
    notes = Notification.objects.filter(kind=Notification.Kind.APPROVAL_REQUESTED)
    assert sorted(n.recipient.username for n in notes) == ["schulleitung", "traeger"]
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the task runs (immediate backend in tests)
    assert sorted(m.to[0] for m in mail.outbox) == ["carrier@example.org", "principal@example.org"]
    message = next(m for m in mail.outbox if m.to == ["principal@example.org"])
    assert message.subject == "schulsozial: Das Schulkonzept Testschule 0 wartet auf Ihre Freigabe"
    assert "Hallo schulleitung," in message.body
    assert "Kommentar: Bitte um Freigabe." in message.body
    link = "http://localhost:8000" + reverse("concepts:school_concept_detail", args=[concept.pk])
    assert link in message.body
    assert set(notes.values_list("mail", flat=True)) == {Notification.Mail.SENT}
    # The worker who acted is told nothing; nobody else either.
    assert not Notification.objects.exclude(recipient__username__in=["schulleitung", "traeger"])


def test_a_rolled_back_step_notifies_nobody(world, django_capture_on_commit_callbacks):
    with_emails(world)
    concept = ready_concept(world)
    recorded = []

    def failing_request():
        with transaction.atomic():
            cs.school_concept_submit(concept=concept, by=world.users["worker"])
            recorded.append(Notification.objects.count())  # in the step's transaction
            raise RuntimeError("the request fails after the step")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_request()
    assert recorded == [2]
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_daily_digest_batches_and_immediate_users_are_not_in_it(
    world, django_capture_on_commit_callbacks
):
    with_emails(world)
    principal = world.users["principal"]
    services.preference_set_delivery(user=principal, delivery="daily", by=principal)
    with django_capture_on_commit_callbacks(execute=True):
        concept = submitted_concept(world)
        cs.school_concept_request_changes(concept=concept, by=world.users["carrier"], comment="X")
    # Immediate: the carrier got one mail, the worker one; the principal none yet.
    assert sorted(m.to[0] for m in mail.outbox) == ["carrier@example.org", "worker@example.org"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cs.school_concept_submit(concept=concept, by=world.users["worker"])
    assert [m.to[0] for m in mail.outbox] == ["carrier@example.org"]
    mail.outbox.clear()

    assert services.send_digests() == 1
    (digest,) = mail.outbox
    assert digest.to == ["principal@example.org"]
    assert digest.subject == "schulsozial: 2 neue Benachrichtigungen"
    assert "2 neue Benachrichtigungen seit der letzten Zusammenfassung:" in digest.body
    assert digest.body.count("- Das Schulkonzept Testschule 0 wartet auf Ihre Freigabe") == 2
    assert "http://localhost:8000/benachrichtigungen/" in digest.body
    # Sent once: the next run sends nothing.
    mail.outbox.clear()
    assert services.send_digests() == 0
    assert mail.outbox == []


def test_no_mail_without_address_or_when_the_user_chose_none(
    world, django_capture_on_commit_callbacks
):
    with_emails(world)
    carrier = world.users["carrier"]
    services.preference_set_delivery(user=carrier, delivery="none", by=carrier)
    world.users["principal"].email = ""
    world.users["principal"].save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        submitted_concept(world)
    assert mail.outbox == []
    assert set(Notification.objects.values_list("mail", flat=True)) == {Notification.Mail.NONE}
    assert Preference.objects.get(user=carrier).delivery == "none"


def test_opening_a_consultation_notifies_the_invited(world, django_capture_on_commit_callbacks):
    with_emails(world)
    adopted = adopted_framework(world.town)
    mail.outbox.clear()
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        draft = draft_in_consultation(adopted, invite=[world.users["worker"]])
    names = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert names == ["fachkraft", "schulleitung"]  # in person, and every principal by role
    message = next(m for m in mail.outbox if m.to == ["worker@example.org"])
    assert message.subject == f"schulsozial: Beteiligung zum Rahmenkonzept „{draft.title}“"
    assert "Stellung zu nehmen" in message.body


def test_a_failing_mail_server_leaves_the_notification_pending(world, settings, monkeypatch):
    with_emails(world)
    sent = []

    def broken(*args, **kwargs):
        sent.append(args)
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    (note,) = services.notify(recipients=[world.users["worker"]], kind="reminder", title="T")
    assert services.deliver_immediate([note.pk]) == 0
    note.refresh_from_db()
    assert note.mail == Notification.Mail.PENDING and len(sent) == 1


def test_the_daily_run_sends_what_an_immediate_task_missed(world, capsys):
    from django.core.management import call_command

    with_emails(world)
    # Recorded without its task running (the worker was down): still pending.
    (note,) = services.notify(
        recipients=[world.users["coordinator"]], kind="reminder", title="Nachzuholen"
    )
    assert note.mail == Notification.Mail.PENDING and mail.outbox == []
    call_command("send_digests")
    assert "1 E-Mail versandt." in capsys.readouterr().out  # German, singular (issue 13)
    (message,) = mail.outbox
    assert message.to == ["coordinator@example.org"]
    assert message.subject == "schulsozial: Nachzuholen"
    note.refresh_from_db()
    assert note.mail == Notification.Mail.SENT and note.mailed_at is not None
