"""The figures of a protected view: the family of the scope and school year is read
without filters and protected once; the filters only pick its rows and columns.
A figure no published entry gives is withheld; a table the family does not hold
for these filters is not shown (docs/disclosure.md).

Each step is a function of its own: `select` (what the filters pick), `summary_of`
(their total, from the one table that holds it), `family_parts` (the sections the
family holds), then the measures of their own (`dimension_parts`, `case_part`,
`reach_rows`) and `protected_trend`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from django.utils.translation import gettext as _

from ..disclosure import protect, sum_status
from ..sources import Source, Where, months_between
from . import facts
from .family import Family, vector
from .figures import DIMENSION_KINDS, NOT_SHOWN, TREND_YEARS, Figures, Line, Part, shown
from .scopes import Filters, Scope, where_for

_FILTER_NAMES: dict[str, Callable[[], str]] = {
    "month": lambda: _("month range"),
    "school": lambda: _("school or school type"),
    "type": lambda: _("activity type"),
    "carrier": lambda: _("carrier"),
}


@dataclass(frozen=True)
class Selection:
    """What the filters pick from the family (positions), and which filters are on."""

    rows: list[int]  # schools
    cols: list[int]  # activity types
    month_rows: list[int]
    carrier_rows: list[int]
    blocked: dict[str, bool]
    school_facts: dict[int, tuple[str, str]]
    filters: Filters

    def chosen(self, school_id: int) -> bool:
        """Whether the school and school-type filters pick the school."""
        f = self.filters
        return (not f.school_id or school_id == f.school_id) and (
            not f.school_type or self.school_facts.get(school_id, ("", ""))[1] == f.school_type
        )

    def missing(self, *names: str) -> str:
        """Why a protected view does not show a table: the filters it cannot be combined with."""
        found = [_FILTER_NAMES[n]() for n in names if self.blocked[n]]
        if not found:
            return ""
        return _(
            "With disclosure control this table is not shown with the filter %(filters)s:"
            " together with the other tables it could give away withheld values."
            " Remove the filter to see it."
        ) % {"filters": ", ".join(found)}


def select(family: Family, school_facts: dict[int, tuple[str, str]], filters: Filters) -> Selection:
    draft = Selection([], [], [], [], {}, school_facts, filters)
    rows = [i for i, s in enumerate(family.schools) if draft.chosen(s)]
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
    return replace(
        draft,
        rows=rows,
        cols=cols,
        month_rows=month_rows,
        carrier_rows=carrier_rows,
        blocked=blocked,
    )


def summary_of(family: Family, sel: Selection) -> Line:
    """The total of what the filters select, from the one table that holds it."""
    blocked = sel.blocked
    if not blocked["month"] and not blocked["carrier"]:
        return family.block(sel.rows, sel.cols)
    if not blocked["school"] and not blocked["type"] and not blocked["carrier"]:
        return family.month_sum(sel.month_rows)
    if not blocked["school"] and not blocked["type"] and not blocked["month"]:
        return family.carrier_sum(sel.carrier_rows)
    return Line(None, NOT_SHOWN)


def family_parts(family: Family, sel: Selection, summary: Line) -> dict[str, Part]:
    """The sections the family holds: by activity type, school, carrier and month."""

    def part(missing: str, make: Callable[[], Part]) -> Part:
        return Part(missing=missing, total=summary) if missing else make()

    rows, cols = sel.rows, sel.cols
    return {
        "types": part(
            sel.missing("month", "carrier"),
            lambda: Part(
                [replace(family.block(rows, [j]), key=family.types[j]) for j in cols],
                family.block(rows, cols),
            ),
        ),
        "schools": part(
            sel.missing("month", "carrier"),
            lambda: Part(
                [replace(family.block([i], cols), key=family.schools[i]) for i in rows],
                family.block(rows, cols),
            ),
        ),
        "carriers": part(
            sel.missing("month", "school", "type"),
            lambda: Part(
                [
                    replace(family.carrier_sum([i]), key=family.carriers[i][0])
                    for i in sel.carrier_rows
                ],
                family.carrier_sum(sel.carrier_rows),
            ),
        ),
        "months": part(
            sel.missing("school", "type", "carrier"),
            lambda: Part(
                [replace(family.month_sum([i]), key=family.months[i]) for i in sel.month_rows],
                family.month_sum(sel.month_rows),
            ),
        ),
    }


def dimension_parts(src: Source, base: Where, sel: Selection, threshold: int) -> dict[str, Part]:
    """Topics, contact origins, partners: their own measures, for the whole view."""
    missing = sel.missing("school", "carrier")
    by_kind: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    if not missing:
        for kind, entry_id, n, m in src.dimensions(base):
            by_kind[kind].append((entry_id, n, m or 0))
    dimensions = {}
    for kind in DIMENSION_KINDS:
        items = by_kind.get(kind, [])
        published, total = vector([n for _e, n, _m in items], threshold)
        dimensions[kind] = Part(
            [Line(e, published[i], m) for i, (e, _n, m) in enumerate(items)],
            Line(None, total),
            missing,
        )
    return dimensions


def case_part(src: Source, base: Where, sel: Selection, threshold: int) -> Part:
    """Distinct cases per school: a measure of its own, one table for the view."""
    missing = sel.missing("carrier")
    if missing:
        return Part([], Line(None, NOT_SHOWN), missing)
    counted = [(s, n) for s, n in src.cases(base) if n]
    if not counted:
        return Part([], Line(None, 0))
    table = protect([[n] for _s, n in counted], threshold=threshold)
    picked = [k for k, (s, _n) in enumerate(counted) if sel.chosen(s)]
    value = sum(counted[k][1] for k in picked)
    return Part(
        [Line(counted[k][0], table.row_totals[k]) for k in picked],
        Line(None, shown(value, sum_status(table, picked))),
    )


def reach_rows(
    src: Source,
    base: Where,
    family: Family,
    sel: Selection,
    level_of: dict[int, int],
    threshold: int,
) -> tuple[list[tuple[int, list[int | None]]], str]:
    """Reach per school: participants are shown only where the school's activity count is."""
    missing = sel.missing("month", "type", "carrier")
    if missing:
        return [], missing
    per: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for school_id, tg, p in src.reach(base, list(level_of)):
        per[school_id][level_of[tg]] += p or 0
    order = [s for s in family.schools if s in per]
    columns = [vector([per[s][k] for s in order], threshold)[0] for k in range(3)]
    position = {s: i for i, s in enumerate(family.schools)}
    out: list[tuple[int, list[int | None]]] = []
    for n, s in enumerate(order):
        if sel.chosen(s):
            visible = family.table.row_totals[position[s]] is not None
            out.append((s, [columns[k][n] if visible else None for k in range(3)]))
    return out, ""


def protected_trend(
    scope: Scope, filters: Filters, src: Source, base: Where, family: Family, max_cross_types: int
) -> Part:
    """Activities per school year: each year's grand total, published exactly where that
    year's own family publishes it (so the pages of all years agree)."""
    if len(family.schools) > facts.ID_LIST_LIMIT:
        return Part(
            missing=_(
                "With disclosure control the trend is shown for views of up to %(n)s schools."
            )
            % {"n": facts.ID_LIST_LIMIT}
        )
    first = filters.school_year - TREND_YEARS + 1
    tables = src.year_tables(base, first)
    per_year: dict[int, tuple[list[Any], list[Any], list[Any]]] = defaultdict(lambda: ([], [], []))
    for y, *row in tables.school_types:
        per_year[y][0].append(tuple(row))
    for y, *row in tables.months:
        per_year[y][1].append(tuple(row))
    for y, *row in tables.carriers:
        per_year[y][2].append(tuple(row))
    lines = []
    for y, n, m in sorted(src.years(base, first)):
        if not n:
            continue
        if y == filters.school_year:
            published = family.table.grand_total is not None
        else:
            published = Family.grand_total_published(
                *per_year[y], scope.threshold, max_cross_types=max_cross_types
            )
        lines.append(Line(y, n if published else None, m or 0))
    return Part(lines)


def protected_figures(
    scope: Scope, filters: Filters, src: Source, level_of: dict[int, int], max_cross_types: int
) -> Figures:
    threshold = scope.threshold
    base = where_for(scope, Filters(school_year=filters.school_year))
    family = Family(
        src.school_types(base),
        src.months(base),
        src.carriers(base),
        threshold,
        max_cross_types=max_cross_types,
    )
    school_facts = facts.school_facts(family.schools, scope.municipality_ids)
    sel = select(family, school_facts, filters)
    summary = summary_of(family, sel)
    parts = family_parts(family, sel, summary)
    reach, reach_missing = reach_rows(src, base, family, sel, level_of, threshold)
    trend_missing = sel.missing("month", "school", "type", "carrier")
    return Figures(
        types=parts["types"],
        dimensions=dimension_parts(src, base, sel, threshold),
        schools=parts["schools"],
        carriers=parts["carriers"],
        months=parts["months"],
        trend=Part(missing=trend_missing, total=summary)
        if trend_missing
        else protected_trend(scope, filters, src, base, family, max_cross_types),
        cases=case_part(src, base, sel, threshold),
        reach=reach,
        reach_missing=reach_missing,
        summary=summary,
        school_names={s: name for s, (name, _type) in school_facts.items()},
    )
