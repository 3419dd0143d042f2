"""Writing many checked activity records at once (the documentation import).

The caller (importing.py) has validated every row against catalogues,
schools and positions loaded once; this module only writes, in batches and
inside the caller's transaction: the records, their topics (the M2M through
table) and participant counts, then their rollups through the public
``statistics.rollups.apply_facts``. PostgreSQL gets COPY, SQLite multi-row
``executemany``. Every column means what ``services.activity_record`` writes.
"""

from __future__ import annotations

import contextlib
import datetime
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db import connection

from schulsozial.statistics import rollups

from .models import Activity, ParticipantCount


@dataclass(slots=True)
class NewActivity:
    """One checked row, as ids."""

    school_id: int
    municipality_id: int
    worker_id: int
    carrier_id: int
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


SQLITE_CACHE_KIB = 128 * 1024


@contextlib.contextmanager
def bulk_session() -> Iterator[None]:
    """SQLite keeps 2 MB of pages by default; a million records update a
    dozen indexes, so the import's connection gets a larger page cache while
    it writes (the old size is restored)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {before:d}")


def _columns(model: type, names: Sequence[str]) -> list[str]:
    return [model._meta.get_field(name).column for name in names]  # type: ignore[attr-defined]


ACTIVITY_FIELDS = (
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


def _client_ids(count: int) -> list[str]:
    """Random (version 4) UUIDs as 32 hex digits, what ``uuid.uuid4().hex``
    gives, made in one go: a million ``uuid4()`` calls cost seconds."""
    raw = bytearray(os.urandom(16 * count))
    raw[6::16] = bytes((b & 0x0F) | 0x40 for b in raw[6::16])  # version 4
    raw[8::16] = bytes((b & 0x3F) | 0x80 for b in raw[8::16])  # RFC 4122 variant
    text = raw.hex()
    return [text[i : i + 32] for i in range(0, 32 * count, 32)]


def _allocate_ids(count: int) -> list[int]:
    """Primary keys for `count` new records, taken before writing so that
    topics and participant counts can refer to them without reading back."""
    table = Activity._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: one writer at a time. Inside the import's transaction a
        # concurrent insert makes our write fail (busy / snapshot), never
        # collide; AUTOINCREMENT's high-water mark keeps ids of deleted rows unused.
        q = connection.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(table)}")  # noqa: S608
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + count))


def _write(table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {q(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


def insert_activities(
    rows: Sequence[NewActivity], *, author_id: int | None, source: str, now: datetime.datetime
) -> None:
    """Write one batch of checked records with topics and participant counts.
    Call inside a transaction, and `apply_rollups` for the same rows."""
    if not rows:
        return
    ids = _allocate_ids(len(rows))
    sqlite = connection.vendor == "sqlite"
    stamp: object = connection.ops.adapt_datetimefield_value(now) if sqlite else now
    dates: dict[datetime.date, object] = {}

    def day(value: datetime.date) -> object:
        adapted = dates.get(value)
        if adapted is None:
            adapted = dates[value] = value.isoformat() if sqlite else value
        return adapted

    client_ids = _client_ids(len(rows))
    activities = [
        (
            pk,
            r.school_id,
            r.worker_id,
            author_id,
            day(r.date),
            r.minutes,
            r.activity_type_id,
            r.target_group_id,
            r.contact_origin_id,
            r.partner_id,
            r.follow_up,
            source,
            r.participant_total,
            r.case_hash,
            client_id,
            stamp,
            stamp,
        )
        for pk, r, client_id in zip(ids, rows, client_ids, strict=True)
    ]
    _write(Activity._meta.db_table, _columns(Activity, ACTIVITY_FIELDS), activities)
    del activities
    through = Activity.topics.through
    _write(
        through._meta.db_table,
        _columns(through, ("activity", "catalogueentry")),
        [(pk, topic) for pk, r in zip(ids, rows, strict=True) for topic in r.topic_ids],
    )
    _write(
        ParticipantCount._meta.db_table,
        _columns(ParticipantCount, ("activity", "gender", "grade_band", "count")),
        [
            (pk, gender, band, count)
            for pk, r in zip(ids, rows, strict=True)
            for gender, band, count in r.participants
        ],
    )


def apply_rollups(rows: Sequence[NewActivity]) -> None:
    """Add written records to the statistics rollups (one upsert per table
    and chunk: the larger the batch, the more records share a cell)."""
    rollups.apply_facts(
        rollups.Facts(
            date=r.date,
            municipality_id=r.municipality_id,
            school_id=r.school_id,
            carrier_id=r.carrier_id,
            worker_id=r.worker_id,
            activity_type_id=r.activity_type_id,
            target_group_id=r.target_group_id,
            minutes=r.minutes,
            participants=r.participant_total,
            topic_ids=r.topic_ids,
            contact_origin_id=r.contact_origin_id,
            partner_id=r.partner_id,
            case_hash=r.case_hash,
        )
        for r in rows
    )
