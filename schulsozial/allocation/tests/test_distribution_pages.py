"""Issue 13, distribution: the adoption asks to confirm that it supersedes
the scenario adopted for the year, the PDF annex states the rules in German
with "Seite x von y", and the rules form takes the German decimal comma."""

from __future__ import annotations

import io
import re
import tomllib
from decimal import Decimal

import pytest
from django.utils import translation
from pypdf import PdfReader

from schulsozial.allocation import services
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.templates_rules import base_index_startchancen, pupils_only
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import School

pytestmark = pytest.mark.django_db

DECISION = {
    "decision_body": "Jugendhilfeausschuss",
    "decision_date": "2026-06-30",
    "decision_reference": "2026/0815",
}


def _scenario(world, name: str, rules: str | None = None) -> Scenario:
    return services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name=name,
        rules_toml=rules or base_index_startchancen(Decimal("4")),
        by=SYSTEM,
    )


@pytest.fixture
def adopted_and_draft(world):
    old = _scenario(world, "Bisheriger Beschluss")
    services.scenario_adopt(scenario=old, by=SYSTEM, **{**DECISION, "decision_date": "2025-06-30"})
    return old, _scenario(world, "Neue Variante", pupils_only(Decimal("4")))


# --------------------------------------------------------------------------- adoption


def test_the_adoption_form_names_the_scenario_it_supersedes(adopted_and_draft, client_for):
    _old, new = adopted_and_draft
    page = client_for("coordinator").get(f"/verteilung/{new.pk}/adopt/").content.decode()
    assert "„Bisheriger Beschluss“" in page
    assert "abgelöst" in page and str(new.school_year) in page


def test_adopting_without_the_confirmation_does_not_switch(adopted_and_draft, client_for):
    old, new = adopted_and_draft
    client = client_for("coordinator")
    response = client.post(f"/verteilung/{new.pk}/adopt/", {**DECISION, "supersedes": old.pk})
    assert response.status_code == 200
    page = response.content.decode()
    # The confirmation step: names the old one, carries the data, offers both ways.
    assert "„Bisheriger Beschluss“" in page and 'name="confirm"' in page
    assert 'value="2026/0815"' in page
    assert f'href="/verteilung/{new.pk}/"' in page  # cancel goes back to the scenario
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("adopted", "draft")
    confirmed = client.post(
        f"/verteilung/{new.pk}/adopt/", {**DECISION, "supersedes": old.pk, "confirm": "1"}
    )
    assert confirmed.status_code == 302
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == ("superseded", "adopted")


def test_a_first_adoption_needs_no_confirmation_step(world, client_for):
    first = _scenario(world, "Erste Variante")
    response = client_for("coordinator").post(
        f"/verteilung/{first.pk}/adopt/", {**DECISION, "supersedes": ""}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == "adopted"


# --------------------------------------------------------------------------- PDF


def _pdf_text(client, scenario: Scenario) -> tuple[list[str], str]:
    with translation.override("de"):
        response = client.get(f"/verteilung/{scenario.pk}/export.pdf")
    assert response.status_code == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    return pages, "\n".join(pages)


def test_the_pdf_states_the_rules_in_german_and_numbers_its_pages(world, client_for):
    scenario = _scenario(world, "Index")
    pages, text = _pdf_text(client_for("coordinator"), scenario)
    flat = " ".join(text.split())
    assert "min-deviation" not in flat and "median" not in flat
    assert "Geringste Abweichung von den rechnerischen Anteilen" in flat
    for n in range(1, len(pages) + 1):
        assert f"Seite {n} von {len(pages)}" in " ".join(pages[n - 1].split())
    # The rules: base, bounds, steps, every criterion with weight and missing rule.
    assert "Sockel je Schule: 0,25 VZÄ" in flat
    assert "Schrittweite: 0,25 VZÄ" in flat
    assert "mindestens 0,25 VZÄ, höchstens 3,00 VZÄ" in flat
    assert "Schüler/innen" in flat and "Sozialindex" in flat and "Startchancen" in flat
    assert "Gewicht 1" in flat
    assert "1 → 0,8" in flat  # the Sozialindex table with German decimals
    assert "fehlende Werte: Median der Kommune" in flat
    assert "fehlende Werte: fester Wert 1" in flat  # Startchancen: missing = 1.0


def test_the_pdf_names_sainte_lague_and_exclusion_in_german(world, client_for):
    rules = (
        pupils_only(Decimal("4"))
        .replace('method = "min-deviation"', 'method = "sainte-lague"')
        .replace('missing = "median"', 'missing = "exclude"')
    )
    _pages, text = _pdf_text(client_for("coordinator"), _scenario(world, "SL", rules))
    flat = " ".join(text.split())
    assert "Sainte-Laguë/Webster" in flat and "sainte-lague" not in flat
    assert "für diese Schule weggelassen" in flat


def test_a_long_school_name_wraps_at_word_boundaries_in_the_pdf(world, client_for):
    long_name = (
        "Städtische Gemeinschaftsgrundschule Sonnenblumenweg Primarstufe "
        "Sekundarstufenverbundschule Herne-Wanne-Eickel Ganztagsschule"
    )
    School.objects.filter(school_number="199000").update(name=long_name)
    _pages, text = _pdf_text(client_for("coordinator"), _scenario(world, "Index"))
    words = set(text.split())
    for word in long_name.split():
        assert word in words, word  # never split inside a word


# --------------------------------------------------------------------------- rules form


def _rules_data(scenario: Scenario, **changes: str) -> dict[str, str]:
    data = {
        "name": "Mit Komma",
        "description": "",
        "total_fte": "19,5",
        "budget_eur": "",
        "cost_per_fte_eur": "69.572,50",
        "granularity": "0.25",
        "base_fte": "0,25",
        "min_fte": "0",
        "max_fte": "12,5",
        "max_change": "",
        "method": "min-deviation",
        "samples": "50",
        "spread": "0,2",
        "lock_version": str(scenario.lock_version),
        "c-TOTAL_FORMS": "2",
        "c-INITIAL_FORMS": "2",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "6",
        "c-0-indicator": "pupils",
        "c-0-weight": "0,6",
        "c-0-transform": "linear",
        "c-0-table": "",
        "c-0-combine": "add",
        "c-0-missing": "median",
        "c-0-missing_value": "",
        "c-1-indicator": "startchancen",
        "c-1-weight": "1",
        "c-1-transform": "table",
        "c-1-table": "0=1; 1=1,5",
        "c-1-combine": "multiply",
        "c-1-missing": "number",
        "c-1-missing_value": "1,0",
    }
    return {**data, **changes}


def test_the_rules_form_accepts_the_german_decimal_comma(world, client_for):
    scenario = _scenario(world, "Index")
    client = client_for("coordinator")
    response = client.post(f"/verteilung/{scenario.pk}/rules/", _rules_data(scenario))
    assert response.status_code == 302, response.context["form"].errors
    scenario.refresh_from_db()
    rules = tomllib.loads(scenario.rules_toml)
    assert rules["total_fte"] == 19.5 and rules["cost_per_fte_eur"] == 69572.5
    assert rules["max_fte"] == 12.5 and rules["sensitivity"]["spread"] == 0.2
    assert rules["criteria"][0]["weight"] == 0.6
    assert rules["criteria"][1]["table"] == {"0": 1.0, "1": 1.5}
    assert Decimal(scenario.result["total_fte"]) == Decimal("19.5")


def test_the_rules_form_types_numbers_as_german_text(world, client_for):
    scenario = _scenario(world, "Index")
    page = client_for("coordinator").get(f"/verteilung/{scenario.pk}/rules/").content.decode()
    field = re.search(r'<input[^>]*name="base_fte"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'inputmode="decimal"' in field
    assert 'value="0,25"' in field
    table = re.search(r'<input[^>]*name="c-1-table"[^>]*>', page).group(0)
    assert "1=0,8" in table and "1=0.8" not in table
    assert 'type="number"' not in re.sub(r'<input[^>]*name="samples"[^>]*>', "", page)
    # The legend stands above the grid, the preview says when it works.
    assert 'class="kern-label rules-legend"' in page
    assert 'hx-indicator="#preview-busy"' in page and 'id="preview-busy"' in page


def test_the_live_preview_names_the_fields_it_complains_about(world, client_for):
    scenario = _scenario(world, "Index")
    html = (
        client_for("coordinator")
        .post(
            f"/verteilung/{scenario.pk}/rules/",
            _rules_data(scenario, total_fte="neunzehn", **{"c-1-table": "0=1; 1"}),
            HTTP_HX_REQUEST="true",
        )
        .content.decode()
    )
    assert 'data-field-error="id_total_fte"' in html
    assert 'data-field-error="id_c-1-table"' in html
    assert 'data-message="Bitte eine Zahl eingeben."' in html
    assert 'href="#id_total_fte"' in html
    assert html.count("<li") == 2  # no follow-up complaint about the missing total


# --------------------------------------------------------------------------- German words


def test_the_explanation_and_result_name_bounds_and_missing_rules_in_german(world, client_for):
    rules = base_index_startchancen(Decimal("4")).replace("max_fte = 3", "max_fte = 1.25")
    scenario = _scenario(world, "Gedeckelt", rules)
    client = client_for("coordinator")
    capped = next(r for r in scenario.result["schools"] if r["bounds"] == ["max"])
    page = client.get(f"/verteilung/{scenario.pk}/schools/{capped['number']}/").content.decode()
    assert "höchstens 1,25 VZÄ (Höchstwert)" in page and "at most" not in page
    detail = client.get(f"/verteilung/{scenario.pk}/").content.decode()
    assert ">Höchstwert<" in detail and ">max<" not in detail
    # The rules in words on the scenario page too.
    assert "Rechenregeln" in detail and "<dt>Sockel je Schule</dt><dd>0,25 VZÄ</dd>" in detail
    assert "mindestens 0,25 VZÄ, höchstens 1,25 VZÄ" in detail
    fs = client.get(f"/verteilung/{scenario.pk}/schools/199003/").content.decode()
    assert "fehlt: Median der Kommune" in fs and "fehlt: median" not in fs


def test_a_copy_says_so_in_german(world, client_for):
    scenario = _scenario(world, "Index")
    response = client_for("coordinator").post(f"/verteilung/{scenario.pk}/copy/", follow=True)
    page = response.content.decode()
    assert "Als neuer Entwurf „Index (Kopie)“ kopiert." in page


def test_the_toml_editor_explains_the_keys_without_pointing_into_the_source(world, client_for):
    scenario = _scenario(world, "Index")
    page = client_for("coordinator").get(f"/verteilung/{scenario.pk}/rules/toml/").content.decode()
    assert "docs/distribution.md" not in page
    assert "Schlüssel = Wert" in page and "css/allocation.css" in page


def test_the_export_gives_the_percentiles_two_decimals_like_every_fte(world, client_for):
    scenario = _scenario(world, "Index")
    text = client_for("coordinator").get(f"/verteilung/{scenario.pk}/export.csv")
    lines = text.content.decode("utf-8-sig").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Schulnummer;"))
    header = lines[start].split(";")
    rows = [line.split(";") for line in lines[start + 1 :] if line]
    assert len(rows) == 4
    for name in ("VZÄ, 5. Perzentil", "VZÄ, Median", "VZÄ, 95. Perzentil", "VZÄ"):
        column = header.index(name)
        assert all(re.fullmatch(r"-?\d+,\d\d", row[column]) for row in rows), name


def test_the_result_table_explains_the_school_type_abbreviations(world, client_for):
    scenario = _scenario(world, "Index")
    page = client_for("coordinator").get(f"/verteilung/{scenario.pk}/").content.decode()
    assert '<abbr title="Grundschule">GS</abbr>' in page


def test_the_comparison_shows_each_scenarios_change_against_today(world, client_for):
    first = _scenario(world, "Index")
    second = _scenario(world, "Schüler", pupils_only(Decimal("4")))
    page = (
        client_for("coordinator")
        .get("/verteilung/compare/", {"scenarios": [first.pk, second.pk]})
        .content.decode()
    )
    rows = {r["number"]: r for r in second.result["schools"]}
    assert page.count("data-change") == 2 * len(rows)
    gaining = next(r for r in rows.values() if Decimal(r["change"]) > 0)
    change = f"+{Decimal(gaining['change']):.2f}".replace(".", ",")
    assert f"Veränderung gegenüber heute </span>{change})" in page
