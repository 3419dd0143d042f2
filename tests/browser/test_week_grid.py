"""The weekly grid in a real browser (issue 13): at 1280 px nothing is cut off
on the right, at 768 px nothing pushes the page sideways; a row takes two
topics by keyboard and is saved as one record; a refused row puts the focus
on a German error summary that leads to the field."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from schulsozial.activities.models import Activity
from schulsozial.activities.services import activity_record, catalogues_ensure_defaults
from schulsozial.activities.tests.factories import activity_input, entry
from schulsozial.core.actors import SYSTEM
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Sideways overflow of the page, and every visible element of the main area
# that ends right of the viewport or is clipped inside a scrolling box.
CUT_OFF = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('.kern-sr-only')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.right > width + 1) found.push(`${el.tagName}.${el.className} ends at ${Math.round(box.right)}`);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      found.push(`${el.tagName}.${el.className} scrolls ${el.scrollWidth} > ${el.clientWidth}`);
    const card = el.closest('.week-row');
    if (card && box.width && box.right > card.getBoundingClientRect().right + 1)
      found.push(`${el.tagName}.${el.className} leaves its row at ${Math.round(box.right)}`);
  }
  return {overflow: document.documentElement.scrollWidth - width, found: found.slice(0, 10)};
}"""


def _focused(page) -> str:
    return page.evaluate("document.activeElement.name || document.activeElement.tagName")


def test_the_weekly_grid_fits_and_takes_two_topics_by_keyboard(live_server, page):
    world = build_world()
    catalogues_ensure_defaults(municipality=world.town, by=SYSTEM)
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday() + 7)
    activity_record(
        data=activity_input(world.town, world.schools[0], date=monday, minutes=35),
        by=world.users["worker"],
    )
    base = live_server.url
    log_in(page, base, "fachkraft")
    url = f"{base}/dokumentation/woche/?week={monday.isoformat()}"
    for width in (1280, 768):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        result = page.evaluate(CUT_OFF)
        assert result["found"] == [] and result["overflow"] <= 0, (width, result)
        recorded = page.locator('[data-week="recorded"]')
        expect(recorded).to_contain_text("Montag")
        expect(recorded).to_contain_text("35 Min.")
        assert axe_violations(page) == [], width

    # One row by keyboard: minutes, type, target group, then two topics.
    page.locator("#id_row-0-minutes").focus()
    page.keyboard.type("40")
    page.keyboard.press("Tab")
    assert _focused(page) == "row-0-activity_type"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert _focused(page) == "row-0-target_group"
    page.keyboard.press("ArrowDown")
    for _ in range(6):
        if _focused(page) == "SUMMARY":
            break
        page.keyboard.press("Tab")
    assert _focused(page) == "SUMMARY"
    page.keyboard.press("Enter")  # opens the row's topics
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    chosen = page.locator('[data-row="1"] [data-topics-chosen]').inner_text()
    assert chosen.count(",") == 1  # the closed list names both topics
    page.locator("#id_row-0-minutes").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("1 Tätigkeit gespeichert.")
    saved = Activity.objects.get(source="week")
    assert saved.minutes == 40 and saved.topics.count() == 2
    expect(page.locator('[data-week="recorded"]')).to_contain_text("40 Min.")

    # A row without an activity type: nothing saved, the summary has the focus
    # and its link leads into the field.
    page.locator("#id_row-0-minutes").fill("30")
    page.locator("#id_row-0-participants").fill("3")  # and no grade band: a second error
    page.locator("#id_row-0-target_group").select_option(
        str(entry(world.town, "target_group", "group").pk)
    )
    with page.expect_navigation():
        page.locator("#id_row-0-minutes").press("Enter")
    summary = page.locator('[data-week="errors"]')
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Zeile 1 (")
    expect(summary).to_contain_text("Art der Tätigkeit: Dieses Feld ist erforderlich.")
    assert Activity.objects.filter(source="week").count() == 1
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert _focused(page) == "row-0-activity_type"
    for width in (1280, 768):
        page.set_viewport_size({"width": width, "height": 900})
        result = page.evaluate(CUT_OFF)
        assert result["found"] == [] and result["overflow"] <= 0, (width, result)
