"""The references of the records, their topics and participant counts hold
on both databases: real foreign keys, deferred to commit as Django declares
them (migration 0006 restored them on PostgreSQL, where 0004 once replaced
them by triggers). Each test breaks a reference behind Django's back, with
plain SQL, and expects the database to refuse it."""

from __future__ import annotations

import importlib

import pytest
from django.db import IntegrityError, connection, transaction

from schulsozial.activities import services
from schulsozial.activities.bulk import NewActivity, insert_activities
from schulsozial.activities.models import Activity, ParticipantCount
from schulsozial.statistics.models import ROLLUP_MODELS, SchoolRollup

fk = importlib.import_module("schulsozial.activities.migrations.0006_restore_foreign_keys")
rollup_fk = importlib.import_module("schulsozial.statistics.migrations.0003_set_based_foreign_keys")
MISSING = 987_654_321


def _refused(statement) -> None:
    """Deferred foreign keys refuse at commit, which check_constraints()
    runs early (PostgreSQL: SET CONSTRAINTS ALL IMMEDIATE)."""
    with pytest.raises(IntegrityError), transaction.atomic():  # noqa: PT012
        statement()
        connection.check_constraints()


def _sql(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _declared(models) -> set[tuple[str, str, str]]:
    return {
        (model._meta.db_table, field.column, field.remote_field.model._meta.db_table)
        for model in models
        for field in model._meta.concrete_fields
        if field.is_relation
    }


def test_the_migrations_name_every_reference_of_the_tables_they_change():
    assert _declared((Activity, Activity.topics.through, ParticipantCount)) == set(fk.REFERENCES)
    assert _declared(ROLLUP_MODELS) == set(rollup_fk.REFERENCES)
    assert len(rollup_fk.REFERENCES) == len(set(rollup_fk.REFERENCES))


def test_a_rollup_cell_of_a_school_that_does_not_exist_is_refused(dw):
    cell = SchoolRollup.objects.filter(school_id=dw.activity.school_id).first()
    sql = "UPDATE statistics_schoolrollup SET school_id = %s WHERE id = %s"
    _refused(lambda: _sql(sql, [MISSING, cell.pk]))
    # adding to the counts changes no reference: allowed, as ever
    _sql("UPDATE statistics_schoolrollup SET count = count + 1 WHERE id = %s", [cell.pk])


@pytest.mark.parametrize(
    "column", ["school_id", "worker_id", "author_id", "activity_type_id", "partner_id"]
)
def test_a_record_pointing_nowhere_is_refused(dw, column):
    pk = dw.activity.pk
    sql = f"UPDATE activities_activity SET {column} = %s WHERE id = %s"  # noqa: S608
    _refused(lambda: _sql(sql, [MISSING, pk]))
    dw.activity.refresh_from_db()
    assert getattr(dw.activity, column) != MISSING


def test_a_bulk_batch_with_an_unknown_catalogue_entry_is_refused(dw):
    good = dw.activity
    row = NewActivity(
        school_id=good.school_id,
        worker_id=good.worker_id,
        municipality_id=good.school.municipality_id,
        carrier_id=good.worker.carrier_id,
        date=good.date,
        minutes=30,
        activity_type_id=good.activity_type_id,
        target_group_id=good.target_group_id,
        contact_origin_id=None,
        partner_id=None,
        follow_up=False,
        topic_ids=(MISSING,),
        participants=((dw.entry("gender", "female").pk, dw.entry("grade_band", "primary").pk, 2),),
        participant_total=2,
        case_hash="",
    )
    before = Activity.objects.count()
    _refused(
        lambda: insert_activities([row] * 3, author_id=None, source="import", now=good.created_at)
    )
    assert Activity.objects.count() == before


def test_deleting_what_records_refer_to_is_refused(dw):
    school, gender = dw.activity.school_id, dw.entry("gender", "female").pk
    _refused(lambda: _sql("DELETE FROM masterdata_school WHERE id = %s", [school]))
    _refused(lambda: _sql("DELETE FROM activities_catalogueentry WHERE id = %s", [gender]))
    _refused(lambda: _sql("DELETE FROM activities_activity WHERE id = %s", [dw.activity.pk]))
    assert ParticipantCount.objects.filter(activity=dw.activity, gender_id=gender).exists()


def test_the_services_still_delete_records_with_their_topics_and_counts(dw):
    """Django deletes children first."""
    pk = dw.activity.pk
    services.activity_delete(activity=dw.activity, by=dw.world.users["worker"])
    assert not Activity.objects.filter(pk=pk).exists()
    assert not ParticipantCount.objects.filter(activity_id=pk).exists()
    assert not Activity.topics.through.objects.filter(activity_id=pk).exists()


@pytest.mark.django_db
def test_every_declared_reference_is_a_deferred_foreign_key_in_the_database():
    """Django's view of the schema and the database agree (no triggers
    standing in for foreign keys)."""
    models = {m._meta.db_table: m for m in (Activity, Activity.topics.through, ParticipantCount)}
    with connection.cursor() as cursor:
        for table, column, parent in fk.REFERENCES:
            found = connection.introspection.get_constraints(cursor, table)
            keys = [c for c in found.values() if c["foreign_key"] and c["columns"] == [column]]
            assert [k["foreign_key"][0] for k in keys] == [parent], (table, column)
            assert models[table]._meta.get_field(column.removesuffix("_id")).db_constraint
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text"
                " LIKE 'activities_%%' AND NOT (condeferrable AND condeferred)"
            )
            assert cursor.fetchone()[0] == 0  # DEFERRABLE INITIALLY DEFERRED, as Django makes them
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'ss_fk_%%'")
            assert cursor.fetchone()[0] == 0
