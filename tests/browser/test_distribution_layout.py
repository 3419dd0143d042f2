"""Distribution pages in a real browser (issue 13): at 1280 px nothing of
the main table is cut off (the comparison's third scenario column was), at
768 px no page runs over sideways (scenario detail, rules and comparison
did by 145-264 px); the adoption that supersedes an adopted scenario asks
first, and cancelling keeps the old adoption."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schulsozial.allocation import services
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.templates_rules import base_index_startchancen, pupils_only
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import School
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# School names of the Herne list (the long ones make the tables wide).
NAMES = [
    "Förderschule Forellstraße Städtische Förderschule mit dem Förderschwerpunkt Geistige Entwicklung",
    "Quinoa-Sekundarschule Herne staatl. gen. Integrierte Sekundarschule d. Sek.I Ersatzschule",
    "Erich Kästner-Schule Städtische Förderschule Förderschwerpunkt Sprache und Lernen",
    "Schule an der Börsinghauser Straße Städt. Gemeinschaftsgrundschule",
]
SCENARIOS = [
    "Nur nach Schülerzahl",
    "Sockel + Schülerzahl × Sozialindex + Startchancen",
    "UX-Test Szenario Bedarf mit Sozialindex-Faktor und Kontinuitätsgrenze",
]

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"
# Every cell of the page's main table lies inside the table's visible region.
CLIPPED = """(selector) => {
  const table = document.querySelector(selector);
  const region = table.closest('.alloc-scroll') || table.parentElement;
  const box = region.getBoundingClientRect();
  const outside = [...table.querySelectorAll('th, td')].filter(
    (cell) => cell.getBoundingClientRect().right > Math.min(box.right, window.innerWidth) + 1
  );
  return {clipped: outside.map((cell) => cell.textContent.trim().slice(0, 40)),
          scroll: region.scrollWidth - region.clientWidth};
}"""


def _scenarios() -> list[Scenario]:
    world = build_world()
    for school, name in zip(world.schools, NAMES, strict=False):
        School.objects.filter(pk=school.pk).update(name=name)
    rules = [pupils_only(Decimal("4")), base_index_startchancen(Decimal("4"))]
    rules.append(rules[1].replace("max_fte = 3", "max_fte = 2"))
    scenarios = [
        services.scenario_create(
            municipality=world.town,
            school_year=world.year,
            name=name,
            rules_toml=toml,
            by=SYSTEM,
        )
        for name, toml in zip(SCENARIOS, rules, strict=True)
    ]
    return scenarios


def test_distribution_pages_fit_at_1280_and_768_px(live_server, page):
    scenarios = _scenarios()
    first = scenarios[0]
    number = first.result["schools"][0]["number"]
    compare = "/verteilung/compare/?" + "&".join(f"scenarios={s.pk}" for s in scenarios)
    pages = {
        "/verteilung/": None,
        f"/verteilung/{first.pk}/": "table[data-table=result]",
        f"/verteilung/{first.pk}/rules/": "table[data-table=result]",
        compare: "table[data-table=compare-schools]",
        f"/verteilung/{first.pk}/schools/{number}/": "table[data-table=explanation]",
    }
    base = live_server.url
    log_in(page, base, "koordination")
    problems = {}
    for width in (1280, 768):
        page.set_viewport_size({"width": width, "height": 900})
        for path, table in pages.items():
            page.goto(base + path)
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                problems[(width, path)] = f"page {overflow} px too wide"
            if width == 1280 and table:
                found = page.evaluate(CLIPPED, table)
                if found["clipped"] or found["scroll"] > 0:
                    problems[(width, path)] = found
    assert problems == {}
    # The comparison names all three scenarios in full in its column heads.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(base + compare)
    heads = page.locator("table[data-table=compare-schools] thead th").all_inner_texts()
    for name in SCENARIOS:
        assert any(name in " ".join(head.split()) for head in heads), (name, heads)
    assert axe_violations(page) == []


def test_superseding_an_adoption_asks_first_and_cancel_keeps_it(live_server, page):
    scenarios = _scenarios()
    old, new = scenarios[0], scenarios[1]
    services.scenario_adopt(
        scenario=old,
        decision_body="Jugendhilfeausschuss",
        decision_date="2025-06-30",
        decision_reference="2025/0101",
        by=SYSTEM,
    )
    base = live_server.url
    log_in(page, base, "koordination")

    def fill_and_continue() -> None:
        page.goto(f"{base}/verteilung/{new.pk}/adopt/")
        warning = page.locator("[data-supersedes]")
        assert f"„{old.name}“" in warning.inner_text()
        assert "abgelöst" in warning.inner_text()
        page.get_by_label("beschließendes Gremium").fill("Jugendhilfeausschuss")
        page.get_by_label("Datum des Beschlusses").fill("2026-06-30")
        page.get_by_label("Vorlagennummer").fill("2026/0815")
        page.get_by_role("button", name="Weiter zur Bestätigung").click()
        page.get_by_role("heading", name="Beschluss bestätigen").wait_for()
        alert = page.get_by_role("alert").filter(has_text="löst")
        assert f"„{new.name}“ löst „{old.name}“ ab" in " ".join(alert.inner_text().split())

    fill_and_continue()
    assert axe_violations(page) == []
    page.get_by_role("link", name="Abbrechen, bisherigen Beschluss behalten").click()
    page.wait_for_url(f"{base}/verteilung/{new.pk}/")
    assert "Entwurf" in page.locator("[data-fact=status]").inner_text()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Scenario.Status.ADOPTED, Scenario.Status.DRAFT)

    fill_and_continue()
    page.get_by_role("button", name=f"Beschließen und „{old.name}“ ablösen").click()
    page.wait_for_url(f"{base}/verteilung/{new.pk}/")
    assert "beschlossen" in page.locator("[data-fact=status]").inner_text()
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (Scenario.Status.SUPERSEDED, Scenario.Status.ADOPTED)


def test_the_live_preview_takes_the_comma_marks_fields_and_shows_it_works(live_server, page):
    scenario = _scenarios()[0]
    base = live_server.url
    log_in(page, base, "koordination")
    url = f"{base}/verteilung/{scenario.pk}/rules/"
    page.goto(url)
    held = []
    page.route(
        url,
        lambda route: held.append(route) if route.request.method == "POST" else route.continue_(),
    )
    total = page.locator("#id_total_fte")
    assert total.get_attribute("type") == "text" and total.get_attribute("inputmode") == "decimal"
    total.fill("12,5")
    total.dispatch_event("change")
    # While the server computes, the preview says so.
    page.wait_for_function("() => document.getElementById('preview').ariaBusy === 'true'")
    assert page.locator("#preview-busy").is_visible()
    while held:
        held.pop().continue_()
    page.locator('[data-preview-total^="12.5"]').wait_for()
    assert page.locator("#preview").get_attribute("aria-busy") == "false"
    assert not page.locator("#preview-busy").is_visible()
    page.unroute(url)

    # A complaint marks its field, with the text next to it.
    total.fill("zwölf")
    total.dispatch_event("change")
    page.locator("#id_total_fte[aria-invalid=true]").wait_for()
    error = page.locator("#id_total_fte-live-error")
    assert error.inner_text().strip() == "Bitte eine Zahl eingeben."
    assert "id_total_fte-live-error" in (total.get_attribute("aria-describedby") or "")
    assert page.locator("#preview a[href='#id_total_fte']").count() == 1
    assert axe_violations(page) == []
    total.fill("4")
    total.dispatch_event("change")
    page.locator('[data-preview-total^="4"]').wait_for()
    assert total.get_attribute("aria-invalid") is None
    assert page.locator("#id_total_fte-live-error").count() == 0
