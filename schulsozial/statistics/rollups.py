"""Maintaining the rollups (models.py) on every write, and rebuilding them.

`apply_activity(activity, sign=+1)` adds one record to its rollup cells (or,
with ``sign=-1``, takes it out) with one multi-row upsert per table:
``INSERT ... ON CONFLICT (cell) DO UPDATE SET count = count + excluded.count``,
which SQLite (3.24+) and PostgreSQL both understand. The documentation
services call it inside their own transaction, so a record and its rollups
commit or fail together: -1 for the old state before a correction, +1 after.

`rebuild_rollups()` and `ensure_rollups_for()` recompute the cells of every
(school, school year) that still has raw records; years whose records were
removed by retention are left as they are, because the rollups are then the
only source.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, QuerySet, Sum, When
from django.db.models.functions import ExtractMonth, ExtractYear

from schulsozial.activities.models import Activity, CatalogueKind

from .models import WHOLE_YEAR, ActivityRollup, CaseRollup, DimensionRollup

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


def facts_of(activity: Activity) -> Facts:
    """Read the facts of a saved record (two small queries: carrier, topics)."""
    school = activity.school
    worker = activity.worker
    return Facts(
        date=activity.date,
        municipality_id=school.municipality_id,
        school_id=activity.school_id,
        carrier_id=worker.carrier_id,
        worker_id=activity.worker_id,
        activity_type_id=activity.activity_type_id,
        target_group_id=activity.target_group_id,
        minutes=activity.minutes,
        participants=activity.participants,
        topic_ids=tuple(activity.topics.values_list("pk", flat=True)),
        contact_origin_id=activity.contact_origin_id,
        partner_id=activity.partner_id,
        case_hash=activity.case_hash,
    )


Cells = dict[str, dict[tuple[Any, ...], list[Any]]]


def cells_of(facts: Iterable[Facts], sign: int = 1) -> Cells:
    """The rollup cells of some records: {table: {key: [base..., values...]}}."""
    out: Cells = {"activity": {}, "dimension": {}, "case": {}}

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
}


def _upsert(table: str, rows: list[list[Any]]) -> None:
    if not rows:
        return
    model, columns, key, values = TABLES[table]
    q = connection.ops.quote_name
    name = q(model._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    # Names come from the model definitions, values are parameters.
    head = f"INSERT INTO {name} ({', '.join(q(c) for c in columns)}) VALUES "  # noqa: S608
    conflict = f" ON CONFLICT ({', '.join(q(c) for c in key)}) DO UPDATE SET "
    updates = ", ".join(f"{q(v)} = {name}.{q(v)} + excluded.{q(v)}" for v in values)
    # SQLite binds at most 32,766 parameters a statement (PostgreSQL 65,535):
    # large batches (imports) go in chunks well below both.
    per_statement = max(1, 30_000 // len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            sql = head + ", ".join([placeholders] * len(chunk)) + conflict + updates
            cursor.execute(sql, [v for row in chunk for v in row])


def apply_facts(facts: Iterable[Facts], sign: int = 1) -> None:
    """Add (sign=+1) or remove (sign=-1) records given as facts."""
    facts = list(facts)
    cells = cells_of(facts, sign)
    for table, rows in cells.items():
        _upsert(table, list(rows.values()))
    if sign < 0:
        for model, *_rest in TABLES.values():
            pairs = {(f.school_id, school_year_of(f.date)) for f in facts}
            for school_id, year in pairs:
                model.objects.filter(school_id=school_id, school_year=year, count__lte=0).delete()


def apply_activity(activity: Activity, sign: int = 1) -> None:
    """Add a saved record to its rollups (sign=+1) or take it out (sign=-1).
    Call inside the transaction that writes the record."""
    apply_facts([facts_of(activity)], sign)


# --------------------------------------------------------------------------- recomputation

_SCHOOL_YEAR = Case(
    When(date__month__gte=8, then=ExtractYear("date")),
    default=ExtractYear("date") - 1,
    output_field=IntegerField(),
)


def recompute(activities: QuerySet[Activity]) -> Cells:
    """The cells of the given records computed from raw rows in the database
    (grouped queries, no Python loop per record)."""
    out: Cells = {"activity": {}, "dimension": {}, "case": {}}
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


@transaction.atomic
def _replace(pairs: list[tuple[int, int]]) -> int:
    """Recompute the cells of these (school, school year) pairs from raw rows."""
    by_year: dict[int, list[int]] = defaultdict(list)
    for school_id, year in pairs:
        by_year[year].append(school_id)
    written = 0
    for year, school_ids in by_year.items():
        start, end = school_year_bounds(year)
        for i in range(0, len(school_ids), 500):
            chunk = school_ids[i : i + 500]
            for model, *_rest in TABLES.values():
                model.objects.filter(school_year=year, school_id__in=chunk).delete()
            cells = recompute(
                Activity.objects.filter(school_id__in=chunk, date__gte=start, date__lte=end)
            )
            for table, rows in cells.items():
                model, columns, _key, _values = TABLES[table]
                model.objects.bulk_create(
                    [model(**dict(zip(columns, row, strict=True))) for row in rows.values()],
                    batch_size=1000,
                )
                written += len(rows)
    return written


def ensure_rollups_for(activities: QuerySet[Activity]) -> int:
    """Make sure the rollups hold these records, e.g. before retention deletes
    them or after a bulk load that bypassed the services: every (school,
    school year) they touch is recomputed from its raw records. Returns the
    number of cells written."""
    return _replace(list(_pairs(activities)))


def rebuild_rollups(*, municipality: Any = None) -> int:
    """Recompute the rollups of every (school, school year) that still has raw
    records, for one municipality or all. Years whose records retention has
    removed keep their rollups."""
    activities = Activity.objects.all()
    if municipality is not None:
        activities = activities.filter(school__municipality=municipality)
    return _replace(list(_pairs(activities)))
