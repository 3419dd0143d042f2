"""A school concept from draft to acknowledgement in Chromium: the social
worker drafts it, the completeness check blocks submission until the work is
done, principal and carrier approve, coordination acknowledges, and the
concept landscape shows the new status."""

from __future__ import annotations

import pytest

from schulsozial.concepts.models import SchoolConcept
from schulsozial.concepts.tests.factories import adopted_framework
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def status(page) -> str:
    return page.locator("[data-status]").first.get_attribute("data-status")


def step(page, action: str) -> None:
    page.locator(f'button[data-action="{action}"]').click()
    page.wait_for_load_state()


def test_school_concept_from_draft_to_acknowledgement(live_server, page):
    world = build_world()
    adopted_framework(world.town)
    school = world.schools[0]
    base = live_server.url

    # The social worker creates the concept from the adopted framework.
    log_in(page, base, "fachkraft")
    page.get_by_role("link", name="Concepts").or_(page.get_by_role("link", name="Konzepte")).click()
    page.locator(
        f'button[data-action="create-concept"][data-school="{school.school_number}"]'
    ).click()
    page.wait_for_url("**/school-concepts/*/")
    concept_url = page.url
    assert page.locator("[data-completeness]").get_attribute("data-completeness") == "incomplete"
    assert axe_violations(page) == []

    # Submitting is refused while parts are missing.
    step(page, "submit")
    assert status(page) == "draft"
    assert page.locator(".kern-alert--danger").count() >= 1
    missing = page.locator("[data-missing]").count()
    assert missing == 7  # five required sections, two binding standards

    # Fill every required section and binding standard.
    for kind in ("edit-section", "edit-standard"):
        for index in range(page.locator(f'[data-action="{kind}"]').count()):
            page.locator(f'[data-action="{kind}"]').nth(index).click()
            page.locator("#id_text").fill(f"Unsere Umsetzung, Teil {index + 1}.")
            page.locator('button[data-action="save"]').click()
            page.wait_for_url(concept_url + "*")
    assert page.locator("[data-completeness]").get_attribute("data-completeness") == "complete"
    page.locator("#comment-submit").fill("Bitte um Freigabe.")
    step(page, "submit")
    assert status(page) == "submitted"

    # Principal and carrier approve (either order), coordination acknowledges.
    log_in(page, base, "schulleitung")
    page.goto(concept_url)
    step(page, "approve_principal")
    assert status(page) == "submitted"
    assert page.locator('[data-fact="principal-approved"]').inner_text() != ""
    log_in(page, base, "traeger")
    page.goto(concept_url)
    step(page, "approve_carrier")
    assert status(page) == "approved"
    log_in(page, base, "koordination")
    page.goto(concept_url)
    step(page, "acknowledge")
    assert status(page) == "acknowledged"
    assert [s.get_attribute("data-step") for s in page.locator("[data-step]").all()] == [
        "create",
        "submit",
        "approve_principal",
        "approve_carrier",
        "acknowledge",
    ]

    # The concept landscape shows the new status.
    page.goto(base + "/konzepte/")
    assert page.locator('[data-count="acknowledged"]').inner_text() == "1"
    assert (
        page.locator('[data-figure="current-share"] .figure__value').inner_text().startswith("25")
    )
    row = page.locator("tr", has=page.get_by_role("link", name=school.name))
    assert row.count() == 1
    assert axe_violations(page) == []
    assert SchoolConcept.objects.get(school=school).status == "acknowledged"
