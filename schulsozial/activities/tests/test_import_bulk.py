"""The bulk import writes exactly what the per-row path writes; all or
nothing in big files; a carrier's import stays inside its staff and their
positions; one audit entry per import."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import transaction
from django.utils import timezone

from schulsozial.accounts.models import Role
from schulsozial.accounts.services import role_assign
from schulsozial.activities import importing, services
from schulsozial.activities.activity_file import open_activity_file
from schulsozial.activities.importing import import_activities
from schulsozial.activities.models import Activity, ParticipantCount
from schulsozial.activities.tests import import_files
from schulsozial.activities.tests.factories import entry
from schulsozial.activities.tests.reference_import import import_activities_per_row
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.statistics.tests import rollup_checks as rollups

TODAY = timezone.localdate()


class _UndoError(Exception):
    pass


def _remember_file_names(world):
    for kind, names in import_files.FILE_MAPPINGS.items():
        for name, code in names.items():
            services.import_mapping_set(
                municipality=world.town,
                kind=kind,
                source_label=name,
                entry=entry(world.town, kind, code),
                by=SYSTEM,
            )


def _snapshot():
    """Every imported record with topics and participant counts (ids left
    out), and every rollup cell."""
    records = sorted(
        [
            (
                a.school_id,
                a.worker_id,
                a.author_id,
                a.date,
                a.minutes,
                a.activity_type_id,
                a.target_group_id,
                a.contact_origin_id,
                a.partner_id,
                a.follow_up,
                a.source,
                a.participants,
                a.case_hash,
                tuple(sorted(t.pk for t in a.topics.all())),
                tuple(
                    sorted(
                        (p.gender_id, p.grade_band_id, p.count) for p in a.participant_counts.all()
                    )
                ),
            )
            for a in Activity.objects.filter(source="import").prefetch_related(
                "topics", "participant_counts"
            )
        ],
        key=repr,
    )
    return records, rollups.stored_cells()


@pytest.fixture
def two_schools(dw, world):
    """The worker documents at two schools; the file's own names are mapped."""
    worker = world.users["worker"]
    role_assign(user=worker, role=Role.WORKER, by=SYSTEM, school=world.schools[1])
    world.users["worker"] = type(worker).objects.get(pk=worker.pk)  # grants are cached per object
    _remember_file_names(world)
    return [("", world.schools[0].school_number), ("", world.schools[1].school_number)]


def test_bulk_import_writes_exactly_what_the_per_row_path_writes(world, two_schools):
    data = import_files.documentation_csv(600, places=two_schools, today=TODAY, seed=3).encode()
    worker = world.users["worker"]
    try:
        with transaction.atomic():
            reference = import_activities_per_row(
                data=data, filename="doku.csv", by=worker, dry_run=False
            )
            assert reference.ok, (reference.errors[:3], reference.unknown)
            expected = _snapshot()
            raise _UndoError
    except _UndoError:
        pass
    assert not Activity.objects.filter(source="import").exists()
    report = import_activities(data=data, filename="doku.csv", by=worker, dry_run=False)
    assert report.ok, (report.errors[:3], report.unknown)
    assert report.created == reference.created == 600
    records, cells = _snapshot()
    assert records == expected[0]
    assert cells == expected[1]
    assert any(r[12] for r in records) and any(r[13] for r in records)  # cases and topics
    assert ParticipantCount.objects.filter(activity__source="import").exists()


def test_rollups_equal_recomputation_after_a_bulk_import_in_many_batches(
    world, two_schools, monkeypatch
):
    """Batches of 97 rows."""
    monkeypatch.setattr(importing.writing, "BATCH_ROWS", 97)
    data = import_files.documentation_csv(1000, places=two_schools, today=TODAY, seed=5)
    report = import_activities(
        data=data.encode(), filename="a.csv", by=world.users["worker"], dry_run=False
    )
    assert report.ok and report.created == 1000
    assert rollups.stored_cells() == rollups.recompute(Activity.objects.all())


def _drop_raw_records():
    """What retention does to the raw records (the rollups stay)."""
    ParticipantCount.objects.all().delete()
    Activity.topics.through.objects.all().delete()
    Activity.objects.all().delete()


@pytest.mark.parametrize("retained", [False, True], ids=["raw records", "rollups only"])
def test_a_second_import_adds_to_the_cells_of_the_first(world, two_schools, retained):
    """The bulk path adds cells, never replaces them: on top of an earlier
    import (the same case codes at the same schools count once), and on top
    of history that only the rollups still hold. The per-row path, which adds
    record by record, is the reference."""
    worker = world.users["worker"]
    first = import_files.documentation_csv(400, places=two_schools, today=TODAY, seed=21)
    second = import_files.documentation_csv(400, places=two_schools, today=TODAY, seed=22)
    assert import_activities(data=first.encode(), filename="1.csv", by=worker, dry_run=False).ok
    if retained:
        _drop_raw_records()
    assert rollups.stored_cells()["school_case"]  # cases to meet again
    try:
        with transaction.atomic():
            reference = import_activities_per_row(
                data=second.encode(), filename="2.csv", by=worker, dry_run=False
            )
            assert reference.ok, (reference.errors[:3], reference.unknown)
            expected = rollups.stored_cells()
            raise _UndoError
    except _UndoError:
        pass
    report = import_activities(data=second.encode(), filename="2.csv", by=worker, dry_run=False)
    assert report.ok and report.created == 400
    assert rollups.stored_cells() == expected
    if not retained:
        assert expected == rollups.recompute(Activity.objects.all())


def test_a_bad_row_deep_in_a_big_file_imports_nothing(world, two_schools, monkeypatch):
    monkeypatch.setattr(importing.writing, "BATCH_ROWS", 100)  # several batches are written first
    lines = import_files.documentation_csv(
        3000, places=two_schools, today=TODAY, seed=7
    ).splitlines(keepends=True)
    cells = lines[2900].split(";")
    cells[3] = "Besprechung mit Schulleitung"  # row 2901: an activity type nobody mapped
    lines[2900] = ";".join(cells)
    cells = lines[2950].split(";")
    cells[2] = "viel"  # row 2951: not a duration
    lines[2950] = ";".join(cells)
    future = (TODAY + datetime.timedelta(days=3)).strftime("%d.%m.%Y")
    lines[2990] = future + lines[2990][10:]  # row 2991: the date lies in the future
    before = (Activity.objects.count(), rollups.stored_cells(), AuditEntry.objects.count())
    report = import_activities(
        data="".join(lines).encode(), filename="a.csv", by=world.users["worker"], dry_run=False
    )
    assert [str(e) for e in report.errors] == [
        "row 2951, column Dauer: keine Zahl: 'viel'",
        "row 2991, column Datum: Das Datum liegt in der Zukunft.",
    ]
    assert report.unknown == {"activity_type": ["Besprechung mit Schulleitung"]}
    assert report.created == 0 and not report.ok
    assert (Activity.objects.count(), rollups.stored_cells(), AuditEntry.objects.count()) == before


def test_every_bad_row_is_reported_with_row_and_column(world, two_schools):
    data = (
        "Datum;Minuten;Art;Zielgruppe;Schulnummer;weiblich;Stufe\n"
        f"{TODAY:%d.%m.%Y};30;group_offer;group;{world.schools[2].school_number};;\n"
        f"{TODAY:%d.%m.%Y};30;group_offer;group;{world.schools[0].school_number};2;\n"
        f"{TODAY:%d.%m.%Y};30;group_offer;group;;;\n"
        f"{TODAY:%d.%m.%Y};0;group_offer;group;{world.schools[0].school_number};;\n"
    )
    report = import_activities(
        data=data.encode(), filename="a.csv", by=world.users["worker"], dry_run=True
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "Schulnummer"),
        (4, "schulnummer"),
        (5, "Minuten"),
    ]
    assert report.preview == [] and report.created == 0


def test_one_audit_entry_names_file_rows_and_schools(world, two_schools):
    data = import_files.documentation_csv(50, places=two_schools, today=TODAY, seed=9)
    before = AuditEntry.objects.count()
    report = import_activities(
        data=data.encode(), filename="doku.csv", by=world.users["worker"], dry_run=False
    )
    assert report.ok and AuditEntry.objects.count() == before + 1
    changes = AuditEntry.objects.latest("pk").changes
    assert changes["file"] == "doku.csv" and changes["rows"] == 50 and changes["created"] == 50
    assert changes["schools"] == sorted(s for _w, s in two_schools)


def test_the_preview_writes_nothing_and_counts_what_it_would_record(world, two_schools):
    data = import_files.documentation_csv(300, places=two_schools, today=TODAY, seed=2)
    before = (Activity.objects.count(), AuditEntry.objects.count())
    report = import_activities(
        data=data.encode(), filename="a.csv", by=world.users["worker"], dry_run=True
    )
    assert report.ok and report.created == 300 and len(report.preview) == 200
    assert (Activity.objects.count(), AuditEntry.objects.count()) == before


def test_a_file_object_is_read_row_by_row_and_the_row_limit_holds(world, two_schools):
    data = import_files.documentation_csv(120, places=two_schools, today=TODAY).encode("cp1252")
    stream = open_activity_file(io.BytesIO(data), filename="a.csv", max_rows=100)
    rows = list(stream.rows)
    assert len(rows) == 100
    assert [(e.row, e.column, e.reason) for e in stream.errors] == [
        (102, "", "mehr als 100 Zeilen; bitte die Datei aufteilen")
    ]
    report = import_activities(
        data=io.BytesIO(data), filename="a.csv", by=world.users["worker"], dry_run=False
    )
    assert report.ok and report.created == 120


# --------------------------------------------------------------------------- carrier import


def _carrier_file(world, rows):
    head = "Datum;Fachkraft;Schulnummer;Minuten;Art;Zielgruppe\n"
    return (head + "".join(f"{r}\n" for r in rows)).encode()


def test_a_carrier_imports_for_its_staff_at_their_schools(dw, world):
    day = f"{TODAY - datetime.timedelta(days=10):%d.%m.%Y}"
    t01, t02 = world.staff[0], world.staff[1]
    data = _carrier_file(
        world,
        [
            f"{day};{t01.label};{world.schools[0].school_number};45;group_offer;group",
            f"{day};{t01.label.upper()};{world.schools[1].school_number};30;crisis;individual",
            f"{day};{t02.label};;60;open_offer;school",  # one school only: taken from the position
        ],
    )
    carrier = world.users["carrier"]
    report = import_activities(data=data, filename="traeger.csv", by=carrier, dry_run=False)
    assert report.ok, report.errors
    imported = Activity.objects.filter(source="import").order_by("pk")
    assert [(a.worker_id, a.school_id, a.author_id) for a in imported] == [
        (t01.pk, world.schools[0].pk, carrier.pk),
        (t01.pk, world.schools[1].pk, carrier.pk),
        (t02.pk, world.schools[2].pk, carrier.pk),
    ]
    assert AuditEntry.objects.latest("pk").changes["carrier_import"] is True
    assert rollups.stored_cells() == rollups.recompute(Activity.objects.all())


def test_a_carrier_cannot_import_for_other_staff_or_schools_or_dates(dw, world):
    day = f"{TODAY - datetime.timedelta(days=10):%d.%m.%Y}"
    long_ago = f"{TODAY - datetime.timedelta(days=500):%d.%m.%Y}"
    t01, other_carriers, foreign = world.staff[0], world.staff[2], world.foreign_staff
    data = _carrier_file(
        world,
        [
            f"{day};{t01.label};{world.schools[0].school_number};45;group_offer;group",
            f"{day};{other_carriers.label};{world.schools[2].school_number};45;group_offer;group",
            f"{day};{foreign.label};{world.other_school.school_number};45;group_offer;group",
            f"{day};{t01.label};{world.schools[2].school_number};45;group_offer;group",
            f"{long_ago};{t01.label};{world.schools[0].school_number};45;group_offer;group",
            f"{day};{t01.label};;45;group_offer;group",
            f"{day};;{world.schools[0].school_number};45;group_offer;group",
        ],
    )
    before = Activity.objects.count()
    report = import_activities(
        data=data, filename="t.csv", by=world.users["carrier"], dry_run=False
    )
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "Fachkraft"),
        (4, "Fachkraft"),
        (5, "Schulnummer"),
        (6, "Schulnummer"),
        (7, "schulnummer"),
        (8, "Fachkraft"),
    ]
    assert Activity.objects.count() == before


def test_a_worker_cannot_import_a_colleagues_rows(dw, world):
    day = f"{TODAY - datetime.timedelta(days=10):%d.%m.%Y}"
    data = _carrier_file(
        world,
        [
            f"{day};{world.staff[0].label};{world.schools[0].school_number};45;group_offer;group",
            f"{day};{world.staff[1].label};{world.schools[0].school_number};45;group_offer;group",
        ],
    )
    report = import_activities(data=data, filename="t.csv", by=world.users["worker"], dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [(3, "Fachkraft")]
    assert not Activity.objects.filter(source="import").exists()


def test_imported_records_have_no_client_id_and_client_ids_stay_unique(world, two_schools):
    """An import has no client: its records store no client id and so stay
    out of the partial unique index, which still refuses a worker's
    repeated client id."""
    import uuid

    from django.db import IntegrityError

    data = import_files.documentation_csv(50, places=two_schools, today=TODAY, seed=5).encode()
    report = import_activities(
        data=data, filename="doku.csv", by=world.users["worker"], dry_run=False
    )
    assert report.ok and report.created == 50
    imported = Activity.objects.filter(source="import")
    assert imported.count() == 50
    assert not imported.filter(client_id__isnull=False).exists()
    one = imported.order_by("pk").first()
    key = uuid.uuid4()
    Activity.objects.filter(pk=one.pk).update(client_id=key)
    other = imported.exclude(pk=one.pk).filter(worker=one.worker).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=other.pk).update(client_id=key)


def test_the_command_imports_a_carriers_file_from_disk(dw, world, tmp_path):
    from django.core.management import call_command

    day = f"{TODAY - datetime.timedelta(days=10):%d.%m.%Y}"
    path = tmp_path / "traeger.csv"
    path.write_bytes(
        _carrier_file(
            world,
            [f"{day};{world.staff[0].label};{world.schools[0].school_number};45;crisis;individual"],
        )
    )
    out = io.StringIO()
    call_command("import_activities", str(path), "--user", "traeger", stdout=out)
    assert Activity.objects.filter(source="import", worker=world.staff[0]).count() == 1
    assert out.getvalue().startswith("1 Tätigkeit gelesen")  # German output (issue 13)
    err = io.StringIO()
    with pytest.raises(Exception, match=r"^es wurde nichts importiert$"):
        call_command(
            "import_activities", str(path), "--user", "traeger", "--max-bytes", "10", stderr=err
        )
    size = f"{path.stat().st_size:_}".replace("_", ".")
    assert err.getvalue() == f"die Datei hat {size} Bytes, mehr als 10\n"
