"""A social worker imports their documentation from a file: preview,
confirmation, the result; and the progress page of a running import
follows it by itself until its result (issue 12)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from schulsozial.activities import importing
from schulsozial.activities.models import Activity, ActivityImport
from schulsozial.activities.tests.factories import doc_world
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = (timezone.localdate() - datetime.timedelta(days=3)).strftime("%d.%m.%Y")


def overflow(page) -> int:
    """How far the page is wider than the window (0 or less: no horizontal scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [1280, 768])
def test_worker_imports_a_file_and_sees_how_many_were_recorded(
    live_server, page, settings, tmp_path, width
):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    doc_world(world)
    before = Activity.objects.count()
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, "fachkraft")

    page.goto(live_server.url + "/dokumentation/import/")
    rows = "".join(f"{DAY};{m};group_offer;group\n" for m in (30, 45, 60))
    page.get_by_label("Datei (XLSX oder CSV)").set_input_files(
        {
            "name": "doku.csv",
            "mimeType": "text/csv",
            "buffer": f"Datum;Minuten;Art;Zielgruppe\n{rows}".encode(),
        }
    )
    page.get_by_role("button", name="Vorschau anzeigen").click()
    expect(page.get_by_role("status")).to_contain_text("3 Tätigkeiten werden erfasst")
    assert Activity.objects.count() == before  # the preview writes nothing
    assert overflow(page) <= 0
    assert axe_violations(page) == []

    page.get_by_role("button", name="Import bestätigen").click()
    page.wait_for_url("**/ergebnis/")  # the test backend runs the task at once
    expect(page.locator("[data-import=done]")).to_contain_text("3 Tätigkeiten importiert")
    assert Activity.objects.count() == before + 3
    assert overflow(page) <= 0
    assert axe_violations(page) == []


def test_the_progress_page_follows_a_running_import_to_its_result(
    live_server, page, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    world = build_world()
    doc_world(world)
    job = ActivityImport.objects.create(
        owner=world.users["worker"], filename="doku.csv", status="running", rows_total=10_000
    )
    importing.jobs._write_progress(job.pk, 1234)
    log_in(page, live_server.url, "fachkraft")

    page.goto(f"{live_server.url}/dokumentation/import/{job.pk}/")
    bar = page.get_by_role("progressbar", name="doku.csv wird importiert")
    expect(bar).to_have_attribute("aria-valuetext", "Zeile 1.234 von 10.000")
    status = page.locator("#import-progress [role=status]")
    expect(status).to_have_text("1.234 von 10.000 Zeilen gelesen.")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 768, "height": 900})
    assert overflow(page) <= 0

    importing.jobs._write_progress(job.pk, 5000)  # the page asks again every few seconds
    expect(status).to_have_text("5.000 von 10.000 Zeilen gelesen.", timeout=10_000)
    expect(bar).to_have_attribute("value", "5000")

    ActivityImport.objects.filter(pk=job.pk).update(status="done", created=10_000)
    page.wait_for_url(f"**/dokumentation/import/{job.pk}/ergebnis/", timeout=10_000)
    expect(page.locator("[data-import=done]")).to_contain_text("10.000 Tätigkeiten importiert")
    assert axe_violations(page) == []


def test_the_result_of_a_failed_import_lists_row_and_column(live_server, page):
    world = build_world()
    job = ActivityImport.objects.create(
        owner=world.users["worker"],
        filename="doku.csv",
        status="failed",
        rows_total=3,
        errors=[
            [2, "Datum", "Das Datum liegt in der Zukunft."],
            [3, "Minuten", "keine Zahl: 'abc'"],
        ],
    )
    log_in(page, live_server.url, "fachkraft")
    page.goto(f"{live_server.url}/dokumentation/import/{job.pk}/ergebnis/")
    alert = page.get_by_role("alert").filter(has_text="Fehler")
    expect(alert).to_contain_text("2 Fehler – es wurde nichts importiert")
    assert alert.locator("li").all_inner_texts() == [
        "Zeile 2, Spalte Datum: Das Datum liegt in der Zukunft.",
        "Zeile 3, Spalte Minuten: keine Zahl: 'abc'",
    ]
    assert axe_violations(page) == []
