"""Recording, correcting, deleting, scoping, case hashes, retention."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from schulsozial.activities import selectors, services
from schulsozial.activities.casecode import case_hash
from schulsozial.activities.models import Activity, CatalogueEntry
from schulsozial.activities.tests.factories import activity_input, entry
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry


def _age(activity, days):
    Activity.objects.filter(pk=activity.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days)
    )
    activity.refresh_from_db()


def test_recording_stores_counts_and_only_a_hash_of_the_case_code(dw):
    activity = dw.activity
    assert activity.participants == 1
    assert activity.case_hash and "K17" not in activity.case_hash
    assert activity.case_hash == case_hash(school_id=activity.school_id, code=" k17 ")
    assert AuditEntry.objects.filter(object_type="activities.activity", action="create").exists()


def test_same_case_code_at_two_schools_gives_two_cases(dw, world):
    assert case_hash(school_id=world.schools[0].pk, code="K17") != case_hash(
        school_id=world.schools[1].pk, code="K17"
    )


def test_worker_cannot_record_at_another_school(dw, world):
    with pytest.raises(ValidationError) as info:
        services.activity_record(
            data=activity_input(world.town, world.schools[2]), by=world.users["worker"]
        )
    assert "school" in info.value.message_dict


def test_future_dates_and_retired_entries_are_refused(dw, world):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        services.activity_record(
            data=activity_input(world.town, world.schools[0], date=tomorrow),
            by=world.users["worker"],
        )
    retired = entry(world.town, "activity_type", "home_visit")
    services.catalogue_entry_update(entry=retired, label=retired.label, retired=True, by=SYSTEM)
    retired.refresh_from_db()
    with pytest.raises(ValidationError) as info:
        services.activity_record(
            data=activity_input(world.town, world.schools[0], activity_type=retired),
            by=world.users["worker"],
        )
    assert "activity_type" in info.value.message_dict


def test_worker_never_sees_another_schools_records(dw, world):
    assert list(selectors.activities_visible_to(user=world.users["worker"])) == [dw.activity]
    assert not selectors.activities_visible_to(user=world.users["worker2"]).exists()
    for name in ("coordinator", "carrier", "principal", "committee", "admin"):
        assert not selectors.activities_visible_to(user=world.users[name]).exists(), name


def test_correction_within_the_window_is_audited(dw, world):
    data = activity_input(world.town, world.schools[0], minutes=90)
    services.activity_correct(activity=dw.activity, data=data, by=world.users["worker"])
    dw.activity.refresh_from_db()
    assert dw.activity.minutes == 90
    entry_ = AuditEntry.objects.filter(
        action="update", object_type="activities.activity", object_id=str(dw.activity.pk)
    ).get()
    assert entry_.changes["before"]["minutes"] == 45


def test_record_locks_after_the_correction_window(dw, world):
    _age(dw.activity, 15)
    assert services.is_locked(dw.activity)
    with pytest.raises(ValidationError):
        services.activity_correct(
            activity=dw.activity,
            data=activity_input(world.town, world.schools[0]),
            by=world.users["worker"],
        )
    with pytest.raises(ValidationError):
        services.activity_delete(activity=dw.activity, by=world.users["worker"])


def test_correction_window_is_configurable(dw, world):
    world.town.activity_correction_days = 30
    world.town.save()
    _age(dw.activity, 15)
    assert not services.is_locked(Activity.objects.get(pk=dw.activity.pk))


def test_deletion_is_audited(dw, world):
    pk = dw.activity.pk
    services.activity_delete(activity=dw.activity, by=world.users["worker"])
    assert not Activity.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(
        action="delete", object_type="activities.activity", object_id=str(pk)
    ).exists()


def test_only_the_author_may_correct(dw, world):
    with pytest.raises(ValidationError):
        services.activity_delete(activity=dw.activity, by=world.users["worker2"])


def test_client_id_makes_recording_idempotent(dw, world):
    import uuid

    cid = uuid.uuid4()
    data = activity_input(world.town, world.schools[0], client_id=cid)
    first, created = services.activity_record(data=data, by=world.users["worker"])
    again, created_again = services.activity_record(data=data, by=world.users["worker"])
    assert created and not created_again and first.pk == again.pk


def test_many_at_once_is_all_or_nothing(dw, world):
    good = activity_input(world.town, world.schools[0])
    bad = activity_input(world.town, world.schools[2])
    before = Activity.objects.count()
    with pytest.raises(services.RowsInvalid) as info:
        services.activities_record_many(
            rows=[(1, good), (2, bad)], by=world.users["worker"], source="week"
        )
    assert Activity.objects.count() == before
    assert info.value.problems[0][0] == 2


def test_catalogue_entries_can_be_added_renamed_and_retired(dw, world):
    new = services.catalogue_entry_add(
        municipality=world.town, kind="topic", label="Schulangst", by=world.users["coordinator"]
    )
    assert new.code == "schulangst"
    with pytest.raises(ValidationError):
        services.catalogue_entry_add(
            municipality=world.town, kind="topic", label="schulangst", by=world.users["coordinator"]
        )
    bullying = entry(world.town, "topic", "bullying")
    services.catalogue_entry_update(
        entry=bullying, label="Mobbing", retired=True, by=world.users["coordinator"]
    )
    bullying.refresh_from_db()
    assert bullying.retired and bullying.code == "bullying"
    # History stays: the record still has its (retired) topic.
    assert list(dw.activity.topics.all()) == [bullying]
    assert CatalogueEntry.objects.filter(pk=bullying.pk).exists()


def test_last_usable_activity_type_cannot_be_retired(dw, world):
    types = list(CatalogueEntry.objects.filter(municipality=world.town, kind="activity_type"))
    for item in types[:-1]:
        services.catalogue_entry_update(
            entry=item, label=item.label, retired=True, by=world.users["coordinator"]
        )
    with pytest.raises(ValidationError):
        services.catalogue_entry_update(
            entry=types[-1], label=types[-1].label, retired=True, by=world.users["coordinator"]
        )


# --------------------------------------------------------------------------- retention


def _old_record(world, days_ago, **kw):
    activity, _ = services.activity_record(
        data=activity_input(world.town, world.schools[0], **kw), by=world.users["worker"]
    )
    Activity.objects.filter(pk=activity.pk).update(
        date=timezone.localdate() - datetime.timedelta(days=days_ago)
    )
    return activity


def test_retention_deletes_old_records_and_the_rollups_keep_their_counts(dw, world):
    from django.db.models import Sum

    from schulsozial.core import school_year
    from schulsozial.statistics.models import ActivityRollup

    old = [_old_record(world, 4 * 365, minutes=30, case_code=f"C{i % 2}") for i in range(3)]
    report = services.retention_apply(municipality=world.town, by=SYSTEM, dry_run=True)
    assert report.deleted == 3 and Activity.objects.filter(pk=old[0].pk).exists()
    report = services.retention_apply(municipality=world.town, by=SYSTEM)
    assert report.deleted == 3
    assert not Activity.objects.filter(pk__in=[a.pk for a in old]).exists()
    assert Activity.objects.filter(pk=dw.activity.pk).exists()
    year = school_year.start_year_of(timezone.localdate() - datetime.timedelta(days=4 * 365))
    kept = (
        ActivityRollup.objects.filter(school=world.schools[0], school_year=year)
        .exclude(month=0)
        .aggregate(n=Sum("count"), minutes=Sum("minutes"), people=Sum("participants"))
    )
    assert (kept["n"], kept["minutes"], kept["people"]) == (3, 90, 3)
    log = AuditEntry.objects.filter(
        action="delete", object_type="activities.activity", object_id=""
    ).get()
    assert log.changes["deleted"] == 3
    assert services.retention_apply(municipality=world.town, by=SYSTEM).deleted == 0


def test_retention_period_is_configurable(dw, world):
    _old_record(world, 4 * 365)
    world.town.activity_retention_years = 6
    world.town.save()
    assert services.retention_apply(municipality=world.town, by=SYSTEM).deleted == 0


def test_retention_cutoff_is_the_start_of_a_school_year():
    from schulsozial.masterdata.models import Municipality

    town = Municipality(activity_retention_years=3)
    assert services.retention_cutoff(
        municipality=town, today=datetime.date(2026, 11, 1)
    ) == datetime.date(2024, 8, 1)
    assert services.retention_cutoff(
        municipality=town, today=datetime.date(2026, 3, 1)
    ) == datetime.date(2023, 8, 1)


def test_retention_command_and_task(dw, world, capsys):
    from django.core.management import call_command

    _old_record(world, 4 * 365)
    call_command("apply_retention", "--dry-run")
    assert Activity.objects.count() == 2
    out = capsys.readouterr().out  # German, with a German date (issue 13)
    assert re.search(r"Teststadt: Datensätze vor \d\d\.\d\d\.\d{4}: würde 1 löschen\n", out)
    from schulsozial.activities.tasks import apply_retention_task

    apply_retention_task.call()
    assert Activity.objects.count() == 1
