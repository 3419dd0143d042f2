"""Work that comes to you, in Chromium: the social worker submits the school
concept; the principal logs in and finds the approval on the dashboard's
task list and the notification (unread count in the header, the list, the
e-mail sent by the delivery task, which tests run synchronously on commit);
once approved, the task is gone."""

from __future__ import annotations

import pytest
from django.core import mail

from schulsozial.concepts import services as concept_services
from schulsozial.concepts.tests.factories import adopted_framework, fill_concept
from schulsozial.notifications.models import Notification
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_principal_is_told_of_the_submitted_concept(live_server, page):
    world = build_world()
    for user in world.users.values():
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    adopted_framework(world.town)
    worker = world.users["worker"]
    concept = concept_services.school_concept_create(school=world.schools[0], by=worker)
    fill_concept(concept, worker)
    Notification.objects.all().delete()  # the framework's consultation of the set-up
    mail.outbox.clear()
    base = live_server.url
    concept_url = f"{base}/konzepte/school-concepts/{concept.pk}/"

    # The social worker submits.
    log_in(page, base, "fachkraft")
    page.goto(concept_url)
    page.locator("#comment-submit").fill("Bitte um Freigabe.")
    page.locator('button[data-action="submit"]').click()
    page.wait_for_load_state()
    assert page.locator("[data-status]").first.get_attribute("data-status") == "submitted"
    # The worker is told nothing of their own step.
    assert page.locator(".site-notifications [data-unread]").get_attribute("data-unread") == "0"

    # Delivered on commit: one e-mail each to the principal and the carrier.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "schulleitung@example.org",
        "traeger@example.org",
    ]
    message = next(m for m in mail.outbox if m.to == ["schulleitung@example.org"])
    assert "Testschule 0" in message.subject and concept_url.split(base)[1] in message.body

    # The principal sees the task and the notification.
    log_in(page, base, "schulleitung")
    task = page.locator('[data-task="approve_school_concept"]')
    assert task.inner_text().startswith("Schulkonzept Testschule 0 freigeben")
    badge = page.locator(".site-notifications [data-unread]")
    assert badge.get_attribute("data-unread") == "1"
    assert badge.inner_text() == "1 ungelesen"
    assert axe_violations(page) == []

    page.locator(".site-notifications").click()
    page.wait_for_url(base + "/benachrichtigungen/")
    item = page.locator('[data-notification="approval_requested"]')
    assert "Das Schulkonzept Testschule 0 wartet auf Ihre Freigabe" in item.inner_text()
    assert "Kommentar: Bitte um Freigabe." in item.inner_text()
    assert axe_violations(page) == []
    item.locator('button[data-action="mark-read"]').click()
    page.wait_for_load_state()
    assert (
        page.locator('[data-notification="approval_requested"]').get_attribute("data-read") == "yes"
    )
    assert page.locator(".site-notifications [data-unread]").get_attribute("data-unread") == "0"

    # The task leads to the concept; once approved, it is gone.
    page.goto(base + "/")
    page.locator('[data-task="approve_school_concept"] a').click()
    page.wait_for_url(concept_url)
    page.locator('button[data-action="approve_principal"]').click()
    page.wait_for_load_state()
    page.goto(base + "/")
    assert page.locator('[data-task="approve_school_concept"]').count() == 0
    assert page.locator("[data-tasks]").get_attribute("data-tasks") == "0"

    # At 768 px the header with the notification link does not overflow.
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto(base + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
