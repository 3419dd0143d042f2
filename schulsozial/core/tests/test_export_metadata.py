"""Every export says what it is (issue 13): German file names with the school
year, the date of the data and, for statistics, whether the figures are
protected; the XLSX carries title, Datenstand, filters and the protection on
its sheet "Hinweise" while the table stays on sheet 1 from A1; dates and times
in local German format. The files are read back as a user's tools would."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from schulsozial.accounts.models import User
from schulsozial.activities import selectors
from schulsozial.activities.tests.factories import doc_world, entry
from schulsozial.allocation import services as allocation_services
from schulsozial.allocation.templates_rules import base_index_startchancen
from schulsozial.core.exports import INFO_SHEET, ExportInfo, slug
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.school_file import parse_school_file
from schulsozial.masterdata.selectors import current_school_year
from schulsozial.statistics.tests.test_statistics import record, year

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def filename(response) -> str:
    match = re.fullmatch(r'attachment; filename="([a-z0-9.-]+)"', response["Content-Disposition"])
    assert match, response["Content-Disposition"]
    return match.group(1)


def info_sheet(response) -> dict[str, str]:
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[1] == INFO_SHEET
    return {row[0]: row[1] for row in workbook[INFO_SHEET].iter_rows(values_only=True)}


def today() -> str:
    return timezone.localdate().isoformat()


def test_file_names_are_german_ascii_and_differ_for_protected_and_unprotected():
    assert slug("Benutzer/innen 2026/27") == "benutzer-innen-2026-27"
    assert slug("Tätigkeiten nach Größe") == "taetigkeiten-nach-groesse"
    at = datetime.datetime(2026, 12, 3, 23, 30, tzinfo=datetime.UTC)  # 4 December in Berlin
    shown = {
        flag: ExportInfo(title="Statistik X", protected=flag, period="2026/27", as_of=at)
        for flag in (True, False, None)
    }
    assert shown[True].filename("xlsx") == "statistik-x-2026-27-geschuetzt-stand-2026-12-04.xlsx"
    assert shown[False].filename("csv") == "statistik-x-2026-27-ungeschuetzt-stand-2026-12-04.csv"
    assert shown[None].filename("csv") == "statistik-x-2026-27-stand-2026-12-04.csv"


def test_school_list_exports_carry_german_names_title_date_and_filters(world, client_for):
    client = client_for("coordinator")
    code = str(current_school_year())
    csv_response = client.get("/stammdaten/schools/?format=csv")
    base = f"schulen-{code.replace('/', '-')}-stand-{today()}"
    assert filename(csv_response) == f"{base}.csv"
    # The CSV stays a bare table: its header in line 1, German column names.
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Schulnummer;Name;Schulform;")
    assert f"Schüler/innen {code}" in lines[0]

    response = client.get("/stammdaten/schools/?format=xlsx&school_type=GS&q=Testschule")
    assert filename(response) == f"{base}.xlsx"
    workbook = load_workbook(io.BytesIO(response.content))
    table = workbook.worksheets[0]
    assert table["A1"].value == "Schulnummer" and table.freeze_panes == "A2"
    info = info_sheet(response)
    assert info["Titel"] == "Schulen"
    assert info["Datenstand"].startswith(timezone.localdate().strftime("%d.%m.%Y"))
    assert "Schulform: Grundschule" in info["Filter"]
    assert "Suche: „Testschule“" in info["Filter"]
    assert f"Zahlen des Schuljahres: {code}" in info["Filter"]
    assert info["Geschützt (Geheimhaltung)"].startswith("nein: Liste von Einzeldaten")
    # Unfiltered, the file says so.
    assert info_sheet(client.get("/stammdaten/carriers/?format=xlsx"))["Filter"].startswith("keine")
    # The export stays audited, under the file name the user downloaded.
    entry_ = AuditEntry.objects.filter(action="export", object_type="schools").latest("pk")
    assert entry_.object_repr == f"{base}.xlsx"
    # ... with the filters in the German words the file states (issue 13).
    filters = entry_.changes["filters"]
    assert filters["Schulform"] == "Grundschule" and filters["Suche"] == "„Testschule“"


def test_exported_school_list_reads_back_through_the_school_file_parser(world, client_for):
    client = client_for("coordinator")
    code = str(current_school_year())
    for fmt in ("csv", "xlsx"):
        data = client.get(f"/stammdaten/schools/?format={fmt}").content
        result = parse_school_file(data, filename=f"schulen.{fmt}")
        assert not result.errors, result.errors
        numbers = sorted(r.school_number for r in result.records)
        assert numbers == ["199000", "199001", "199002", "199003"]
        assert {r.pupils_year for r in result.records} == {code}


def test_statistics_exports_name_and_describe_protected_and_unprotected_files(world, client_for):
    doc_world(world)
    record(world, "worker", world.schools[0], n=8)
    record(world, "worker", world.schools[0], n=2,
           activity_type=entry(world.town, "activity_type", "crisis"))  # fmt: skip
    url = reverse("statistics:export", args=["activity_type", "xlsx"])
    period = f"{year()}-{(year() + 1) % 100:02d}"
    base = f"statistik-taetigkeiten-nach-art-der-taetigkeit-{period}"
    coordination = client_for("coordinator")
    protected = coordination.get(url)
    unprotected = coordination.get(url + "?unprotected=1")
    assert filename(protected) == f"{base}-geschuetzt-stand-{today()}.xlsx"
    assert filename(unprotected) == f"{base}-ungeschuetzt-stand-{today()}.xlsx"
    shown = info_sheet(protected)
    # The table's sheet is named after the title, cut to Excel's 31 characters.
    assert load_workbook(io.BytesIO(protected.content)).sheetnames[0] == (
        "Statistik Tätigkeiten nach Art"
    )
    assert shown["Titel"] == "Statistik: Tätigkeiten nach Art der Tätigkeit"
    assert shown["Geschützt (Geheimhaltung)"].startswith("ja: mit Geheimhaltung; Werte unter 5")
    assert f"Schuljahr: {year()}/{(year() + 1) % 100:02d}" in shown["Filter"]
    assert "Ansicht: " in shown["Filter"]
    assert info_sheet(unprotected)["Geschützt (Geheimhaltung)"].startswith(
        "nein: genaue Zahlen ohne Geheimhaltung"
    )
    # The committee gets protected figures only, whatever it asks for.
    committee = client_for("committee").get(url + "?unprotected=1")
    assert filename(committee) == f"{base}-geschuetzt-stand-{today()}.xlsx"
    assert info_sheet(committee)["Geschützt (Geheimhaltung)"].startswith("ja")
    assert "•" in [c.value for row in load_workbook(io.BytesIO(committee.content)).active.iter_rows() for c in row]  # fmt: skip
    # A filter is named in words; the CSV stays a table with a German header.
    filtered = coordination.get(
        reverse("statistics:export", args=["activity_type", "csv"])
        + f"?school={world.schools[0].pk}&month_from=9"
    )
    assert filename(filtered) == f"{base}-geschuetzt-stand-{today()}.csv"
    rows = list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Art der Tätigkeit", "Tätigkeiten", "Stunden"]
    filtered_xlsx = coordination.get(url + f"?school={world.schools[0].pk}&month_from=9")
    described = info_sheet(filtered_xlsx)["Filter"]
    assert f"Schule: {world.schools[0].name}" in described and "Von Monat: September" in described
    logged = AuditEntry.objects.filter(action="export", object_type="statistics.report")
    assert logged.count() == 5
    assert {e.object_repr for e in logged} >= {filename(protected), filename(unprotected)}


def test_times_and_dates_are_exported_in_local_german_format(world, client_for):
    summer = datetime.datetime(2026, 7, 1, 10, 5, 9, tzinfo=datetime.UTC)  # 12:05:09 in Herne
    User.objects.filter(pk=world.users["principal"].pk).update(last_login=summer)
    client = client_for("admin")
    text = client.get("/accounts/users/?format=csv").content.decode("utf-8-sig")
    assert "01.07.2026 12:05:09" in text and "2026-07-01" not in text
    sheet = load_workbook(
        io.BytesIO(client.get("/accounts/users/?format=xlsx").content)
    ).worksheets[0]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value == summer.astimezone(BERLIN).replace(tzinfo=None)]  # fmt: skip
    assert cells and cells[0].number_format == "DD.MM.YYYY HH:MM:SS"
    # Dates (contract start) as 31.01.2026, never ISO; XLSX date cells formatted alike.
    staff = client_for("coordinator")
    text = staff.get("/stammdaten/staff/?format=csv").content.decode("utf-8-sig")
    assert re.search(r";\d{2}\.\d{2}\.\d{4};", text) and not re.search(r"\d{4}-\d{2}-\d{2}", text)
    sheet = load_workbook(
        io.BytesIO(staff.get("/stammdaten/staff/?format=xlsx").content)
    ).worksheets[0]
    dates = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, datetime.datetime)]  # fmt: skip
    assert dates and {c.number_format for c in dates} == {"DD.MM.YYYY"}


def test_xlsx_figures_carry_german_display_formats(world, client_for):
    sheet = load_workbook(
        io.BytesIO(client_for("coordinator").get("/stammdaten/schools/?format=xlsx").content)
    ).worksheets[0]
    header = [c.value for c in sheet[1]]
    fte = header.index("VZÄ Schulsozialarbeit") + 1
    cells = [sheet.cell(row=r, column=fte) for r in range(2, sheet.max_row + 1)]
    assert {c.number_format for c in cells} == {"#,##0.00"}
    assert sum(Decimal(str(c.value)) for c in cells) > 0


def test_activity_export_drops_the_action_column_and_keeps_german_dates(world, client_for):
    doc_world(world)
    record(world, "worker", world.schools[0], n=3)
    client = client_for("worker")
    response = client.get("/dokumentation/?format=csv")
    assert filename(response) == f"meine-dokumentation-stand-{today()}.csv"
    header = response.content.decode("utf-8-sig").splitlines()[0].split(";")
    assert "Aktion" not in header and header[0] == "Datum"
    body = response.content.decode("utf-8-sig").splitlines()[1:]
    shown = selectors.activities_visible_to(user=world.users["worker"]).count()
    assert len(body) == shown >= 3 and all(re.match(r"\d{2}\.\d{2}\.\d{4};", line) for line in body)
    assert "korrigieren" not in response.content.decode("utf-8-sig")


def test_scenario_export_has_german_columns_and_a_description(world, client_for):
    scenario = allocation_services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Index",
        rules_toml=base_index_startchancen(Decimal("4")),
        by=world.users["coordinator"],
    )
    client = client_for("coordinator")
    response = client.get(f"/verteilung/{scenario.pk}/export.xlsx")
    assert filename(response) == f"verteilung-index-{slug(str(world.year))}-stand-{today()}.xlsx"
    header = [c.value for c in load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert header[0] == "Schulnummer"
    assert not [h for h in header if re.search(r"contribution|^p\d+$", h)]
    assert "VZÄ, 5. Perzentil" in header and "VZÄ, Median" in header
    assert any(h.startswith("Beitrag ") and h.endswith(" (VZÄ)") for h in header)
    info = info_sheet(response)
    assert info["Titel"] == "Verteilungsszenario: Index"
    assert f"Schuljahr: {world.year}" in info["Filter"]
