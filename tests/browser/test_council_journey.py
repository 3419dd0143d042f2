"""Council papers in Chromium (issue 14): coordination pastes the page of the
Herne paper 2015/0159 as the council information system shows it (the seed),
checks the prefilled record with its three committees, saves it, links it to
the framework version in force and finds it on the version's page as taken
note of, not adopted."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from schulsozial.concepts.tests.factories import adopted_framework
from schulsozial.council.models import Paper
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path("/work/shared/seeds/herne_2015_gesamtkonzept_schulsozialarbeit.txt")
COMMITTEES = ["Ausschuss für Kinder, Jugend und Familie", "Integrationsrat", "Schulausschuss"]


@pytest.mark.skipif(not SEED.exists(), reason="the Herne seed is not available")
def test_coordination_pastes_the_herne_paper_links_it_and_sees_it_on_the_version(live_server, page):
    world = build_world()
    version = adopted_framework(world.town)
    base = live_server.url

    log_in(page, base, "koordination")
    page.get_by_role("link", name="Ratsvorlagen").first.click()
    page.wait_for_url(base + "/ratsvorlagen/")
    page.get_by_role("link", name="Vorlage einfügen").click()
    page.get_by_label("Text der Vorlage").fill(SEED.read_text())
    page.get_by_role("button", name="Text auslesen").click()

    # The prefilled form: what the page said, and what it did not say marked.
    # the parsed form comes with the next page load: wait for it, not a snapshot right after the click
    expect(page.get_by_role("heading", name="Eingefügte Vorlage prüfen")).to_be_visible()
    assert page.get_by_label("Vorlagennummer").input_value() == "2015/0159"
    assert page.get_by_label("Betreff").input_value() == (
        "Gesamtkonzept Schulsozialarbeit in Herne 2015"
    )
    assert page.get_by_label("Federführend").input_value() == "FB 42 - Kinder-Jugend-Familie"
    steps = [page.locator(f"#id_steps-{i}-committee").input_value() for i in range(3)]
    assert steps == COMMITTEES
    dates = [page.locator(f"#id_steps-{i}-date").input_value() for i in range(3)]
    assert dates == ["2015-03-25", "2015-05-06", "2015-05-13"]
    assert page.locator("#id_steps-0-role").input_value() == "hearing"
    assert page.locator('[data-missing="true"]').count() >= 1  # the paper's own date
    assert not Paper.objects.filter(reference="2015/0159").exists()  # nothing saved yet
    assert axe_violations(page) == []
    page.get_by_role("button", name="Speichern").click()

    # The paper's page: three committees in the Beratungsfolge, taken note of.
    page.wait_for_selector('[data-table="consultations"]')
    rows = page.locator('[data-table="consultations"] tbody tr')
    assert rows.count() == 3
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == COMMITTEES
    outcome = page.locator('[data-fact="outcome"]')
    assert outcome.get_attribute("data-outcome") == "taken_note"
    assert "zur Kenntnis genommen, nicht beschlossen" in outcome.inner_text()
    paper = Paper.objects.get(municipality=world.town, reference="2015/0159")
    assert paper.consultations.count() == 3

    # Link it to the framework version and follow the link to the version's page.
    page.locator("select[name=framework_version]").select_option(str(version.pk))
    page.get_by_role("button", name="Verknüpfen").click()
    page.wait_for_selector('[data-link="framework"]')
    assert axe_violations(page) == []
    page.locator('[data-link="framework"] a').click()
    page.wait_for_url(f"{base}/konzepte/framework/{version.pk}/")
    item = page.locator('[data-council-papers] li[data-paper="2015/0159"]')
    assert item.get_attribute("data-outcome") == "taken_note"
    assert "Gesamtkonzept Schulsozialarbeit in Herne 2015" in item.inner_text()
    assert "zur Kenntnis genommen, nicht beschlossen" in item.inner_text()
    # the version's own decision stays the paper that decided it (factories: 001/2026)
    decision = page.locator('[data-fact="decision"]')
    assert decision.get_attribute("data-decided") == "true"
    assert "001/2026" in decision.inner_text()
