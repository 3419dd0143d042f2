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

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role
from schulsozial.activities.models import CatalogueEntry, CatalogueKind
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
from .disclosure import protect
from .rollups import school_year_bounds, school_year_of
from .sources import SCHOOL_YEAR_MONTHS, SOURCES, Where

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
    from .sources import months_between

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

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for exports: suppressed values as the symbol."""
        header = [self.label_header, *self.columns]
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


class _Protector:
    """Applies `protect()` to a count table when the report is protected."""

    def __init__(self, on: bool, threshold: int) -> None:
        self.on, self.threshold, self.suppressed = on, threshold, 0

    def table(
        self, matrix: Sequence[Sequence[int]]
    ) -> tuple[list[list[int | None]], list[int | None], list[int | None], int | None]:
        if not self.on:
            rows = [list(r) for r in matrix]
            columns = [sum(c) for c in zip(*matrix, strict=True)] if matrix else []
            return rows, [sum(r) for r in matrix], columns, sum(sum(r) for r in matrix)
        if not matrix:
            return [], [], [], 0
        result = protect(matrix, threshold=self.threshold)
        self.suppressed += result.suppressed_count
        return result.cells, result.row_totals, result.column_totals, result.grand_total

    def vector(self, values: Sequence[int]) -> tuple[list[int | None], int | None]:
        cells, _rows, _columns, grand = self.table([[v] for v in values])
        return [c[0] for c in cells], grand


def _published(count: int | None, value: Any) -> Any:
    """A figure derived from a count is shown only where the count is."""
    return None if count is None else value


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


def statistics_report(
    *, scope: Scope, filters: Filters, protected: bool | None = None, source: str = "rollup"
) -> Report:
    """The whole report of a scope. `protected` defaults to the scope's rule;
    exports pass True. `source="raw"` computes the same from raw records
    (the naive approach, for the benchmark and tests)."""
    if source == "rollup":
        # The one write of a read: records still queued for the rollups are
        # added first (usually none: the background worker keeps up), so the
        # report counts every record committed before it started.
        rollups.catch_up()
    on = scope.protected if protected is None else protected
    report = Report(scope=scope, filters=filters, protected=on, threshold=scope.threshold)
    guard = _Protector(on, scope.threshold)
    src = SOURCES[source]
    w = where_for(scope, filters)
    entries = _labels(scope.municipality_ids)

    def label(entry_id: int | None) -> str:
        entry = entries.get(entry_id) if entry_id else None
        return entry.label if entry else "–"

    def order(entry_id: int) -> tuple[int, str, int]:
        # The id breaks ties: several municipalities' catalogues share labels.
        entry = entries.get(entry_id)
        return (entry.sort_order, entry.label, entry_id) if entry else (9999, "", entry_id)

    # Totals per school and per activity type. Only these are published (never
    # the inner school x type cells), so each is protected as a table of its
    # own; they share the grand total, which is withheld if either withholds it.
    per_school = {s: (n, m or 0, p or 0) for s, n, m, p in src.schools(w)}
    per_type = {t: (n, m or 0) for t, n, m in src.types(w)}
    many = len(per_school) > _ID_LIST_LIMIT
    school_names = {
        pk: name
        for pk, name in School.objects.filter(
            Q(municipality_id__in=scope.municipality_ids) if many else Q(pk__in=list(per_school))
        ).values_list("pk", "name")
        if pk in per_school
    }
    school_ids = sorted(per_school, key=lambda s: (school_names.get(s, ""), s))
    type_ids = sorted(per_type, key=order)
    minutes_school = [per_school[s][1] for s in school_ids]
    people_school = [per_school[s][2] for s in school_ids]
    minutes_type = [per_type[t][1] for t in type_ids]
    school_totals, grand_a = guard.vector([per_school[s][0] for s in school_ids])
    type_totals, grand_b = guard.vector([per_type[t][0] for t in type_ids])
    grand = None if grand_a is None or grand_b is None else grand_a
    total_minutes = sum(minutes_school)
    report.totals = {
        "activities": grand,
        "hours": _published(grand, _hours(total_minutes)),
        "schools": len(school_ids),
    }
    report.sections.append(
        Section(
            key="activity_type",
            title=_("Activities by activity type"),
            label_header=_("Activity type"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(
                    label(t),
                    [type_totals[j], _published(type_totals[j], _hours(minutes_type[j]))],
                    t,
                )
                for j, t in enumerate(type_ids)
            ],
            total=Row(_("Total"), [grand, _published(grand, _hours(total_minutes))]),
        )
    )

    # Topics, contact origins, partners (rollup grain: no activity-type filter).
    by_kind: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for kind, entry_id, n, m in src.dimensions(w):
        by_kind[kind].append((entry_id, n, m or 0))
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
        items = sorted(by_kind.get(str(kind), []), key=lambda x: order(x[0]))
        published, total = guard.vector([n for _e, n, _m in items])
        report.sections.append(
            Section(
                key=key,
                title=title,
                label_header=header,
                columns=[_("Activities"), _("Hours")],
                rows=[
                    Row(label(e), [published[i], _published(published[i], _hours(m))], e)
                    for i, (e, _n, m) in enumerate(items)
                ],
                total=Row(_("Total"), [total, ""]) if kind == CatalogueKind.TOPIC else None,
                note=_(
                    "An activity with several topics counts once for each topic."
                    " Topics, contact origins and partners are counted per school year, over"
                    " all activity types: the month and activity-type filters do not apply."
                )
                if kind == CatalogueKind.TOPIC
                else "",
            )
        )

    # By school, with hours per FTE.
    fte = _fte(scope, filters, school_ids)
    report.sections.append(
        Section(
            key="school",
            title=_("Activities by school"),
            label_header=_("School"),
            columns=[_("Activities"), _("Hours"), _("Participants"), _("FTE"), _("Hours per FTE")],
            rows=[
                Row(
                    school_names.get(s, str(s)),
                    [
                        school_totals[i],
                        _published(school_totals[i], _hours(minutes_school[i])),
                        _published(school_totals[i], people_school[i]),
                        fte[s].quantize(Decimal("0.01")) if s in fte else "",
                        _published(
                            school_totals[i],
                            (Decimal(minutes_school[i]) / 60 / fte[s]).quantize(Decimal("0.1"))
                            if fte.get(s)
                            else "",
                        ),
                    ],
                    s,
                )
                for i, s in enumerate(school_ids)
            ],
            total=Row(
                _("Total"),
                [
                    grand,
                    _published(grand, _hours(total_minutes)),
                    _published(grand, sum(people_school)),
                    sum(fte.values(), Decimal(0)).quantize(Decimal("0.01")),
                    _published(
                        grand,
                        (Decimal(total_minutes) / 60 / sum(fte.values())).quantize(Decimal("0.1"))
                        if sum(fte.values())
                        else "",
                    ),
                ],
            ),
            note=_(
                "Hours per FTE: documented hours over the FTE assigned to the school on the"
                " reference day (end of the school year, or today)."
            ),
        )
    )

    # By carrier (the worker's employer).
    carrier_rows = sorted(src.carriers(w))
    carrier_names = dict(
        Carrier.objects.filter(pk__in=[c for c, _n, _m in carrier_rows]).values_list("pk", "name")
    )
    carrier_rows.sort(key=lambda r: carrier_names.get(r[0], ""))
    published, total = guard.vector([n for _c, n, _m in carrier_rows])
    report.sections.append(
        Section(
            key="carrier",
            title=_("Activities by carrier"),
            label_header=_("Carrier"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(
                    carrier_names.get(c, "–"),
                    [published[i], _published(published[i], _hours(m))],
                    c,
                )
                for i, (c, _n, m) in enumerate(carrier_rows)
            ],
            total=Row(
                _("Total"), [total, _published(total, _hours(sum(r[2] or 0 for r in carrier_rows)))]
            ),
        )
    )

    # By month, in school-year order.
    months = {m: (n, mins or 0) for m, n, mins in src.months(w)}
    month_list = [m for m in SCHOOL_YEAR_MONTHS if m in months]
    published, total = guard.vector([months[m][0] for m in month_list])
    report.sections.append(
        Section(
            key="month",
            title=_("Activities by month"),
            label_header=_("Month"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(
                    _month_label(m, filters.school_year),
                    [published[i], _published(published[i], _hours(months[m][1]))],
                    m,
                )
                for i, m in enumerate(month_list)
            ],
            chart="line",
        )
    )

    # Trends over school years (the same filters, earlier years).
    years = {y: (n, m or 0) for y, n, m in src.years(w, filters.school_year - TREND_YEARS + 1)}
    year_list = sorted(years)
    published, _total = guard.vector([years[y][0] for y in year_list])
    report.sections.append(
        Section(
            key="trend",
            title=_("Trend over school years"),
            label_header=_("School year"),
            columns=[_("Activities"), _("Hours")],
            rows=[
                Row(
                    f"{y}/{(y + 1) % 100:02d}",
                    [published[i], _published(published[i], _hours(years[y][1]))],
                    y,
                )
                for i, y in enumerate(year_list)
            ],
            chart="line",
        )
    )

    # Distinct cases per school.
    cases = dict(src.cases(w))
    case_schools = [s for s in school_ids if cases.get(s)]
    published, total = guard.vector([cases[s] for s in case_schools])
    report.sections.append(
        Section(
            key="cases",
            title=_("Distinct cases"),
            label_header=_("School"),
            columns=[_("Distinct cases")],
            rows=[
                Row(school_names.get(s, str(s)), [published[i]], s)
                for i, s in enumerate(case_schools)
            ],
            total=Row(_("Total"), [total]),
            note=_(
                "Cases are counted by their anonymous case code, per school: the same code at"
                " two schools is two cases. Counted per school year, over all activity types."
            ),
        )
    )

    # Reach per school: participants at class, group and individual level.
    level_ids = {
        e.code: pk
        for pk, e in entries.items()
        if e.kind == CatalogueKind.TARGET_GROUP and e.code in REACH_LEVELS
    }
    level_of = {pk: code for code, pk in level_ids.items()}
    reach: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(REACH_LEVELS, 0))
    for school_id, tg, p in src.reach(w, list(level_ids.values())):
        reach[school_id][level_of[tg]] += p or 0
    reach_schools = [s for s in school_ids if s in reach]
    pupils = _pupils(reach_schools, filters.school_year, scope.municipality_ids)
    # The reach table publishes cells without row totals: each level (column)
    # is protected with its own total.
    columns = [guard.vector([reach[s][lvl] for s in reach_schools])[0] for lvl in REACH_LEVELS]
    published_cells = [[columns[k][i] for k in range(3)] for i in range(len(reach_schools))]

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
                    school_names.get(s, str(s)),
                    [
                        pupils.get(s, ""),
                        *[
                            x
                            for k in range(3)
                            for x in (published_cells[i][k], share(published_cells[i][k], s))
                        ],
                    ],
                    s,
                )
                for i, s in enumerate(reach_schools)
            ],
            chart_column=2,
            note=_(
                "Participants of activities with the target group class, group or individual"
                " pupils, over the school's pupils, capped at 100 %. A pupil met twice counts"
                " twice, so this is a share of pupil contacts, not of distinct pupils."
            ),
        )
    )
    report.suppressed_cells = guard.suppressed  # type: ignore[attr-defined]
    for section in report.sections:
        section.suppressed = sum(1 for r in section.rows for v in r.values if v is None) + (
            sum(1 for v in section.total.values if v is None) if section.total else 0
        )
    return report


def _month_label(month: int, school_year: int) -> str:
    from django.utils.formats import date_format

    year = school_year if month >= 8 else school_year + 1
    return date_format(datetime.date(year, month, 1), "M Y")


def school_type_choices() -> list[tuple[str, str]]:
    return list(SchoolType.choices)
