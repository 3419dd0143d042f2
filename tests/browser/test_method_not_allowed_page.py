"""A form's address opened directly (issue 13: Django's empty 405 page) in
Chromium: German, in the layout with the menu, a way back; axe clean, no
sideways overflow at 768 px."""

from __future__ import annotations

import pytest

from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_form_address_opened_directly_explains_itself_and_leads_back(live_server, page):
    build_world()
    base = live_server.url
    log_in(page, base, "koordination")
    response = page.goto(base + "/accounts/me/logout-everywhere/", referer=base + "/accounts/me/")
    assert response is not None and response.status == 405
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == "Adresse kann nicht direkt aufgerufen werden"
    assert page.get_by_role("navigation", name="Hauptnavigation").count() == 1
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 768, "height": 900})
    assert (
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        <= 0
    )
    page.get_by_role("link", name="Zurück zur vorigen Seite").click()
    page.wait_for_url(base + "/accounts/me/")
