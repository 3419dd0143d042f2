"""What a report needs to know besides the counts: catalogue labels, school names and
types, pupils and FTE per school, carrier names (master data, read as plain tuples)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q
from django.utils import timezone

from schulsozial.activities.models import CatalogueEntry, CatalogueKind
from schulsozial.core import school_year
from schulsozial.masterdata.models import (
    Carrier,
    Position,
    PositionAssignment,
    School,
    SchoolYearFigures,
)

from .scopes import Filters, Scope

#: Target groups whose participants count as "reached" at a level (reach per school).
REACH_LEVELS = ("class", "group", "individual")

#: Above this many schools, queries select by municipality instead of a list
#: of thousands of ids (a Land report), and the schools are picked in Python.
ID_LIST_LIMIT = 500


class Entry(NamedTuple):
    kind: str
    code: str
    label: str
    sort_order: int


def labels(municipality_ids: frozenset[int]) -> dict[int, Entry]:
    """The catalogue entries of the scope as plain tuples (a Land holds thousands)."""
    return {
        pk: Entry(kind, code, label, sort_order)
        for pk, kind, code, label, sort_order in CatalogueEntry.objects.filter(
            municipality_id__in=municipality_ids
        ).values_list("pk", "kind", "code", "label", "sort_order")
    }


def reach_levels(entries: dict[int, Entry]) -> dict[int, int]:
    """Target-group entry -> reach level (0 class, 1 group, 2 individual); every
    municipality of the scope has its own target-group entries."""
    return {
        pk: REACH_LEVELS.index(e.code)
        for pk, e in entries.items()
        if e.kind == CatalogueKind.TARGET_GROUP and e.code in REACH_LEVELS
    }


def of_schools(
    school_ids: Sequence[int], municipality_ids: frozenset[int], path: str = "school"
) -> Q:
    if len(school_ids) > ID_LIST_LIMIT:
        return Q(**{f"{path}__municipality_id__in": municipality_ids})
    return Q(**{f"{path}_id__in": school_ids})


def pupils(
    school_ids: Sequence[int], year: int, municipality_ids: frozenset[int]
) -> dict[int, int]:
    """Pupils per school for the school year (else the latest year before it)."""
    start, _end = school_year.bounds(year)
    wanted = set(school_ids)
    best: dict[int, tuple[datetime.date, int]] = {}
    rows = SchoolYearFigures.objects.filter(
        of_schools(school_ids, municipality_ids),
        school_year__start__lte=start,
        pupils__isnull=False,
    ).values_list("school_id", "school_year__start", "pupils")
    for school_id, begins, count in rows:
        if school_id not in wanted or count is None:  # None: not read (filtered out)
            continue
        if school_id not in best or begins > best[school_id][0]:
            best[school_id] = (begins, count)
    return {k: v[1] for k, v in best.items()}


def fte(scope: Scope, filters: Filters, school_ids: Sequence[int]) -> dict[int, Decimal]:
    """FTE assigned to each school on the reference day (the school year's
    end, or today in the running year): assignment hours over the
    municipality's full-time week. A carrier counts its own positions, a
    social worker their own."""
    _start, end = school_year.bounds(filters.school_year)
    day = min(end, timezone.localdate())
    assignments = PositionAssignment.objects.filter(
        of_schools(school_ids, scope.municipality_ids),
        position__in=Position.objects.active_on(day).values("pk"),
    )
    if scope.carrier_ids is not None:
        assignments = assignments.filter(position__carrier_id__in=scope.carrier_ids)
    if scope.worker_id is not None:
        assignments = assignments.filter(position__staff_member_id=scope.worker_id)
    if filters.carrier_id:
        assignments = assignments.filter(position__carrier_id=filters.carrier_id)
    wanted = set(school_ids)
    result: dict[int, Decimal] = defaultdict(Decimal)
    for school_id, hours, week in assignments.values_list(
        "school_id", "weekly_hours", "school__municipality__fulltime_week_hours"
    ):
        if school_id in wanted:
            result[school_id] += Decimal(hours) / Decimal(week)
    return result


def school_facts(
    school_ids: Sequence[int], municipality_ids: frozenset[int]
) -> dict[int, tuple[str, str]]:
    """Name and school type of each school."""
    wanted = set(school_ids)
    return {
        pk: (name, school_type)
        for pk, name, school_type in School.objects.filter(
            Q(municipality_id__in=municipality_ids)
            if len(wanted) > ID_LIST_LIMIT
            else Q(pk__in=list(wanted))
        ).values_list("pk", "name", "school_type")
        if pk in wanted
    }


def carrier_names(carrier_ids: Sequence[int | None]) -> dict[int, str]:
    wanted = [pk for pk in carrier_ids if pk is not None]
    return dict(Carrier.objects.filter(pk__in=wanted).values_list("pk", "name"))
