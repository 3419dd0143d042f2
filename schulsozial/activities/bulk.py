"""Writing many checked activity records at once (the documentation import).

The caller (importing/writing.py) has validated every row against
catalogues, schools and positions loaded once; this module only writes one
batch at a time, inside the caller's transaction: the records, their topics
(the M2M through table) and participant counts. Every column means what
``services.activity_record`` writes. PostgreSQL gets ``COPY ... FROM STDIN``
(psycopg, ids taken from the records' sequence in one statement); SQLite
keeps ``bulk_create``.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from psycopg import sql

from .models import Activity, ParticipantCount


@dataclass(slots=True)
class NewActivity:
    """One checked row, as ids."""

    school_id: int
    worker_id: int
    municipality_id: int  # the school's (not a column)
    carrier_id: int  # the worker's, likewise
    date: datetime.date
    minutes: int
    activity_type_id: int
    target_group_id: int
    contact_origin_id: int | None
    partner_id: int | None
    follow_up: bool
    topic_ids: tuple[int, ...]
    participants: tuple[tuple[int, int, int], ...]  # (gender id, grade band id, count > 0)
    participant_total: int
    case_hash: str


# In the order of the (school, date) and (worker, date) indexes: each record
# then lands next to the last one in both instead of at a random place.
_INDEX_ORDER = operator.attrgetter("school_id", "worker_id", "date")
BATCH_SIZE = 2_000  # rows per INSERT statement


def insert_activities(
    rows: Sequence[NewActivity],
    *,
    author_id: int | None,
    source: str,
    now: datetime.datetime,
) -> list[int]:
    """Write one batch of checked records with topics and participant
    counts; returns their ids. Call inside a transaction. Imported records
    have no client id (an import has no client that could repeat itself), so
    they stay out of the partial unique client-id index."""
    if not rows:
        return []
    rows = sorted(rows, key=_INDEX_ORDER)
    if connection.vendor == "postgresql":
        return _copy_activities(rows, author_id=author_id, source=source, now=now)
    records = Activity.objects.bulk_create(
        [
            Activity(
                school_id=r.school_id,
                worker_id=r.worker_id,
                author_id=author_id,
                date=r.date,
                minutes=r.minutes,
                activity_type_id=r.activity_type_id,
                target_group_id=r.target_group_id,
                contact_origin_id=r.contact_origin_id,
                partner_id=r.partner_id,
                follow_up=r.follow_up,
                source=source,
                participants=r.participant_total,
                case_hash=r.case_hash,
                client_id=None,
                created_at=now,
                updated_at=now,
            )
            for r in rows
        ],
        batch_size=BATCH_SIZE,
    )
    ids = [record.pk for record in records]
    through = Activity.topics.through
    through.objects.bulk_create(
        [
            through(activity_id=pk, catalogueentry_id=topic)
            for pk, r in zip(ids, rows, strict=True)
            for topic in r.topic_ids
        ],
        batch_size=BATCH_SIZE,
    )
    ParticipantCount.objects.bulk_create(
        [
            ParticipantCount(activity_id=pk, gender_id=gender, grade_band_id=band, count=count)
            for pk, r in zip(ids, rows, strict=True)
            for gender, band, count in r.participants
        ],
        batch_size=BATCH_SIZE,
    )
    return ids


# The columns each COPY writes, as model field names (their columns from _meta).
_ACTIVITY_FIELDS = (
    "id",
    "school",
    "worker",
    "author",
    "date",
    "minutes",
    "activity_type",
    "target_group",
    "contact_origin",
    "partner",
    "follow_up",
    "source",
    "participants",
    "case_hash",
    "client_id",
    "created_at",
    "updated_at",
)


def _copy(model: Any, fields: Sequence[str], values: Iterable[tuple[Any, ...]]) -> None:
    """``COPY table (columns) FROM STDIN`` of rows of values, in the
    caller's transaction; names quoted from the model's _meta, values sent
    as data (never part of the statement)."""
    meta = model._meta
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(meta.db_table),
        sql.SQL(", ").join(sql.Identifier(meta.get_field(f).column) for f in fields),
    )
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(statement) as copy,
    ):
        for row in values:
            copy.write_row(row)


def _copy_activities(
    rows: Sequence[NewActivity], *, author_id: int | None, source: str, now: datetime.datetime
) -> list[int]:
    """`insert_activities` on PostgreSQL: the records' ids from their
    sequence in one statement, then one COPY per table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [Activity._meta.db_table, Activity._meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    pairs = list(zip(ids, rows, strict=True))
    _copy(
        Activity,
        _ACTIVITY_FIELDS,
        (
            (
                pk,
                r.school_id,
                r.worker_id,
                author_id,
                r.date,
                r.minutes,
                r.activity_type_id,
                r.target_group_id,
                r.contact_origin_id,
                r.partner_id,
                r.follow_up,
                source,
                r.participant_total,
                r.case_hash,
                None,
                now,
                now,
            )
            for pk, r in pairs
        ),
    )
    _copy(
        Activity.topics.through,
        ("activity", "catalogueentry"),
        ((pk, topic) for pk, r in pairs for topic in r.topic_ids),
    )
    _copy(
        ParticipantCount,
        ("activity", "gender", "grade_band", "count"),
        ((pk, g, band, n) for pk, r in pairs for g, band, n in r.participants),
    )
    return ids
