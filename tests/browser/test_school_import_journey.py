"""Coordination imports an Excel file with German column names over an
existing school: the preview shows old -> new, nothing is blanked, and the
confirmed import keeps the address and carrier the file does not carry
(issue 13, usability K-6)."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect

from schulsozial.masterdata.importing import current_school_year_code
from schulsozial.masterdata.models import School
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def overflow(page) -> int:
    """How far the page is wider than the window (0 or less: no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def german_workbook(school: School) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Schulnummer", "Schulname", "Schulform", "Schülerzahl", "Sozialindex", "Ort"])
    sheet.append([int(school.school_number), school.name, "Grundschule", 452, 5, "Herne"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("width", [1280, 768])
def test_coordination_imports_german_columns_without_losing_the_address(
    live_server, page, settings, tmp_path, width
):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    school = world.schools[0]
    School.objects.filter(pk=school.pk).update(
        authority_name="Stadt Herne",
        street="Jean-Vogel-Str. 36",
        postcode="44625",
        latitude=Decimal("51.528316"),
        longitude=Decimal("7.185164"),
    )
    code = current_school_year_code()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "koordination")

    page.goto(live_server.url + "/stammdaten/schools/import/")
    expect(page.get_by_role("link", name="Excel-Vorlage (XLSX)")).to_be_visible()
    page.get_by_label("Datei").set_input_files(
        {"name": "schulen.xlsx", "mimeType": XLSX, "buffer": german_workbook(school)}
    )
    page.get_by_role("button", name="Vorschau anzeigen").click()

    expect(page.get_by_role("status")).to_contain_text("1 geändert")
    row = page.locator(f'tr[data-school="{school.school_number}"]')
    pupils = row.locator("li", has_text=f"Schüler/innen {code}:")
    expect(pupils.locator("ins")).to_have_text("452")
    expect(row).not_to_contain_text("Straße")  # the file has no street: nothing to change
    columns = page.locator("[data-table=import-columns]")
    expect(columns).to_contain_text("Schülerzahl")
    expect(columns).to_contain_text("Schüler/innen")
    assert overflow(page) <= 0
    assert axe_violations(page) == []

    page.get_by_role("button", name="Import bestätigen").click()
    page.wait_for_url("**/stammdaten/schools/**")
    expect(page.get_by_role("status").first).to_contain_text("1 geändert")
    school.refresh_from_db()
    assert (school.authority_name, school.street, school.postcode) == (
        "Stadt Herne",
        "Jean-Vogel-Str. 36",
        "44625",
    )
    assert school.latitude == Decimal("51.528316")
    assert school.figures.get(school_year__code=code).pupils == 452
