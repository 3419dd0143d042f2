"""The calendar of deadlines and its iCalendar feed behind a per-user secret."""

from __future__ import annotations

import datetime

import icalendar
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from schulsozial.concepts.models import FrameworkVersion
from schulsozial.concepts.tests.factories import adopted_framework, draft_in_consultation
from schulsozial.core.models import AuditEntry
from schulsozial.notifications import services

pytestmark = pytest.mark.django_db


def feed_url(user, token: str) -> str:
    return reverse("notifications:feed", kwargs={"user_id": user.pk, "token": token})


@pytest.fixture
def deadlines(world):
    adopted = adopted_framework(world.town)
    review = timezone.localdate() + datetime.timedelta(days=100)
    FrameworkVersion.objects.filter(pk=adopted.pk).update(review_due=review)
    draft = draft_in_consultation(adopted, invite=[world.users["worker"]])
    return {"review": review, "closes": draft.consultation_closes, "draft": draft}


def test_the_feed_parses_back_with_the_users_deadlines(world, deadlines):
    coordinator = world.users["coordinator"]
    token = services.feed_token_create(user=coordinator, by=coordinator)
    response = Client().get(feed_url(coordinator, token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    events = sorted((e.decoded("dtstart"), str(e["summary"])) for e in cal.walk("VEVENT"))
    title = deadlines["draft"].title
    assert events == [
        (deadlines["closes"], f"Beteiligung zu „{title}“ endet"),
        (deadlines["review"], "Rahmenkonzept „Rahmenkonzept Teststadt“: Überprüfung fällig"),
    ]
    uids = [str(e["uid"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == 2
    assert AuditEntry.objects.filter(object_type="notifications.preference").count() == 1


def test_the_worker_sees_only_the_consultation(world, deadlines):
    worker = world.users["worker"]
    token = services.feed_token_create(user=worker, by=worker)
    cal = icalendar.Calendar.from_ical(Client().get(feed_url(worker, token)).content)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == [
        f"Beteiligung zu „{deadlines['draft'].title}“ endet"
    ]


def test_another_users_token_an_old_or_a_revoked_one_is_refused(world, deadlines):
    coordinator, worker = world.users["coordinator"], world.users["worker"]
    mine = services.feed_token_create(user=coordinator, by=coordinator)
    theirs = services.feed_token_create(user=worker, by=worker)
    assert Client().get(feed_url(coordinator, theirs)).status_code == 404
    assert Client().get(feed_url(worker, mine)).status_code == 404
    new = services.feed_token_create(user=coordinator, by=coordinator)
    assert Client().get(feed_url(coordinator, mine)).status_code == 404  # replaced
    assert Client().get(feed_url(coordinator, new)).status_code == 200
    services.feed_token_revoke(user=coordinator, by=coordinator)
    assert Client().get(feed_url(coordinator, new)).status_code == 404
    coordinator.is_active = False
    coordinator.save(update_fields=["is_active"])
    again = services.feed_token_create(user=worker, by=worker)
    assert Client().get(feed_url(worker, again)).status_code == 200


def test_the_calendar_page_lists_the_deadlines(world, deadlines, client_for):
    page = client_for("coordinator").get(reverse("notifications:calendar")).content.decode()
    assert page.index("Beteiligung zu") < page.index("Überprüfung fällig")  # by date
    assert f'datetime="{deadlines["review"]:%Y-%m-%d}"' in page
    assert "Nachbarstadt" not in page
