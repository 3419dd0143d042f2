"""Contract pages in Chromium at the narrow width of a tablet (768 px): the
page itself never scrolls sideways; wide tables scroll in their own box."""

from __future__ import annotations

import pytest

from schulsozial.contracts.tests.factories import contracts_for_world
from schulsozial.testing.personas import build_world

from .conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_contract_history_of_a_person_fits_a_768_px_screen(live_server, page):
    world = build_world()
    contract = contracts_for_world(world)[1]
    page.set_viewport_size({"width": 768, "height": 900})
    log_in(page, live_server.url, "koordination")
    page.goto(f"{live_server.url}/vertraege/person/{contract.staff_member_id}/")
    assert page.locator('[data-table="history"]').count() == 1
    assert "Vertragsgeschichte" in page.locator("main").inner_text()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls {overflow} px sideways"
