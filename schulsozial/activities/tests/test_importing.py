"""Import of Excel documentation: mapping, preview, all-or-nothing, errors."""

from __future__ import annotations

import datetime
import io

import openpyxl
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schulsozial.activities import services
from schulsozial.activities.activity_file import parse_activity_file
from schulsozial.activities.importing import import_activities
from schulsozial.activities.models import Activity, ImportMapping
from schulsozial.activities.tests.factories import entry

DAY = (timezone.localdate() - datetime.timedelta(days=3)).strftime("%d.%m.%Y")

CSV = (
    "Datum;Minuten;Art;Zielgruppe;Themen;weiblich;männlich;Stufe;Folgetermin;Fallcode\n"
    f"{DAY};45;Einzelberatung Schüler/in;Einzelne Schüler/innen;Mobbing / Cybermobbing, Mediennutzung;1;;Primarstufe (1–4);ja;A1\n"
    f"{DAY};1:30;group_offer;group;;3;4;primary;nein;\n"
)


def test_parser_reports_row_and_column():
    data = "Datum;Minuten;Art;Zielgruppe\n31.02.2025;45;x;y\n01.03.2025;abc;x;y\n".encode("cp1252")
    parsed = parse_activity_file(data)
    assert [str(e) for e in parsed.errors] == [
        "row 2, column Datum: kein gültiges Datum: '31.02.2025'",
        "row 3, column Minuten: keine Zahl: 'abc'",
    ]


def test_parser_names_missing_columns():
    parsed = parse_activity_file(b"Datum;Minuten;Art\n01.03.2025;45;x\n")
    assert [str(e) for e in parsed.errors] == ["row 1, column zielgruppe: Pflichtspalte fehlt"]


def test_import_of_csv_records_all_rows(dw, world):
    report = import_activities(
        data=CSV.encode("cp1252"), filename="doku.csv", by=world.users["worker"], dry_run=True
    )
    assert report.ok, (report.errors, report.unknown)
    assert Activity.objects.count() == 1 and len(report.preview) == 2
    report = import_activities(
        data=CSV.encode(), filename="doku.csv", by=world.users["worker"], dry_run=False
    )
    assert report.ok and report.created == 2
    first, second = Activity.objects.filter(source="import").order_by("pk")
    assert first.topics.count() == 2 and first.follow_up and first.case_hash
    assert second.minutes == 90 and second.participants == 7


def test_xlsx_is_read_too(dw, world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Datum", "Dauer", "Tätigkeit", "Zielgruppe", "Teilnehmende"])
    sheet.append(
        [
            timezone.now().replace(tzinfo=None) - datetime.timedelta(days=2),
            60,
            "Offenes Angebot",
            "Gruppe",
            15,
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    report = import_activities(
        data=buffer.getvalue(), filename="doku.xlsx", by=world.users["worker"], dry_run=False
    )
    assert report.ok, report.errors
    activity = Activity.objects.get(source="import")
    assert activity.participants == 15  # gender not stated, grade band from the school type
    assert activity.participant_counts.get().grade_band.code == "primary"


def test_unknown_category_names_are_mapped_once_and_remembered(dw, world):
    data = f"Datum;Minuten;Art;Zielgruppe\n{DAY};30;Beratungsgespräch;Einzel\n".encode()
    report = import_activities(data=data, filename="a.csv", by=world.users["worker"], dry_run=True)
    assert report.unknown == {"activity_type": ["Beratungsgespräch"], "target_group": ["Einzel"]}
    assert not report.ok
    services.import_mapping_set(
        municipality=world.town,
        kind="activity_type",
        source_label="Beratungsgespräch",
        entry=entry(world.town, "activity_type", "counselling_pupil"),
        by=None,
    )
    services.import_mapping_set(
        municipality=world.town,
        kind="target_group",
        source_label="einzel",
        entry=entry(world.town, "target_group", "individual"),
        by=None,
    )
    report = import_activities(data=data, filename="a.csv", by=world.users["worker"], dry_run=False)
    assert report.ok and report.created == 1
    assert ImportMapping.objects.filter(municipality=world.town).count() == 2


def test_one_bad_row_imports_nothing(dw, world):
    data = (CSV + f"{DAY};30;group_offer;group;;;;;vielleicht;\n").encode()
    report = import_activities(data=data, filename="a.csv", by=world.users["worker"], dry_run=False)
    assert [str(e) for e in report.errors] == [
        "row 4, column Folgetermin: bitte ja oder nein angeben, nicht 'vielleicht'"
    ]
    assert Activity.objects.count() == 1


def test_service_errors_name_row_and_column(dw, world):
    data = f"Datum;Minuten;Art;Zielgruppe;Schulnummer\n{DAY};30;group_offer;group;{world.schools[2].school_number}\n"
    report = import_activities(
        data=data.encode(), filename="a.csv", by=world.users["worker"], dry_run=False
    )
    assert str(report.errors[0]).startswith("row 2, column Schulnummer:")
    future = (timezone.localdate() + datetime.timedelta(days=5)).strftime("%d.%m.%Y")
    data = f"Datum;Minuten;Art;Zielgruppe\n{future};30;group_offer;group\n"
    report = import_activities(
        data=data.encode(), filename="a.csv", by=world.users["worker"], dry_run=False
    )
    assert str(report.errors[0]).startswith("row 2, column Datum:")
    assert Activity.objects.count() == 1


def test_import_page_maps_previews_and_confirms(dw, world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("worker")
    url = reverse("activities:import")
    data = f"Datum;Minuten;Art;Zielgruppe\n{DAY};30;Beratungsgespräch;group\n".encode()
    upload = io.BytesIO(data)
    upload.name = "doku.csv"
    html = client.post(url, {"file": upload}).content.decode()
    assert 'data-import="mapping"' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    html = client.post(
        url,
        {
            "token": token,
            "mapping": "1",
            "kind-0": "activity_type",
            "source-0": "Beratungsgespräch",
            "entry-0": entry(world.town, "activity_type", "counselling_pupil").pk,
        },
    ).content.decode()
    assert 'data-import="ok"' in html and Activity.objects.count() == 1
    response = client.post(url, {"token": token, "confirm": "1"})
    assert response.status_code == 302 and Activity.objects.count() == 2


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(
            lambda t: ("Datum;Minuten;Art;Zielgruppe\n" + t).encode("utf-8", "replace")
        ),
        st.lists(st.lists(st.text(max_size=12), min_size=4, max_size=6), max_size=6).map(
            lambda rows: "\n".join(
                ["Datum;Minuten;Art;Zielgruppe;Themen;weiblich"] + [";".join(r) for r in rows]
            ).encode()
        ),
    )
)
def test_random_bytes_never_crash_or_write(dw, world, data):
    before = Activity.objects.count()
    report = import_activities(data=data, filename="x.csv", by=world.users["worker"], dry_run=False)
    assert report.ok or report.errors or report.unknown
    if not report.ok:
        assert Activity.objects.count() == before
