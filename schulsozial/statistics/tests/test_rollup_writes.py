"""The rollups are kept in the transaction of every write: an entry adds its
record, a correction takes the record out as it was and adds it as it is, a
deletion takes it out, and a rebuild replaces the cells of whole (school,
school year) pairs. The invariant: the rollups hold exactly the stored
records (rollup_checks.recompute, the ORM oracle)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from schulsozial.activities import hooks, services
from schulsozial.activities.models import Activity
from schulsozial.activities.tests.factories import activity_input, doc_world, entry
from schulsozial.core import school_year
from schulsozial.statistics import rollups
from schulsozial.statistics.models import SchoolRollup
from schulsozial.statistics.selectors import Filters, scopes_for, statistics_report
from schulsozial.statistics.tests.rollup_checks import (
    assert_rollups_hold_the_records,
    recompute,
    stored_cells,
)
from schulsozial.testing.concurrency import in_thread, postgres_only


def _record(world, n: int, school: int = 0, **overrides) -> list[Activity]:
    return [
        services.activity_record(
            data=activity_input(world.town, world.schools[school], **overrides),
            by=world.users["worker"],
        )[0]
        for _ in range(n)
    ]


def _this_year() -> int:
    return school_year.start_year_of(timezone.localdate())


@pytest.mark.django_db
def test_a_report_counts_the_records_just_entered(world):
    doc_world(world)
    _record(world, 3, case_code="Q7")
    assert_rollups_hold_the_records()
    scope = scopes_for(user=world.users["worker"])[0]
    report = statistics_report(scope=scope, filters=Filters(school_year=_this_year()))
    # doc_world's record and these three
    assert report.section("activity_type").total.values[0] == 4


@pytest.fixture(params=["cell by cell", "batched"])
def cell_writes(request, monkeypatch):
    """Both ways `rollups._write` adds cells: a few one by one (an entry, a
    correction), many with one lookup per chunk (a bulk load)."""
    monkeypatch.setattr(rollups, "FEW", 10**6 if request.param == "cell by cell" else -1)
    return request.param


@pytest.mark.django_db
def test_corrections_and_deletions_keep_the_rollups_exact(world, cell_writes):
    doc_world(world)
    first, second, third = _record(world, 3, case_code="C1")
    _record(world, 2, minutes=90, topics=(entry(world.town, "topic", "truancy"),))
    user = world.users["worker"]
    services.activity_correct(
        activity=first,
        data=activity_input(world.town, world.schools[0], minutes=120, case_code="C2"),
        by=user,
    )
    assert_rollups_hold_the_records()
    services.activity_delete(activity=second, by=user)
    assert_rollups_hold_the_records()
    services.activity_correct(
        activity=third,
        data=activity_input(
            world.town, world.schools[0], date=timezone.localdate() - datetime.timedelta(days=2)
        ),
        by=user,
    )
    assert_rollups_hold_the_records()
    assert stored_cells()["activity"]  # not trivially empty
    # The last record of a case gone: its school case cell goes, the school's
    # distinct cases count one fewer.
    year = SchoolRollup.objects.get(school=world.schools[0], month=0, school_year=_this_year())
    services.activity_delete(activity=first, by=user)
    assert_rollups_hold_the_records()
    year.refresh_from_db()
    assert (
        year.cases
        == recompute(Activity.objects.all())["school"][
            (year.school_year, 0, year.municipality_id, year.school_id)
        ][3]
    )


@pytest.mark.django_db
def test_add_many_and_the_set_based_rebuild_give_the_same_cells(world, cell_writes):
    """The two codings of the arithmetic agree with the oracle and each other."""
    doc_world(world)
    _record(world, 4, case_code="R1", topics=(entry(world.town, "topic", "truancy"),))
    _record(world, 2, minutes=15, case_code="R2")
    expected = recompute(Activity.objects.all())
    assert stored_cells() == expected  # written record by record
    for table in rollups.TABLES.values():
        table.model.objects.all().delete()
    rollups.add_many(hooks.facts_of(a) for a in Activity.objects.all())
    assert stored_cells() == expected  # one batch
    rollups.add_many([hooks.facts_of(a) for a in Activity.objects.all()], sign=-1)
    assert stored_cells() == {name: {} for name in rollups.TABLES}  # and out again
    written = rollups.rebuild_rollups()
    assert stored_cells() == expected
    assert written == sum(len(cells) for cells in expected.values())


@pytest.mark.django_db
def test_an_entry_writes_the_rollups_in_a_bounded_number_of_queries(world):
    doc_world(world)
    _record(world, 1, case_code="N1")  # its cells exist: the next entry adds to them
    with CaptureQueriesContext(connection) as queries:
        _record(world, 1, case_code="N1")
    rollup_queries = [q["sql"] for q in queries.captured_queries if "rollup" in q["sql"]]
    # Per existing cell one UPDATE ... SET count = count + 1, nothing else:
    # no SELECT of the cells, no bulk_update (CASE per row), no INSERT.
    assert all(sql.startswith("UPDATE") for sql in rollup_queries), rollup_queries
    assert not any("CASE" in sql for sql in rollup_queries), rollup_queries
    assert len(rollup_queries) <= 2 * len(rollups.TABLES), rollup_queries


# --------------------------------------------------------------------------- concurrency


@postgres_only
def test_entries_of_one_case_at_once_count_it_once(transactional_db, world):
    """Writers of one school take turns (its row lock): concurrent entries of
    one new case create its school case cell once and count it once."""
    doc_world(world)
    start = threading.Barrier(4)

    def enter():
        start.wait(10)
        return _record(world, 3, case_code="T1")

    runs = [in_thread(enter) for _ in range(4)]
    for thread, _result in runs:
        thread.join(30)
    assert all("error" not in r for _t, r in runs), runs
    assert_rollups_hold_the_records()


@postgres_only
@pytest.mark.parametrize("change", ["enter", "correct", "delete"])
def test_a_rebuild_and_a_write_at_once_count_every_record_once(transactional_db, world, change):
    """A rebuild holds the school's lock while it replaces the cells: an entry,
    correction or deletion at that school waits for it, then adds its change
    to the rebuilt cells. No count is lost or doubled."""
    doc_world(world)
    (mine,) = _record(world, 1, case_code="W1")
    taken, go = threading.Event(), threading.Event()
    original = rollups.replace_cells

    def held(*args, **kwargs):
        written = original(*args, **kwargs)
        taken.set()
        assert go.wait(10)
        return written

    rollups.replace_cells = held
    try:
        rebuilder, rebuilt = in_thread(rollups.rebuild_rollups)
        assert taken.wait(10)
        rollups.replace_cells = original
        user = world.users["worker"]
        data = activity_input(world.town, world.schools[0], minutes=30, case_code="W2")
        if change == "enter":
            writer, written = in_thread(services.activity_record, data=data, by=user)
        elif change == "correct":
            writer, written = in_thread(
                services.activity_correct, activity=mine, data=data, by=user
            )
        else:
            writer, written = in_thread(services.activity_delete, activity=mine, by=user)
        writer.join(0.5)
        assert writer.is_alive()  # waits for the school the rebuild holds
        go.set()
        rebuilder.join(10)
        writer.join(10)
    finally:
        go.set()
        rollups.replace_cells = original
    assert "error" not in rebuilt and "error" not in written, (rebuilt, written)
    assert_rollups_hold_the_records()


def test_the_record_writers_reach_these_rollups_through_the_activities_hook():
    """StatisticsConfig.ready registers this module (activities never imports
    the statistics, tests/test_app_imports.py)."""
    assert hooks.rollups() is rollups


@pytest.mark.django_db
def test_a_write_without_a_registered_rollup_writer_fails_instead_of_skipping_the_rollups(
    world, monkeypatch
):
    doc_world(world)
    before = Activity.objects.count()
    monkeypatch.setattr(hooks, "_writer", None)
    with pytest.raises(RuntimeError, match="no rollup writer"):
        _record(world, 1)
    assert Activity.objects.count() == before  # the record went with the failed write
