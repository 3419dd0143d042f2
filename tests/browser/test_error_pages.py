"""A refused page and an unknown address in Chromium (issue 13): German, in
the platform's layout with the menu, a way back and on to the start page;
no serious accessibility finding, no sideways overflow at 768 px."""

from __future__ import annotations

import pytest

from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_a_refused_page_explains_itself_and_leads_back(live_server, page):
    build_world()
    base = live_server.url
    log_in(page, base, "gremium")
    page.goto(base + "/statistik/")
    response = page.goto(base + "/accounts/users/", referer=base + "/statistik/")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Kein Zugriff"
    assert page.get_by_text("Ihre Rollen erlauben diese Seite oder diese Aktion nicht").count() == 1
    assert page.get_by_role("navigation", name="Hauptnavigation").count() == 1
    assert "Forbidden" not in page.content()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 768, "height": 900})
    assert overflow(page) <= 0
    page.get_by_role("link", name="Zurück zur vorigen Seite").click()
    page.wait_for_url(base + "/statistik/")

    page.goto(base + "/accounts/users/")
    page.get_by_role("link", name="Zur Startseite").click()
    page.wait_for_url(base + "/")


def test_an_unknown_address_explains_itself(live_server, page):
    build_world()
    base = live_server.url
    log_in(page, base, "koordination")
    response = page.goto(base + "/stammdaten/gibt-es-nicht/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Seite nicht gefunden"
    assert page.locator("main code").inner_text() == "/stammdaten/gibt-es-nicht/"
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 768, "height": 900})
    assert overflow(page) <= 0
