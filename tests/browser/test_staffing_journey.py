"""Coordination opens the staffing plan for the next school year, fixes one
assignment, calculates again and accepts; the school's page then shows the
new assignment under that school year (issue 15)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import Position
from schulsozial.staffing import services
from schulsozial.staffing.models import StaffingPlan
from schulsozial.staffing.tests.helpers import adopted_scenario, next_year
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1280, 768])
def test_coordination_pins_resolves_accepts_and_the_school_shows_it(live_server, page, width):
    world = build_world()
    year = next_year(world)
    plan = services.plan_solve(
        plan=services.plan_create(scenario=adopted_scenario(world, year=year), by=SYSTEM),
        by=SYSTEM,
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "koordination")

    page.get_by_role("link", name="Stellenplanung").first.click()
    page.get_by_role("link", name=plan.name).click()
    expect(page.locator("[data-plan=solver-status]")).to_contain_text(
        "bestmöglicher Plan (bewiesen)"
    )
    expect(page.locator("[data-table=changes]")).to_contain_text("Vertrag endet")
    assert overflow(page) <= 0
    assert axe_violations(page) == []

    # Fix Fachkraft T-03 at Testschule 3 with 0,25 VZÄ.
    pin = page.locator("form[data-form=pin]")
    pin.locator("select[name=staff]").select_option(value=str(world.staff[2].pk))
    pin.locator("select[name=school]").select_option(value=str(world.schools[3].pk))
    pin.locator("input[name=fte]").fill("0,25")
    pin.get_by_role("button", name="Festlegen").click()
    expect(page.get_by_role("status").first).to_contain_text("festgelegt")
    expect(page.locator("[data-list=pins]")).to_contain_text("Fachkraft T-03")

    page.get_by_role("button", name="Neu berechnen").click()
    expect(page.locator("[data-school='199003']")).to_contain_text("Fachkraft T-03: 0,25")
    expect(page.locator("[data-list=checks] [data-holds=no]")).to_have_count(0)

    page.get_by_role("link", name="Planung übernehmen").click()
    page.get_by_role("button", name="Übernehmen und Einsätze schreiben").click()
    expect(page.locator("[data-fact=status]")).to_contain_text("übernommen")
    plan.refresh_from_db()
    assert plan.status == StaffingPlan.Status.ACCEPTED
    successor = Position.objects.get(code=f"T-03 ({year.code})")
    assert successor.valid_from == year.start

    page.goto(live_server.url + reverse("masterdata:school_detail", args=[world.schools[3].pk]))
    row = page.locator(f"[data-table=assignments-per-year] tr[data-year='{year.code}']")
    expect(row).to_contain_text(f"T-03 ({year.code})")
    expect(row).to_contain_text("Fachkraft T-03")
    expect(row).to_contain_text("9,75")  # 0,25 VZÄ of a 39-hour week
    assert overflow(page) <= 0
