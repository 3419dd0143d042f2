"""A carrier extends a fixed-term contract in Chromium and sees the new end
in the person's timeline and table; coordination reads the Entfristung page;
both pages pass the axe-core WCAG 2.1 AA scan (issue 15)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from schulsozial.contracts.models import Contract
from schulsozial.contracts.tests.factories import contracts_for_world
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_carrier_extends_a_contract_and_coordination_reads_the_entfristung(live_server, page):
    world = build_world()
    contract = contracts_for_world(world)[1]  # Fachkraft T-02, ends in 120 days
    new_end = timezone.localdate() + datetime.timedelta(days=120 + 365)

    log_in(page, live_server.url, "traeger")
    # The dashboard tile lists the contract ending within 6 months.
    assert page.locator('[data-figure="ending-6"] .figure__value').inner_text() == "1"
    page.get_by_role("link", name="Fachkraft T-02").first.click()
    page.wait_for_url(f"**/vertraege/person/{contract.staff_member_id}/")
    assert page.locator("svg.chart").count() == 1
    page.get_by_role("link", name="verlängern").click()
    page.get_by_label("neues Ende").fill(new_end.isoformat())
    page.get_by_label("Grund der Befristung").select_option("funding_ends")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(f"**/vertraege/person/{contract.staff_member_id}/")
    row = page.locator(f'[data-contract="{contract.pk}"]')
    assert f"{new_end:%d.%m.%Y}" in row.inner_text()
    contract.refresh_from_db()
    assert contract.end == new_end and contract.extensions.count() == 1
    assert axe_violations(page) == []

    log_in(page, live_server.url, "koordination")
    page.goto(live_server.url + "/vertraege/entfristung/")
    assert "0,50 VZÄ (18,2 %)" in page.locator('[data-fact="fixed-fte"]').inner_text()
    assert page.locator('[data-table="path"] tbody tr').count() == 3
    assert axe_violations(page) == []
    assert Contract.objects.filter(kind="fixed_term").count() == 1
