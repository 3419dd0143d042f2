"""Every read of master data, scoped to what the user may see.

Visibility rules come from masterdata.permissions; a selector always applies
them, so a view cannot forget a check. Rows are re-selected by primary key so
that the scope's joins never duplicate rows or inflate sums.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, TypeVar

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import municipality_ids

from . import permissions as perms
from .models import (
    Carrier,
    Function,
    FundingBudget,
    FundingStream,
    Municipality,
    Position,
    PositionAssignment,
    PositionQuerySet,
    School,
    SchoolYear,
    SchoolYearFigures,
    StaffMember,
    StaffQuerySet,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

from .rules import RuleSettings, RuleWarning, WorkerLoad, check_coordination, check_worker

ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=12, decimal_places=2))


def today() -> datetime.date:
    return timezone.localdate()


_Rows = TypeVar("_Rows", bound=QuerySet[Any])


def _scoped(rows: _Rows, query: Q) -> _Rows:
    """`rows` limited to `query`, re-selected by primary key (no duplicates from its joins)."""
    return rows.filter(pk__in=rows.filter(query).values("pk"))


def current_school_year(day: datetime.date | None = None) -> SchoolYear | None:
    """The school year containing `day`; else the latest one before it."""
    day = day or today()
    return SchoolYear.objects.filter(start__lte=day).order_by("-start").first()


def coordinated_municipalities(*, user: Any) -> QuerySet[Municipality]:
    """The municipalities the user coordinates (a coordination grant), by name."""
    return Municipality.objects.filter(pk__in=municipality_ids(user, Role.COORDINATION)).order_by(
        "name"
    )


def municipalities_visible_to(*, user: Any) -> QuerySet[Municipality]:
    return _scoped(Municipality.objects.all(), perms.municipalities_visible_q(user)).annotate(
        school_count=Count("schools", filter=Q(schools__active=True), distinct=True)
    )


def school_years_visible_to(*, user: Any) -> QuerySet[SchoolYear]:
    return (
        SchoolYear.objects.all() if perms.can_see_school_years(user) else SchoolYear.objects.none()
    )


class LatestFigures(TypedDict):
    """The figures `with_latest_figures` annotates on each school."""

    pupils: int | None
    social_index: int | None
    startchancen: bool | None


def with_latest_figures(
    queryset: QuerySet[School], school_year: SchoolYear | None
) -> QuerySet[WithAnnotations[School, LatestFigures]]:
    """Annotate pupils, Sozialindex and Startchancen: for each, the latest
    value known in `school_year` or before (pupil counts and the index are
    published for different years)."""
    base = SchoolYearFigures.objects.filter(school=OuterRef("pk")).order_by("-school_year__start")
    if school_year is not None:
        base = base.filter(school_year__start__lte=school_year.start)
    return queryset.annotate(
        pupils=Subquery(base.filter(pupils__isnull=False).values("pupils")[:1]),
        social_index=Subquery(base.filter(social_index__isnull=False).values("social_index")[:1]),
        startchancen=Subquery(base.filter(startchancen__isnull=False).values("startchancen")[:1]),
    )


def schools_visible_to(
    *, user: Any, school_year: SchoolYear | None = None, day: datetime.date | None = None
) -> QuerySet[School]:
    """Schools in the user's scope, annotated with their latest figures up to
    `school_year` and the social-work hours assigned on `day`."""
    day = day or today()
    queryset = _scoped(School.objects.all(), perms.schools_visible_q(user)).select_related(
        "municipality"
    )
    if school_year is None:
        school_year = current_school_year(day)
    active_hours = (
        PositionAssignment.objects.filter(
            school=OuterRef("pk"), position__in=Position.objects.active_on(day)
        )
        .values("school")
        .annotate(total=Sum("weekly_hours"))
        .values("total")
    )
    return (
        with_latest_figures(queryset, school_year)
        .annotate(assigned_hours=Coalesce(Subquery(active_hours), ZERO))
        .annotate(assigned_fte=F("assigned_hours") / F("municipality__fulltime_week_hours"))
    )


def carriers_visible_to(*, user: Any) -> QuerySet[Carrier]:
    day = today()
    return (
        _scoped(Carrier.objects.all(), perms.carriers_visible_q(user))
        .select_related("municipality")
        .annotate(
            # None where the user may not see the exact headcount (permissions).
            staff_count=Case(
                When(
                    perms.carrier_staff_counted_q(user),
                    then=Count(
                        "staff",
                        filter=Q(staff__contract_start__lte=day)
                        & (Q(staff__contract_end__isnull=True) | Q(staff__contract_end__gte=day)),
                        distinct=True,
                    ),
                ),
                default=Value(None),
                output_field=IntegerField(),
            ),
        )
    )


def staff_visible_to(*, user: Any) -> StaffQuerySet:
    return _scoped(StaffMember.objects.all(), perms.staff_visible_q(user)).select_related(
        "carrier", "municipality"
    )


def positions_visible_to(*, user: Any) -> PositionQuerySet:
    return (
        _scoped(Position.objects.all(), perms.positions_visible_q(user))
        .select_related("carrier", "funding_stream", "staff_member", "municipality")
        .annotate(assigned_hours=Coalesce(Sum("assignments__weekly_hours"), ZERO))
    )


def staff_carriers_for(*, user: Any) -> QuerySet[Carrier]:
    """The carriers `user` may give a staff member as employer (the staff form's choices)."""
    return carriers_visible_to(user=user).filter(perms.staff_carriers_q(user))


def funding_streams_visible_to(*, user: Any) -> QuerySet[FundingStream]:
    return _scoped(FundingStream.objects.all(), perms.funding_visible_q(user)).select_related(
        "municipality"
    )


def budgets_of(*, stream: FundingStream) -> QuerySet[FundingBudget]:
    return stream.budgets.select_related("school_year")


def assignments_of(*, position: Position) -> QuerySet[PositionAssignment]:
    return position.assignments.select_related("school")


def figures_of(*, school: School) -> QuerySet[SchoolYearFigures]:
    return school.figures.select_related("school_year")


def positions_at_school(
    *, user: Any, school: School, day: datetime.date | None = None
) -> PositionQuerySet:
    """Positions assigned to `school`, limited to those the user may see."""
    day = day or today()
    return (
        positions_visible_to(user=user)
        .filter(pk__in=PositionAssignment.objects.filter(school=school).values("position"))
        .active_on(day)
    )


def assignments_by_school_year(
    *, user: Any, school: School, years: int = 4
) -> list[tuple[SchoolYear, list[PositionAssignment]]]:
    """The assignments at `school` in the `years` newest school years that
    have any (newest first): each year lists the positions the user may see
    that run in it (a position is dated by its valid_from/valid_to; an
    accepted staffing plan ends the old position and starts its successor
    with the year)."""
    rows = list(
        PositionAssignment.objects.filter(
            school=school,
            position__in=_scoped(Position.objects.all(), perms.positions_visible_q(user)),
        ).select_related("position", "position__staff_member", "position__carrier")
    )
    if not rows:
        return []
    first = min(a.position.valid_from for a in rows)
    result = []
    for year in SchoolYear.objects.filter(end__gte=first).order_by("-start"):
        running = [
            a
            for a in rows
            if a.position.valid_from <= year.end
            and (a.position.valid_to is None or a.position.valid_to >= year.start)
        ]
        if running:
            result.append((year, sorted(running, key=lambda a: a.position.code)))
        if len(result) == years:
            break
    return result


# --------------------------------------------------------------------------- rules


def rule_settings(municipality: Municipality) -> RuleSettings:
    return RuleSettings(
        max_schools_fulltime=municipality.rule_max_schools_fulltime,
        parttime_fte_threshold=municipality.rule_parttime_fte_threshold,
        max_schools_parttime=municipality.rule_max_schools_parttime,
        workers_per_coordinator=municipality.rule_workers_per_coordinator,
    )


def worker_loads(*, municipality: Municipality, day: datetime.date) -> list[WorkerLoad]:
    """Each employed social worker with the schools their active positions serve."""
    schools: dict[int, set[int]] = defaultdict(set)
    rows = PositionAssignment.objects.filter(
        position__in=Position.objects.active_on(day).filter(
            municipality=municipality, staff_member__isnull=False, function=Function.SOCIAL_WORK
        )
    ).values_list("position__staff_member_id", "school_id")
    for staff_id, school_id in rows:
        schools[staff_id].add(school_id)
    staff = StaffMember.objects.employed_on(day).filter(
        municipality=municipality, function=Function.SOCIAL_WORK
    )
    return [
        WorkerLoad(s.pk, s.label, s.fte, frozenset(schools.get(s.pk, ())))
        for s in staff.order_by("label")
    ]


def rule_warnings(
    *, municipality: Municipality, day: datetime.date | None = None
) -> list[RuleWarning]:
    day = day or today()
    settings = rule_settings(municipality)
    loads = worker_loads(municipality=municipality, day=day)
    warnings = [w for w in (check_worker(load, settings) for load in loads) if w is not None]
    coordination_fte = (
        StaffMember.objects.employed_on(day)
        .filter(municipality=municipality, function=Function.COORDINATION)
        .aggregate(total=Coalesce(Sum("fte"), ZERO))["total"]
    )
    coordination = check_coordination(
        workers=len(loads), coordination_fte=coordination_fte, settings=settings
    )
    if coordination:
        warnings.append(coordination)
    return warnings


def rule_warnings_visible_to(
    *, user: Any, municipality: Municipality, day: datetime.date | None = None
) -> list[RuleWarning]:
    """The funding-rule warnings of `municipality` that `user` may read: none
    without the funding-rule view; a worker's warning only where that staff
    member is in the user's staff scope (a carrier: its own employees); the
    municipality-wide coordination ratio, which counts every carrier's
    workers, only for the municipality's coordination."""
    if not perms.can_view_funding_rules(user, municipality):
        return []
    warnings = rule_warnings(municipality=municipality, day=day)
    named = [w.staff_id for w in warnings if w.staff_id is not None]
    visible = set(staff_visible_to(user=user).filter(pk__in=named).values_list("pk", flat=True))
    coordinates = perms.can_view_coordination_warnings(user, municipality)
    return [
        w for w in warnings if (w.staff_id in visible if w.staff_id is not None else coordinates)
    ]


def rule_warnings_for_staff(
    *, staff: StaffMember, day: datetime.date | None = None
) -> list[RuleWarning]:
    """The warnings about one staff member; the caller loaded `staff` through
    `staff_visible_to`, so the user may see them."""
    day = day or today()
    return [
        w for w in rule_warnings(municipality=staff.municipality, day=day) if w.staff_id == staff.pk
    ]


def rule_warnings_for_position(
    *, user: Any, position: Position, day: datetime.date | None = None
) -> list[RuleWarning]:
    """The warnings `user` may read about the staff member holding `position`
    (none for a vacant position)."""
    if not position.staff_member_id:
        return []
    return [
        w
        for w in rule_warnings_visible_to(user=user, municipality=position.municipality, day=day)
        if w.staff_id == position.staff_member_id
    ]


def schools_without_social_work(
    *, municipality: Municipality, day: datetime.date
) -> QuerySet[School]:
    covered = PositionAssignment.objects.filter(
        school=OuterRef("pk"), position__in=Position.objects.active_on(day)
    )
    return School.objects.active().filter(municipality=municipality).exclude(Exists(covered))


def budget_rows(*, stream: FundingStream) -> list[dict[str, Any]]:
    """Each budget year of a stream with the money its positions plan to use:
    the FTE of the stream's positions active on the reference day (today in
    the running year, else the year's first day) times the cost rate."""
    day = today()
    rows = []
    for budget in budgets_of(stream=stream):
        year = budget.school_year
        reference = day if year.start <= day <= year.end else year.start
        fte = (
            Position.objects.active_on(reference)
            .filter(funding_stream=stream)
            .aggregate(total=Coalesce(Sum("fte"), ZERO))["total"]
        )
        planned = (fte * budget.cost_per_fte_eur).quantize(Decimal("0.01"))
        rows.append(
            {
                "budget": budget,
                "fte": fte.quantize(Decimal("0.01")),
                "planned": planned,
                "balance": budget.available_eur - planned,
            }
        )
    return rows
