"""The rollup queue: an entry queues its record, `rollups.catch_up` adds the
queued records in batches (background worker and every report), a
correction or deletion takes a record out of the queue or out of the
rollups. The invariant: the rollups hold exactly the records that are not
queued, and after a catch-up every record once."""

from __future__ import annotations

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from schulsozial.activities import services
from schulsozial.activities.models import Activity
from schulsozial.activities.tests.factories import activity_input, doc_world, entry
from schulsozial.statistics import rollups
from schulsozial.statistics.models import PendingRollup
from schulsozial.statistics.selectors import Filters, scopes_for, statistics_report
from schulsozial.statistics.tests.rollup_checks import assert_rollups_hold_the_records_not_queued
from schulsozial.testing.concurrency import in_thread, postgres_only


def _record(world, n: int, **overrides) -> list[Activity]:
    return [
        services.activity_record(
            data=activity_input(world.town, world.schools[0], **overrides),
            by=world.users["worker"],
        )[0]
        for _ in range(n)
    ]


def _this_year() -> int:
    return rollups.school_year_of(timezone.localdate())


@pytest.mark.django_db
def test_a_report_counts_records_the_worker_has_not_added_yet(world):
    doc_world(world)
    _record(world, 3, case_code="Q7")
    assert rollups.queued() == 3
    assert_rollups_hold_the_records_not_queued()  # the three are not in the rollups yet
    scope = scopes_for(user=world.users["worker"])[0]
    report = statistics_report(scope=scope, filters=Filters(school_year=_this_year()))
    assert rollups.queued() == 0
    assert (
        report.section("activity_type").total.values[0] == 4
    )  # doc_world's record and these three
    assert_rollups_hold_the_records_not_queued()


@pytest.mark.django_db
def test_catch_up_adds_in_batches_until_the_queue_is_empty(world):
    doc_world(world)
    _record(world, 5, case_code="B1")
    _record(world, 2, minutes=90, topics=(entry(world.town, "topic", "truancy"),))
    assert rollups.catch_up(batch=2) == 7
    assert rollups.queued() == 0 and rollups.catch_up() == 0
    assert_rollups_hold_the_records_not_queued()


@pytest.mark.django_db
def test_a_record_corrected_or_deleted_while_queued_is_added_as_corrected(world):
    doc_world(world)
    first, second, third = _record(world, 3, case_code="C1")
    user = world.users["worker"]
    services.activity_correct(
        activity=first,
        data=activity_input(world.town, world.schools[0], minutes=120, case_code="C2"),
        by=user,
    )
    services.activity_delete(activity=second, by=user)
    assert set(PendingRollup.objects.values_list("activity_id", flat=True)) == {
        first.pk,
        third.pk,
    }
    assert_rollups_hold_the_records_not_queued()
    rollups.catch_up()
    # Corrected after it was added: subtracted, queued again, added again.
    services.activity_correct(
        activity=third,
        data=activity_input(
            world.town, world.schools[0], date=timezone.localdate() - datetime.timedelta(days=2)
        ),
        by=user,
    )
    assert rollups.queued() == 1
    assert_rollups_hold_the_records_not_queued()
    rollups.catch_up()
    assert_rollups_hold_the_records_not_queued()
    assert rollups.stored_cells()["activity"]  # not trivially empty


@pytest.mark.django_db
def test_the_rollup_worker_command_adds_the_queue_once(world):
    doc_world(world)
    _record(world, 4)
    out = io.StringIO()
    call_command("rollup_worker", "--once", stdout=out)
    assert "Added 4 records" in out.getvalue()
    assert rollups.queued() == 0
    assert_rollups_hold_the_records_not_queued()


def test_the_rollup_worker_refuses_a_zero_interval():
    err = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("rollup_worker", "--interval", "0", stderr=err)
    assert stopped.value.code == 2 and "--interval" in err.getvalue()


# --------------------------------------------------------------------------- concurrency


@postgres_only
@pytest.mark.parametrize("change", ["correct", "delete"])
def test_a_change_waits_for_the_catch_up_that_holds_its_record(transactional_db, world, change):
    """A catch-up has taken the record from the queue and not committed: the
    correction or deletion waits for it, then finds the record in the
    rollups and subtracts it. No count is lost or doubled."""
    doc_world(world)
    (mine,) = _record(world, 1, case_code="W1")
    taken, go = threading.Event(), threading.Event()
    original = rollups.apply_cells
    holding = threading.local()  # set in the catch-up's thread only

    def held_apply_cells(cells):
        if getattr(holding, "on", False):
            taken.set()
            assert go.wait(10)
        return original(cells)

    def held_catch_up() -> int:
        holding.on = True
        return rollups.catch_up()

    rollups.apply_cells = held_apply_cells
    try:
        catcher, caught = in_thread(held_catch_up)
        assert taken.wait(10)
        user = world.users["worker"]
        if change == "correct":
            data = activity_input(world.town, world.schools[0], minutes=30, case_code="W2")
            changer, changed = in_thread(
                services.activity_correct, activity=mine, data=data, by=user
            )
        else:
            changer, changed = in_thread(services.activity_delete, activity=mine, by=user)
        changer.join(0.5)
        assert changer.is_alive()  # waits on the queue row the catch-up holds
        go.set()
        catcher.join(10)
        changer.join(10)
    finally:
        go.set()
        rollups.apply_cells = original
    assert "error" not in caught and "error" not in changed, (caught, changed)
    assert caught["value"] == 1
    rollups.catch_up()
    assert rollups.queued() == 0
    assert_rollups_hold_the_records_not_queued()
    assert Activity.objects.filter(pk=mine.pk).exists() == (change == "correct")


@postgres_only
def test_two_catch_ups_at_once_add_every_record_once(transactional_db, world):
    doc_world(world)
    _record(world, 15, case_code="T1")
    _record(world, 15, case_code="T2", minutes=20)
    start = threading.Barrier(2)

    def catch_up():
        start.wait(10)
        return rollups.catch_up(batch=4)

    runs = [in_thread(catch_up) for _ in range(2)]
    for thread, _result in runs:
        thread.join(30)
    results = [result for _thread, result in runs]
    assert all("error" not in r for r in results), results
    assert sum(r["value"] for r in results) == 30
    assert_rollups_hold_the_records_not_queued()
    assert rollups.queued() == 0
