"""The figures of a report before presentation, and how an unprotected view gets them:
every figure read with the filters, exactly (`exact_figures`). A protected view gets the
same shape from its table family (`protected.protected_figures`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from schulsozial.activities.models import CatalogueKind

from ..disclosure import SumStatus
from ..sources import Source
from . import facts
from .scopes import Filters, Scope, where_for

TREND_YEARS = 10

#: A sum a protected view does not print at all (`disclosure.sum_status`): shown as "–".
NOT_SHOWN = ""

DIMENSION_KINDS = (
    str(CatalogueKind.TOPIC),
    str(CatalogueKind.CONTACT_ORIGIN),
    str(CatalogueKind.PARTNER),
)

Count = int | str | None  # None = withheld, NOT_SHOWN = not printed (protected views)


@dataclass(frozen=True)
class Line:
    """One row of a counted section: `count` None = withheld. `minutes` and
    `participants` are true values, shown only where the count is."""

    key: Any
    count: Count
    minutes: int = 0
    participants: int = 0


@dataclass
class Part:
    """The figures of one section; `missing` says why a protected view does not show
    the table with these filters (then it has no lines)."""

    lines: list[Line] = field(default_factory=list)
    total: Line | None = None
    missing: str = ""


@dataclass
class Figures:
    types: Part
    dimensions: dict[str, Part]
    schools: Part
    carriers: Part
    months: Part
    trend: Part
    cases: Part
    reach: list[tuple[int, list[int | None]]]
    reach_missing: str
    summary: Line
    school_names: dict[int, str]


def published(count: Count, value: Any) -> Any:
    """A figure derived from a count is shown only where the count is."""
    return count if count is None or count == NOT_SHOWN else value


def shown(count: int, status: SumStatus) -> Count:
    """The count as a protected view prints it: the value, withheld (None) or not at all."""
    if status == "published":
        return count
    return None if status == "withheld" else NOT_SHOWN


def _counted(rows: Sequence[tuple[Any, int, int | None]], *, with_minutes: bool) -> Part:
    """Lines of (key, count, minutes) rows and their total (with minutes or without)."""
    lines = [Line(key, n, m or 0) for key, n, m in rows]
    minutes = sum(x.minutes for x in lines) if with_minutes else 0
    return Part(lines, Line(None, sum(n for _k, n, _m in rows), minutes))


def exact_figures(scope: Scope, filters: Filters, src: Source, level_of: dict[int, int]) -> Figures:
    """Every figure of the scope under the filters, exactly (unprotected views)."""
    w = where_for(scope, filters)
    school_rows = [(s, n, m or 0, p or 0) for s, n, m, p in src.schools(w)]
    schools = [Line(s, n, m, p) for s, n, m, p in school_rows]
    names = facts.school_facts([s for s, *_rest in school_rows], scope.municipality_ids)
    summary = Line(
        None,
        sum(n for _s, n, _m, _p in school_rows),
        sum(m for _s, _n, m, _p in school_rows),
        sum(p for _s, _n, _m, p in school_rows),
    )
    by_kind: dict[str, list[tuple[int, int, int | None]]] = defaultdict(list)
    for kind, entry_id, n, m in src.dimensions(w):
        by_kind[kind].append((entry_id, n, m))
    in_report = {s for s, *_rest in school_rows}
    case_rows = [(s, n) for s, n in src.cases(w) if n and s in in_report]
    per_level: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for school_id, tg, p in src.reach(w, list(level_of)):
        per_level[school_id][level_of[tg]] += p or 0
    reach: list[tuple[int, list[int | None]]] = [
        (s, [*v]) for s, v in per_level.items() if s in in_report
    ]
    trend = _counted(src.years(w, filters.school_year - TREND_YEARS + 1), with_minutes=False)
    return Figures(
        types=Part([Line(t, n, m or 0) for t, n, m in src.types(w)], summary),
        dimensions={
            kind: _counted(by_kind.get(kind, []), with_minutes=False) for kind in DIMENSION_KINDS
        },
        schools=Part(schools, summary),
        carriers=_counted(src.carriers(w), with_minutes=True),
        months=_counted(src.months(w), with_minutes=True),
        trend=Part(trend.lines),
        cases=Part([Line(s, n) for s, n in case_rows], Line(None, sum(n for _s, n in case_rows))),
        reach=reach,
        reach_missing="",
        summary=summary,
        school_names={s: name for s, (name, _type) in names.items()},
    )
