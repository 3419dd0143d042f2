"""A social worker records three activities with the keyboard only, then
sees them counted in their own statistics (issue #5)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from schulsozial.activities.services import catalogues_ensure_defaults
from schulsozial.core.actors import SYSTEM
from schulsozial.testing.personas import PASSWORD, build_world

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worker_records_three_activities_by_keyboard_and_sees_them_counted(live_server, page):
    world = build_world()
    catalogues_ensure_defaults(municipality=world.town, by=SYSTEM)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Benutzername").focus()
    page.keyboard.type("fachkraft")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")

    page.goto(live_server.url + "/dokumentation/neu/")
    for minutes in ("45", "30", "60"):
        # The minutes field has the focus; the two required lists follow it.
        # The browser applies autofocus when it next renders, which may come
        # after the load event on a busy machine: wait for it (up to 5 s).
        expect(page.locator("input[name=minutes]")).to_be_focused()
        page.keyboard.type(minutes)
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "activity_type"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "target_group"
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Shift+Tab")
        page.keyboard.press("Shift+Tab")
        with page.expect_navigation():
            page.keyboard.press("Enter")  # Enter saves and opens the next entry
        assert "Gespeichert" in page.get_by_role("status").inner_text()

    page.goto(live_server.url + "/statistik/?view=worker")
    total = page.locator("#activity_type .stat-total td").first.inner_text().strip()
    assert total == "3"
    hours = page.locator("#activity_type .stat-total td").nth(1).inner_text().strip()
    assert hours.replace(",", ".") == "2.3"  # 135 minutes
    assert page.locator("#activity_type svg").count() == 1
    assert axe_violations(page) == []
