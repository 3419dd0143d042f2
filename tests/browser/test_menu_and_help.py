"""Menu per role and in-app help in the browser (issue 13): the social
worker's menu, the current page marked visibly, the help link opening the
chapter of the page, no sideways overflow at 1280 and 768 px, axe clean."""

from __future__ import annotations

import pytest

from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1280, 768])
def test_worker_menu_marks_the_page_and_help_opens_its_chapter(live_server, page, width):
    build_world()
    base = live_server.url
    log_in(page, base, "fachkraft")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(base + "/dokumentation/neu/")
    nav = page.get_by_role("navigation", name="Hauptnavigation")
    links = nav.get_by_role("link")
    assert links.all_inner_texts() == [
        "Übersicht",
        "Dokumentation der Arbeit",
        "Konzepte",
        "Qualität",
        "Ratsvorlagen",
        "Statistik",
    ]
    current = nav.locator("a[aria-current=page]")
    assert current.inner_text() == "Dokumentation der Arbeit"
    # Visible, not by colour alone: bold and a thick bar under the entry.
    style = current.evaluate(
        "e => [getComputedStyle(e).fontWeight, getComputedStyle(e).borderBottomWidth]"
    )
    assert style == ["700", "4px"]
    assert page.evaluate(OVERFLOW) <= 0
    page.get_by_role("link", name="Hilfe").click()
    page.wait_for_url("**/hilfe/#dokumentation")
    heading = page.locator("#dokumentation")
    assert heading.inner_text() == "Dokumentation"
    page.wait_for_function(
        "() => Math.abs(document.querySelector('#dokumentation').getBoundingClientRect().top) < 200"
    )
    assert page.get_by_role("navigation", name="Inhalt").get_by_role("link").count() > 15
    assert page.evaluate(OVERFLOW) <= 0
    assert axe_violations(page) == []
    page.get_by_role("link", name="Glossar").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Glossar"
    assert page.evaluate(OVERFLOW) <= 0
