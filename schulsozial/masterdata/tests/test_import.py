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
from schulsozial.masterdata.importing import import_schools
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
    assert "row 2, column schulnummer" in str(report.errors[0])
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
    assert "5407 schools read: 5407 new" in capsys.readouterr().out
    # A functional ceiling, not a benchmark (see make bench for figures).
    assert elapsed < 120


def test_command_exits_non_zero_and_prints_every_error(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        csv("12345,Grundschule,A,05916000,x,440,5,0", "100116,Grundschule,B,05916000,x,abc,5,0")
    )
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_schools", str(path))
    err = capsys.readouterr().err
    assert "row 2, column schulnummer" in err and "row 3, column schueler_2024_25" in err
    assert counts() == (0, 0, 0, 0)


def test_command_dry_run_writes_nothing(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv("100014,Grundschule,A,05916000,Krfr. Stadt Herne,440,5,0"))
    call_command("import_schools", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run" in out and "1 municipalities would be created." in out
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
    assert 'data-import="errors"' in page and "Zeile 2, Spalte schulnummer" in page
    assert 'name="confirm"' not in page


def test_upload_page_reports_a_file_error_without_a_row_or_column(world, client_for):
    client = client_for("coordinator")
    upload = io.BytesIO("schulnummer;bezeichnung_1\n100014;Schule\n".encode("utf-16"))
    upload.name = "schulen.csv"
    page = client.post(
        "/stammdaten/schools/import/", {"file": upload, "municipality": world.town.pk}
    ).content.decode()
    assert 'data-import="errors"' in page and "<li>unsupported encoding UTF-16" in page
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
