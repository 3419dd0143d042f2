"""Writing many checked activity records at once (the documentation import).

The caller (importing.py) has validated every row against catalogues,
schools and positions loaded once; this module only writes, in batches and
inside the caller's transaction: the records, their topics (the M2M through
table) and participant counts. Their rollup cells are grouped batch by batch
in the caller's thread (``statistics.rollups.NewRecords``) and merged into
the stored rollups at the end (`apply_rollups`). PostgreSQL gets binary
COPY, SQLite multi-row INSERTs. Every column means what
``services.activity_record`` writes.
"""

from __future__ import annotations

import contextlib
import datetime
import operator
import queue
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

from schulsozial.statistics import rollups

from .models import Activity, ParticipantCount


@dataclass(slots=True)
class NewActivity:
    """One checked row, as ids."""

    school_id: int
    worker_id: int
    municipality_id: int  # the school's, for the rollups (not a column)
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


_INDEX_ORDER = operator.attrgetter("school_id", "worker_id", "date")
SQLITE_CACHE_KIB = 128 * 1024
SWITCH_INTERVAL = 0.0005  # seconds; see BatchWriter


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
    "created_at",
    "updated_at",
)


def _allocate_ids(count: int, db: Any) -> list[int]:
    """Primary keys for `count` new records, taken before writing so that
    topics and participant counts can refer to them without reading back."""
    table = Activity._meta.db_table
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            # The sequence is looked up once: per row, pg_get_serial_sequence
            # made this statement four times slower.
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
            )
            return [row[0] for row in cursor.fetchall()]
        # SQLite: one writer at a time. Inside the import's transaction a
        # concurrent insert makes our write fail (busy / snapshot), never
        # collide; AUTOINCREMENT's high-water mark keeps ids of deleted rows unused.
        q = db.ops.quote_name
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {q(table)}")  # noqa: S608
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        seq = cursor.fetchone()
        start = max(top, seq[0] if seq else 0) + 1
        return list(range(start, start + count))


_PG_TYPES: dict[tuple[str, tuple[str, ...]], list[str]] = {}


def _pg_types(cursor: Any, table: str, columns: list[str]) -> list[str]:
    """The PostgreSQL type of each column (as binary COPY needs them),
    read from the catalogue once per table."""
    key = (table, tuple(columns))
    types = _PG_TYPES.get(key)
    if types is None:
        cursor.execute(
            "SELECT a.attname, a.atttypid::regtype::text FROM pg_attribute a "
            "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
            [table],
        )
        by_name = dict(cursor.fetchall())
        types = _PG_TYPES[key] = [by_name[c] for c in columns]
    return types


def _write(db: Any, table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    q = db.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    if db.vendor == "postgresql":
        # psycopg's own cursor: errors are translated to Django's by hand.
        # Binary COPY: psycopg dumps the Python values in C and the server
        # parses no text (200,000 records measured alone: client 1.07 ->
        # 0.19 s, server 3.1 -> 2.8 s).
        with db.cursor() as cursor:
            types = _pg_types(cursor, table, columns)
            with (
                db.wrap_database_errors,
                cursor.cursor.copy(f"COPY {q(table)} ({names}) FROM STDIN (FORMAT BINARY)") as copy,
            ):
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
        return
    # SQLite: multi-row INSERTs, as many rows as the statement may bind. One
    # call into SQLite per statement instead of per row: SQLite does the
    # B-tree work without the GIL, so the batch writer thread and the parsing
    # thread run side by side instead of handing the GIL over for every row.
    db.ensure_connection()
    raw = db.connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(limit, 32_766) // len(columns))
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    head = f"INSERT INTO {q(table)} ({names}) VALUES "  # noqa: S608
    full = head + ", ".join([one] * per_statement)
    with db.wrap_database_errors:
        raw_cursor = raw.cursor()
        try:
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                sql = full if len(chunk) == per_statement else head + ", ".join([one] * len(chunk))
                raw_cursor.execute(sql, [v for row in chunk for v in row])
        finally:
            raw_cursor.close()


def insert_activities(
    rows: Sequence[NewActivity],
    *,
    author_id: int | None,
    source: str,
    now: datetime.datetime,
    db: Any = None,
) -> None:
    """Write one batch of checked records with topics and participant counts.
    Call inside a transaction. Imported records have no client id (an
    import has no client that could repeat itself), so they stay out of the
    partial unique client-id index."""
    if not rows:
        return
    db = db or connection
    ids = _allocate_ids(len(rows), db)
    sqlite = db.vendor == "sqlite"
    stamp: object = db.ops.adapt_datetimefield_value(now) if sqlite else now
    dates: dict[datetime.date, object] = {}

    def day(value: datetime.date) -> object:
        adapted = dates.get(value)
        if adapted is None:
            adapted = dates[value] = value.isoformat() if sqlite else value
        return adapted

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
            stamp,
            stamp,
        )
        for pk, r in zip(ids, rows, strict=True)
    ]
    _write(db, Activity._meta.db_table, _columns(Activity, ACTIVITY_FIELDS), activities)
    del activities
    through = Activity.topics.through
    _write(
        db,
        through._meta.db_table,
        _columns(through, ("activity", "catalogueentry")),
        [(pk, topic) for pk, r in zip(ids, rows, strict=True) for topic in r.topic_ids],
    )
    _write(
        db,
        ParticipantCount._meta.db_table,
        _columns(ParticipantCount, ("activity", "gender", "grade_band", "count")),
        [
            (pk, gender, band, count)
            for pk, r in zip(ids, rows, strict=True)
            for gender, band, count in r.participants
        ],
    )


def apply_rollups(writer: BatchWriter) -> None:
    """Add the records `writer` has written to the statistics rollups: the
    cells it grouped batch by batch are merged into the stored ones
    (``statistics.rollups.NewRecords``). Call after `writer.close()`."""
    writer.rollups.finish()


class BatchWriter:
    """Writes batches with `insert_activities` in a background thread while
    the caller reads and checks the next rows, and groups each batch into
    rollup cells (`apply_rollups` merges them at the end): on two cores the
    database work (SQLite's B-tree updates run without the GIL; PostgreSQL
    works in its own process) overlaps the parsing.

    The thread uses the caller's connection, inside the caller's
    transaction (Django's thread sharing); one batch waits at most, so memory
    stays at three batches (written, waiting, being filled). While the
    thread writes, the caller must not use the connection: code that reads
    the database in between takes `lock` (the writer holds it for each
    batch). `close()` waits for the thread and re-raises its error; call it
    before leaving the transaction, also on the way out with an exception."""

    def __init__(
        self,
        *,
        author_id: int | None,
        source: str,
        now: datetime.datetime,
        db: Any = None,
    ) -> None:
        self.db = db or connections[DEFAULT_DB_ALIAS]  # the wrapper, not the thread-local proxy
        self.lock = threading.Lock()
        self._kwargs = {"author_id": author_id, "source": source, "now": now}
        self._queue: queue.Queue[Sequence[NewActivity] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self.rollups = rollups.NewRecords()
        self.db.inc_thread_sharing()
        # The writer waits on the database often; after each wait it needs the
        # GIL back from the parsing thread, which holds it for the switch
        # interval (5 ms by default) at a time. A shorter interval while the
        # writer runs keeps it from idling (restored in close()).
        self._interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self._thread = threading.Thread(target=self._run, name="activity-import-writer")
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain after a failure; the caller hears of it
            try:
                with self.lock:
                    insert_activities(batch, db=self.db, **self._kwargs)
            except BaseException as exc:  # handed to the caller in submit() or close()
                self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, batch: Sequence[NewActivity]) -> None:
        self._raise()
        if not batch:
            return
        # In the order of the (school, date) and (worker, date) indexes: each
        # record then lands next to the last one in both, instead of at a
        # random place (PostgreSQL: 12.8-14.7 against 16.1-16.6 µs of server
        # time per record, measured alone on 100,000 records).
        batch = sorted(batch, key=_INDEX_ORDER)
        # The caller's thread groups the batch into rollup cells while the
        # writer waits on the database (NewRecords).
        self.rollups.add_records(batch)
        if self.rollups.pending > self.rollups.FLUSH_CELLS:
            with self.lock:
                self.rollups.flush(db=self.db)
        self._queue.put(batch)

    def close(self) -> None:
        """Wait until every batch is written."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
            self.db.dec_thread_sharing()
            sys.setswitchinterval(self._interval)
        self._raise()
