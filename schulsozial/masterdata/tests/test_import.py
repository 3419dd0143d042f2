"""School import through the service, the command and the upload page:
all-or-nothing, upsert by school number, clear errors, nothing half written."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.importing import current_school_year_code, error_text, import_schools
from schulsozial.masterdata.models import Municipality, School, SchoolYear, SchoolYearFigures

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
NRW = SHARED / "schulen_nrw.csv"
HERNE_KAMEN = SHARED / "schulen_herne_kamen.csv"
needs_data = pytest.mark.skipif(not NRW.exists(), reason="../shared/data is not beside the project")

pytestmark = pytest.mark.django_db

HEADER = "schulnummer,schulform,bezeichnung_1,ags,gemeinde,schueler_2024_25,sozialindex_2025_26,startchancen_2025_26"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def counts() -> tuple[int, int, int, int]:
    return (
        Municipality.objects.count(),
        School.objects.count(),
        SchoolYearFigures.objects.count(),
        AuditEntry.objects.filter(action="import").count(),
    )


def run(data: bytes, municipality=None, dry_run=False, max_bytes=None):
    return import_schools(
        data=data,
        filename="x.csv",
        municipality=municipality,
        by=SYSTEM,
        dry_run=dry_run,
        max_bytes=max_bytes,
    )


@needs_data
def test_herne_and_kamen_import_creates_both_towns_with_their_schools_and_figures():
    report = run(HERNE_KAMEN.read_bytes())
    assert report.ok, report.errors[:3]
    assert report.created == 54
    herne = Municipality.objects.get(ags="05916000")
    assert herne.name == "Herne"
    assert herne.schools.count() == 43
    galileo = School.objects.get(school_number="100116")
    assert galileo.name.startswith("Galileo-Schule")
    assert galileo.school_type == "GS"
    pupils = galileo.figures.get(school_year__code="2024/25")
    index = galileo.figures.get(school_year__code="2025/26")
    assert (pupils.pupils, index.social_index, index.startchancen) == (210, 8, True)
    assert School.objects.get(school_number="100162").legal_status == "private"


@needs_data
def test_importing_the_same_file_twice_changes_nothing():
    data = HERNE_KAMEN.read_bytes()
    run(data)
    before = list(School.objects.order_by("pk").values())
    report = run(data)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 54)
    assert list(School.objects.order_by("pk").values()) == before
    assert report.figures_written == 0


@needs_data
def test_municipality_option_imports_only_that_towns_rows():
    town = Municipality.objects.create(ags="05978020", name="Kamen")
    report = run(HERNE_KAMEN.read_bytes(), municipality=town)
    assert report.ok
    assert (report.created, report.skipped_other_municipality) == (11, 43)
    assert set(School.objects.values_list("municipality__ags", flat=True)) == {"05978020"}


def test_a_changed_row_updates_the_school_and_its_figures():
    run(csv("100014,Grundschule,Kolibri-Schule,05916000,Krfr. Stadt Herne,440,5,0"))
    report = run(csv("100014,Grundschule,Kolibri-Schule Herne,05916000,Krfr. Stadt Herne,445,6,1"))
    assert (report.created, report.updated) == (0, 1)
    school = School.objects.get(school_number="100014")
    assert school.name == "Kolibri-Schule Herne"
    assert school.figures.get(school_year__code="2024/25").pupils == 445
    assert school.figures.get(school_year__code="2025/26").social_index == 6


def test_dry_run_reports_but_writes_nothing():
    report = run(
        csv("100014,Grundschule,Kolibri-Schule,05916000,Krfr. Stadt Herne,440,5,0"), dry_run=True
    )
    assert report.ok and report.created == 1
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("schulnummer,schulform,bezeichnung_1\n".encode("utf-16"), "encoding"),
        (
            csv(
                "100014,Grundschule,Kolibri-Schule,05916000,x,440,5,0",
                header="schulnummer,schulform,ags,gemeinde,schueler_2024_25,sozialindex_2025_26,startchancen_2025_26,x",
            ),
            "row 1",
        ),
        (
            csv(
                "100014,Grundschule,A,05916000,x,440,5,0", "100014,Grundschule,B,05916000,x,200,3,0"
            ),
            "row 3, column schulnummer",
        ),
        (csv("100014,Grundschule,A,05916000,x,viele,5,0"), "row 2, column schueler_2024_25"),
        (b"", "empty"),
    ],
    ids=["wrong-encoding", "missing-column", "duplicate-numbers", "text-in-numbers", "empty-file"],
)
def test_bad_files_give_a_clear_error_and_write_nothing(data, expected):
    report = run(data)
    assert not report.ok
    text = "\n".join(str(e) for e in report.errors)
    assert expected in text.lower() or expected in text
    assert counts() == (0, 0, 0, 0)


def test_one_bad_row_among_good_ones_writes_nothing():
    report = run(
        csv(
            "100014,Grundschule,A,05916000,Krfr. Stadt Herne,440,5,0",
            "100116,Grundschule,B,05916000,Krfr. Stadt Herne,210,12,1",
        )
    )
    assert [str(e) for e in report.errors] == [
        e
        for e in (str(x) for x in report.errors)
        if e.startswith("row 3, column sozialindex_2025_26")
    ]
    assert counts() == (0, 0, 0, 0)


def test_file_over_the_size_limit_is_refused():
    data = csv(*[f"1{n:05d},Grundschule,S{n},05916000,x,100,3,0" for n in range(200)])
    report = run(data, max_bytes=len(data) - 1)
    assert not report.ok
    assert "limit" in str(report.errors[0]) or "large" in str(report.errors[0])
    assert counts() == (0, 0, 0, 0)


def test_school_that_belongs_to_another_municipality_is_an_error():
    run(csv("100014,Grundschule,A,05916000,Krfr. Stadt Herne,440,5,0"))
    kamen = Municipality.objects.create(ags="05978020", name="Kamen")
    report = run(csv("100014,Grundschule,A,,,440,5,0"), municipality=kamen)
    assert error_text(report.errors[0]) == (
        "Zeile 2, Spalte „Schulnummer“: Schule 100014 gehört zu einer anderen Kommune (Herne)"
    )
    assert School.objects.get(school_number="100014").municipality.ags == "05916000"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_and_never_write(data):
    before = counts()
    report = run(b"schulnummer,schulform,bezeichnung_1\n" + data if len(data) % 2 else data)
    if not report.ok:
        assert counts() == before
        # Row errors read "row N, column C: reason"; file errors are the reason.
        assert all(
            str(e).startswith(f"row {e.row}") if e.row else str(e) == e.reason != ""
            for e in report.errors
        )


# ----------------------------------------------------------------- command


@needs_data
def test_command_imports_all_nrw_schools_in_seconds(capsys):
    started = time.perf_counter()
    call_command("import_schools", str(NRW))
    elapsed = time.perf_counter() - started
    assert School.objects.count() == 5407
    assert Municipality.objects.count() == 396
    assert "5407 Schulen gelesen: 5407 neu" in capsys.readouterr().out  # German (issue 13)
    # A functional ceiling, not a benchmark (see make bench for figures).
    assert elapsed < 120


def test_command_exits_non_zero_and_prints_every_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv("12345,Grundschule,A,05916000,x,440,5,0", "100116,Grundschule,B,05916000,x,abc,5,0")
    )
    with pytest.raises(CommandError, match=r"^2 Fehler; es wurde nichts importiert$"):
        call_command("import_schools", str(path))
    err = capsys.readouterr().err  # German like the web page (issue 13)
    assert "Zeile 2, Spalte „schulnummer“: " in err
    assert "Zeile 3, Spalte „schueler_2024_25“: " in err
    assert "row " not in err
    assert counts() == (0, 0, 0, 0)


def test_command_dry_run_writes_nothing(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv("100014,Grundschule,A,05916000,Krfr. Stadt Herne,440,5,0"))
    call_command("import_schools", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith("Probelauf, nichts geschrieben: 1 Schule gelesen: 1 neu")
    assert "1 Kommune würde angelegt." in out
    assert School.objects.count() == 0
    assert not Municipality.objects.filter(ags="05916000").exists()


# ----------------------------------------------------------------- upload page


def test_upload_page_previews_then_imports_on_confirm(world, client_for):
    client = client_for("coordinator")
    data = csv("199777,Grundschule,Neue Schule,05999001,Teststadt,210,4,0")
    upload = io.BytesIO(data)
    upload.name = "schulen.csv"
    response = client.post(
        "/stammdaten/schools/import/", {"file": upload, "municipality": world.town.pk}
    )
    page = response.content.decode()
    assert 'data-import="ok"' in page and "Neue Schule" in page
    assert not School.objects.filter(school_number="199777").exists()
    token = response.context["token"]
    response = client.post("/stammdaten/schools/import/", {"confirm": "1", "token": token})
    assert response.status_code == 302
    assert School.objects.get(school_number="199777").municipality == world.town


def test_upload_page_shows_row_errors_and_imports_nothing(world, client_for):
    client = client_for("coordinator")
    upload = io.BytesIO(csv("19977,Grundschule,Neue Schule,05999001,Teststadt,210,4,0"))
    upload.name = "schulen.csv"
    page = client.post(
        "/stammdaten/schools/import/", {"file": upload, "municipality": world.town.pk}
    ).content.decode()
    assert 'data-import="errors"' in page
    assert (
        "Zeile 2, Spalte „schulnummer“: Schulnummer muss genau 6 Ziffern haben, nicht &#x27;19977&#x27;"
        in page
    )
    assert "must have exactly" not in page
    assert 'name="confirm"' not in page


def test_upload_page_reports_a_file_error_without_a_row_or_column(world, client_for):
    client = client_for("coordinator")
    upload = io.BytesIO("schulnummer;bezeichnung_1\n100014;Schule\n".encode("utf-16"))
    upload.name = "schulen.csv"
    page = client.post(
        "/stammdaten/schools/import/", {"file": upload, "municipality": world.town.pk}
    ).content.decode()
    assert 'data-import="errors"' in page
    assert "<li>nicht unterstützte Kodierung UTF-16" in page
    assert "unsupported encoding" not in page
    assert "Zeile 0" not in page


def test_upload_cannot_target_a_municipality_outside_the_scope(world, client_for):
    client = client_for("coordinator")
    upload = io.BytesIO(csv("199777,Grundschule,Neue Schule,05999002,Nachbarstadt,210,4,0"))
    upload.name = "schulen.csv"
    response = client.post(
        "/stammdaten/schools/import/", {"file": upload, "municipality": world.other_town.pk}
    )
    assert "municipality" in response.context["form"].errors
    assert not School.objects.filter(school_number="199777").exists()


def test_the_import_creates_its_school_years_through_the_audited_service():
    report = run(csv("199001,Grundschule,Schule A,05999001,Teststadt,200,5,0"))

    assert report.ok, report.errors
    for code in ("2024/25", "2025/26"):
        year = SchoolYear.objects.get(code=code)
        assert AuditEntry.objects.filter(
            action="create", object_type="masterdata.schoolyear", object_id=str(year.pk)
        ).exists()


def test_an_importing_actor_without_school_year_rights_writes_nothing():
    before = counts()

    with pytest.raises(PermissionDenied):
        import_schools(
            data=csv("199001,Grundschule,Schule A,05999001,Teststadt,200,5,0"),
            filename="x.csv",
            municipality=None,
            by=None,
            dry_run=False,
        )

    assert counts() == before
    assert not SchoolYear.objects.filter(code__in=["2024/25", "2025/26"]).exists()


def test_a_municipality_the_import_creates_is_audited_in_the_name_of_the_actor():
    report = run(csv("199001,Grundschule,Schule A,05999001,Krfr. Stadt Teststadt,200,5,0"))

    assert report.ok and report.municipalities_created == ["Teststadt"]
    town = Municipality.objects.get(ags="05999001")
    assert (town.name, town.kind) == ("Teststadt", Municipality.Kind.CITY)
    entry = AuditEntry.objects.get(
        action="create", object_type="masterdata.municipality", object_id=str(town.pk)
    )
    assert entry.actor is None  # SYSTEM: the platform, no person


def test_an_importing_actor_who_may_not_create_municipalities_writes_nothing():
    """A coordinator may create school years but not a municipality: a file
    naming an unknown AGS is refused as a whole."""
    from schulsozial.accounts.models import Role
    from schulsozial.masterdata import services
    from schulsozial.testing.personas import make_user

    town = services.municipality_create(
        by=SYSTEM, ags="05999002", name="Heimatstadt", kind=Municipality.Kind.TOWN
    )
    coordinator = make_user("koordination-import", Role.COORDINATION, municipality=town)
    before = counts()

    with pytest.raises(PermissionDenied):
        import_schools(
            data=csv("199001,Grundschule,Schule A,05999001,Teststadt,200,5,0"),
            filename="x.csv",
            municipality=None,
            by=coordinator,
            dry_run=False,
        )

    assert counts() == before
    assert not Municipality.objects.filter(ags="05999001").exists()
    assert not SchoolYear.objects.exists()


# ----------------------------------------------------------------- nothing is blanked (issue 13)

FULL_HEADER = (
    "schulnummer,schulform,bezeichnung_1,kurzbezeichnung,rechtsstatus,traegernummer,"
    "traeger_abgeleitet,ags,gemeinde,strasse,plz,ort,lat,lon,schueler_2024_25,sozialindex_2025_26"
)
KOLIBRI = (
    '100014,Grundschule,Kolibri-Schule,"Herne, GG Kolibri",Öffentlich,10327,Stadt Herne,'
    "05916000,Krfr. Stadt Herne,Jean-Vogel-Str. 36,44625,Herne,51.528316,7.185164,440,5"
)


def kolibri() -> School:
    report = run(csv(KOLIBRI, header=FULL_HEADER))
    assert report.ok, report.errors
    return School.objects.get(school_number="100014")


def stored(school: School) -> dict:
    school.refresh_from_db()
    return {
        name: getattr(school, name)
        for name in (
            "short_name",
            "authority_number",
            "authority_name",
            "street",
            "postcode",
            "latitude",
            "longitude",
            "legal_status",
            "school_type",
        )
    }


def xlsx(*rows: list) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def german_excel_export() -> bytes:
    """The usability test's file (K-6): semicolon, Windows-1252, German headings, no address."""
    text = (
        "Schulnummer;Schulname;Schulform;Schülerzahl;Sozialindex;Ort\r\n"
        "100014;Kolibri-Schule;Grundschule;452;5;Herne\r\n"
        "199777;Neue Schule;Gesamtschule;800;4;Herne\r\n"
    )
    return text.encode("cp1252")


def test_a_file_without_address_columns_keeps_carrier_street_postcode_and_coordinates():
    school = kolibri()
    before = stored(school)

    report = run(german_excel_export(), municipality=school.municipality)

    assert report.ok, report.errors
    assert stored(school) == before
    assert before["authority_name"] == "Stadt Herne" and before["street"] == "Jean-Vogel-Str. 36"


def test_a_pupils_column_without_a_year_counts_for_the_current_school_year():
    school = kolibri()
    code = current_school_year_code()

    report = run(german_excel_export(), municipality=school.municipality)

    assert report.ok, report.errors
    assert school.figures.get(school_year__code=code).pupils == 452
    assert school.figures.get(school_year__code=code).social_index == 5
    new = School.objects.get(school_number="199777")
    assert new.figures.get(school_year__code=code).pupils == 800


def test_empty_cells_keep_the_stored_values():
    school = kolibri()
    before = stored(school)
    row = "100014,Grundschule,Kolibri-Schule,,,,,05916000,Krfr. Stadt Herne,,,Herne,,,,"

    report = run(csv(row, header=FULL_HEADER))

    assert report.ok, report.errors
    assert stored(school) == before
    assert (report.updated, report.unchanged) == (0, 1)
    assert school.figures.get(school_year__code="2024/25").pupils == 440
    assert school.figures.get(school_year__code="2025/26").social_index == 5


def test_the_report_lists_each_changed_field_with_old_and_new_value_in_german():
    school = kolibri()
    row = KOLIBRI.replace("Jean-Vogel-Str. 36", "Neue Str. 1").replace(",440,", ",452,")

    report = run(csv(row, header=FULL_HEADER), dry_run=True)

    assert report.ok and report.updated == 1
    (change,) = report.changes
    assert not change.new and change.school_number == "100014"
    assert [(f.label, f.old, f.new) for f in change.fields] == [
        ("Straße", "Jean-Vogel-Str. 36", "Neue Str. 1"),
        ("Schüler/innen 2024/25", "440", "452"),
    ]
    assert stored(school)["street"] == "Jean-Vogel-Str. 36"  # a dry run


def test_a_new_school_is_marked_new_with_its_values():
    report = run(german_excel_export(), municipality=kolibri().municipality, dry_run=True)

    new = next(change for change in report.changes if change.school_number == "199777")
    assert new.new
    labels = {f.label: f.new for f in new.fields}
    assert labels["Name"] == "Neue Schule"
    assert labels[f"Schüler/innen {current_school_year_code()}"] == "800"


def test_the_chosen_school_year_overrides_the_year_in_the_headings():
    school = kolibri()

    report = import_schools(
        data=csv(KOLIBRI.replace(",440,", ",460,"), header=FULL_HEADER),
        filename="x.csv",
        municipality=None,
        by=SYSTEM,
        dry_run=False,
        school_year="2026/27",
    )

    assert report.ok, report.errors
    figures = school.figures.get(school_year__code="2026/27")
    assert (figures.pupils, figures.social_index) == (460, 5)
    assert school.figures.get(school_year__code="2024/25").pupils == 440  # untouched


def test_a_mapped_column_is_imported_as_its_field():
    school = kolibri()
    data = xlsx(
        ["Schulnummer", "Schulname", "Schulform", "Kinder gesamt"],
        [100014, "Kolibri-Schule", "Grundschule", 470],
    )

    ignored = run(data, municipality=school.municipality)
    assert ignored.parse.ignored == ["Kinder gesamt"]
    mapped = import_schools(
        data=data,
        filename="x.xlsx",
        municipality=school.municipality,
        by=SYSTEM,
        dry_run=False,
        mapping={"Kinder gesamt": "pupils"},
        school_year="2025/26",
    )

    assert mapped.ok, mapped.errors
    assert school.figures.get(school_year__code="2025/26").pupils == 470


def test_a_school_type_the_import_cannot_tell_keeps_the_stored_type():
    school = kolibri()

    run(csv("100014,Gemeinschaftsschule neu,Kolibri-Schule,05916000,x,440,5,0"))

    school.refresh_from_db()
    assert (school.school_type, school.school_type_label) == ("GS", "Gemeinschaftsschule neu")


def test_the_platform_s_own_school_list_export_reads_back_without_changes(world, client_for):
    client = client_for("coordinator")
    export = client.get("/stammdaten/schools/?format=csv")
    assert export.status_code == 200
    schools = {s.pk: stored(s) for s in School.objects.filter(municipality=world.town)}

    report = run(export.content, municipality=world.town)

    assert report.ok, [error_text(e) for e in report.errors]
    assert report.created == 0
    assert {s.pk: stored(s) for s in School.objects.filter(municipality=world.town)} == schools
    headings = {c["heading"]: c["label"] for c in report.recognised}
    assert headings[f"Schüler/innen {current_school_year_code()}"] == "Schüler/innen"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1.80", "Zeile 3, Spalte „Schülerzahl“: keine ganze Zahl: '1.80'"),
        (
            "-5",
            "Zeile 3, Spalte „Schülerzahl“: Schülerzahl muss zwischen 0 und 100.000 liegen, nicht -5",
        ),
    ],
)
def test_a_bad_cell_is_reported_in_german_with_row_column_and_reason(cell, message):
    data = f"Schulnummer;Schulname;Schulform;Schülerzahl\n100014;A;GS;400\n100116;B;GS;{cell}\n"

    report = run(data.encode(), municipality=None)

    assert [error_text(e) for e in report.errors] == [message]
    assert counts() == (0, 0, 0, 0)


def test_a_bad_school_number_and_sozialindex_are_reported_in_german():
    data = "Schulnummer;Schulname;Schulform;Sozialindex\nabc;A;GS;4\n100116;B;GS;12\n"

    lines = [error_text(e) for e in run(data.encode()).errors]

    assert lines == [
        "Zeile 2, Spalte „Schulnummer“: Schulnummer muss genau 6 Ziffern haben, nicht 'abc'",
        "Zeile 3, Spalte „Sozialindex“: Sozialindex muss zwischen 1 und 9 liegen, nicht 12",
    ]


def test_a_missing_required_column_is_reported_in_german():
    data = "Schulnummer;Schulform\n100014;GS\n"

    (line,) = [error_text(e) for e in run(data.encode()).errors]

    assert line.startswith("Zeile 1, Spalte „Schulname“: Pflichtspalte fehlt")


def test_the_import_is_audited_with_its_changes():
    school = kolibri()
    row = KOLIBRI.replace("Jean-Vogel-Str. 36", "Neue Str. 1")

    run(csv(row, header=FULL_HEADER))

    entry = AuditEntry.objects.filter(action="import").latest("pk")
    assert entry.changes["updated"] == 1
    assert entry.changes["schools"][school.school_number] == {
        "Straße": ["Jean-Vogel-Str. 36", "Neue Str. 1"]
    }


# ----------------------------------------------------------------- the page: preview, mapping, template


def upload(client, data: bytes, town, name="schulen.xlsx", **extra):
    file = io.BytesIO(data)
    file.name = name
    return client.post(
        "/stammdaten/schools/import/", {"file": file, "municipality": town.pk, **extra}
    )


def test_the_preview_shows_old_and_new_values_and_the_columns(world, client_for):
    school = world.schools[0]
    school.street = "Alte Str. 1"
    school.save()
    data = xlsx(
        ["Schulnummer", "Schulname", "Schulform", "Straße", "Telefon"],
        [school.school_number, school.name, "Grundschule", "Neue Str. 2", "02323 1"],
    )

    response = upload(client_for("coordinator"), data, world.town)

    page = response.content.decode()
    row = page[page.index(f'data-school="{school.school_number}"') :]
    row = row[: row.index("</tr>")]
    assert "Straße:" in row and "<del>Alte Str. 1</del>" in row and "<ins>Neue Str. 2</ins>" in row
    assert "street" not in row
    assert "1 Spalte wird nicht übernommen:</strong> Telefon" in page
    assert (
        '<td class="kern-table__cell">Straße</td><td class="kern-table__cell">Straße</td>' in page
    )
    school.refresh_from_db()
    assert school.street == "Alte Str. 1"


def test_the_mapping_step_imports_an_unrecognised_column_for_the_chosen_year(world, client_for):
    client = client_for("coordinator")
    school = world.schools[0]
    data = xlsx(
        ["Schulnummer", "Schulname", "Schulform", "Kinder gesamt"],
        [school.school_number, school.name, "Grundschule", 471],
    )
    first = upload(client, data, world.town)
    assert "Kinder gesamt" in first.context["report"].parse.ignored
    assert first.context["sealed"]
    assert b"471" not in _pending_bytes()  # the ignored column stays off the disk

    second = client.post(
        "/stammdaten/schools/import/",
        {
            "remap": "1",
            "token": first.context["token"],
            "sealed": first.context["sealed"],
            "column_0": "pupils",
            "school_year": "2025/26",
        },
    )

    page = second.content.decode()
    assert "Schüler/innen 2025/26:" in page and "<ins>471</ins>" in page
    assert second.context["report"].parse.ignored == []
    confirmed = client.post(
        "/stammdaten/schools/import/", {"confirm": "1", "token": second.context["token"]}
    )
    assert confirmed.status_code == 302
    assert school.figures.get(school_year__code="2025/26").pupils == 471


def test_a_tampered_mapping_form_is_refused(world, client_for):
    client = client_for("coordinator")
    data = xlsx(["Schulnummer", "Schulname", "Schulform", "Kinder"], [100014, "A", "GS", 5])
    first = upload(client, data, world.town)

    response = client.post(
        "/stammdaten/schools/import/",
        {"remap": "1", "token": first.context["token"], "sealed": "x" + first.context["sealed"]},
        follow=True,
    )

    assert "Die Vorschau ist abgelaufen" in response.content.decode()
    assert not School.objects.filter(school_number="100014").exists()


def test_the_upload_form_sets_the_school_year_of_the_figures(world, client_for):
    client = client_for("coordinator")
    school = world.schools[0]
    data = xlsx(
        ["Schulnummer", "Schulname", "Schulform", "Schüler/innen 2024/25"],
        [school.school_number, school.name, "Grundschule", 333],
    )

    preview = upload(client, data, world.town, school_year="2025/26")

    assert preview.context["report"].parse.years == {"pupils": "2025/26"}
    client.post("/stammdaten/schools/import/", {"confirm": "1", "token": preview.context["token"]})
    assert school.figures.get(school_year__code="2025/26").pupils == 333


def test_the_import_page_links_both_templates(world, client_for):
    page = client_for("coordinator").get("/stammdaten/schools/import/").content.decode()

    assert 'href="/stammdaten/schools/import/vorlage.xlsx"' in page
    assert 'href="/stammdaten/schools/import/vorlage.csv"' in page
    assert "leere Zellen lassen den gespeicherten Wert unverändert" in page


def test_the_templates_have_german_headings_the_import_recognises(world, client_for):
    client = client_for("coordinator")
    code = current_school_year_code()

    for file_format in ("xlsx", "csv"):
        response = client.get(f"/stammdaten/schools/import/vorlage.{file_format}")
        assert response.status_code == 200
        assert f"schulen-vorlage.{file_format}" in response["Content-Disposition"]
        parsed = import_schools(
            data=response.content,
            filename=f"vorlage.{file_format}",
            municipality=world.town,
            by=SYSTEM,
            dry_run=True,
        ).parse
        assert parsed.columns[:3] == ["Schulnummer", "Schulname", "Schulform"]
        assert parsed.ignored == []
        assert parsed.years == {"pupils": code, "social_index": code, "startchancen": code}


def test_other_roles_get_no_template(world, client_for):
    assert client_for("worker").get("/stammdaten/schools/import/vorlage.csv").status_code == 403


def _pending_bytes() -> bytes:
    from django.conf import settings as django_settings

    folder = Path(django_settings.MEDIA_ROOT) / "pending_imports"
    return b"".join(path.read_bytes() for path in folder.glob("schools-*"))


def test_the_summary_says_school_and_row_in_the_singular():
    from django.utils import translation

    report = run(csv("100014,Grundschule,A,05916000,Krfr. Stadt Herne,440,5,0"), dry_run=True)

    with translation.override("de"):
        assert report.summary() == (
            "1 Schule gelesen: 1 neu, 0 geändert, 0 unverändert; "
            "0 Zeilen anderer Kommunen übersprungen."
        )


def test_the_documentation_import_links_a_template_its_parser_reads(world, client_for):
    from django.contrib.staticfiles import finders

    from schulsozial.activities.activity_file import parse_activity_file

    page = client_for("worker").get("/dokumentation/import/").content.decode()

    assert 'href="/static/vorlagen/dokumentation-vorlage.csv"' in page
    assert "CSV-Vorlage mit diesen Spaltenüberschriften" in page
    template = Path(finders.find("vorlagen/dokumentation-vorlage.csv")).read_bytes()
    parsed = parse_activity_file(template + b"01.12.2026;30;group_offer;group;;;;;;;;\r\n")
    assert parsed.errors == []
    assert list(parsed.columns.values()) == template.decode("utf-8-sig").strip().split(";")


def test_a_missing_school_number_column_can_be_mapped_in_the_preview(world, client_for):
    client = client_for("coordinator")
    data = xlsx(["Nr.", "Schulname", "Schulform"], [199777, "Neue Schule", "Gesamtschule"])
    first = upload(client, data, world.town)
    page = first.content.decode()
    assert "Zeile 1, Spalte „Schulnummer“: Pflichtspalte fehlt" in page
    assert 'name="confirm"' not in page and 'name="column_0"' in page

    second = client.post(
        "/stammdaten/schools/import/",
        {
            "remap": "1",
            "token": first.context["token"],
            "sealed": first.context["sealed"],
            "column_0": "school_number",
        },
    )
    assert second.context["report"].ok and 'name="confirm"' in second.content.decode()
    client.post("/stammdaten/schools/import/", {"confirm": "1", "token": second.context["token"]})

    assert School.objects.get(school_number="199777").name == "Neue Schule"
