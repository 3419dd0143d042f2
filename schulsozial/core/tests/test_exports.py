from __future__ import annotations

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from schulsozial.core.actors import SYSTEM
from schulsozial.core.exports import csv_bytes, neutralise, xlsx_bytes
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import services
from schulsozial.masterdata.models import SchoolType


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1+1", "-2+3", "@cmd", "\t=1", "\r=1"])
def test_cells_that_start_like_a_formula_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_numbers_and_plain_text_stay_as_they_are():
    assert neutralise(5) == 5
    assert neutralise(Decimal("-1.5")) == Decimal("-1.5")
    assert neutralise("Herne") == "Herne"


def test_csv_and_xlsx_files_read_back_with_neutralised_cells():
    header, rows = ["name", "wert"], [['=HYPERLINK("x")', Decimal("1.25")], ["ok", 3]]
    text = csv_bytes(header, rows).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "1,25" in text
    sheet = load_workbook(io.BytesIO(xlsx_bytes(header, rows))).active
    assert sheet["A2"].value == '\'=HYPERLINK("x")'
    assert sheet["B2"].value == 1.25
    assert sheet["B3"].value == 3


@pytest.mark.django_db
def test_school_export_neutralises_a_malicious_school_name_and_is_audited(world, client_for):
    services.school_create(
        by=SYSTEM,
        municipality=world.town,
        school_number="199555",
        name="=cmd|' /C calc'!A0",
        school_type=SchoolType.GS,
    )
    client = client_for("coordinator")
    response = client.get("/stammdaten/schools/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in names
    assert AuditEntry.objects.filter(
        action="export", object_type="schools", actor=world.users["coordinator"]
    ).exists()


@pytest.mark.django_db
def test_exports_contain_only_rows_in_the_users_scope(world, client_for):
    text = client_for("worker").get("/stammdaten/schools/?format=csv").content.decode("utf-8-sig")
    assert "Testschule 0" in text
    assert "Testschule 1" not in text and "Nachbarschule" not in text
    staff = client_for("carrier").get("/stammdaten/staff/?format=csv").content.decode("utf-8-sig")
    assert (
        "Fachkraft T-01" in staff
        and "Fachkraft T-03" not in staff
        and "Fachkraft N-01" not in staff
    )


@pytest.mark.django_db
def test_german_is_the_default_even_when_the_browser_prefers_english(world, client_for):
    client = client_for("coordinator")
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="de"' in html and "Schulen ohne Schulsozialarbeit" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Schools without social work" in html
