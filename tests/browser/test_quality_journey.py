"""Quality management in Chromium, with the keyboard: the social worker starts,
rates and submits the self-evaluation, the principal adds the school's view and
co-signs, and coordination sees the QM cycle table change. (The heat-map part
of the journey is added with the heat map.)"""

from __future__ import annotations

import pytest

from schulsozial.concepts.tests.factories import adopted_framework
from schulsozial.quality.models import SelfEvaluation
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def press(page, selector: str, key: str = "Enter") -> None:
    """Focus the control and press the key; every control pressed here loads a page."""
    page.locator(selector).first.focus()
    with page.expect_navigation():
        page.keyboard.press(key)


def cycle_cell(page, school_number: str, step: str) -> str:
    return page.locator(f'tr[data-school="{school_number}"] td[data-step="{step}"]').get_attribute(
        "data-done"
    )


def rate_with_keyboard(page, steps: int) -> None:
    """Each standard: focus the scale's first radio, Space checks it, ArrowRight
    moves the choice `steps - 1` further; then Tab twice to the evidence field."""
    groups = page.locator("fieldset.rating-scale")
    for i in range(groups.count()):
        groups.nth(i).locator("input[type=radio]").first.focus()
        page.keyboard.press("Space")
        for _ in range(steps - 1):
            page.keyboard.press("ArrowRight")
        page.keyboard.press("Tab")  # reason (not applicable)
        page.keyboard.press("Tab")  # evidence
        page.keyboard.type(f"Beleg {i + 1}")


def test_self_evaluation_from_draft_to_co_sign_with_the_keyboard(live_server, page):
    world = build_world()
    adopted_framework(world.town)
    school = world.schools[0]
    base = live_server.url

    # Coordination: nothing submitted yet.
    log_in(page, base, "koordination")
    page.goto(base + "/qualitaet/zyklus/")
    assert cycle_cell(page, school.school_number, "submitted") == "no"
    assert cycle_cell(page, school.school_number, "co_signed") == "no"

    # The social worker starts the self-evaluation from the menu entry Qualität.
    log_in(page, base, "fachkraft")
    page.get_by_role("link", name="Qualität").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/qualitaet/")
    press(page, f'button[data-action="start"][data-school="{school.pk}"]')
    page.wait_for_url("**/bewerten/worker/")
    assert axe_violations(page) == []
    rate_with_keyboard(page, 3)
    press(page, 'button[data-action="save"]')
    page.wait_for_url("**/selbstevaluation/*/")
    evaluation = SelfEvaluation.objects.get(school=school)
    assert list(evaluation.ratings.values_list("value", flat=True)) == [3, 3, 3]
    assert axe_violations(page) == []
    press(page, 'button[data-action="submit"]')
    assert page.locator("[data-status]").first.get_attribute("data-status") == "submitted"

    # The principal adds the school's view (4, but 1 on ST-01) and co-signs.
    log_in(page, base, "schulleitung")
    page.goto(base + f"/qualitaet/selbstevaluation/{evaluation.pk}/")
    press(page, 'a[data-action="edit-school"]')
    page.wait_for_url("**/bewerten/school/")
    rate_with_keyboard(page, 4)
    first = page.locator("fieldset.rating-scale").first.locator("input[type=radio]").first
    first.focus()
    page.keyboard.press("Space")  # ST-01: step 1, two steps below the worker's 3
    press(page, 'button[data-action="save"]')
    page.wait_for_url("**/selbstevaluation/*/")
    row = page.locator('tr[data-standard="ST-01"]')
    assert row.get_attribute("data-differs") == "true"
    page.locator("#id_summary").focus()
    page.keyboard.type("Die Schule trägt die Einschätzung mit.")
    press(page, 'button[data-action="co-sign"]')
    assert page.locator("[data-status]").first.get_attribute("data-status") == "co_signed"
    evaluation.refresh_from_db()
    assert evaluation.status == "co_signed"
    school_view = evaluation.perspectives.get(perspective="school")
    assert school_view.signed_at is not None and school_view.summary.startswith("Die Schule")

    # Coordination sees the cycle table change.
    log_in(page, base, "koordination")
    page.goto(base + "/qualitaet/zyklus/")
    assert cycle_cell(page, school.school_number, "submitted") == "yes"
    assert cycle_cell(page, school.school_number, "co_signed") == "yes"
    assert page.locator('td[data-total="co_signed"]').inner_text() == "1"
    assert axe_violations(page) == []
