"""The notification pages: list, mark as read, unread count, settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schulsozial.notifications import services
from schulsozial.notifications.models import Notification, Preference

from .factories import submitted_concept

pytestmark = pytest.mark.django_db


def test_the_principal_sees_the_notification_marks_it_read_and_the_count_falls(world, client_for):
    submitted_concept(world)
    client = client_for("principal")
    badge = client.get(reverse("notifications:badge")).content.decode()
    assert 'data-unread="1"' in badge and "1 ungelesen" in badge
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Das Schulkonzept Testschule 0 wartet auf Ihre Freigabe" in page
    assert "1 ungelesene Benachrichtigung." in page
    note = Notification.objects.get(recipient=world.users["principal"])
    response = client.post(reverse("notifications:mark_read", args=[note.pk]))
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-unread="0"' in client.get(reverse("notifications:badge")).content.decode()


def test_nobody_marks_another_users_notification(world, client_for):
    submitted_concept(world)
    note = Notification.objects.get(recipient=world.users["principal"])
    response = client_for("carrier").post(reverse("notifications:mark_read", args=[note.pk]))
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None
    page = client_for("coordinator").get(reverse("notifications:list")).content.decode()
    assert "wartet auf Ihre Freigabe" not in page


def test_mark_all_read(world, client_for):
    submitted_concept(world)
    services.notify(recipients=[world.users["principal"]], kind="reminder", title="Zweite")
    client = client_for("principal")
    assert (
        "2 ungelesene Benachrichtigungen."
        in client.get(reverse("notifications:list")).content.decode()
    )
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exclude(
        recipient=world.users["carrier"]
    )


def test_the_user_chooses_the_daily_digest(world, client_for):
    client = client_for("worker")
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "eine E-Mail je Benachrichtigung" in page
    response = client.post(
        reverse("notifications:preferences"), {"form": "delivery", "delivery": "daily"}
    )
    assert response.status_code == 302
    assert Preference.objects.get(user=world.users["worker"]).delivery == "daily"
    bad = client.post(
        reverse("notifications:preferences"), {"form": "delivery", "delivery": "hourly"}
    )
    assert bad.status_code == 200
    assert Preference.objects.get(user=world.users["worker"]).delivery == "daily"


def test_the_calendar_link_is_shown_once_and_can_be_revoked(world, client_for):
    client = client_for("worker")
    page = client.post(reverse("notifications:preferences"), {"form": "feed_create"})
    html = page.content.decode()
    feed = f"/benachrichtigungen/kalender/{world.users['worker'].pk}/"
    assert feed in html and "nur jetzt angezeigt" in html
    again = client.get(reverse("notifications:preferences")).content.decode()
    assert feed not in again  # only the hash is kept
    assert 'data-feed="active"' in again
    client.post(reverse("notifications:preferences"), {"form": "feed_revoke"})
    assert Preference.objects.get(user=world.users["worker"]).feed_token_hash == ""


def test_the_dashboard_lists_the_tasks_of_the_user(world, client_for):
    submitted_concept(world)
    page = client_for("principal").get(reverse("dashboard:home")).content.decode()
    assert "Wartet auf Sie" in page
    assert 'data-task="approve_school_concept"' in page
    assert "Schulkonzept Testschule 0 freigeben" in page
    page = client_for("committee").get(reverse("dashboard:home")).content.decode()
    assert 'data-tasks="0"' in page and "Für Sie liegt nichts an." in page


def test_pages_need_a_login(client):
    for name in ("notifications:list", "notifications:preferences", "notifications:calendar"):
        assert client.get(reverse(name)).status_code == 302
