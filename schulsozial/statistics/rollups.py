# The set-based rebuild builds its SQL from model table names only; every value is a parameter.
# ruff: noqa: S608
"""Maintaining the rollups (models.py), and rebuilding them.

The rollup arithmetic exists twice, and only twice:

* **per record or batch, in Python**: `cells_of(records)` turns records
  into the cells they add to; `change(added=..., removed=...)` (the
  services, in the record's transaction), `add_many(records)` and `Tally`
  (bulk loads, in pairs whose rollups hold history) add them to the stored
  cells with the ORM: a few cells (an entry, a correction) with one
  ``UPDATE ... SET count = count + n`` each, ``create()`` where no row was
  there and a delete of a cell that reaches 0; many cells per table with
  one ``SELECT ... FOR UPDATE`` of the cells concerned, then `bulk_update`,
  `bulk_create` and a delete of the cells that reach 0.
* **set-based**: `replace_cells` recomputes the cells of whole (school,
  school year) pairs from the raw records (``INSERT ... SELECT ... GROUP
  BY``), for `rebuild_rollups`, `ensure_rollups_for`/`ensure_rollups_each`
  (retention) and at the end of a bulk load (`Tally`).

Every writer first locks the rows of the schools it writes for (``SELECT
... FOR NO KEY UPDATE`` on masterdata's School, in pk order; foreign-key
checks do not wait for it): writers of one school's rollups take turns,
so an entry and a rebuild of its school year never count a record twice
or not at all, and cells need no insert-or-retry. The school lock is held
until commit: a bulk load writes its `Tally` at the end of its transaction.

Activities reaches these functions only through ``activities.hooks`` (this
module is registered there by ``StatisticsConfig.ready``), so that the
statistics import activities and never the other way round.

Years whose records retention has removed are left as they are by the
rebuild, because the rollups are then the only source; retention also
replaces their case hashes by counts (`forget_cases`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Count, F, Q, QuerySet

from schulsozial.activities.hooks import Record
from schulsozial.activities.models import Activity, CatalogueKind
from schulsozial.core import school_year
from schulsozial.masterdata.models import Municipality, School, StaffMember

from .models import (
    WHOLE_YEAR,
    ActivityRollup,
    CaseRollup,
    DimensionRollup,
    SchoolCaseRollup,
    SchoolRollup,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Table:
    """One rollup table: a cell's place (the columns it is grouped by, its
    unique key among them) and the sums it adds."""

    model: Any  # a rollup model
    place: tuple[str, ...]
    key: tuple[str, ...]
    sums: tuple[str, ...]


_BASE = ("school_year", "month", "municipality_id", "school_id", "carrier_id", "worker_id")
# In the order every writer locks them (the school table last: it carries
# the distinct-case transitions of the school case table).
TABLES: dict[str, Table] = {
    "activity": Table(
        ActivityRollup,
        (*_BASE, "activity_type_id", "target_group_id"),
        ("school_year", "month", "school_id", "worker_id", "activity_type_id", "target_group_id"),
        ("count", "minutes", "participants"),
    ),
    "dimension": Table(
        DimensionRollup,
        (*_BASE, "kind", "entry_id"),
        ("school_year", "month", "school_id", "worker_id", "entry_id"),
        ("count", "minutes"),
    ),
    "case": Table(
        CaseRollup,
        (*_BASE, "case_hash"),
        ("school_year", "month", "school_id", "worker_id", "case_hash"),
        ("count",),
    ),
    "school_case": Table(
        SchoolCaseRollup,
        ("school_year", "municipality_id", "school_id", "case_hash"),
        ("school_year", "school_id", "case_hash"),
        ("count",),
    ),
    # `cases` is added only from the transitions of the school case cells.
    "school": Table(
        SchoolRollup,
        ("school_year", "month", "municipality_id", "school_id"),
        ("school_year", "month", "school_id"),
        ("count", "minutes", "participants", "cases"),
    ),
}

# {table: {place: sums}}, in the column order of `Table.place` and `Table.sums`.
Cells = dict[str, dict[tuple[Any, ...], list[int]]]


def cells_of(records: Iterable[Record], sign: int = 1, into: Cells | None = None) -> Cells:
    """The cells that some records add to (sign=+1) or take from (sign=-1),
    summed (into `into` if given). Monthly and whole-year activity and school
    cells; topics, origins, partners and cases per school year only."""
    out: Cells = into if into is not None else {name: {} for name in TABLES}

    def add(table: str, place: tuple[Any, ...], sums: tuple[int, ...]) -> None:
        cell = out[table].get(place)
        if cell is None:
            out[table][place] = list(sums)
        else:
            for i, v in enumerate(sums):
                cell[i] += v

    topic, origin, partner = (
        str(k) for k in (CatalogueKind.TOPIC, CatalogueKind.CONTACT_ORIGIN, CatalogueKind.PARTNER)
    )
    for r in records:
        year = school_year.start_year_of(r.date)
        n, minutes, people = sign, sign * r.minutes, sign * r.participant_total
        for month in (r.date.month, WHOLE_YEAR):
            base = (year, month, r.municipality_id, r.school_id, r.carrier_id, r.worker_id)
            add("activity", (*base, r.activity_type_id, r.target_group_id), (n, minutes, people))
            add("school", (year, month, r.municipality_id, r.school_id), (n, minutes, people, 0))
        entries = [(topic, t) for t in r.topic_ids]
        if r.contact_origin_id is not None:
            entries.append((origin, r.contact_origin_id))
        if r.partner_id is not None:
            entries.append((partner, r.partner_id))
        year_base = (year, WHOLE_YEAR, *base[2:])
        for kind, entry_id in entries:
            add("dimension", (*year_base, kind, entry_id), (n, minutes))
        if r.case_hash:
            add("case", (*year_base, r.case_hash), (n,))
            add("school_case", (year, r.municipality_id, r.school_id, r.case_hash), (n,))
    return out


def change(*, added: Iterable[Record] = (), removed: Iterable[Record] = ()) -> None:
    """Add records to the rollups and take others out (a correction: the
    record as it was, `facts_of` before the change, and as it is), in one
    write (one school lock order), in the caller's transaction. The services
    call it through ``activities.hooks``."""
    apply_cells(cells_of(added, +1, into=cells_of(removed, -1)))


def add_many(records: Iterable[Record], *, sign: int = 1) -> None:
    """Add (sign=+1) or remove (sign=-1) records given as `Record` objects
    (``activities.bulk.NewActivity`` or `Facts`) in the caller's transaction.
    The cells are summed in Python first, so a batch writes each cell once.
    The schools' rows stay locked until the transaction ends: a long load
    sums its batches with `tally` and writes them at its end (or rebuilds the
    pairs it loaded with `ensure_rollups_for`)."""
    apply_cells(cells_of(records, sign))


class Tally:
    """The rollups of a bulk load, written at its end (`write`): the schools'
    rows are locked only from then on. A (school, school year) pair whose
    cells hold exactly its raw records when the load first meets it (`add`,
    before the batch is written) is recomputed set-based from its raw
    records at the end (`replace_cells`); in any other pair (retention
    removed its records, the rollups hold history) the load's records are
    summed in Python (`cells_of`) and added to the stored cells."""

    def __init__(self) -> None:
        self.cells: Cells = {name: {} for name in TABLES}
        self.rebuilt: dict[tuple[int, int], int] = {}  # pair -> the load's records in it
        self.summed: set[tuple[int, int]] = set()

    def add(self, records: Iterable[Record]) -> None:
        by_pair: dict[tuple[int, int], list[Record]] = defaultdict(list)
        for r in records:
            by_pair[(r.school_id, school_year.start_year_of(r.date))].append(r)
        new = [p for p in by_pair if p not in self.rebuilt and p not in self.summed]
        for pair, (stored, raw) in _counts(new).items():
            if stored == raw:
                self.rebuilt[pair] = 0
            else:
                self.summed.add(pair)
        for pair, rows in by_pair.items():
            if pair in self.summed:
                cells_of(rows, into=self.cells)
            else:
                self.rebuilt[pair] += len(rows)

    def write(self) -> int:
        """Lock every school concerned (in pk order), check that the pairs to
        recompute still hold exactly their raw records besides the load's,
        recompute them, then add the summed cells. Returns the cells the
        recomputation wrote."""
        _lock_schools({s for s, _year in self.rebuilt} | {s for s, _year in self.summed})
        for pair, (stored, raw) in _counts(list(self.rebuilt)).items():
            if stored != raw - self.rebuilt[pair]:  # e.g. retention ran meanwhile
                raise RuntimeError(f"rollups of (school, school year) {pair} changed under a load")
        written = _replace_pairs(self.rebuilt)
        apply_cells(self.cells)
        return written


def _counts(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int]]:
    """Per (school, school year): the records its stored cells count (the
    school's whole-year cell) and its raw records, read in one statement per
    school year."""
    by_year: dict[int, list[int]] = defaultdict(list)
    for school_id, year in pairs:
        by_year[year].append(school_id)
    q = connection.ops.quote_name
    out: dict[tuple[int, int], tuple[int, int]] = {}
    with connection.cursor() as cursor:
        for year, school_ids in sorted(by_year.items()):
            start, end = school_year.bounds(year)
            for i in range(0, len(school_ids), CHUNK):
                chunk = school_ids[i : i + CHUNK]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT s.id, COALESCE((SELECT r.count FROM "
                    f"{q(SchoolRollup._meta.db_table)} r WHERE r.school_id = s.id AND "
                    "r.school_year = %s AND r.month = %s), 0), (SELECT COUNT(*) FROM "
                    f"{q(Activity._meta.db_table)} a WHERE a.school_id = s.id AND "
                    f"a.date >= %s AND a.date <= %s) FROM {q(School._meta.db_table)} s "
                    f"WHERE s.id IN ({marks})",
                    [year, WHOLE_YEAR, start, end, *chunk],
                )
                for school_id, stored, raw in cursor.fetchall():
                    out[(school_id, year)] = (stored, raw)
    return out


def tally() -> Tally:
    """Start summing the cells of a bulk load (`Tally`)."""
    return Tally()


# Cells looked up per statement: the lookup binds a value list per key
# column, well below SQLite's 32,766 parameters.
CHUNK = 1_000


@transaction.atomic
def apply_cells(cells: Cells) -> None:
    """Add cells (from `cells_of`) to the stored ones. The distinct cases of
    a school year (`SchoolRollup.cases`, on its whole-year row) change where
    a school case cell appears or reaches 0."""
    school = cells.get("school", {})
    _lock_schools({place[3] for place in school})
    change: dict[tuple[int, int], int] = {}
    for name, table in TABLES.items():
        if name == "school":  # every case cell comes with the school cells of its record
            year_cell = {(p[0], p[3]): sums for p, sums in school.items() if p[1] == WHOLE_YEAR}
            for pair, d in change.items():
                year_cell[pair][3] += d
        moved = _write(table, cells.get(name, {}))
        if name == "school_case":
            change = moved


def _write(table: Table, cells: dict[tuple[Any, ...], list[int]]) -> dict[tuple[int, int], int]:
    """Add cells to one table. For the school case table, return per (school
    year, school) the cells that appeared minus those that reached 0: the
    change of its distinct cases."""
    if len(cells) <= FEW:
        return _write_few(table, cells)
    model = table.model
    manager = model._default_manager
    index = [table.place.index(k) for k in table.key]
    change: dict[tuple[int, int], int] = defaultdict(int)
    items = sorted(cells.items())
    for start in range(0, len(items), CHUNK):
        chunk = items[start : start + CHUNK]
        within = {
            f"{k}__in": sorted({place[i] for place, _sums in chunk})
            for k, i in zip(table.key, index, strict=True)
        }
        stored = {
            tuple(getattr(row, k) for k in table.key): row
            for row in manager.select_for_update().filter(**within).order_by(*table.key)
        }
        new: list[Any] = []
        changed: list[Any] = []
        gone: list[Any] = []
        for place, sums in chunk:
            row = stored.get(tuple(place[i] for i in index))
            before = row.count if row is not None else 0
            if row is None:
                if sums[0] > 0:
                    new.append(
                        model(
                            **dict(zip(table.place, place, strict=True)),
                            **dict(zip(table.sums, sums, strict=True)),
                        )
                    )
            else:
                for field, d in zip(table.sums, sums, strict=True):
                    setattr(row, field, getattr(row, field) + d)
                (changed if row.count > 0 else gone).append(row)
            if table.model is SchoolCaseRollup:  # place: year, municipality, school, hash
                change[(place[0], place[2])] += (before + sums[0] > 0) - (before > 0)
        manager.bulk_update(changed, table.sums)
        manager.bulk_create(new)
        if gone:
            manager.filter(pk__in=[row.pk for row in gone]).delete()
    return {k: d for k, d in change.items() if d}


# Up to this many cells of a table (an entry, a correction) are written one
# by one (`_write_few`); more (a bulk load) with one lookup per CHUNK.
FEW = 32


def _write_few(table: Table, cells: dict[tuple[Any, ...], list[int]]) -> dict[tuple[int, int], int]:
    """`_write` for a few cells: per cell one ``UPDATE ... SET count = count
    + n, ...``, an ``INSERT`` when no row was there, and a delete when the
    count fell and reached 0. Stored cells always have a count above 0, so
    whether a row was updated, and whether a falling one was deleted, tell
    the school case transitions. No insert race: the school's row lock makes
    writers of its cells take turns."""
    manager = table.model._default_manager
    index = [table.place.index(k) for k in table.key]
    change: dict[tuple[int, int], int] = defaultdict(int)
    for place, sums in sorted(cells.items()):
        if not any(sums):
            continue
        key = {k: place[i] for k, i in zip(table.key, index, strict=True)}
        n = sums[0]
        found = manager.filter(**key).update(
            **{f: F(f) + d for f, d in zip(table.sums, sums, strict=True) if d or f == "count"}
        )
        moved = 0
        if not found:
            if n > 0:
                manager.create(
                    **dict(zip(table.place, place, strict=True)),
                    **dict(zip(table.sums, sums, strict=True)),
                )
                moved = 1
        elif n < 0 and manager.filter(**key, count__lte=0).delete()[0]:
            moved = -1
        if moved and table.model is SchoolCaseRollup:  # place: year, municipality, school, hash
            change[(place[0], place[2])] += moved
    return {k: d for k, d in change.items() if d}


def _lock_schools(school_ids: Iterable[int]) -> None:
    """Lock the schools' rows, in pk order, until the transaction ends (see
    the module's docstring). SQLite has one writer at a time anyway."""
    ids = sorted(school_ids)
    for start in range(0, len(ids), CHUNK):
        list(
            School.objects.select_for_update(no_key=True)
            .filter(pk__in=ids[start : start + CHUNK])
            .order_by("pk")
            .values_list("pk", flat=True)
        )


# --------------------------------------------------------------------------- set-based rebuild


def _month_sql(column: str) -> str:
    """SQL for the calendar month (1-12) of a date column."""
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%%m', {column}) AS INTEGER)"


def replace_cells(year: int, where: str, params: list[Any]) -> int:
    """Replace the cells of one school year for the schools whose raw records
    match `where` (a condition on ``a``, the records, and ``s``, their
    school), in set-based statements: the finest cells come from the raw
    records (INSERT ... SELECT ... GROUP BY), the coarser ones from those.
    The caller holds the schools' locks. Returns the cells written."""
    q = connection.ops.quote_name
    t = {name: q(spec.model._meta.db_table) for name, spec in TABLES.items()}
    start, end = school_year.bounds(year)
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

    def mine(alias: str = "") -> str:  # the cells being replaced: of schools with records
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


def _pairs(activities: QuerySet[Activity]) -> Iterator[tuple[int, int]]:
    """The (school, school year) pairs of some records."""
    first, last = activities.aggregate(first=models.Min("date"), last=models.Max("date")).values()
    if first is None:
        return
    for year in range(school_year.start_year_of(first), school_year.start_year_of(last) + 1):
        start, end = school_year.bounds(year)
        schools = activities.filter(date__gte=start, date__lte=end).values_list(
            "school_id", flat=True
        )
        for school_id in sorted(set(schools.distinct().order_by())):
            yield school_id, year


@transaction.atomic
def ensure_rollups_for(activities: QuerySet[Activity]) -> int:
    """Make sure the rollups hold these records, e.g. before retention deletes
    them or after a bulk load: every (school, school year) they touch is
    recomputed from its raw records. Returns the number of cells written."""
    pairs = list(_pairs(activities))
    _lock_schools({s for s, _year in pairs})
    return _replace_pairs(pairs)


def _replace_pairs(pairs: Iterable[tuple[int, int]]) -> int:
    """`replace_cells` for (school, school year) pairs, a school year's
    schools 500 at a time. The caller holds the schools' locks."""
    by_year: dict[int, list[int]] = defaultdict(list)
    for school_id, year in sorted(pairs):
        by_year[year].append(school_id)
    written = 0
    for year, school_ids in sorted(by_year.items()):
        for i in range(0, len(school_ids), 500):
            chunk = school_ids[i : i + 500]
            marks = ", ".join(["%s"] * len(chunk))
            written += replace_cells(year, f"a.school_id IN ({marks})", chunk)
    return written


def ensure_rollups_each(activities: QuerySet[Activity]) -> list[tuple[int, int]]:
    """`ensure_rollups_for`, one (school, school year) at a time, for a job
    over many rows (retention): a pair whose recomputation fails is logged
    and returned, and the others go on. The caller keeps the records of the
    pairs returned."""
    failed: list[tuple[int, int]] = []
    with transaction.atomic():
        pairs = sorted(_pairs(activities))
        _lock_schools({school_id for school_id, _year in pairs})
        for school_id, year in pairs:
            try:
                with transaction.atomic():
                    replace_cells(year, "a.school_id = %s", [school_id])
            except Exception:
                logger.exception(
                    "rollups: school %s, school year %s could not be recomputed; its records "
                    "are kept",
                    school_id,
                    year,
                )
                failed.append((school_id, year))
    return failed


@transaction.atomic
def forget_cases(*, municipality_id: int, before_year: int) -> int:
    """Replace the case hashes of the school years before `before_year` that
    have no raw records left (retention removed them) by plain counts:
    per (school year, school, worker) one `CaseRollup` row with an empty hash
    whose `count` is the number of distinct cases (the readers add these to
    the distinct hashes, statistics/sources.py), and no `SchoolCaseRollup`
    row at all (`SchoolRollup.cases` holds the school's distinct cases
    already). Returns the number of hashed rows removed."""
    _lock_schools(
        School.objects.filter(municipality_id=municipality_id).values_list("pk", flat=True)
    )
    with_records = set(  # (school, year) pairs that still have records: left as they are
        _pairs(
            Activity.objects.filter(
                school__municipality_id=municipality_id,
                date__lt=school_year.bounds(before_year)[0],
            )
        )
    )
    years = Q(municipality_id=municipality_id, school_year__lt=before_year)
    for school_id, year in with_records:  # still a source: leave them
        years &= ~Q(school_id=school_id, school_year=year)
    hashed = CaseRollup.objects.filter(years).exclude(case_hash="")
    cell = _BASE
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


@transaction.atomic
def rebuild_rollups(*, municipality: Municipality | None = None) -> int:
    """Recompute the rollups of every (school, school year) that still has raw
    records, for one municipality or all. Years whose records retention has
    removed keep their rollups."""
    activities = Activity.objects.all()
    schools = School.objects.all()
    where, params = "1 = 1", []
    if municipality is not None:
        activities = activities.filter(school__municipality=municipality)
        schools = schools.filter(municipality=municipality)
        where, params = "s.municipality_id = %s", [municipality.pk]
    _lock_schools(schools.values_list("pk", flat=True))
    years = sorted({year for _school, year in _pairs(activities)})
    # One set-based pass per school year, for all of its schools at once.
    return sum(replace_cells(year, where, params) for year in years)
