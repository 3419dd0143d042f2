"""Where the statistics come from: the rollups (ours) or the raw records (the
naive approach, kept for the benchmark and as an independent check in tests).

Both sources answer the same eight grouped questions for a scope and filters,
so a report built from either must be identical while raw records exist.

The rollup source reads the narrow `SchoolRollup` (one row per school and
month) for every question it can answer when the scope and filters do not
split a school's figures by worker, carrier or activity type (municipality
and Land reports, a principal's school): school totals, months, the trend and
distinct cases. Everything else reads the finer tables.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any, Protocol

from django.db.models import Case, Count, IntegerField, Q, Sum, When
from django.db.models.functions import Coalesce, ExtractYear

from schulsozial.activities.models import Activity, CatalogueKind
from schulsozial.core.school_year import FIRST_MONTH
from schulsozial.core.school_year import bounds as school_year_bounds

from .models import WHOLE_YEAR, ActivityRollup, CaseRollup, DimensionRollup, SchoolRollup

# The school year (start year) of a record, in SQL: core/school_year.py's rule.
_SCHOOL_YEAR = Case(
    When(date__month__gte=FIRST_MONTH, then=ExtractYear("date")),
    default=ExtractYear("date") - 1,
    output_field=IntegerField(),
)

# Calendar months in the order of a school year (August .. July).
SCHOOL_YEAR_MONTHS = (8, 9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7)


@dataclass(frozen=True)
class Where:
    """Scope and filters in plain ids (built by selectors from a user's scope)."""

    school_year: int
    municipality_ids: frozenset[int]
    school_ids: frozenset[int] | None = None
    carrier_ids: frozenset[int] | None = None
    worker_id: int | None = None
    months: tuple[int, ...] = ()  # empty = the whole school year
    school_id: int | None = None
    school_type: str = ""
    carrier_id: int | None = None
    activity_type_id: int | None = None

    def whole_year(self) -> Where:
        """The same scope for the whole school year (cases are counted per year)."""
        return replace(self, months=())


class Source(Protocol):
    def schools(self, w: Where) -> list[tuple[int, int, int, int]]: ...
    def school_types(self, w: Where) -> list[tuple[int, int, int, int, int]]: ...
    def year_tables(self, w: Where, first: int) -> YearTables: ...
    def types(self, w: Where) -> list[tuple[int, int, int]]: ...
    def carriers(self, w: Where) -> list[tuple[int, int, int]]: ...
    def reach(self, w: Where, levels: list[int]) -> list[tuple[int, int, int]]: ...
    def months(self, w: Where) -> list[tuple[int, int, int]]: ...
    def years(self, w: Where, first: int) -> list[tuple[int, int, int]]: ...
    def dimensions(self, w: Where) -> list[tuple[str, int, int, int]]: ...
    def cases(self, w: Where) -> list[tuple[int, int]]: ...


@dataclass(frozen=True)
class YearTables:
    """Activity counts of several school years, for the trend of a protected view: per
    (year, school, activity type), per (year, month) and per (year, carrier)."""

    school_types: list[tuple[int, int, int, int]]
    months: list[tuple[int, int, int]]
    carriers: list[tuple[int, int, int]]


def _months_between(first: int, last: int) -> tuple[int, ...]:
    order = list(SCHOOL_YEAR_MONTHS)
    i, j = order.index(first), order.index(last)
    if i > j:
        i, j = j, i
    return tuple(order[i : j + 1])


class RollupSource:
    """Reads the rollup tables: a yearly report reads the month-0 rows."""

    def _q(
        self, w: Where, *, year: bool = True, monthly: bool = False, with_type: bool = True
    ) -> Q:
        q = Q(municipality_id__in=w.municipality_ids)
        if year:
            q &= Q(school_year=w.school_year)
        if not with_type:  # topic/origin/partner/case rollups: whole school year only
            q &= Q(month=WHOLE_YEAR)
        elif w.months:
            q &= Q(month__in=w.months)
        elif monthly:
            q &= Q(month__gt=WHOLE_YEAR)
        else:
            q &= Q(month=WHOLE_YEAR)
        if w.school_ids is not None:
            q &= Q(school_id__in=w.school_ids)
        if w.carrier_ids is not None:
            q &= Q(carrier_id__in=w.carrier_ids)
        if w.worker_id is not None:
            q &= Q(worker_id=w.worker_id)
        if w.school_id:
            q &= Q(school_id=w.school_id)
        if w.school_type:
            q &= Q(school__school_type=w.school_type)
        if w.carrier_id:
            q &= Q(carrier_id=w.carrier_id)
        if with_type and w.activity_type_id:
            q &= Q(activity_type_id=w.activity_type_id)
        return q

    @staticmethod
    def _wide(w: Where) -> bool:
        """Whether the per-school totals answer for this scope and these filters."""
        return (
            w.worker_id is None
            and w.carrier_ids is None
            and not w.carrier_id
            and not w.activity_type_id
        )

    def _totals(self, w: Where, *, year: bool = True, monthly: bool = False) -> Any:
        """The per-school rows for `w`; only where `_wide(w)`, so the worker,
        carrier and activity-type conditions of `_q` are all empty."""
        return SchoolRollup.objects.filter(self._q(w, year=year, monthly=monthly))

    def schools(self, w: Where) -> list[tuple[int, int, int, int]]:
        if self._wide(w):
            if not w.months:  # one row per school: no grouping needed
                return list(
                    self._totals(w)
                    .filter(count__gt=0)
                    .values_list("school_id", "count", "minutes", "participants")
                )
            rows = self._totals(w).values_list("school_id")
        else:
            rows = ActivityRollup.objects.filter(self._q(w)).values_list("school_id")
        return list(
            rows.annotate(n=Sum("count"), m=Sum("minutes"), p=Sum("participants"))
            .filter(n__gt=0)
            .order_by()
        )

    def school_types(self, w: Where) -> list[tuple[int, int, int, int, int]]:
        """Activities, minutes and participants per school and activity type."""
        return list(
            ActivityRollup.objects.filter(self._q(w))
            .values_list("school_id", "activity_type_id")
            .annotate(n=Sum("count"), m=Sum("minutes"), p=Sum("participants"))
            .filter(n__gt=0)
            .order_by()
        )

    def year_tables(self, w: Where, first: int) -> YearTables:
        years = Q(school_year__gte=first, school_year__lte=w.school_year)
        yearly = ActivityRollup.objects.filter(self._q(w, year=False), years)
        monthly = (
            self._totals(w, year=False, monthly=True)
            if self._wide(w)
            else ActivityRollup.objects.filter(self._q(w, year=False, monthly=True))
        ).filter(years)
        return YearTables(
            school_types=_counted(yearly, "school_year", "school_id", "activity_type_id"),
            months=_counted(monthly, "school_year", "month"),
            carriers=_counted(yearly, "school_year", "carrier_id"),
        )

    def types(self, w: Where) -> list[tuple[int, int, int]]:
        return list(
            ActivityRollup.objects.filter(self._q(w))
            .values_list("activity_type_id")
            .annotate(n=Sum("count"), m=Sum("minutes"))
            .order_by()
        )

    def carriers(self, w: Where) -> list[tuple[int, int, int]]:
        return list(
            ActivityRollup.objects.filter(self._q(w))
            .values_list("carrier_id")
            .annotate(n=Sum("count"), m=Sum("minutes"))
            .order_by()
        )

    def reach(self, w: Where, levels: list[int]) -> list[tuple[int, int, int]]:
        return list(
            ActivityRollup.objects.filter(self._q(w), target_group_id__in=levels)
            .values_list("school_id", "target_group_id")
            .annotate(p=Sum("participants"))
            .order_by()
        )

    def months(self, w: Where) -> list[tuple[int, int, int]]:
        rows = (
            self._totals(w, monthly=True)
            if self._wide(w)
            else ActivityRollup.objects.filter(self._q(w, monthly=True))
        )
        return list(rows.values_list("month").annotate(n=Sum("count"), m=Sum("minutes")).order_by())

    def years(self, w: Where, first: int) -> list[tuple[int, int, int]]:
        rows = (
            self._totals(w, year=False)
            if self._wide(w)
            else ActivityRollup.objects.filter(self._q(w, year=False))
        )
        return list(
            rows.filter(school_year__gte=first, school_year__lte=w.school_year)
            .values_list("school_year")
            .annotate(n=Sum("count"), m=Sum("minutes"))
            .order_by()
        )

    def dimensions(self, w: Where) -> list[tuple[str, int, int, int]]:
        return list(
            DimensionRollup.objects.filter(self._q(w, with_type=False))
            .values_list("kind", "entry_id")
            .annotate(n=Sum("count"), m=Sum("minutes"))
            .order_by()
        )

    def cases(self, w: Where) -> list[tuple[int, int]]:
        if self._wide(w):  # the distinct-case counter kept on write
            return list(
                self._totals(w.whole_year()).filter(cases__gt=0).values_list("school_id", "cases")
            )
        # Distinct hashes, plus the plain counts (hash "") that retention
        # leaves of the school years whose records and hashes it removed.
        return list(
            CaseRollup.objects.filter(self._q(w, with_type=False), count__gt=0)
            .values_list("school_id")
            .annotate(
                n=Count("case_hash", distinct=True, filter=~Q(case_hash=""))
                + Coalesce(Sum("count", filter=Q(case_hash="")), 0)
            )
            .order_by()
        )


class RawSource:
    """The naive approach: ORM aggregation over the raw records with joins."""

    def _q(self, w: Where, *, prefix: str = "", year: bool = True, with_type: bool = True) -> Q:
        def k(name: str) -> str:
            return prefix + name

        q = Q(**{k("school__municipality_id__in"): w.municipality_ids})
        if year:
            start, end = school_year_bounds(w.school_year)
            q &= Q(**{k("date__gte"): start, k("date__lte"): end})
        if w.months and with_type:
            q &= Q(**{k("date__month__in"): w.months})
        if w.school_ids is not None:
            q &= Q(**{k("school_id__in"): w.school_ids})
        if w.carrier_ids is not None:
            q &= Q(**{k("worker__carrier_id__in"): w.carrier_ids})
        if w.worker_id is not None:
            q &= Q(**{k("worker_id"): w.worker_id})
        if w.school_id:
            q &= Q(**{k("school_id"): w.school_id})
        if w.school_type:
            q &= Q(**{k("school__school_type"): w.school_type})
        if w.carrier_id:
            q &= Q(**{k("worker__carrier_id"): w.carrier_id})
        if with_type and w.activity_type_id:
            q &= Q(**{k("activity_type_id"): w.activity_type_id})
        return q

    def schools(self, w: Where) -> list[tuple[int, int, int, int]]:
        return list(
            Activity.objects.filter(self._q(w))
            .values_list("school_id")
            .annotate(n=Count("pk"), m=Sum("minutes"), p=Sum("participants"))
            .order_by()
        )

    def school_types(self, w: Where) -> list[tuple[int, int, int, int, int]]:
        return list(
            Activity.objects.filter(self._q(w))
            .values_list("school_id", "activity_type_id")
            .annotate(n=Count("pk"), m=Sum("minutes"), p=Sum("participants"))
            .order_by()
        )

    def year_tables(self, w: Where, first: int) -> YearTables:
        start, _end = school_year_bounds(first)
        _start, end = school_year_bounds(w.school_year)
        rows = Activity.objects.filter(
            self._q(w, year=False), date__gte=start, date__lte=end
        ).annotate(sy=_SCHOOL_YEAR)
        return YearTables(
            school_types=_counted(rows, "sy", "school_id", "activity_type_id", how=Count("pk")),
            months=_counted(rows, "sy", "date__month", how=Count("pk")),
            carriers=_counted(rows, "sy", "worker__carrier_id", how=Count("pk")),
        )

    def types(self, w: Where) -> list[tuple[int, int, int]]:
        return list(
            Activity.objects.filter(self._q(w))
            .values_list("activity_type_id")
            .annotate(n=Count("pk"), m=Sum("minutes"))
            .order_by()
        )

    def carriers(self, w: Where) -> list[tuple[int, int, int]]:
        return list(
            Activity.objects.filter(self._q(w))
            .values_list("worker__carrier_id")
            .annotate(n=Count("pk"), m=Sum("minutes"))
            .order_by()
        )

    def reach(self, w: Where, levels: list[int]) -> list[tuple[int, int, int]]:
        return list(
            Activity.objects.filter(self._q(w), target_group_id__in=levels)
            .values_list("school_id", "target_group_id")
            .annotate(p=Sum("participants"))
            .order_by()
        )

    def months(self, w: Where) -> list[tuple[int, int, int]]:
        return list(
            Activity.objects.filter(self._q(w))
            .values_list("date__month")
            .annotate(n=Count("pk"), m=Sum("minutes"))
            .order_by()
        )

    def years(self, w: Where, first: int) -> list[tuple[int, int, int]]:
        start, _end = school_year_bounds(first)
        _start, end = school_year_bounds(w.school_year)
        return list(
            Activity.objects.filter(self._q(w, year=False), date__gte=start, date__lte=end)
            .annotate(sy=_SCHOOL_YEAR)
            .values_list("sy")
            .annotate(n=Count("pk"), m=Sum("minutes"))
            .order_by()
        )

    def dimensions(self, w: Where) -> list[tuple[str, int, int, int]]:
        base = Activity.objects.filter(self._q(w, with_type=False))
        rows: list[tuple[str, int, int, int]] = []
        through = Activity.topics.through
        for entry_id, n, m in (
            through.objects.filter(self._q(w, prefix="activity__", with_type=False))
            .values_list("catalogueentry_id")
            .annotate(n=Count("pk"), m=Sum("activity__minutes"))
            .order_by()
        ):
            rows.append((str(CatalogueKind.TOPIC), entry_id, n, m))
        for field, kind in (
            ("contact_origin_id", CatalogueKind.CONTACT_ORIGIN),
            ("partner_id", CatalogueKind.PARTNER),
        ):
            for entry_id, n, m in (
                base.filter(**{f"{field}__isnull": False})
                .values_list(field)
                .annotate(n=Count("pk"), m=Sum("minutes"))
                .order_by()
            ):
                rows.append((str(kind), entry_id, n, m))
        return rows

    def cases(self, w: Where) -> list[tuple[int, int]]:
        return list(
            Activity.objects.filter(self._q(w, with_type=False))
            .exclude(case_hash="")
            .values_list("school_id")
            .annotate(n=Count("case_hash", distinct=True))
            .order_by()
        )


def _counted(rows: Any, *keys: str, how: Any = None) -> list[Any]:
    """``(*keys, count)`` per group of ``rows`` with a count above 0."""
    return [
        (*rest, n)
        for *rest, n in rows.values_list(*keys)
        .annotate(n=how if how is not None else Sum("count"))
        .order_by()
        if n
    ]


def months_between(first: int | None, last: int | None) -> tuple[int, ...]:
    """Calendar months from `first` to `last` in school-year order; () = all."""
    if not first and not last:
        return ()
    first = first or SCHOOL_YEAR_MONTHS[0]
    last = last or SCHOOL_YEAR_MONTHS[-1]
    months = _months_between(first, last)
    return () if len(months) == 12 else months


def first_day(start_year: int) -> datetime.date:
    return school_year_bounds(start_year)[0]


SOURCES: dict[str, Source] = {"rollup": RollupSource(), "raw": RawSource()}
