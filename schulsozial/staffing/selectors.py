"""Reads of staffing plans, always scoped to the user (permissions.py)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format, number_format, time_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.allocation.models import Scenario
from schulsozial.masterdata.models import (
    Carrier,
    Function,
    Municipality,
    Position,
    PositionAssignment,
    School,
    StaffMember,
)

from . import permissions as perms
from .checks import SMALL_ASSIGNMENT_FTE, RuleCheck, is_small_assignment, rule_checks
from .models import PlanAssignment, PlanBan, PlanChange, PlanPin, SchoolCarrier, StaffingPlan


def plans_visible_to(*, user: Any) -> QuerySet[StaffingPlan]:
    return StaffingPlan.objects.filter(perms.plans_visible_q(user)).select_related(
        "municipality", "school_year", "scenario", "carrier"
    )


def scenarios_to_plan_from(*, user: Any) -> QuerySet[Scenario]:
    """Adopted scenarios of the municipalities where `user` plans (coordination,
    or a carrier for its own staff)."""
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.permissions import carrier_ids, municipality_ids

    mun = municipality_ids(user, Role.COORDINATION) | set(
        Carrier.objects.filter(pk__in=carrier_ids(user)).values_list("municipality_id", flat=True)
    )
    return (
        Scenario.objects.adopted()
        .filter(municipality_id__in=mun)
        .select_related("school_year", "municipality")
    )


def carriers_to_plan_for(*, user: Any) -> QuerySet[Carrier]:
    """Carriers whose own plan `user` may create."""
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.permissions import carrier_ids, municipality_ids

    return Carrier.objects.filter(
        municipality_id__in=municipality_ids(user, Role.COORDINATION)
    ) | Carrier.objects.filter(pk__in=carrier_ids(user))


def coordinated_municipality(*, user: Any) -> Municipality | None:
    """The municipality `user` coordinates (the first, by id), or None."""
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.permissions import municipality_ids

    coordinated = sorted(municipality_ids(user, Role.COORDINATION))
    return Municipality.objects.filter(pk=coordinated[0]).first() if coordinated else None


@dataclass
class SchoolRow:
    school: School
    target: Decimal
    assigned: Decimal
    deviation: Decimal
    people: list[PlanAssignment]


@dataclass
class PlanView:
    """Everything the plan page shows."""

    plan: StaffingPlan
    schools: list[SchoolRow]
    changes: list[PlanChange]
    unfilled: list[tuple[School, Decimal]]
    checks: list[RuleCheck]
    pins: list[PlanPin]
    bans: list[PlanBan]
    staff: list[StaffMember]
    total_target: Decimal
    total_assigned: Decimal
    gap_percent: Decimal | None
    #: The last calculation in one sentence (solver_summary).
    solver_summary: str
    #: Assignments below checks.SMALL_ASSIGNMENT_FTE the user did not fix.
    small: set[int]
    small_fte: Decimal = SMALL_ASSIGNMENT_FTE


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def gap_percent(result: dict[str, Any]) -> Decimal | None:
    """How far the plan may be from the best plan at most, in % of its value
    (objective − bound) / objective; None when no bound is known."""
    objective, bound = result.get("objective"), result.get("bound")
    if objective is None or bound is None:
        return None
    objective, bound = Decimal(str(objective)), Decimal(str(bound))
    if objective <= 0:
        return Decimal(0)
    return max(Decimal(0), (objective - bound) / objective * 100).quantize(Decimal("0.1"))


def solver_summary(plan: StaffingPlan) -> str:
    """When the plan was last calculated and what came out, in words for a
    coordinator: proven best, or stopped after n seconds at most g % from the
    best plan (the gap between the plan's value and the proven bound)."""
    result = plan.result or {}
    status = result.get("status")
    if status == "carried_over":
        return _("Carried over from today's assignments; not calculated yet.")
    if status not in ("optimal", "time_limit") or plan.solved_at is None:
        return _("Not calculated yet.")
    moment = timezone.localtime(plan.solved_at)
    when = {"day": date_format(moment, "DATE_FORMAT"), "time": time_format(moment, "TIME_FORMAT")}
    if status == "optimal":
        return _("Last calculated on %(day)s at %(time)s: best possible plan (proven).") % when
    seconds = result.get("seconds")
    stopped = (
        ngettext("after %(seconds)s second", "after %(seconds)s seconds", round(seconds))
        % {"seconds": round(seconds)}
        if isinstance(seconds, int | float)
        else _("at the time limit")
    )
    gap = gap_percent(result)
    if gap is None:
        return _(
            "Last calculated on %(day)s at %(time)s: calculation stopped %(stopped)s; "
            "how far it is from the best possible plan is not known."
        ) % {**when, "stopped": stopped}
    return _(
        "Last calculated on %(day)s at %(time)s: calculation stopped %(stopped)s; "
        "at most %(gap)s %% from the best possible plan."
    ) % {**when, "stopped": stopped, "gap": number_format(gap, decimal_pos=1)}


def plan_view(*, plan: StaffingPlan) -> PlanView:
    """The plan's tables (the caller got `plan` through plans_visible_to)."""
    result = plan.result or {}
    numbers = {
        s.school_number: s
        for s in School.objects.filter(
            municipality_id=plan.municipality_id,
            school_number__in=[r["id"] for r in result.get("schools", [])]
            + [r["school"] for r in result.get("unfilled", [])],
        )
    }
    by_school: dict[int, list[PlanAssignment]] = {}
    for row in plan.assignments.select_related("staff", "school"):
        by_school.setdefault(row.school_id, []).append(row)
    schools = []
    for row in result.get("schools", []):
        school = numbers.get(row["id"])
        if school is None:
            continue
        target, assigned = _dec(row["target_fte"]), _dec(row["assigned_fte"])
        schools.append(
            SchoolRow(school, target, assigned, assigned - target, by_school.get(school.pk, []))
        )
    schools.sort(key=lambda r: r.school.name)
    unfilled = [
        (numbers[r["school"]], _dec(r["fte"]))
        for r in result.get("unfilled", [])
        if r["school"] in numbers and Decimal(str(r["fte"])) > 0
    ]
    unfilled.sort(key=lambda r: r[0].name)
    plan_dict = {
        "assignments": [
            {"staff": a["staff"], "school": a["school"], "fte": a["fte"]}
            for a in _assignment_dicts(plan)
        ]
    }
    staff = list(
        StaffMember.objects.filter(perms.staff_in_scope_q(plan), pk__in=_staff_ids(plan)).order_by(
            "label"
        )
    )
    pins = list(plan.pins.select_related("staff", "school"))
    fixed = {(p.staff_id, p.school_id) for p in pins}
    small = {
        a.pk
        for rows in by_school.values()
        for a in rows
        if is_small_assignment(a.fte, pinned=(a.staff_id, a.school_id) in fixed)
    }
    return PlanView(
        plan=plan,
        schools=schools,
        changes=list(plan.changes.select_related("staff", "school")),
        unfilled=unfilled,
        checks=rule_checks(plan.problem, plan_dict) if result else [],
        pins=pins,
        bans=list(plan.bans.select_related("staff", "school")),
        staff=staff,
        total_target=sum((r.target for r in schools), Decimal(0)),
        total_assigned=sum((r.assigned for r in schools), Decimal(0)),
        gap_percent=gap_percent(result),
        solver_summary=solver_summary(plan),
        small=small if result else set(),
    )


def _staff_ids(plan: StaffingPlan) -> list[int]:
    """The people of the last calculation (their ids in the problem)."""
    from .adapter import build_scope

    return [m.pk for m in build_scope(plan).staff.values()]


def _assignment_dicts(plan: StaffingPlan) -> list[dict[str, Any]]:
    """The plan's rows with the problem's ids (for the rule checks)."""
    ids: dict[int, str] = {}
    labels: dict[str, int] = {}
    for person in plan.problem.get("staff", []):
        labels[person["id"]] = 0
    for row in plan.assignments.select_related("staff", "school"):
        key = row.staff.label if row.staff.label in labels else f"{row.staff.label} #{row.staff_id}"
        ids[row.staff_id] = key
    return [
        {"staff": ids[row.staff_id], "school": row.school.school_number, "fte": row.fte}
        for row in plan.assignments.select_related("staff", "school")
    ]


def plan_funding_findings(*, user: Any, plan: StaffingPlan) -> list[Any] | None:
    """The funding-rule findings (contracts.selectors.RuleFinding) that
    concern the plan's school year: the streams' own and their budgets of that
    year. None when `user` may not see them (permissions.can_see_funding_checks)."""
    if not perms.can_see_funding_checks(user, plan):
        return None
    from schulsozial.contracts.selectors import funding_findings

    year = plan.school_year.code
    return [
        f for f in funding_findings(municipality=plan.municipality) if f.school_year in ("", year)
    ]


def unfilled_rows(*, plan: StaffingPlan) -> list[tuple[School, Decimal]]:
    return plan_view(plan=plan).unfilled


# --------------------------------------------------------------------------- schools to carriers


@dataclass
class SchoolCarriers:
    """The municipality's assignment of its schools to carriers, as the page
    shows it: active schools by name, its carriers, school id -> carrier id."""

    municipality: Municipality
    schools: list[School]
    carriers: list[Carrier]
    current: dict[int, int]


@dataclass
class Conflict:
    staff: str
    staff_carrier: str
    school: str
    school_carrier: str
    weekly_hours: str


def school_carriers_of(*, user: Any) -> SchoolCarriers | None:
    """The assignment of schools to carriers of the municipality `user`
    coordinates (the first), None when `user` may not assign them."""
    municipality = coordinated_municipality(user=user)
    if municipality is None or not perms.can_assign_school_carriers(user, municipality.pk):
        return None
    schools = list(School.objects.active().filter(municipality=municipality).order_by("name", "pk"))
    return SchoolCarriers(
        municipality=municipality,
        schools=schools,
        carriers=list(Carrier.objects.filter(municipality=municipality).order_by("name")),
        current=dict(
            SchoolCarrier.objects.filter(school__in=schools).values_list("school_id", "carrier_id")
        ),
    )


def school_carrier_conflicts(*, user: Any, municipality: Municipality) -> list[Conflict]:
    """Today's social-work assignments of a person whose carrier is not the
    one the school is given to (the solver moves them); empty for a user who
    may not assign the municipality's schools to carriers."""
    if not perms.can_assign_school_carriers(user, municipality.pk):
        return []
    owners = {
        sc.school_id: sc.carrier
        for sc in SchoolCarrier.objects.filter(school__municipality=municipality).select_related(
            "carrier"
        )
    }
    if not owners:
        return []
    found = []
    for assignment in (
        PositionAssignment.objects.filter(
            school_id__in=list(owners),
            position__in=Position.objects.active_on(timezone.localdate()).filter(
                function=Function.SOCIAL_WORK, staff_member__isnull=False
            ),
        )
        .select_related("school", "position__staff_member__carrier")
        .order_by("school__name", "position__staff_member__label")
    ):
        member = assignment.position.staff_member
        owner = owners[assignment.school_id]
        if member is None or member.carrier_id == owner.pk:
            continue
        found.append(
            Conflict(
                staff=member.label,
                staff_carrier=member.carrier.name,
                school=assignment.school.name,
                school_carrier=owner.name,
                weekly_hours=number_format(
                    Decimal(format(assignment.weekly_hours.normalize(), "f"))
                ),
            )
        )
    return found
