"""Reading statistics: the scopes a user may look at, and the report of one
scope (every section with its figures, protected where the scope demands).

The report is built in named steps, each a module of its own:

1. scope (`scopes`): what the user may look at (rules in `statistics.permissions`)
   and the filters;
2. source rows (`..sources`): the rollups, or the raw records for comparison;
3. table family and disclosure (`family`, `protected`) for a protected view: the
   family of the scope and school year protected once (`disclosure.protect_family`),
   the filters only pick from it; an unprotected view reads every figure with the
   filters, exactly (`figures.exact_figures`);
4. presentation (`sections`): the sections with their labels, totals and notes.

Disclosure control with the municipality's threshold applies to every figure of a
protected scope (carrier, principal, committee, Land) and to every export;
coordination and the social worker see unprotected figures on screen.
"""

from __future__ import annotations

from schulsozial.core.snapshot import read_snapshot

from ..sources import SOURCES
from . import facts
from .figures import exact_figures
from .protected import protected_figures
from .scopes import (
    Filters,
    Scope,
    current_school_year,
    land_scope,
    schools_in,
    scopes_for,
    where_for,
)
from .sections import SUPPRESSED, Report, Row, Section, build_sections

__all__ = [
    "SUPPRESSED",
    "Filters",
    "Report",
    "Row",
    "Scope",
    "Section",
    "current_school_year",
    "land_scope",
    "schools_in",
    "scopes_for",
    "statistics_report",
    "where_for",
]

#: More activity types than this: the family holds the school and type margins only.
_MAX_CROSS_TYPES = 60


def statistics_report(
    *, scope: Scope, filters: Filters, protected: bool | None = None, source: str = "rollup"
) -> Report:
    """The whole report of a scope. `protected` defaults to the scope's rule;
    exports pass True. `source="raw"` computes the same from raw records
    (the naive approach, for the benchmark and tests).

    Unprotected, every figure is read with the filters, exactly. Protected, the
    figures come from the family of the scope and school year (`family.Family`),
    protected once; filters only select from it (docs/disclosure.md)."""
    on = scope.protected if protected is None else protected
    report = Report(scope=scope, filters=filters, protected=on, threshold=scope.threshold)
    src = SOURCES[source]
    entries = facts.labels(scope.municipality_ids)
    level_of = facts.reach_levels(entries)
    # One snapshot for all reads: a record committed between two of them would make
    # the family's tables disagree (core/snapshot.py).
    with read_snapshot():
        if on:
            figures = protected_figures(scope, filters, src, level_of, _MAX_CROSS_TYPES)
        else:
            figures = exact_figures(scope, filters, src, level_of)
        build_sections(report, figures, entries, scope, filters)
    return report
