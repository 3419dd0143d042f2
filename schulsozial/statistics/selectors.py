"""Reading statistics: the scopes a user may look at, and the report of one
scope (every section with its figures, protected where the scope demands).

Scopes come from `permissions.statistics_scope` (the only place that knows
the rules). Disclosure control (`disclosure.protect`) with the municipality's
threshold applies to every figure of a protected scope (carrier, principal,
committee) and to every export; coordination and the social worker see
unprotected figures on screen.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

import numpy as np
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role
from schulsozial.activities.models import CatalogueEntry, CatalogueKind
from schulsozial.core.snapshot import read_snapshot
from schulsozial.masterdata.models import (
    Carrier,
    Municipality,
    Position,
    PositionAssignment,
    School,
    SchoolType,
    SchoolYearFigures,
    StaffMember,
)

from . import rollups
from .disclosure import SumStatus, protect, protect_family, sum_status
from .rollups import school_year_bounds, school_year_of
from .sources import SCHOOL_YEAR_MONTHS, SOURCES, Where, months_between

#: Target groups whose participants count as "reached" at a level (reach per school).
REACH_LEVELS = ("class", "group", "individual")
TREND_YEARS = 10
SUPPRESSED = "•"


# --------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Scope:
    """One view on the statistics a user may take (a user may have several)."""

    key: str
    kind: str  # coordination | committee | carrier | worker | principal
    label: str
    municipality_ids: frozenset[int]
    school_ids: frozenset[int] | None = None
    carrier_ids: frozenset[int] | None = None
    worker_id: int | None = None
    protected: bool = True
    threshold: int = 5


def scopes_for(*, user: Any) -> list[Scope]:
    """Every statistics scope of the user, in the order of the roles."""
    rules = perms.statistics_scope(user)
    municipality_ids = set(rules["municipalities"]) | set(rules["committee_municipalities"])
    carriers = {
        c.pk: c
        for c in Carrier.objects.filter(pk__in=rules["carriers"]).only(
            "pk", "name", "municipality_id"
        )
    }
    principal_schools = {
        s.pk: s
        for s in School.objects.filter(pk__in=rules["principal_schools"]).only(
            "pk", "name", "municipality_id"
        )
    }
    worker = None
    worker_schools: dict[int, School] = {}
    if rules["worker"]:
        worker = (
            StaffMember.objects.filter(user=user).only("pk", "label", "municipality_id").first()
        )
        worker_schools = {
            s.pk: s
            for s in School.objects.filter(pk__in=perms.school_ids(user, Role.WORKER)).only(
                "pk", "municipality_id"
            )
        }
    municipality_ids |= {c.municipality_id for c in carriers.values()}
    municipality_ids |= {s.municipality_id for s in principal_schools.values()}
    municipality_ids |= {s.municipality_id for s in worker_schools.values()}
    municipalities = {
        m.pk: m
        for m in Municipality.objects.filter(pk__in=municipality_ids).only(
            "pk", "name", "disclosure_threshold"
        )
    }

    def threshold(ids: set[int]) -> int:
        return max(
            [municipalities[i].disclosure_threshold for i in ids if i in municipalities] or [5]
        )

    scopes: list[Scope] = []
    for mid in sorted(rules["municipalities"]):
        if mid in municipalities:
            scopes.append(
                Scope(
                    key=f"coordination-{mid}",
                    kind="coordination",
                    label=_("Coordination: %(name)s") % {"name": municipalities[mid].name},
                    municipality_ids=frozenset({mid}),
                    protected=False,
                    threshold=threshold({mid}),
                )
            )
    for cid, carrier in sorted(carriers.items()):
        scopes.append(
            Scope(
                key=f"carrier-{cid}",
                kind="carrier",
                label=_("Carrier: %(name)s") % {"name": carrier.name},
                municipality_ids=frozenset({carrier.municipality_id}),
                carrier_ids=frozenset({cid}),
                threshold=threshold({carrier.municipality_id}),
            )
        )
    if worker is not None and worker_schools:
        mids = {s.municipality_id for s in worker_schools.values()}
        scopes.append(
            Scope(
                key="worker",
                kind="worker",
                label=_("My own documentation"),
                municipality_ids=frozenset(mids),
                school_ids=frozenset(worker_schools),
                worker_id=worker.pk,
                protected=False,
                threshold=threshold(mids),
            )
        )
    for sid, school in sorted(principal_schools.items()):
        scopes.append(
            Scope(
                key=f"principal-{sid}",
                kind="principal",
                label=_("School: %(name)s") % {"name": school.name},
                municipality_ids=frozenset({school.municipality_id}),
                school_ids=frozenset({sid}),
                threshold=threshold({school.municipality_id}),
            )
        )
    for mid in sorted(rules["committee_municipalities"]):
        if mid in municipalities:
            scopes.append(
                Scope(
                    key=f"committee-{mid}",
                    kind="committee",
                    label=_("Published statistics: %(name)s") % {"name": municipalities[mid].name},
                    municipality_ids=frozenset({mid}),
                    threshold=threshold({mid}),
                )
            )
    return scopes


def land_scope() -> Scope:
    """Every municipality (for the benchmark and a Land-level operator), protected."""
    ids = frozenset(Municipality.objects.values_list("pk", flat=True))
    return Scope(key="land", kind="land", label=_("Land"), municipality_ids=ids)


# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    school_year: int
    month_from: int | None = None
    month_to: int | None = None
    school_id: int | None = None
    school_type: str = ""
    carrier_id: int | None = None
    activity_type_id: int | None = None


def current_school_year() -> int:
    return school_year_of(timezone.localdate())


def where_for(scope: Scope, filters: Filters) -> Where:
    return Where(
        school_year=filters.school_year,
        municipality_ids=scope.municipality_ids,
        school_ids=scope.school_ids,
        carrier_ids=scope.carrier_ids,
        worker_id=scope.worker_id,
        months=months_between(filters.month_from, filters.month_to),
        school_id=filters.school_id,
        school_type=filters.school_type,
        carrier_id=filters.carrier_id,
        activity_type_id=filters.activity_type_id,
    )


def schools_in(scope: Scope) -> Q:
    """The schools whose figures the scope can hold (for filter choices and pupils)."""
    q = Q(municipality_id__in=scope.municipality_ids)
    if scope.school_ids is not None:
        q &= Q(pk__in=scope.school_ids)
    if scope.carrier_ids is not None:
        q &= Q(assignments__position__carrier_id__in=scope.carrier_ids)
    return q


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    label: str
    values: list[Any]  # None = suppressed; "" = not applicable
    key: Any = None


@dataclass
class Section:
    key: str
    title: str
    label_header: str
    columns: list[str]
    rows: list[Row]
    total: Row | None = None
    chart: str = "bar"  # bar | line
    chart_column: int = 0
    note: str = ""
    suppressed: int = 0
    #: Why a protected view does not show this table with the chosen filters (then it has
    #: no rows; the page and the exports print this instead).
    withheld: str = ""

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for exports: suppressed values as the symbol."""
        header = [self.label_header, *self.columns]
        if self.withheld:
            return header, [[self.withheld]]
        body = [[r.label, *(SUPPRESSED if v is None else v for v in r.values)] for r in self.rows]
        if self.total is not None:
            body.append(
                [self.total.label, *(SUPPRESSED if v is None else v for v in self.total.values)]
            )
        return header, body


@dataclass
class Report:
    scope: Scope
    filters: Filters
    protected: bool
    threshold: int
    sections: list[Section] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def suppressed(self) -> int:
        return sum(s.suppressed for s in self.sections)


def _hours(minutes: int | None) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class Line(NamedTuple):
    """One row of a counted section: `count` None = withheld. `minutes` and
    `participants` are true values, shown only where the count is."""

    key: Any
    count: int | str | None  # None = withheld, NOT_SHOWN = not printed (protected views)
    minutes: int = 0
    participants: int = 0


@dataclass
class _Part:
    """The figures of one section; `missing` says why a protected view does not show
    the table with these filters (then it has no lines)."""

    lines: list[Line] = field(default_factory=list)
    total: Line | None = None
    missing: str = ""


@dataclass
class _Figures:
    types: _Part
    dimensions: dict[str, _Part]
    schools: _Part
    carriers: _Part
    months: _Part
    trend: _Part
    cases: _Part
    reach: list[tuple[int, list[int | None]]]
    reach_missing: str
    summary: Line
    school_names: dict[int, str]


#: A sum a protected view does not print at all (`disclosure.sum_status`): shown as "–".
NOT_SHOWN = ""


def _published(count: int | str | None, value: Any) -> Any:
    """A figure derived from a count is shown only where the count is."""
    return count if count is None or count == NOT_SHOWN else value


def _shown(count: int, status: SumStatus) -> int | str | None:
    """The count as a protected view prints it: the value, withheld (None) or not at all."""
    if status == "published":
        return count
    return None if status == "withheld" else NOT_SHOWN


class _Entry(NamedTuple):
    kind: str
    code: str
    label: str
    sort_order: int


def _labels(municipality_ids: frozenset[int]) -> dict[int, _Entry]:
    """The catalogue entries of the scope as plain tuples (a Land holds thousands)."""
    return {
        pk: _Entry(*rest)
        for pk, *rest in CatalogueEntry.objects.filter(
            municipality_id__in=municipality_ids
        ).values_list("pk", "kind", "code", "label", "sort_order")
    }


#: Above this many schools, queries select by municipality instead of a list
#: of thousands of ids (a Land report), and the schools are picked in Python.
_ID_LIST_LIMIT = 500


def _of_schools(
    school_ids: Sequence[int], municipality_ids: frozenset[int], path: str = "school"
) -> Q:
    if len(school_ids) > _ID_LIST_LIMIT:
        return Q(**{f"{path}__municipality_id__in": municipality_ids})
    return Q(**{f"{path}_id__in": school_ids})


def _pupils(
    school_ids: Sequence[int], year: int, municipality_ids: frozenset[int]
) -> dict[int, int]:
    """Pupils per school for the school year (else the latest year before it)."""
    start, _end = school_year_bounds(year)
    wanted = set(school_ids)
    best: dict[int, tuple[datetime.date, int]] = {}
    for school_id, begins, pupils in SchoolYearFigures.objects.filter(
        _of_schools(school_ids, municipality_ids),
        school_year__start__lte=start,
        pupils__isnull=False,
    ).values_list("school_id", "school_year__start", "pupils"):
        if school_id not in wanted:
            continue
        if school_id not in best or begins > best[school_id][0]:
            best[school_id] = (begins, pupils)
    return {k: v[1] for k, v in best.items()}


def _fte(scope: Scope, filters: Filters, school_ids: Sequence[int]) -> dict[int, Decimal]:
    """FTE assigned to each school on the reference day (the school year's
    end, or today in the running year): assignment hours over the
    municipality's full-time week. A carrier counts its own positions, a
    social worker their own."""
    _start, end = school_year_bounds(filters.school_year)
    day = min(end, timezone.localdate())
    assignments = PositionAssignment.objects.filter(
        _of_schools(school_ids, scope.municipality_ids),
        position__in=Position.objects.active_on(day).values("pk"),
    )
    if scope.carrier_ids is not None:
        assignments = assignments.filter(position__carrier_id__in=scope.carrier_ids)
    if scope.worker_id is not None:
        assignments = assignments.filter(position__staff_member_id=scope.worker_id)
    if filters.carrier_id:
        assignments = assignments.filter(position__carrier_id=filters.carrier_id)
    wanted = set(school_ids)
    fte: dict[int, Decimal] = defaultdict(Decimal)
    for school_id, hours, week in assignments.values_list(
        "school_id", "weekly_hours", "school__municipality__fulltime_week_hours"
    ):
        if school_id in wanted:
            fte[school_id] += Decimal(hours) / Decimal(week)
    return fte


def _school_facts(
    school_ids: Sequence[int], municipality_ids: frozenset[int]
) -> dict[int, tuple[str, str]]:
    """Name and school type of each school."""
    wanted = set(school_ids)
    return {
        pk: (name, school_type)
        for pk, name, school_type in School.objects.filter(
            Q(municipality_id__in=municipality_ids)
            if len(wanted) > _ID_LIST_LIMIT
            else Q(pk__in=list(wanted))
        ).values_list("pk", "name", "school_type")
        if pk in wanted
    }


def _exact_figures(scope: Scope, filters: Filters, src: Any, level_of: dict[int, int]) -> _Figures:
    """Every figure of the scope under the filters, exactly (unprotected views)."""
    w = where_for(scope, filters)
    schools = [Line(s, n, m or 0, p or 0) for s, n, m, p in src.schools(w)]
    facts = _school_facts([line.key for line in schools], scope.municipality_ids)
    grand = sum(line.count or 0 for line in schools)
    minutes = sum(line.minutes for line in schools)
    summary = Line(None, grand, minutes, sum(line.participants for line in schools))

    def part(rows: list[tuple[Any, int, int | None]], total: bool = True) -> _Part:
        lines = [Line(key, n, m or 0) for key, n, m in rows]
        return _Part(lines, Line(None, sum(x.count or 0 for x in lines)) if total else None)

    by_kind: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for kind, entry_id, n, m in src.dimensions(w):
        by_kind[kind].append((entry_id, n, m))
    dimensions = {kind: part(by_kind.get(kind, [])) for kind in _DIMENSION_KINDS}
    carriers = part(src.carriers(w))
    carriers.total = Line(None, carriers.total.count, sum(x.minutes for x in carriers.lines))  # type: ignore[union-attr]
    months = part(src.months(w))
    months.total = Line(None, months.total.count, sum(x.minutes for x in months.lines))  # type: ignore[union-attr]
    in_report = {line.key for line in schools}
    cases = [Line(s, n) for s, n in src.cases(w) if n and s in in_report]
    reach: dict[int, list[int | None]] = defaultdict(lambda: [0, 0, 0])
    for school_id, tg, p in src.reach(w, list(level_of)):
        reach[school_id][level_of[tg]] += p or 0  # type: ignore[operator]
    return _Figures(
        types=_Part([Line(t, n, m or 0) for t, n, m in src.types(w)], summary),
        dimensions=dimensions,
        schools=_Part(schools, summary),
        carriers=carriers,
        months=months,
        trend=part(src.years(w, filters.school_year - TREND_YEARS + 1), total=False),
        cases=_Part(cases, Line(None, sum(x.count or 0 for x in cases))),
        reach=[(s, v) for s, v in reach.items() if s in in_report],
        reach_missing="",
        summary=summary,
        school_names={s: name for s, (name, _type) in facts.items()},
    )


_DIMENSION_KINDS = (
    str(CatalogueKind.TOPIC),
    str(CatalogueKind.CONTACT_ORIGIN),
    str(CatalogueKind.PARTNER),
)


#: More activity types than this: the family holds the school and type margins only.
_MAX_CROSS_TYPES = 60


class _Family:
    """The base tables of a protected view for one school year, protected jointly once
    (`disclosure.protect_family`): activities per school x activity type, per month and
    per carrier. They share only the grand total. Every figure a protected view shows
    is one of their entries or a sum of published entries (`disclosure.sum_status`)."""

    def __init__(
        self,
        school_types: Sequence[tuple[int, int, int, int, int]],
        months: Sequence[tuple[int, int, int]],
        carriers: Sequence[tuple[int, int, int]],
        threshold: int,
    ) -> None:
        data = np.array(
            [(s, t, n, m or 0, p or 0) for s, t, n, m, p in school_types], dtype=np.int64
        ).reshape(-1, 5)
        schools, at_row = np.unique(data[:, 0], return_inverse=True)
        types, at_col = np.unique(data[:, 1], return_inverse=True)
        self.schools, self.types = schools.tolist(), types.tolist()
        shape = (len(self.schools), len(self.types))
        self.count, self.minutes, self.participants = (
            np.zeros(shape, dtype=np.int64) for _ in range(3)
        )
        for values, k in ((self.count, 2), (self.minutes, 3), (self.participants, 4)):
            np.add.at(values, (at_row, at_col), data[:, k])
        # Per school (all activity types): the school table without a type filter.
        self.per_school = [
            (int(n), int(m), int(p))
            for n, m, p in zip(
                self.count.sum(axis=1),
                self.minutes.sum(axis=1),
                self.participants.sum(axis=1),
                strict=True,
            )
        ]
        self.months = [m for m in SCHOOL_YEAR_MONTHS if any(x[0] == m for x in months)]
        by_month = {m: (n, mins or 0) for m, n, mins in months}
        self.month_values = [by_month[m] for m in self.months]
        self.carriers = [(c, n, m or 0) for c, n, m in sorted(carriers) if n]
        # Above _MAX_CROSS_TYPES activity types (a Land: every municipality has its own
        # catalogue) the school x type table is too large to protect; then only its two
        # margins are in the family (each a table of its own, linked by the grand total
        # alone), and school x type cells are not shown.
        self.split = len(self.types) > _MAX_CROSS_TYPES
        tables: dict[str, Any] = {
            "months": [[n] for n, _m in self.month_values],
            "carriers": [[n] for _c, n, _m in self.carriers],
        }
        if self.split:
            tables["schools"] = [[n] for n, _m, _p in self.per_school]
            tables["types"] = self.count.sum(axis=0).reshape(-1, 1)
        else:
            tables["schools"] = self.count
        protected = protect_family(tables, threshold=threshold)
        self.table = protected["schools"]
        self.type_table = protected.get("types")
        self.month_table = protected["months"]
        self.carrier_table = protected["carriers"]

    @classmethod
    def grand_total_published(
        cls,
        school_types: Sequence[tuple[int, int, int]],
        months: Sequence[tuple[int, int]],
        carriers: Sequence[tuple[int, int]],
        threshold: int,
    ) -> bool:
        """Whether the family of these counts publishes its grand total."""
        family = cls(
            [(s, t, n, 0, 0) for s, t, n in school_types],
            [(m, n, 0) for m, n in months],
            [(c, n, 0) for c, n in carriers],
            threshold,
        )
        return family.table.grand_total is not None

    def block(self, rows: Sequence[int] | None, cols: Sequence[int] | None) -> Line:
        """The activities of schools `rows` x activity types `cols` (positions, None = all)."""
        if rows is not None and len(rows) == 1 and (cols is None or len(cols) == len(self.types)):
            n, m, p = self.per_school[rows[0]]
            status = sum_status(self.table, rows, None if self.split else cols)
            return Line(None, _shown(n, status), m, p)
        all_rows = rows is None or len(rows) == len(self.schools)
        all_cols = cols is None or len(cols) == len(self.types)
        r: Any = slice(None) if all_rows else list(rows)  # type: ignore[arg-type]
        c: Any = slice(None) if all_cols else list(cols)  # type: ignore[arg-type]
        if not all_rows and not all_cols:
            r, c = np.ix_(r, c)  # the block rows x cols, not pairs of positions
        count = int(self.count[r, c].sum()) if self.count.size else 0
        if not self.split:
            status = sum_status(self.table, rows, cols)
        elif cols is None or len(cols) == len(self.types):
            status = sum_status(self.table, rows)
        elif rows is None or len(rows) == len(self.schools):
            status = sum_status(self.type_table, cols)  # type: ignore[arg-type]
        else:
            status = "not shown"
        return Line(
            None,
            _shown(count, status),
            int(self.minutes[r, c].sum()) if self.count.size else 0,
            int(self.participants[r, c].sum()) if self.count.size else 0,
        )

    def month_sum(self, positions: Sequence[int]) -> Line:
        count = sum(self.month_values[i][0] for i in positions)
        status = sum_status(self.month_table, positions)
        return Line(None, _shown(count, status), sum(self.month_values[i][1] for i in positions))

    def carrier_sum(self, positions: Sequence[int]) -> Line:
        count = sum(self.carriers[i][1] for i in positions)
        status = sum_status(self.carrier_table, positions)
        return Line(None, _shown(count, status), sum(self.carriers[i][2] for i in positions))


def _vector(values: Sequence[int], threshold: int) -> tuple[list[int | None], int | None]:
    """A one-dimensional table protected on its own (a measure of its own)."""
    if not values:
        return [], 0
    result = protect([[v] for v in values], threshold=threshold)
    return [c[0] for c in result.cells], result.grand_total


def _missing(blocked: dict[str, bool], *names: str) -> str:
    """Why a protected view does not show a table: the filters it cannot be combined with."""
    found = [_FILTER_NAMES[n]() for n in names if blocked[n]]
    if not found:
        return ""
    return _(
        "With disclosure control this table is not shown with the filter %(filters)s:"
        " together with the other tables it could give away withheld values."
        " Remove the filter to see it."
    ) % {"filters": ", ".join(found)}


_FILTER_NAMES = {
    "month": lambda: _("month range"),
    "school": lambda: _("school or school type"),
    "type": lambda: _("activity type"),
    "carrier": lambda: _("carrier"),
}


def _protected_figures(
    scope: Scope, filters: Filters, src: Any, level_of: dict[int, int]
) -> _Figures:
    """The figures of a protected view: the family of the scope and school year is read
    without filters and protected once; the filters only pick its rows and columns.
    A figure no published entry gives is withheld; a table the family does not hold
    for these filters is not shown (docs/disclosure.md)."""
    threshold = scope.threshold
    base = where_for(scope, Filters(school_year=filters.school_year))
    family = _Family(src.school_types(base), src.months(base), src.carriers(base), threshold)
    facts = _school_facts(family.schools, scope.municipality_ids)

    def chosen(school_id: int) -> bool:
        return (not filters.school_id or school_id == filters.school_id) and (
            not filters.school_type or facts.get(school_id, ("", ""))[1] == filters.school_type
        )

    rows = [i for i, s in enumerate(family.schools) if chosen(s)]
    col = {t: j for j, t in enumerate(family.types)}
    if filters.activity_type_id:
        cols = [col[filters.activity_type_id]] if filters.activity_type_id in col else []
    else:
        cols = list(range(len(family.types)))
    months = months_between(filters.month_from, filters.month_to)
    carrier_rows = [
        i
        for i, (c, _n, _m) in enumerate(family.carriers)
        if not filters.carrier_id or c == filters.carrier_id
    ]
    blocked = {
        "month": bool(months),
        "school": len(rows) != len(family.schools),
        "type": len(cols) != len(family.types),
        "carrier": bool(filters.carrier_id),
    }
    month_rows = [i for i, m in enumerate(family.months) if not months or m in months]

    # The total of what the filters select, from the one table that holds it.
    if not blocked["month"] and not blocked["carrier"]:
        summary = family.block(rows, cols)
    elif not blocked["school"] and not blocked["type"] and not blocked["carrier"]:
        summary = family.month_sum(month_rows)
    elif not blocked["school"] and not blocked["type"] and not blocked["month"]:
        summary = family.carrier_sum(carrier_rows)
    else:
        summary = Line(None, NOT_SHOWN)

    def part(missing: str, make: Any) -> _Part:
        return _Part(missing=missing, total=summary) if missing else make()

    types = part(
        _missing(blocked, "month", "carrier"),
        lambda: _Part(
            [family.block(rows, [j])._replace(key=family.types[j]) for j in cols],
            family.block(rows, cols),
        ),
    )
    schools = part(
        _missing(blocked, "month", "carrier"),
        lambda: _Part(
            [family.block([i], cols)._replace(key=family.schools[i]) for i in rows],
            family.block(rows, cols),
        ),
    )
    carriers = part(
        _missing(blocked, "month", "school", "type"),
        lambda: _Part(
            [family.carrier_sum([i])._replace(key=family.carriers[i][0]) for i in carrier_rows],
            family.carrier_sum(carrier_rows),
        ),
    )
    month_part = part(
        _missing(blocked, "school", "type", "carrier"),
        lambda: _Part(
            [family.month_sum([i])._replace(key=family.months[i]) for i in month_rows],
            family.month_sum(month_rows),
        ),
    )

    # Topics, contact origins, partners: their own measures, for the whole view.
    dims_missing = _missing(blocked, "school", "carrier")
    by_kind: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    if not dims_missing:
        for kind, entry_id, n, m in src.dimensions(base):
            by_kind[kind].append((entry_id, n, m or 0))
    dimensions = {}
    for kind in _DIMENSION_KINDS:
        items = by_kind.get(kind, [])
        published, total = _vector([n for _e, n, _m in items], threshold)
        dimensions[kind] = _Part(
            [Line(e, published[i], m) for i, (e, _n, m) in enumerate(items)],
            Line(None, total),
            dims_missing,
        )

    # Distinct cases per school: a measure of its own, one table for the view.
    cases_missing = _missing(blocked, "carrier")
    case_lines: list[Line] = []
    case_total = Line(None, NOT_SHOWN)
    if not cases_missing:
        counted = [(s, n) for s, n in src.cases(base) if n]
        table = protect([[n] for _s, n in counted], threshold=threshold) if counted else None
        picked = [k for k, (s, _n) in enumerate(counted) if chosen(s)]
        case_lines = [Line(counted[k][0], table.row_totals[k]) for k in picked if table]
        value = sum(counted[k][1] for k in picked)
        case_total = Line(
            None, value if table is None else _shown(value, sum_status(table, picked))
        )
    cases = _Part(case_lines, case_total, cases_missing)

    # Reach: participants are shown only where the school's activity count is.
    reach_missing = _missing(blocked, "month", "type", "carrier")
    reach_rows: list[tuple[int, list[int | None]]] = []
    if not reach_missing:
        per: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
        for school_id, tg, p in src.reach(base, list(level_of)):
            per[school_id][level_of[tg]] += p or 0
        order = [s for s in family.schools if s in per]
        columns = [_vector([per[s][k] for s in order], threshold)[0] for k in range(3)]
        position = {s: i for i, s in enumerate(family.schools)}
        for n, s in enumerate(order):
            if not chosen(s):
                continue
            shown = family.table.row_totals[position[s]] is not None
            reach_rows.append((s, [columns[k][n] if shown else None for k in range(3)]))

    trend = part(
        _missing(blocked, "month", "school", "type", "carrier"),
        lambda: _protected_trend(scope, filters, src, base, family),
    )
    return _Figures(
        types=types,
        dimensions=dimensions,
        schools=schools,
        carriers=carriers,
        months=month_part,
        trend=trend,
        cases=cases,
        reach=reach_rows,
        reach_missing=reach_missing,
        summary=summary,
        school_names={s: name for s, (name, _type) in facts.items()},
    )


def _protected_trend(
    scope: Scope, filters: Filters, src: Any, base: Where, family: _Family
) -> _Part:
    """Activities per school year: each year's grand total, published exactly where that
    year's own family publishes it (so the pages of all years agree)."""
    if len(family.schools) > _ID_LIST_LIMIT:
        return _Part(
            missing=_(
                "With disclosure control the trend is shown for views of up to %(n)s schools."
            )
            % {"n": _ID_LIST_LIMIT}
        )
    first = filters.school_year - TREND_YEARS + 1
    tables = src.year_tables(base, first)
    per_year: dict[int, tuple[list[Any], list[Any], list[Any]]] = defaultdict(lambda: ([], [], []))
    for y, *row in tables.school_types:
        per_year[y][0].append(row)
    for y, *row in tables.months:
        per_year[y][1].append(row)
    for y, *row in tables.carriers:
        per_year[y][2].append(row)
    lines = []
    for y, n, m in sorted(src.years(base, first)):
        if not n:
            continue
        if y == filters.school_year:
            shown = family.table.grand_total is not None
        else:
            shown = _Family.grand_total_published(*per_year[y], scope.threshold)
        lines.append(Line(y, n if shown else None, m or 0))
    return _Part(lines)


def statistics_report(
    *, scope: Scope, filters: Filters, protected: bool | None = None, source: str = "rollup"
) -> Report:
    """The whole report of a scope. `protected` defaults to the scope's rule;
    exports pass True. `source="raw"` computes the same from raw records
    (the naive approach, for the benchmark and tests).

    Unprotected, every figure is read with the filters, exactly. Protected, the
    figures come from the family of the scope and school year (`_Family`), protected
    once; filters only select from it (docs/disclosure.md)."""
    if source == "rollup":
        # The one write of a read: records still queued for the rollups are
        # added first (usually none: the background worker keeps up), so the
        # report counts every record committed before it started.
        rollups.catch_up()
    on = scope.protected if protected is None else protected
    report = Report(scope=scope, filters=filters, protected=on, threshold=scope.threshold)
    src = SOURCES[source]
    entries = _labels(scope.municipality_ids)
    # Every municipality of the scope has its own target-group entries.
    level_of = {
        pk: REACH_LEVELS.index(e.code)
        for pk, e in entries.items()
        if e.kind == CatalogueKind.TARGET_GROUP and e.code in REACH_LEVELS
    }
    # One snapshot for all reads: a record committed between two of them would make
    # the family's tables disagree (core/snapshot.py).
    with read_snapshot():
        figures = (_protected_figures if on else _exact_figures)(scope, filters, src, level_of)
        _build_sections(report, figures, entries, scope, filters)
    for section in report.sections:
        section.suppressed = sum(1 for r in section.rows for v in r.values if v is None) + (
            sum(1 for v in section.total.values if v is None) if section.total else 0
        )
    return report


def _build_sections(
    report: Report, figures: _Figures, entries: dict[int, _Entry], scope: Scope, filters: Filters
) -> None:
    """The sections of the report from its figures (protected or not: the same layout)."""
    names = figures.school_names

    def label(entry_id: int | None) -> str:
        entry = entries.get(entry_id) if entry_id else None
        return entry.label if entry else "–"

    def order(entry_id: int) -> tuple[int, str, int]:
        # The id breaks ties: several municipalities' catalogues share labels.
        entry = entries.get(entry_id)
        return (entry.sort_order, entry.label, entry_id) if entry else (9999, "", entry_id)

    def by_name(school_id: int) -> tuple[str, int]:
        return (names.get(school_id, ""), school_id)

    def counted(line: Line) -> list[Any]:
        return [line.count, _published(line.count, _hours(line.minutes))]

    summary = figures.summary
    school_lines = sorted(figures.schools.lines, key=lambda x: by_name(x.key))
    report.totals = {
        "activities": summary.count,
        "hours": _published(summary.count, _hours(summary.minutes)),
        "schools": len(school_lines) if not figures.schools.missing else len(names),
    }
    types = figures.types
    report.sections.append(
        Section(
            key="activity_type",
            title=_("Activities by activity type"),
            label_header=_("Activity type"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(label(x.key), counted(x), x.key)
                for x in sorted(types.lines, key=lambda x: order(x.key))
            ],
            total=Row(_("Total"), counted(types.total or summary)),
            withheld=types.missing,
        )
    )

    for kind, key, title, header in (
        (CatalogueKind.TOPIC, "topic", _("Activities by topic"), _("Topic")),
        (
            CatalogueKind.CONTACT_ORIGIN,
            "contact_origin",
            _("How contacts came about"),
            _("Contact came about through"),
        ),
        (CatalogueKind.PARTNER, "partner", _("Referrals to partners"), _("Partner involved")),
    ):
        part = figures.dimensions[str(kind)]
        report.sections.append(
            Section(
                key=key,
                title=title,
                label_header=header,
                columns=[_("Activities"), _("Hours")],
                rows=[
                    Row(label(x.key), counted(x), x.key)
                    for x in sorted(part.lines, key=lambda x: order(x.key))
                ],
                total=Row(_("Total"), [part.total.count if part.total else None, ""])
                if kind == CatalogueKind.TOPIC and not part.missing
                else None,
                note=_(
                    "An activity with several topics counts once for each topic."
                    " Topics, contact origins and partners are counted per school year, over"
                    " all activity types: the month and activity-type filters do not apply."
                )
                if kind == CatalogueKind.TOPIC
                else "",
                withheld=part.missing,
            )
        )

    # By school, with hours per FTE.
    fte = _fte(scope, filters, [x.key for x in school_lines])
    fte_sum = sum(fte.values(), Decimal(0))

    def per_fte(line: Line, fte_value: Decimal | None) -> Any:
        if not fte_value:
            return ""
        return (Decimal(line.minutes) / 60 / fte_value).quantize(Decimal("0.1"))

    school_total = figures.schools.total or summary
    report.sections.append(
        Section(
            key="school",
            title=_("Activities by school"),
            label_header=_("School"),
            columns=[_("Activities"), _("Hours"), _("Participants"), _("FTE"), _("Hours per FTE")],
            rows=[
                Row(
                    names.get(x.key, str(x.key)),
                    [
                        *counted(x),
                        _published(x.count, x.participants),
                        fte[x.key].quantize(Decimal("0.01")) if x.key in fte else "",
                        _published(x.count, per_fte(x, fte.get(x.key))),
                    ],
                    x.key,
                )
                for x in school_lines
            ],
            total=Row(
                _("Total"),
                [
                    *counted(school_total),
                    _published(school_total.count, school_total.participants),
                    fte_sum.quantize(Decimal("0.01")),
                    _published(school_total.count, per_fte(school_total, fte_sum)),
                ],
            ),
            note=_(
                "Hours per FTE: documented hours over the FTE assigned to the school on the"
                " reference day (end of the school year, or today)."
            ),
            withheld=figures.schools.missing,
        )
    )

    # By carrier (the worker's employer).
    carrier_names = dict(
        Carrier.objects.filter(pk__in=[x.key for x in figures.carriers.lines]).values_list(
            "pk", "name"
        )
    )
    carriers = figures.carriers
    report.sections.append(
        Section(
            key="carrier",
            title=_("Activities by carrier"),
            label_header=_("Carrier"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(carrier_names.get(x.key, "–"), counted(x), x.key)
                for x in sorted(carriers.lines, key=lambda x: (carrier_names.get(x.key, ""), x.key))
            ],
            total=Row(_("Total"), counted(carriers.total or summary)),
            withheld=carriers.missing,
        )
    )

    # By month, in school-year order.
    months = figures.months
    position = {m: i for i, m in enumerate(SCHOOL_YEAR_MONTHS)}
    report.sections.append(
        Section(
            key="month",
            title=_("Activities by month"),
            label_header=_("Month"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(_month_label(x.key, filters.school_year), counted(x), x.key)
                for x in sorted(months.lines, key=lambda x: position[x.key])
            ],
            total=Row(_("Total"), counted(months.total or summary)),
            chart="line",
            withheld=months.missing,
        )
    )

    # Trends over school years (the same filters, earlier years).
    report.sections.append(
        Section(
            key="trend",
            title=_("Trend over school years"),
            label_header=_("School year"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(f"{x.key}/{(x.key + 1) % 100:02d}", counted(x), x.key)
                for x in sorted(figures.trend.lines, key=lambda x: x.key)
            ],
            chart="line",
            withheld=figures.trend.missing,
        )
    )

    # Distinct cases per school.
    cases = figures.cases
    report.sections.append(
        Section(
            key="cases",
            title=_("Distinct cases"),
            label_header=_("School"),
            columns=[_("Distinct cases")],
            rows=[
                Row(names.get(x.key, str(x.key)), [x.count], x.key)
                for x in sorted(cases.lines, key=lambda x: by_name(x.key))
            ],
            total=None
            if cases.missing
            else Row(_("Total"), [cases.total.count if cases.total else None]),
            note=_(
                "Cases are counted by their anonymous case code, per school: the same code at"
                " two schools is two cases. Counted per school year, over all activity types."
            ),
            withheld=cases.missing,
        )
    )

    # Reach per school: participants at class, group and individual level.
    reach = sorted(figures.reach, key=lambda x: by_name(x[0]))
    pupils = _pupils([s for s, _v in reach], filters.school_year, scope.municipality_ids)

    def share(value: int | None, school_id: int) -> Any:
        if value is None:
            return None
        n = pupils.get(school_id)
        if not n:
            return ""
        return (Decimal(min(value, n)) * 100 / n).quantize(Decimal("0.1"))

    report.sections.append(
        Section(
            key="reach",
            title=_("Reach per school"),
            label_header=_("School"),
            columns=[
                _("Pupils"),
                _("Class level"),
                _("Class level (%)"),
                _("Group level"),
                _("Group level (%)"),
                _("Individual level"),
                _("Individual level (%)"),
            ],
            rows=[
                Row(
                    names.get(s, str(s)),
                    [pupils.get(s, ""), *[x for v in values for x in (v, share(v, s))]],
                    s,
                )
                for s, values in reach
            ],
            chart_column=2,
            note=_(
                "Participants of activities with the target group class, group or individual"
                " pupils, over the school's pupils, capped at 100 %. A pupil met twice counts"
                " twice, so this is a share of pupil contacts, not of distinct pupils."
            ),
            withheld=figures.reach_missing,
        )
    )


def _month_label(month: int, school_year: int) -> str:
    from django.utils.formats import date_format

    year = school_year if month >= 8 else school_year + 1
    return date_format(datetime.date(year, month, 1), "M Y")


def school_type_choices() -> list[tuple[str, str]]:
    return list(SchoolType.choices)
