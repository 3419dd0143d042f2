"""Import of Excel documentation: mapping, preview, all-or-nothing, errors."""

from __future__ import annotations

import datetime
import io

import openpyxl
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schulsozial.activities import importing, services
from schulsozial.activities.activity_file import parse_activity_file
from schulsozial.activities.importing import import_activities
from schulsozial.activities.models import (
    Activity,
    ActivityImport,
    CatalogueEntry,
    ImportMapping,
)
from schulsozial.activities.tests.factories import entry
from schulsozial.masterdata.importing import store_pending

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
        by=world.users["worker"],
    )
    services.import_mapping_set(
        municipality=world.town,
        kind="target_group",
        source_label="einzel",
        entry=entry(world.town, "target_group", "individual"),
        by=world.users["worker"],
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
            "map-TOTAL_FORMS": "1",
            "map-INITIAL_FORMS": "1",
            "map-0-kind": "activity_type",
            "map-0-source": "Beratungsgespräch",
            "map-0-entry": entry(world.town, "activity_type", "counselling_pupil").pk,
        },
    ).content.decode()
    assert 'data-import="ok"' in html and Activity.objects.count() == 1
    response = client.post(url, {"token": token, "confirm": "1"})
    assert response.status_code == 302 and Activity.objects.count() == 2


def _confirmable(client, data: bytes) -> str:
    """Upload a file whose names are all in the catalogue; the preview's token."""
    upload = io.BytesIO(data)
    upload.name = "doku.csv"
    html = client.post(reverse("activities:import"), {"file": upload}).content.decode()
    assert 'data-import="ok"' in html, html
    return html.split('name="token" value="')[1].split('"')[0]


GOOD = f"Datum;Minuten;Art;Zielgruppe\n{DAY};30;group_offer;group\n{DAY};45;group_offer;group\n"


def test_confirming_runs_the_import_as_a_task_and_shows_its_result(
    dw, world, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("worker")
    token = _confirmable(client, GOOD.encode())
    before = Activity.objects.count()
    response = client.post(reverse("activities:import"), {"token": token, "confirm": "1"})
    job = ActivityImport.objects.get()
    assert response.url == reverse("activities:import_progress", args=[job.pk])
    assert (job.owner, job.rows_total, job.status) == (world.users["worker"], 2, "done")
    assert Activity.objects.count() == before + 2 and job.created == 2
    response = client.get(response.url)  # finished: on to the result
    assert response.url == reverse("activities:import_result", args=[job.pk])
    html = client.get(response.url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-import="done"' in html and "2 Tätigkeiten importiert" in html
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # preview and progress gone


def test_a_running_import_shows_its_progress_in_german_and_refreshes(
    dw, world, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    job = ActivityImport.objects.create(
        owner=world.users["worker"], filename="doku.csv", status="running", rows_total=40
    )
    importing.jobs._write_progress(job.pk, 10)
    url = reverse("activities:import_progress", args=[job.pk])
    client = client_for("worker")
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<progress id="import-progress-bar" max="40" value="10"' in html
    assert 'aria-valuetext="Zeile 10 von 40"' in html and 'role="status"' in html
    assert "10 von 40 Zeilen gelesen." in html
    assert f'hx-get="{url}" hx-trigger="every 2s"' in html  # htmx polls the fragment
    assert f'href="{url}"' in html  # without JavaScript: a link that refreshes
    fragment = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="import-progress"')
    # the result page waits for the end
    assert client.get(reverse("activities:import_result", args=[job.pk])).url == url
    ActivityImport.objects.filter(pk=job.pk).update(status="done")
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("activities:import_result", args=[job.pk])


def test_only_the_worker_who_started_an_import_sees_it(dw, world, client_for):
    job = ActivityImport.objects.create(owner=world.users["worker"], filename="a.csv", rows_total=1)
    for name in ("progress", "result"):
        url = reverse(f"activities:import_{name}", args=[job.pk])
        assert client_for("worker2").get(url).status_code == 404
        assert client_for("coordinator").get(url).status_code == 403


def test_a_failed_import_writes_nothing_and_lists_its_errors(
    dw, world, client_for, settings, tmp_path
):
    """The catalogue changes between preview and confirmation: the task
    finds the name unknown, imports nothing and says why."""
    settings.MEDIA_ROOT = tmp_path
    client = client_for("worker")
    token = _confirmable(client, GOOD.encode())
    CatalogueEntry.objects.filter(pk=entry(world.town, "activity_type", "group_offer").pk).update(
        retired=True
    )
    before = Activity.objects.count()
    response = client.post(reverse("activities:import"), {"token": token, "confirm": "1"})
    job = ActivityImport.objects.get()
    assert job.status == "failed" and job.created == 0 and Activity.objects.count() == before
    html = client.get(
        reverse("activities:import_result", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    assert 'data-import="errors"' in html and "1 Fehler – es wurde nichts importiert" in html
    assert "„group_offer“ steht nicht im Katalog" in html
    assert response.status_code == 302


def test_the_task_reports_row_and_column_of_a_bad_row(dw, world, settings, tmp_path):
    """A kept preview whose row became wrong (a date now in the future is
    impossible to keep, so the row is edited in the stored copy)."""
    settings.MEDIA_ROOT = tmp_path
    worker = world.users["worker"]
    report = import_activities(
        data=GOOD.encode(), filename="a.csv", by=worker, dry_run=True, keep_pending=True
    )
    future = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    day = datetime.datetime.strptime(DAY, "%d.%m.%Y").date().isoformat()  # noqa: DTZ007
    data = report.pending.replace(day.encode(), future.encode(), 1)
    token = store_pending(data, kind="activities", owner_id=worker.pk)
    before = Activity.objects.count()
    job = importing.import_start(token=token, filename="a.csv", by=worker)
    assert job.status == "failed" and Activity.objects.count() == before
    assert [str(e) for e in importing.import_errors(job)] == [
        "row 2, column Datum: Das Datum liegt in der Zukunft."
    ]


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
