# SQL here is built from model table names only; every value is a parameter.
# ruff: noqa: S608
"""Maintaining the rollups (models.py), and rebuilding them.

An entry queues its record (`defer`, one narrow INSERT in the record's
transaction). `catch_up()` takes the queued records in batches and adds
their cells with one multi-row upsert per table: ``INSERT ... ON CONFLICT
(cell) DO UPDATE SET count = count + excluded.count``, which SQLite (3.24+)
and PostgreSQL both understand. It runs in the background worker
(``manage.py rollup_worker``) and before every report, so reports stay
exact. A correction or deletion first takes the record out (`withdraw`:
out of the queue, or its cells subtracted) and queues the corrected record
again. Imports add their cells themselves (`NewRecords`).

`rebuild_rollups()` and `ensure_rollups_for()` recompute the cells of every
(school, school year) that still has raw records; years whose records were
removed by retention are left as they are, because the rollups are then the
only source. Retention also removes their case hashes (`forget_cases`): only
counts outlive the records.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import ExtractMonth, ExtractYear

from schulsozial.activities.models import Activity, CatalogueKind
from schulsozial.core.statements import Insert
from schulsozial.masterdata.models import School, StaffMember

from .models import (
    WHOLE_YEAR,
    ActivityRollup,
    CaseRollup,
    DimensionRollup,
    PendingRollup,
    SchoolCaseRollup,
    SchoolRollup,
)

BASE = ("school_year", "month", "municipality_id", "school_id", "carrier_id", "worker_id")
ACTIVITY_KEY = (
    "school_year",
    "month",
    "school_id",
    "worker_id",
    "activity_type_id",
    "target_group_id",
)
DIMENSION_KEY = ("school_year", "month", "school_id", "worker_id", "entry_id")
CASE_KEY = ("school_year", "month", "school_id", "worker_id", "case_hash")
SCHOOL_KEY = ("school_year", "month", "school_id")
SCHOOL_CASE_KEY = ("school_year", "school_id", "case_hash")

logger = logging.getLogger(__name__)


def school_year_of(day: datetime.date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(start_year, 8, 1), datetime.date(start_year + 1, 7, 31)


@dataclass(frozen=True)
class Facts:
    """What the rollups need of one record."""

    date: datetime.date
    municipality_id: int
    school_id: int
    carrier_id: int
    worker_id: int
    activity_type_id: int
    target_group_id: int
    minutes: int
    participants: int
    topic_ids: tuple[int, ...]
    contact_origin_id: int | None
    partner_id: int | None
    case_hash: str


Cells = dict[str, dict[tuple[Any, ...], list[Any]]]


def cells_of(facts: Iterable[Facts], sign: int = 1) -> Cells:
    """The rollup cells of some records: {table: {key: [base..., values...]}}."""
    out: Cells = {name: {} for name in TABLES}

    def add(
        table: str, key: tuple[Any, ...], base: tuple[Any, ...], values: tuple[int, ...]
    ) -> None:
        cell = out[table].get(key)
        if cell is None:
            out[table][key] = [*base, *values]
        else:
            for i, v in enumerate(values, start=len(base)):
                cell[i] += v

    for f in facts:
        year = school_year_of(f.date)
        for month in (f.date.month, WHOLE_YEAR):
            base = (year, month, f.municipality_id, f.school_id, f.carrier_id, f.worker_id)
            add(
                "activity",
                (year, month, f.school_id, f.worker_id, f.activity_type_id, f.target_group_id),
                (*base, f.activity_type_id, f.target_group_id),
                (sign, sign * f.minutes, sign * f.participants),
            )
            # `cases` stays 0 here: _upsert derives it from the school case cells.
            add(
                "school",
                (year, month, f.school_id),
                (year, month, f.municipality_id, f.school_id),
                (sign, sign * f.minutes, sign * f.participants, 0),
            )
            if month != WHOLE_YEAR:
                continue  # topics, origins, partners and cases: per school year only
            entries = [(CatalogueKind.TOPIC, t) for t in f.topic_ids]
            if f.contact_origin_id:
                entries.append((CatalogueKind.CONTACT_ORIGIN, f.contact_origin_id))
            if f.partner_id:
                entries.append((CatalogueKind.PARTNER, f.partner_id))
            for kind, entry_id in entries:
                add(
                    "dimension",
                    (year, month, f.school_id, f.worker_id, entry_id),
                    (*base, str(kind), entry_id),
                    (sign, sign * f.minutes),
                )
            if f.case_hash:
                add(
                    "case",
                    (year, month, f.school_id, f.worker_id, f.case_hash),
                    (*base, f.case_hash),
                    (sign,),
                )
                add(
                    "school_case",
                    (year, f.school_id, f.case_hash),
                    (year, f.municipality_id, f.school_id, f.case_hash),
                    (sign,),
                )
    return out


TABLES = {
    "activity": (
        ActivityRollup,
        (*BASE, "activity_type_id", "target_group_id", "count", "minutes", "participants"),
        ACTIVITY_KEY,
        ("count", "minutes", "participants"),
    ),
    "dimension": (
        DimensionRollup,
        (*BASE, "kind", "entry_id", "count", "minutes"),
        DIMENSION_KEY,
        ("count", "minutes"),
    ),
    "case": (CaseRollup, (*BASE, "case_hash", "count"), CASE_KEY, ("count",)),
    # Upserts add count, minutes and participants; `cases` is added only from
    # the transitions of the school case cells (see _upsert).
    "school": (
        SchoolRollup,
        (
            "school_year",
            "month",
            "municipality_id",
            "school_id",
            "count",
            "minutes",
            "participants",
            "cases",
        ),
        SCHOOL_KEY,
        ("count", "minutes", "participants"),
    ),
    "school_case": (
        SchoolCaseRollup,
        ("school_year", "municipality_id", "school_id", "case_hash", "count"),
        SCHOOL_CASE_KEY,
        ("count",),
    ),
}


def _upsert(table: str, rows: list[list[Any]]) -> None:
    """Add the cells of one table (see `apply_cells`, which writes all tables
    with one statement fewer). School cells never add to `cases`; school
    case cells add their distinct-case transitions to it."""
    if not rows:
        return
    if table == "school":
        _upsert_school(rows, {})
    elif table == "school_case":
        change = _case_transitions(rows)
        if change:
            _upsert_school(_counter_rows(change, rows), change)
    else:
        model, columns, key, values = TABLES[table]
        _upsert_rows(model, columns, key, values, rows)


def _case_transitions(rows: list[list[Any]]) -> dict[tuple[int, int], int]:
    """Upsert school case cells; return the change of distinct cases per
    (school year, school). The upsert returns each cell's new count: a count
    that reaches or leaves 0 adds or removes one distinct case. Concurrent
    writers of one case wait for each other on the cell's row lock."""
    model, columns, key, values = TABLES["school_case"]
    returned = _upsert_rows(model, columns, key, values, rows, returning=True)
    delta = {(row[0], row[2], row[3]): row[4] for row in rows}  # year, school, hash
    change: dict[tuple[int, int], int] = defaultdict(int)
    for year, school_id, case_hash, new in returned:
        old = new - delta[(year, school_id, case_hash)]
        change[(year, school_id)] += (new > 0) - (old > 0)
    return {k: d for k, d in change.items() if d}


def _counter_rows(change: dict[tuple[int, int], int], rows: list[list[Any]]) -> list[list[Any]]:
    municipality = {(row[0], row[2]): row[1] for row in rows}
    return [
        [year, WHOLE_YEAR, municipality[(year, school_id)], school_id, 0, 0, 0, 0]
        for (year, school_id) in change
    ]


def _upsert_school(rows: list[list[Any]], change: dict[tuple[int, int], int]) -> None:
    """Upsert school cells; `cases` adds only the transitions in `change`
    (keyed by school year and school; they land on the whole-year row)."""
    by_key = {(row[0], row[1], row[3]): [*row[:-1], 0] for row in rows}
    for (year, school_id), d in change.items():
        cell = by_key.get((year, WHOLE_YEAR, school_id))
        if cell is None:
            raise ValueError("a case transition needs the school cell of its year")
        cell[-1] += d
    model, columns, key, _values = TABLES["school"]
    _upsert_rows(
        model, columns, key, ("count", "minutes", "participants", "cases"), list(by_key.values())
    )


_UPSERT_SQL: dict[tuple[Any, ...], str] = {}


def _adding(model: Any, key: tuple[str, ...], values: tuple[str, ...]) -> str:
    """The clause that makes an INSERT of cells add to the stored ones:
    ``ON CONFLICT (key) DO UPDATE SET value = value + excluded.value``."""
    q = connection.ops.quote_name
    name = q(model._meta.db_table)
    return f" ON CONFLICT ({', '.join(q(c) for c in key)}) DO UPDATE SET " + ", ".join(
        f"{q(v)} = {name}.{q(v)} + excluded.{q(v)}" for v in values
    )


def _upsert_sql(
    model: Any,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    values: tuple[str, ...],
    rows: int,
    returning: bool,
) -> str:
    """The text of one upsert of `rows` cells, built once per table, row
    count and database (an entry writes the same few shapes every time)."""
    cache_key = (connection.vendor, model, values, rows, returning)
    sql = _UPSERT_SQL.get(cache_key)
    if sql is None:
        q = connection.ops.quote_name
        name = q(model._meta.db_table)
        placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
        # Names come from the model definitions, values are parameters.
        sql = (
            f"INSERT INTO {name} ({', '.join(q(c) for c in columns)}) VALUES "
            + ", ".join([placeholders] * rows)
            + _adding(model, key, values)
            + (f" RETURNING {', '.join(q(c) for c in key)}, {q('count')}" if returning else "")
        )
        if rows <= 8:  # the shapes of single records; imports send large chunks
            _UPSERT_SQL[cache_key] = sql
    return sql


def _upsert_rows(
    model: Any,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    values: tuple[str, ...],
    rows: list[list[Any]],
    *,
    returning: bool = False,
) -> list[tuple[Any, ...]]:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET value = value + excluded.value,
    in chunks; with `returning`, the key and new count of every cell."""
    if not rows:
        return []
    out: list[tuple[Any, ...]] = []
    # In key order: concurrent writers of overlapping cells (catch_up, a
    # correction, an import's school cells) then lock them in one order and
    # wait for each other instead of deadlocking.
    index = [columns.index(k) for k in key]
    rows = sorted(rows, key=lambda row: [row[i] for i in index])
    # SQLite binds at most 32,766 parameters a statement (PostgreSQL 65,535):
    # large batches (imports) go in chunks well below both.
    per_statement = max(1, 30_000 // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = _upsert_sql(model, columns, key, values, len(chunk), returning)
            cursor.execute(sql, [v for row in chunk for v in row])
            if returning:
                out.extend(cursor.fetchall())
    return out


def apply_facts(facts: Iterable[Facts], sign: int = 1) -> None:
    """Add (sign=+1) or remove (sign=-1) records given as facts."""
    facts = list(facts)
    apply_cells(cells_of(facts, sign))
    if sign < 0:
        pairs = {(f.school_id, school_year_of(f.date)) for f in facts}
        for model, *_rest in TABLES.values():
            for school_id, year in pairs:
                model.objects.filter(school_id=school_id, school_year=year, count__lte=0).delete()


def add_many(records: Iterable[Any], *, sign: int = 1) -> None:
    """Add (sign=+1) or remove (sign=-1) records, e.g. the batches of a bulk
    load, in the caller's transaction. Each record has the attributes of
    ``activities.bulk.NewActivity`` (date, municipality_id, school_id,
    carrier_id, worker_id, activity_type_id, target_group_id, minutes,
    participant_total, topic_ids, contact_origin_id, partner_id, case_hash:
    the `Record` protocol of the reworked module). The cells are summed in
    Python first, so a batch writes each cell once. (Issue 12: this is the
    signature that stays; the body becomes the one per-record path.)"""
    apply_facts(
        [
            Facts(
                date=r.date,
                municipality_id=r.municipality_id,
                school_id=r.school_id,
                carrier_id=r.carrier_id,
                worker_id=r.worker_id,
                activity_type_id=r.activity_type_id,
                target_group_id=r.target_group_id,
                minutes=r.minutes,
                participants=r.participant_total,
                topic_ids=tuple(r.topic_ids),
                contact_origin_id=r.contact_origin_id,
                partner_id=r.partner_id,
                case_hash=r.case_hash,
            )
            for r in records
        ],
        sign,
    )


def apply_cells(cells: Cells) -> None:
    """Add cells (from `cells_of` or `recompute`) to the stored rollups, one
    upsert per table. Write cells only through here (or `apply_facts`): it
    keeps the distinct-case counter, whose changes ride on the school upsert."""
    for table in ("activity", "dimension", "case"):
        _upsert(table, list(cells.get(table, {}).values()))
    school = list(cells.get("school", {}).values())
    school_cases = list(cells.get("school_case", {}).values())
    change = _case_transitions(school_cases) if school_cases else {}
    present = {(r[0], r[3]) for r in school if r[1] == WHOLE_YEAR}
    # Normally every case cell comes with its school cell; cells put together
    # by hand may not.
    school += _counter_rows({k: d for k, d in change.items() if k not in present}, school_cases)
    if school:
        _upsert_school(school, change)


def _month_sql(column: str) -> str:
    """SQL for the calendar month (1-12) of a date column."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%m', {column}) AS INTEGER)"


class NewRecords:
    """Adds records that a bulk load writes (inside its transaction, not yet
    in any rollup) to the rollups; what `apply_facts` does record by record.

    `add_records(records)` groups checked records in Python into sums of the
    finest grain (monthly activity cells, yearly topic, origin, partner and
    case cells), in the loader's parsing thread while its writer thread
    waits on the database. `flush()` writes the sums into temporary tables
    (COPY on PostgreSQL). `finish()` regroups those tables once (monthly and
    whole-year cells) and adds them to the stored cells with one ``INSERT
    ... SELECT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`` per table.
    Cells are added, never replaced, so school years whose raw records
    retention has removed keep their history. School cells carry the new
    distinct cases counted by the set-based school case merge, as
    `apply_cells` does.

    Grouping in Python rather than with ``INSERT ... SELECT ... GROUP BY``
    per batch on the written records: on PostgreSQL one server process does
    all of the import's statements one after the other, and the grouping
    statements were a tenth of them; on SQLite the writer thread was the
    busier one. Measured side by side (docs/performance.md, "Import")."""

    # Python sums kept before they are flushed into the temporary tables
    # (bounds the memory of a large import; the tables are regrouped anyway).
    FLUSH_CELLS = 200_000
    PLACE = (
        ("school_year", "integer"),
        ("month", "integer"),
        ("municipality_id", "bigint"),
        ("school_id", "bigint"),
        ("carrier_id", "bigint"),
        ("worker_id", "bigint"),
    )
    COLUMNS = {
        "activity": (
            *PLACE,
            ("activity_type_id", "bigint"),
            ("target_group_id", "bigint"),
            ("count", "bigint"),
            ("minutes", "bigint"),
            ("participants", "bigint"),
        ),
        "dimension": (
            *PLACE,
            ("kind", "text"),
            ("entry_id", "bigint"),
            ("count", "bigint"),
            ("minutes", "bigint"),
        ),
        "case": (*PLACE, ("case_hash", "text"), ("count", "bigint")),
    }

    def __init__(self) -> None:
        self.tmp = {name: f"ss_add_{name}" for name in self.COLUMNS}
        self._sums: dict[str, dict[tuple[Any, ...], list[int]]] = {n: {} for n in self.tmp}
        self._periods: dict[datetime.date, tuple[int, int]] = {}
        with connection.cursor() as cursor:
            for name, table in self.tmp.items():
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                columns = ", ".join(f"{c} {kind}" for c, kind in self.COLUMNS[name])
                cursor.execute(f"CREATE TEMPORARY TABLE {table} ({columns})")

    def add_records(self, records: Iterable[Any]) -> None:
        """Group checked records into the finest grain of each table. Each
        record has the attributes of ``activities.bulk.NewActivity``
        (date, municipality, school, carrier and worker ids, catalogue ids,
        minutes, participant_total, topic_ids, case_hash)."""
        activity, dimension, case = (self._sums[n] for n in ("activity", "dimension", "case"))
        periods = self._periods
        topic, origin, partner = (
            str(k)
            for k in (CatalogueKind.TOPIC, CatalogueKind.CONTACT_ORIGIN, CatalogueKind.PARTNER)
        )
        for r in records:
            period = periods.get(r.date)
            if period is None:
                period = periods[r.date] = (school_year_of(r.date), r.date.month)
            year = period[0]
            place = (r.municipality_id, r.school_id, r.carrier_id, r.worker_id)
            key = (year, period[1], *place, r.activity_type_id, r.target_group_id)
            cell = activity.get(key)
            if cell is None:
                activity[key] = [1, r.minutes, r.participant_total]
            else:
                cell[0] += 1
                cell[1] += r.minutes
                cell[2] += r.participant_total
            entries = [(topic, t) for t in r.topic_ids]
            if r.contact_origin_id is not None:
                entries.append((origin, r.contact_origin_id))
            if r.partner_id is not None:
                entries.append((partner, r.partner_id))
            for kind, entry_id in entries:
                key = (year, WHOLE_YEAR, *place, kind, entry_id)
                cell = dimension.get(key)
                if cell is None:
                    dimension[key] = [1, r.minutes]
                else:
                    cell[0] += 1
                    cell[1] += r.minutes
            if r.case_hash:
                key = (year, WHOLE_YEAR, *place, r.case_hash)
                cell = case.get(key)
                if cell is None:
                    case[key] = [1]
                else:
                    cell[0] += 1

    @property
    def pending(self) -> int:
        """Cells grouped in Python and not yet flushed."""
        return sum(len(sums) for sums in self._sums.values())

    def flush(self, *, db: Any = None) -> None:
        """Write the Python sums into the temporary tables (COPY on
        PostgreSQL, plain INSERTs elsewhere) and forget them."""
        db = db or connection
        with db.cursor() as cursor:
            for name, sums in self._sums.items():
                if not sums:
                    continue
                columns = [c for c, _kind in self.COLUMNS[name]]
                names = ", ".join(columns)
                if db.vendor == "postgresql":
                    with (
                        db.wrap_database_errors,
                        cursor.cursor.copy(f"COPY {self.tmp[name]} ({names}) FROM STDIN") as copy,
                    ):
                        for key, values in sums.items():
                            copy.write_row((*key, *values))
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(
                        f"INSERT INTO {self.tmp[name]} ({names}) VALUES ({marks})",
                        [(*key, *values) for key, values in sums.items()],
                    )
                sums.clear()

    def finish(self) -> None:
        q = connection.ops.quote_name
        tmp = self.tmp
        self.flush()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Regrouping up to millions of rows: room in memory for this
                # transaction only instead of temporary files.
                cursor.execute("SET LOCAL work_mem = '256MB'")
            for name in ("activity", "dimension", "case"):
                model, columns, key, values = TABLES[name]
                table = q(model._meta.db_table)
                names = ", ".join(q(c) for c in columns)
                keys = [c for c in columns if c not in values]
                sums = ", ".join(f"SUM({q(v)})" for v in values)
                grains = [(keys, keys)]
                if name == "activity":  # the whole school year, from the months
                    yearly = [c for c in keys if c != "month"]
                    grains.append((["0" if c == "month" else c for c in keys], yearly))
                for selected, grouped in grains:
                    chosen = ", ".join(c if c == "0" else q(c) for c in selected)
                    group = ", ".join(q(c) for c in grouped)
                    # "WHERE 1 = 1": SQLite's parser needs a WHERE before ON CONFLICT.
                    cursor.execute(
                        f"INSERT INTO {table} ({names}) SELECT {chosen}, {sums} "
                        f"FROM {tmp[name]} WHERE 1 = 1 GROUP BY {group}"
                        + _adding(model, key, values)
                    )
            change = _merge_school_cases(cursor, tmp["case"])
            school: dict[tuple[Any, ...], list[Any]] = {}
            for month, by_month in (("month", ", month"), ("0", "")):
                cursor.execute(
                    f"SELECT school_year, {month}, municipality_id, school_id, "
                    "CAST(SUM(count) AS INTEGER), CAST(SUM(minutes) AS INTEGER), "
                    f"CAST(SUM(participants) AS INTEGER) FROM {tmp['activity']} "
                    f"GROUP BY school_year, municipality_id, school_id{by_month}"
                )
                school.update({(r[0], r[1], r[3]): [*r, 0] for r in cursor})
            for table in tmp.values():
                cursor.execute(f"DROP TABLE {table}")
        # Every case cell comes with the school cell of its year, which
        # carries the new distinct cases (as in apply_cells).
        _upsert_school(list(school.values()), change)


def _merge_school_cases(cursor: Any, cases: str) -> dict[tuple[int, int], int]:
    """Add the grouped case cells of the temporary table `cases` to the
    school case rollup, set-based, and return the new distinct cases per
    (school year, school): cells whose count was 0 or absent before. The
    import only adds (each cell's count grows by n > 0), so a cell is new
    where its count before, the count after minus n, was at most 0.
    PostgreSQL takes the counts after from the upsert itself (RETURNING in a
    CTE), which also holds when an entry writes the same cell meanwhile.
    SQLite has one writer at a time, and the import holds the write lock:
    the cells are counted before the upsert."""
    model, columns, key, values = TABLES["school_case"]
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = ", ".join(q(c) for c in columns)
    keys = ", ".join(q(c) for c in key)
    grouped = (
        "SELECT school_year, municipality_id, school_id, case_hash, "
        f"CAST(SUM(count) AS INTEGER) AS n FROM {cases} "
        "GROUP BY school_year, municipality_id, school_id, case_hash"
    )
    upsert = f"INSERT INTO {table} ({names}) SELECT * FROM d WHERE 1 = 1" + _adding(
        model, key, values
    )
    if connection.vendor == "postgresql":
        cursor.execute(
            f"WITH d AS ({grouped}), u AS ({upsert} RETURNING {keys}, count) "
            "SELECT u.school_year, u.school_id, COUNT(*) FROM u "
            "JOIN d USING (school_year, school_id, case_hash) "
            "WHERE u.count > 0 AND u.count - d.n <= 0 GROUP BY u.school_year, u.school_id"
        )
        return {(r[0], r[1]): r[2] for r in cursor.fetchall()}
    cursor.execute(
        f"WITH d AS ({grouped}) SELECT d.school_year, d.school_id, COUNT(*) FROM d "
        f"LEFT JOIN {table} s ON s.school_year = d.school_year AND s.school_id = d.school_id "
        "AND s.case_hash = d.case_hash "
        "WHERE COALESCE(s.count, 0) <= 0 AND COALESCE(s.count, 0) + d.n > 0 "
        "GROUP BY d.school_year, d.school_id"
    )
    change = {(r[0], r[1]): r[2] for r in cursor.fetchall()}
    cursor.execute(f"WITH d AS ({grouped}) {upsert}")
    return change


# --------------------------------------------------------------------------- the queue

_QUEUE = Insert(PendingRollup, ["activity"])


def defer(activity_ids: Iterable[int]) -> None:
    """Queue records for `catch_up` (one narrow INSERT), inside the
    transaction that writes them: they commit or fail together, and only a
    committed record can ever be added."""
    _QUEUE.execute([[pk] for pk in activity_ids])


def withdraw(activity: Activity) -> None:
    """Take a record out of the rollups before it is corrected or deleted,
    inside the caller's transaction, which has locked the record. A record
    still queued only leaves the queue; one already added is subtracted.
    While `catch_up` holds the queued row (it has taken it, not yet
    committed), the DELETE waits for it and then finds the row gone: the
    record is in the rollups by then and is subtracted."""
    table = connection.ops.quote_name(PendingRollup._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE activity_id = %s", [activity.pk])
        if cursor.rowcount:
            return
    apply_facts(facts_of_ids([activity.pk]), -1)


def _take(batch: int) -> list[int]:
    """Remove up to `batch` queued ids from the queue and return them. On
    PostgreSQL the rows are locked in key order; a concurrent `catch_up`
    waits for them (so that, once it returns, every record committed before
    it started is added) and then skips what this one took."""
    q = connection.ops.quote_name
    table = q(PendingRollup._meta.db_table)
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE activity_id IN (SELECT activity_id FROM {table} "
            f"ORDER BY activity_id LIMIT %s{lock}) RETURNING activity_id",
            [batch],
        )
        return [row[0] for row in cursor.fetchall()]


def facts_of_ids(ids: list[int]) -> list[Facts]:
    """The facts of saved records, read in two statements (records with
    their school and worker, then their topics)."""
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.date, s.municipality_id, a.school_id, w.carrier_id, a.worker_id, "
            "a.activity_type_id, a.target_group_id, a.minutes, a.participants, "
            "a.contact_origin_id, a.partner_id, a.case_hash "
            f"FROM {q(Activity._meta.db_table)} a "
            f"JOIN {q(School._meta.db_table)} s ON s.id = a.school_id "
            f"JOIN {q(StaffMember._meta.db_table)} w ON w.id = a.worker_id "
            f"WHERE a.id IN ({marks})",
            ids,
        )
        records = cursor.fetchall()
        cursor.execute(
            "SELECT activity_id, catalogueentry_id "
            f"FROM {q(Activity.topics.through._meta.db_table)} WHERE activity_id IN ({marks})",
            ids,
        )
        topics: dict[int, list[int]] = defaultdict(list)
        for activity_id, entry_id in cursor.fetchall():
            topics[activity_id].append(entry_id)
    return [
        Facts(
            date=date if isinstance(date, datetime.date) else datetime.date.fromisoformat(date),
            municipality_id=municipality_id,
            school_id=school_id,
            carrier_id=carrier_id,
            worker_id=worker_id,
            activity_type_id=activity_type_id,
            target_group_id=target_group_id,
            minutes=minutes,
            participants=participants,
            topic_ids=tuple(sorted(topics.get(pk, ()))),
            contact_origin_id=contact_origin_id,
            partner_id=partner_id,
            case_hash=case_hash,
        )
        for (
            pk,
            date,
            municipality_id,
            school_id,
            carrier_id,
            worker_id,
            activity_type_id,
            target_group_id,
            minutes,
            participants,
            contact_origin_id,
            partner_id,
            case_hash,
        ) in records
    ]


# Records added per transaction: the ids of one batch are bound as
# parameters (SQLite takes at most 32,766 a statement).
CATCH_UP_BATCH = 5_000


def catch_up(*, batch: int = CATCH_UP_BATCH) -> int:
    """Add the queued records to the rollups, a batch per transaction, until
    the queue is empty; return how many were added. Run by the background
    worker (``manage.py rollup_worker``) and by every report before it reads
    (`statistics_report`), so that a report counts every record committed
    before it started. With an empty queue it costs one small statement."""
    table = connection.ops.quote_name(PendingRollup._meta.db_table)
    with connection.cursor() as cursor:  # no transaction for an empty queue
        cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")
        if cursor.fetchone() is None:
            return 0
    added = 0
    while True:
        with transaction.atomic():
            ids = _take(batch)
            if ids:
                apply_cells(cells_of(facts_of_ids(ids)))
        added += len(ids)
        if len(ids) < batch:
            return added


def queued() -> int:
    """Records waiting for `catch_up`."""
    return PendingRollup.objects.count()


# --------------------------------------------------------------------------- recomputation

_SCHOOL_YEAR = Case(
    When(date__month__gte=8, then=ExtractYear("date")),
    default=ExtractYear("date") - 1,
    output_field=IntegerField(),
)


def recompute(activities: QuerySet[Activity]) -> Cells:
    """The cells of the given records computed from raw rows in the database
    (grouped queries, no Python loop per record)."""
    out: Cells = {name: {} for name in TABLES}
    base = activities.annotate(
        sy=_SCHOOL_YEAR,
        m=ExtractMonth("date"),
        mun=F("school__municipality_id"),
        car=F("worker__carrier_id"),
    )
    through = Activity.topics.through
    topic_links = through.objects.filter(activity__in=activities.values("pk")).annotate(
        sy=_SCHOOL_YEAR_T,
        m=ExtractMonth("activity__date"),
        mun=F("activity__school__municipality_id"),
        car=F("activity__worker__carrier_id"),
        school_id=F("activity__school_id"),
        worker_id=F("activity__worker_id"),
    )
    for monthly in (True, False):
        group = ["sy", "mun", "school_id", "car", "worker_id"] + (["m"] if monthly else [])

        def month(row: dict[str, Any], monthly: bool = monthly) -> int:
            return row["m"] if monthly else WHOLE_YEAR

        for r in (
            base.values(*group, "activity_type_id", "target_group_id")
            .annotate(n=Count("pk"), mins=Sum("minutes"), p=Sum("participants"))
            .order_by()
        ):
            m = month(r)
            out["activity"][
                (
                    r["sy"],
                    m,
                    r["school_id"],
                    r["worker_id"],
                    r["activity_type_id"],
                    r["target_group_id"],
                )
            ] = [
                r["sy"],
                m,
                r["mun"],
                r["school_id"],
                r["car"],
                r["worker_id"],
                r["activity_type_id"],
                r["target_group_id"],
                r["n"],
                r["mins"] or 0,
                r["p"] or 0,
            ]
        school_group = ["sy", "mun", "school_id"] + (["m"] if monthly else [])
        for r in (
            base.values(*school_group)
            .annotate(
                n=Count("pk"),
                mins=Sum("minutes"),
                p=Sum("participants"),
                cases=Count("case_hash", distinct=True, filter=~Q(case_hash="")),
            )
            .order_by()
        ):
            m = month(r)
            out["school"][(r["sy"], m, r["school_id"])] = [
                r["sy"],
                m,
                r["mun"],
                r["school_id"],
                r["n"],
                r["mins"] or 0,
                r["p"] or 0,
                0 if monthly else r["cases"],
            ]
        if monthly:
            continue
        for field, kind in (
            ("contact_origin_id", CatalogueKind.CONTACT_ORIGIN),
            ("partner_id", CatalogueKind.PARTNER),
        ):
            for r in (
                base.filter(**{f"{field}__isnull": False})
                .values(*group, field)
                .annotate(n=Count("pk"), mins=Sum("minutes"))
                .order_by()
            ):
                m = month(r)
                out["dimension"][(r["sy"], m, r["school_id"], r["worker_id"], r[field])] = [
                    r["sy"],
                    m,
                    r["mun"],
                    r["school_id"],
                    r["car"],
                    r["worker_id"],
                    str(kind),
                    r[field],
                    r["n"],
                    r["mins"] or 0,
                ]
        for r in (
            topic_links.values(*group, "catalogueentry_id")
            .annotate(n=Count("pk"), mins=Sum("activity__minutes"))
            .order_by()
        ):
            m = month(r)
            out["dimension"][
                (r["sy"], m, r["school_id"], r["worker_id"], r["catalogueentry_id"])
            ] = [
                r["sy"],
                m,
                r["mun"],
                r["school_id"],
                r["car"],
                r["worker_id"],
                str(CatalogueKind.TOPIC),
                r["catalogueentry_id"],
                r["n"],
                r["mins"] or 0,
            ]
        for r in (
            base.exclude(case_hash="")
            .values(*group, "case_hash")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            m = month(r)
            out["case"][(r["sy"], m, r["school_id"], r["worker_id"], r["case_hash"])] = [
                r["sy"],
                m,
                r["mun"],
                r["school_id"],
                r["car"],
                r["worker_id"],
                r["case_hash"],
                r["n"],
            ]
        for r in (
            base.exclude(case_hash="")
            .values("sy", "mun", "school_id", "case_hash")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            out["school_case"][(r["sy"], r["school_id"], r["case_hash"])] = [
                r["sy"],
                r["mun"],
                r["school_id"],
                r["case_hash"],
                r["n"],
            ]
    return out


_SCHOOL_YEAR_T = Case(
    When(activity__date__month__gte=8, then=ExtractYear("activity__date")),
    default=ExtractYear("activity__date") - 1,
    output_field=IntegerField(),
)


def stored_cells(**filters: Any) -> Cells:
    """The rollup cells in the database (for checks and tests)."""
    out: Cells = {}
    for table, (model, columns, key, _values) in TABLES.items():
        rows = model.objects.filter(**filters).values_list(*columns)
        index = [columns.index(k) for k in key]
        out[table] = {tuple(r[i] for i in index): list(r) for r in rows}
    return out


def _pairs(activities: QuerySet[Activity]) -> Iterator[tuple[int, int]]:
    seen = activities.annotate(sy=_SCHOOL_YEAR).values_list("school_id", "sy").distinct().order_by()
    yield from seen


def _hold_queue() -> None:
    """Inside a transaction that recomputes cells from raw records: stop new
    records from joining the queue until it commits, and add those queued
    so far. Otherwise a record committed in between would be counted by the
    recomputation and once more by the next `catch_up`. Entries wait (on
    PostgreSQL the lock; SQLite has one writer at a time anyway)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(PendingRollup._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
    catch_up()


@transaction.atomic
def _replace(pairs: list[tuple[int, int]]) -> int:
    """Recompute the cells of these (school, school year) pairs from raw rows."""
    _hold_queue()
    by_year: dict[int, list[int]] = defaultdict(list)
    for school_id, year in pairs:
        by_year[year].append(school_id)
    written = 0
    for year, school_ids in sorted(by_year.items()):
        for i in range(0, len(school_ids), 500):
            chunk = school_ids[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            written += _replace_year(year, f"a.school_id IN ({marks})", list(chunk))
    return written


def _replace_year(year: int, where: str, params: list[Any]) -> int:
    """Replace the cells of one school year for the schools whose raw records
    match `where` (a condition on ``a``, the records, and ``s``, their
    school), in set-based statements: the finest cells come from the raw
    records (INSERT ... SELECT ... GROUP BY), the coarser ones from those.
    Computes what `recompute` computes (tested), without a Python loop."""
    q = connection.ops.quote_name
    t = {name: q(spec[0]._meta.db_table) for name, spec in TABLES.items()}
    start, end = school_year_bounds(year)
    raw = (
        f"FROM {q(Activity._meta.db_table)} a "
        f"JOIN {q(School._meta.db_table)} s ON s.id = a.school_id "
        f"JOIN {q(StaffMember._meta.db_table)} w ON w.id = a.worker_id "
        f"WHERE a.date >= %s AND a.date <= %s AND {where}"
    )
    rp = [start, end, *params]  # the parameters of `raw`
    month = _month_sql("a.date")
    base = "s.municipality_id, a.school_id, w.carrier_id, a.worker_id"
    cols = "school_year, month, municipality_id, school_id, carrier_id, worker_id"
    topics = q(Activity.topics.through._meta.db_table)

    def mine(alias: str = "") -> str:  # the cells being replaced
        return (
            f"{alias}school_year = %s AND {alias}school_id IN (SELECT DISTINCT a.school_id {raw})"
        )

    statements: list[tuple[str, list[Any]]] = [
        (f"DELETE FROM {table} WHERE {mine()}", [year, *rp]) for table in t.values()
    ]
    statements += [
        (
            f"INSERT INTO {t['activity']} ({cols}, activity_type_id, target_group_id, count, "
            f"minutes, participants) SELECT %s, {month}, {base}, a.activity_type_id, "
            f"a.target_group_id, COUNT(*), SUM(a.minutes), SUM(a.participants) {raw} "
            f"GROUP BY {month}, {base}, a.activity_type_id, a.target_group_id",
            [year, *rp],
        ),
        (
            f"INSERT INTO {t['activity']} ({cols}, activity_type_id, target_group_id, count, "
            f"minutes, participants) SELECT school_year, 0, municipality_id, school_id, "
            "carrier_id, worker_id, activity_type_id, target_group_id, SUM(count), "
            f"SUM(minutes), SUM(participants) FROM {t['activity']} WHERE {mine()} AND month > 0 "
            "GROUP BY school_year, municipality_id, school_id, carrier_id, worker_id, "
            "activity_type_id, target_group_id",
            [year, *rp],
        ),
    ]
    for field, kind in (
        ("a.contact_origin_id", CatalogueKind.CONTACT_ORIGIN),
        ("a.partner_id", CatalogueKind.PARTNER),
    ):
        statements.append(
            (
                f"INSERT INTO {t['dimension']} ({cols}, kind, entry_id, count, minutes) "
                f"SELECT %s, 0, {base}, %s, {field}, COUNT(*), SUM(a.minutes) {raw} "
                f"AND {field} IS NOT NULL GROUP BY {base}, {field}",
                [year, str(kind), *rp],
            )
        )
    statements += [
        (
            f"INSERT INTO {t['dimension']} ({cols}, kind, entry_id, count, minutes) "
            f"SELECT %s, 0, {base}, %s, tp.catalogueentry_id, COUNT(*), SUM(a.minutes) "
            + raw.replace("WHERE", f"JOIN {topics} tp ON tp.activity_id = a.id WHERE", 1)
            + f" GROUP BY {base}, tp.catalogueentry_id",
            [year, str(CatalogueKind.TOPIC), *rp],
        ),
        (
            f"INSERT INTO {t['case']} ({cols}, case_hash, count) "
            f"SELECT %s, 0, {base}, a.case_hash, COUNT(*) {raw} AND a.case_hash <> '' "
            f"GROUP BY {base}, a.case_hash",
            [year, *rp],
        ),
        (
            f"INSERT INTO {t['school_case']} (school_year, municipality_id, school_id, "
            "case_hash, count) SELECT school_year, municipality_id, school_id, case_hash, "
            f"SUM(count) FROM {t['case']} WHERE {mine()} "
            "GROUP BY school_year, municipality_id, school_id, case_hash",
            [year, *rp],
        ),
        (
            f"INSERT INTO {t['school']} (school_year, month, municipality_id, school_id, "
            "count, minutes, participants, cases) SELECT school_year, month, municipality_id, "
            "school_id, SUM(count), SUM(minutes), SUM(participants), 0 "
            f"FROM {t['activity']} WHERE {mine()} AND month > 0 "
            "GROUP BY school_year, month, municipality_id, school_id",
            [year, *rp],
        ),
        (
            f"INSERT INTO {t['school']} (school_year, month, municipality_id, school_id, "
            "count, minutes, participants, cases) SELECT r.school_year, 0, r.municipality_id, "
            "r.school_id, SUM(r.count), SUM(r.minutes), SUM(r.participants), "
            f"COALESCE(MAX(c.n), 0) FROM {t['school']} r LEFT JOIN (SELECT school_id, "
            f"COUNT(*) AS n FROM {t['school_case']} WHERE school_year = %s GROUP BY school_id) c "
            f"ON c.school_id = r.school_id WHERE {mine('r.')} "
            "AND r.month > 0 GROUP BY r.school_year, r.municipality_id, r.school_id",
            [year, year, *rp],
        ),
    ]
    written = 0
    with connection.cursor() as cursor:
        for i, (sql, args) in enumerate(statements):
            cursor.execute(sql, args)
            if i >= len(t):
                written += max(cursor.rowcount, 0)
    return written


def ensure_rollups_for(activities: QuerySet[Activity]) -> int:
    """Make sure the rollups hold these records, e.g. before retention deletes
    them or after a bulk load that bypassed the services: every (school,
    school year) they touch is recomputed from its raw records. Returns the
    number of cells written."""
    return _replace(list(_pairs(activities)))


def ensure_rollups_each(activities: QuerySet[Activity]) -> list[tuple[int, int]]:
    """`ensure_rollups_for`, one (school, school year) at a time, for a job
    over many rows (retention): a pair whose recomputation fails is logged
    and returned, and the others go on. The caller keeps the records of the
    pairs returned."""
    failed: list[tuple[int, int]] = []
    with transaction.atomic():
        _hold_queue()
        for school_id, year in sorted(_pairs(activities)):
            try:
                with transaction.atomic():
                    _replace_year(year, "a.school_id = %s", [school_id])
            except Exception:
                logger.exception(
                    "rollups: school %s, school year %s could not be recomputed; its records "
                    "are kept",
                    school_id,
                    year,
                )
                failed.append((school_id, year))
    return failed


def forget_cases(*, municipality_id: int, before_year: int) -> int:
    """Replace the case hashes of the school years before `before_year` that
    have no raw records left (retention removed them) by plain counts:
    per (school year, school, worker) one `CaseRollup` row with an empty hash
    whose `count` is the number of distinct cases (the readers add these to
    the distinct hashes, statistics/sources.py), and no `SchoolCaseRollup`
    row at all (`SchoolRollup.cases` holds the school's distinct cases
    already). Returns the number of hashed rows removed."""
    with_records = set(  # (school, year) pairs that still have records: left as they are
        _pairs(
            Activity.objects.filter(
                school__municipality_id=municipality_id,
                date__lt=datetime.date(before_year, 8, 1),
            )
        )
    )
    years = Q(municipality_id=municipality_id, school_year__lt=before_year)
    for school_id, year in with_records:  # still a source: leave them
        years &= ~Q(school_id=school_id, school_year=year)
    hashed = CaseRollup.objects.filter(years).exclude(case_hash="")
    cell = ("school_year", "month", "municipality_id", "school_id", "carrier_id", "worker_id")
    counts = {
        tuple(row[k] for k in cell): row["n"]
        for row in hashed.filter(count__gt=0)
        .values(*cell)
        .annotate(n=Count("case_hash", distinct=True))
        .order_by()
    }
    if not counts and not hashed.exists():
        SchoolCaseRollup.objects.filter(years).delete()
        return 0
    existing = {
        tuple(getattr(r, k) for k in cell): r
        for r in CaseRollup.objects.filter(years, case_hash="")
    }
    new, changed = [], []
    for key, n in counts.items():
        row = existing.get(key)
        if row is None:
            new.append(CaseRollup(**dict(zip(cell, key, strict=True)), case_hash="", count=n))
        else:
            row.count += n
            changed.append(row)
    removed, _by_model = hashed.delete()
    CaseRollup.objects.bulk_create(new, batch_size=1000)
    CaseRollup.objects.bulk_update(changed, ["count"], batch_size=1000)
    SchoolCaseRollup.objects.filter(years).delete()
    return removed


def rebuild_rollups(*, municipality: Any = None) -> int:
    """Recompute the rollups of every (school, school year) that still has raw
    records, for one municipality or all. Years whose records retention has
    removed keep their rollups."""
    written = 0
    with transaction.atomic():
        _hold_queue()
        activities = Activity.objects.all()
        where, params = "1 = 1", []
        if municipality is not None:
            activities = activities.filter(school__municipality=municipality)
            where, params = "s.municipality_id = %s", [municipality.pk]
        years = sorted({year for _school, year in _pairs(activities)})
        for year in years:  # one set-based pass per school year, no list of schools
            written += _replace_year(year, where, params)
    return written
