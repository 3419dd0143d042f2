"""Coordination logs in through the real login form in Chromium and sees
dashboard figures that match the database (the demo: Herne and Kamen)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from schulsozial.dashboard.selectors import coordination_figures
from schulsozial.demo.builder import DemoBuilder
from schulsozial.masterdata.models import Municipality

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"] .figure__value').first.inner_text().strip()


def de(value) -> str:
    return f"{value:.2f}".replace(".", ",")


def test_coordination_logs_in_and_sees_dashboard_figures_matching_the_database(live_server, page):
    DemoBuilder().build()
    herne = Municipality.objects.get(ags="05916000")
    expected = coordination_figures(municipality=herne, day=timezone.localdate())

    page.goto(live_server.url + "/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Benutzername").fill("herne.koordination")
    page.get_by_label("Passwort").fill(settings.SCHULSOZIAL["DEMO_PASSWORD"])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(live_server.url + "/")

    section = page.locator("section", has=page.get_by_role("heading", name="Herne"))
    assert section.count() == 1
    assert figure(page, "schools") == str(expected.school_count) == "43"
    assert figure(page, "fte") == de(expected.fte_total)
    assert figure(page, "schools-without") == str(expected.schools_without)
    assert figure(page, "contracts-ending") == str(expected.contracts_ending)
    assert figure(page, "pupils-per-fte") == f"{expected.pupils_per_fte:.0f}"
    assert 47 <= expected.fte_total <= 49  # "about 48 FTE" as published for Herne

    # The figure links to the list behind it, which shows the same number.
    page.locator('[data-figure="schools-without"] a').click()
    page.wait_for_url("**coverage=none**")
    assert page.locator(".result-count").inner_text().startswith(str(expected.schools_without))

    page.goto(live_server.url + "/")
    assert axe_violations(page) == []


def test_language_switch_shows_english(live_server, page):
    DemoBuilder().build()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Benutzername").fill("herne.koordination")
    page.get_by_label("Passwort").fill(settings.SCHULSOZIAL["DEMO_PASSWORD"])
    page.get_by_role("button", name="Anmelden").click()
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="Wechseln").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Dashboard").count() >= 1
    assert page.get_by_text("Schools without social work").count() == 1
