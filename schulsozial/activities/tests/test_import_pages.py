"""The pages of a background import: progress, result, who may see them."""

from __future__ import annotations

import datetime
import io

from django.urls import reverse
from django.utils import timezone

from schulsozial.activities import importing
from schulsozial.activities.models import Activity, ActivityImport, ImportMapping
from schulsozial.activities.tests.factories import entry
from schulsozial.activities.tests.test_importing import DAY, GOOD
from schulsozial.core.audit import Action
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.importing import store_pending


def _job(world, **fields) -> ActivityImport:
    fields.setdefault("status", ActivityImport.Status.RUNNING)
    return ActivityImport.objects.create(
        owner=world.users["worker"], filename="doku.csv", **{"rows_total": 10, **fields}
    )


def _confirm(client) -> ActivityImport:
    upload = io.BytesIO(GOOD.encode())
    upload.name = "doku.csv"
    html = client.post(reverse("activities:import"), {"file": upload}).content.decode()
    token = html.split('name="token" value="')[1].split('"')[0]
    client.post(reverse("activities:import"), {"token": token, "confirm": "1"})
    return ActivityImport.objects.get()


def test_progress_counts_rows_with_german_digit_grouping(dw, world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = _job(world, rows_total=10_000)
    importing.jobs._write_progress(job.pk, 1234)
    html = (
        client_for("worker")
        .get(reverse("activities:import_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    assert '<label class="kern-label" for="import-progress-bar">doku.csv wird importiert' in html
    assert '<progress id="import-progress-bar" max="10000" value="1234"' in html
    assert 'aria-valuetext="Zeile 1.234 von 10.000"' in html
    assert "1.234 von 10.000 Zeilen gelesen." in html
    assert "<script" not in html.split('id="import-progress"')[1]  # no inline script (CSP)


def test_a_waiting_import_says_so_on_its_bar(dw, world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = _job(world, status=ActivityImport.Status.QUEUED)
    html = (
        client_for("worker")
        .get(reverse("activities:import_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    bar = html.split('<progress id="import-progress-bar"')[1].split(">")[0]
    assert 'value="0"' in bar
    assert 'aria-valuetext="Der Import wartet auf seinen Start."' in bar
    assert 'data-status="queued"' in html


def test_import_pages_are_never_stored_by_a_cache(dw, world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("worker")
    running, done = _job(world), _job(world, status=ActivityImport.Status.DONE, created=10)
    responses = [
        client.get(reverse("activities:import_progress", args=[running.pk])),
        client.get(
            reverse("activities:import_progress", args=[running.pk]), HTTP_HX_REQUEST="true"
        ),
        client.get(reverse("activities:import_progress", args=[done.pk]), HTTP_HX_REQUEST="true"),
        client.get(reverse("activities:import_result", args=[done.pk])),
    ]
    assert [r.status_code for r in responses] == [200, 200, 204, 200]
    assert [r["Cache-Control"] for r in responses] == ["no-store"] * 4


def test_a_finished_import_is_in_the_audit_log_once(dw, world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = Activity.objects.count()
    job = _confirm(client_for("worker"))
    assert job.status == "done" and Activity.objects.count() == before + 2
    entries = AuditEntry.objects.filter(action=Action.IMPORT)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor == world.users["worker"]
    assert entry.changes["created"] == 2 and entry.changes["file"] == "doku.csv"


def test_the_result_lists_every_error_as_row_column_reason(dw, world, client_for):
    errors = [[n, "Minuten", f"keine Zahl: 'x{n}'"] for n in range(2, 302)]
    errors.append([0, "", "Die Vorschau ist abgelaufen."])
    errors.append([7, "", "Zeile doppelt"])
    job = _job(world, status=ActivityImport.Status.FAILED, errors=errors)
    html = (
        client_for("worker")
        .get(reverse("activities:import_result", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    assert "302 Fehler – es wurde nichts importiert" in html
    assert "<li>Zeile 2, Spalte Minuten: keine Zahl: &#x27;x2&#x27;</li>" in html
    assert (
        "<li>Zeile 301, Spalte Minuten: keine Zahl: &#x27;x301&#x27;</li>" in html
    )  # all, not 200
    assert "<li>Die Vorschau ist abgelaufen.</li>" in html
    assert "<li>Zeile 7: Zeile doppelt</li>" in html
    assert 'data-import="done"' not in html


def test_the_result_counts_the_imported_records(dw, world, client_for):
    job = _job(world, status=ActivityImport.Status.DONE, created=1234)
    html = (
        client_for("worker")
        .get(reverse("activities:import_result", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    assert "1.234 Tätigkeiten importiert" in html
    assert "Die Datei doku.csv ist importiert" in html


def test_nobody_else_follows_an_import_not_even_through_the_poll(dw, world, client_for):
    running, done = _job(world), _job(world, status=ActivityImport.Status.DONE, created=3)
    progress = reverse("activities:import_progress", args=[running.pk])
    result = reverse("activities:import_result", args=[done.pk])
    other = client_for("worker2")  # documents too, at another school
    assert other.get(progress).status_code == 404
    assert other.get(progress, HTTP_HX_REQUEST="true").status_code == 404
    assert other.get(result).status_code == 404
    for name in ("coordinator", "carrier", "principal", "committee", "admin"):
        assert client_for(name).get(result).status_code == 403, name
    assert client_for("anonymous").get(result).status_code == 302
    assert importing.imports_visible_to(user=world.users["worker2"]).count() == 0
    assert set(importing.imports_visible_to(user=world.users["worker"])) == {running, done}


def test_a_bad_row_after_written_batches_leaves_nothing_behind(
    dw, world, settings, tmp_path, monkeypatch
):
    """The import writes in batches inside one transaction: a wrong row
    after two batches were written rolls them back too."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(importing.writing, "BATCH_ROWS", 1)
    written: list[int] = []
    insert = importing.writing.insert_activities

    def counting_insert(batch, **kwargs):
        written.append(len(batch))
        return insert(batch, **kwargs)

    monkeypatch.setattr(importing.writing, "insert_activities", counting_insert)
    worker = world.users["worker"]
    three = GOOD + f"{DAY};60;group_offer;group\n"
    report = importing.import_activities(
        data=three.encode(), filename="a.csv", by=worker, dry_run=True, keep_pending=True
    )
    day = datetime.datetime.strptime(DAY, "%d.%m.%Y").date().isoformat().encode()  # noqa: DTZ007
    future = (timezone.localdate() + datetime.timedelta(days=5)).isoformat().encode()
    at = report.pending.rfind(day)  # the last row's date becomes impossible
    data = report.pending[:at] + future + report.pending[at + len(day) :]
    token = store_pending(data, kind="activities", owner_id=worker.pk)
    before = Activity.objects.count()
    job = importing.import_start(token=token, filename="a.csv", by=worker)
    assert written == [1, 1]  # two rows were written before the third failed
    assert job.status == "failed" and job.created == 0
    assert Activity.objects.count() == before
    assert [str(e) for e in importing.import_errors(job)] == [
        "row 4, column Datum: Das Datum liegt in der Zukunft."
    ]
    assert not AuditEntry.objects.filter(action=Action.IMPORT).exists()


def test_mapping_offers_the_municipalitys_entries_and_refuses_others(
    dw, world, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("worker")
    url = reverse("activities:import")
    upload = io.BytesIO(
        f"Datum;Minuten;Art;Zielgruppe\n{DAY};30;Beratungsgespräch;group\n".encode()
    )
    upload.name = "doku.csv"
    response = client.post(url, {"file": upload}, HTTP_ACCEPT_LANGUAGE="de")
    html = response.content.decode()
    own = entry(world.town, "activity_type", "counselling_pupil")
    foreign = entry(world.other_town, "activity_type", "counselling_pupil")
    assert '<label class="kern-sr-only" for="id_map-0-entry">' in html
    assert f'<option value="{own.pk}">' in html and f'<option value="{foreign.pk}">' not in html
    assert 'name="map-0-source" value="Beratungsgespräch"' in html
    token = response.context["token"]
    tampered = {
        "token": token,
        "mapping": "1",
        "map-TOTAL_FORMS": "1",
        "map-INITIAL_FORMS": "1",
        "map-0-kind": "activity_type",
        "map-0-source": "Beratungsgespräch",
        "map-0-entry": foreign.pk,  # another municipality's entry
    }
    html = client.post(url, tampered).content.decode()
    assert not ImportMapping.objects.exists()
    assert 'data-import="mapping"' in html  # still to be mapped
    wrong_kind = {**tampered, "map-0-entry": entry(world.town, "target_group", "group").pk}
    client.post(url, wrong_kind)
    assert not ImportMapping.objects.exists()


def test_progress_of_a_one_row_file_says_row_in_the_singular(
    dw, world, client_for, settings, tmp_path
):
    """Issue 13: "0 von 1 Zeile gelesen.", not "0 von 1 Zeilen"."""
    settings.MEDIA_ROOT = tmp_path
    job = _job(world, rows_total=1)
    importing.jobs._write_progress(job.pk, 0)
    html = (
        client_for("worker")
        .get(reverse("activities:import_progress", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="de")
        .content.decode()
    )
    assert "0 von 1 Zeile gelesen." in html


def _upload_errors(client, name: str, data: bytes) -> str:
    upload = io.BytesIO(data)
    upload.name = name
    html = client.post(
        reverse("activities:import"), {"file": upload}, HTTP_ACCEPT_LANGUAGE="de"
    ).content.decode()
    return html.split('data-import="errors"')[1].split("</ul>")[0]


def test_a_damaged_workbook_is_reported_in_german(dw, world, client_for, settings, tmp_path):
    """The shared reader's reasons (school_file) carry msgids: shown in German (issue 13)."""
    settings.MEDIA_ROOT = tmp_path
    errors = _upload_errors(client_for("worker"), "doku.xlsx", b"PK\x03\x04 not really a zip")
    assert "keine gültige .xlsx-Datei (beschädigtes ZIP-Archiv)" in errors
    assert "damaged ZIP archive" not in errors


def test_a_broken_csv_is_reported_in_german(dw, world, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    data = (GOOD.rstrip("\n") + '\n"' + "x" * 200_000 + "\n").encode()
    errors = _upload_errors(client_for("worker"), "doku.csv", data)
    assert "fehlerhafte CSV-Datei (" in errors
    assert "ist ein Anführungszeichen nicht geschlossen?" in errors
    assert "broken CSV" not in errors


def test_size_and_row_limits_group_digits_the_german_way(dw, world):
    """'1.234 Bytes', not '1,234' (issue 13)."""
    from django.utils import translation

    from schulsozial.activities.activity_file import open_activity_file

    with translation.override("de"):
        big = open_activity_file(GOOD.encode() * 60, filename="doku.csv", max_bytes=1234)
        rows = (GOOD + f"{DAY};30;group_offer;group\n" * 1500).encode()
        long = open_activity_file(rows, filename="doku.csv", max_rows=1200)
        list(long.rows)
    assert [e.reason for e in big.errors] == [
        f"die Datei hat {len(GOOD.encode()) * 60:_} Bytes, mehr als 1.234".replace("_", ".")
    ]
    assert any("mehr als 1.200 Zeilen; bitte die Datei aufteilen" in e.reason for e in long.errors)
