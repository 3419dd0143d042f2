"""The record and rollup tables carry exactly the indexes that reads use:
each further index costs every write (an import of a million records
updates each one a million times; docs/performance.md). A new index, or one
dropped by accident, fails here on both databases."""

from __future__ import annotations

import pytest
from django.db import connection

from schulsozial.activities.models import Activity
from schulsozial.statistics.models import ROLLUP_MODELS

pytestmark = pytest.mark.django_db

ROLLUP_READS = {
    ("school_year", "month", "municipality_id"),
    ("school_year", "month", "carrier_id"),
    ("school_id", "school_year", "month"),
    ("worker_id", "school_year", "month"),
}
TRENDS = {("municipality_id",), ("carrier_id",)}  # activity cells over school years
EXPECTED = {
    "activities_activity": {
        ("id",),
        ("school_id", "date"),
        ("worker_id", "date"),
        ("worker_id", "client_id"),  # unique where a client id is given
        ("author_id",),
    },
    "statistics_activityrollup": {
        ("id",),
        ("school_year", "month", "school_id", "worker_id", "activity_type_id", "target_group_id"),
        *ROLLUP_READS,
        *TRENDS,
    },
    "statistics_dimensionrollup": {
        ("id",),
        ("school_year", "month", "school_id", "worker_id", "entry_id"),
        *ROLLUP_READS,
    },
    "statistics_caserollup": {
        ("id",),
        ("school_year", "month", "school_id", "worker_id", "case_hash"),
        *ROLLUP_READS,
    },
    "statistics_schoolcaserollup": {("id",), ("school_year", "school_id", "case_hash")},
}


def _indexed(table: str) -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {
        tuple(c["columns"])
        for c in found.values()
        if (c["index"] or c["primary_key"] or c["unique"]) and c["columns"]
    }


@pytest.mark.parametrize("table", sorted(EXPECTED))
def test_write_heavy_tables_carry_only_the_indexes_reads_use(table):
    assert table in {Activity._meta.db_table, *(m._meta.db_table for m in ROLLUP_MODELS)}
    assert _indexed(table) == EXPECTED[table]


def test_the_client_id_index_leaves_records_without_a_client_id_out():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Activity._meta.db_table)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'activity_idempotent_client_id'"
            )
        else:
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'activity_idempotent_client_id'"
            )
        definition = cursor.fetchone()[0]
    assert found["activity_idempotent_client_id"]["unique"]
    assert "client_id" in definition and "IS NOT NULL" in definition.upper()
