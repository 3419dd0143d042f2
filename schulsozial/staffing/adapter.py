"""Bridge between the database and the pure solver (staffing.engine).

`build_problem(plan)` reads the PROBLEM.json dict of issue 15 from master
data; `Scope` keeps what the ids of that dict stand for, so that the PLAN.json
dict the solver returns can be stored as rows again (services.plan_solve).

What goes in:

* schools: the municipality's active schools with the FTE target of the
  plan's adopted scenario (its stored result, `schools[].fte`); a rollover
  plan without a scenario aims at what each school has today. A school the
  municipality gave to one carrier (models.SchoolCarrier) carries that
  carrier's name: only its staff may work there. A carrier's own plan covers
  the schools the municipality gave it and those where its staff work today;
  its target there is the whole target where the school is the carrier's,
  else the carrier's share of today's hours at the school.
* staff: social workers of the municipality (or the carrier) employed on the
  reference day or on the school year's first day, with their contract end
  (the contract running on the reference day in the contract history,
  contracts.selectors.contract_ends, else StaffMember.contract_end; the
  solver ends the assignments of a person whose contract ends before the
  year starts, reason "Vertrag endet"); their
  FTE is the smaller of the person's FTE and the FTE of their social-work
  positions running into the year; `current` are the assignments of their
  positions on the reference day (today, at most the year's last day). The solver works in whole steps: FTE and current hours
  are rounded down to whole steps (one step at least), targets to the
  nearest step.
* rules: the municipality's funding rules (Municipality.rule_*; defaults:
  more than 0.5 FTE at most 2 schools, 0.5 FTE or less 1 school).
* weights, step: the plan's own fields; pins and bans: the plan's rows.

Ids in the dict are what a coordinator reads in the solver's messages: the
person's label (with the record number when two share a label), the school
number, the carrier's name.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import (
    Function,
    Position,
    PositionAssignment,
    School,
    SchoolYear,
    StaffMember,
)

from . import permissions as perms
from .models import SchoolCarrier, StaffingPlan

FTE_QUANT = Decimal("0.0001")


def fte(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(FTE_QUANT, ROUND_HALF_UP)


def floor_steps(value: Decimal, step: Decimal) -> Decimal:
    """`value` down to a whole number of steps (the solver works in steps)."""
    return (step * int(value / step)).quantize(FTE_QUANT)


def nearest_steps(value: Decimal, step: Decimal) -> Decimal:
    return (step * int((value / step).to_integral_value(ROUND_HALF_UP))).quantize(FTE_QUANT)


def reference_day(school_year: SchoolYear) -> datetime.date:
    """The day whose assignments are 'current' for a plan of `school_year`:
    today (also when planning a coming year: who works where now, including
    people whose contract ends before the year), at most the year's last day."""
    return min(timezone.localdate(), school_year.end)


def positions_into_year_q(school_year: SchoolYear, day: datetime.date) -> Q:
    """Social-work positions that have started by the reference day (or the
    year's start) and run into the school year."""
    return (
        Q(function=Function.SOCIAL_WORK, valid_from__lte=max(day, school_year.start))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=school_year.start))
        & Q(staff_member__isnull=False)
    )


@dataclass
class Scope:
    """What the ids of a plan's problem stand for."""

    plan: StaffingPlan
    day: datetime.date
    staff: dict[str, StaffMember] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)
    targets: dict[int, Decimal] = field(default_factory=dict)
    current: dict[int, dict[int, Decimal]] = field(default_factory=dict)
    positions: dict[int, list[Position]] = field(default_factory=dict)
    staff_fte: dict[int, Decimal] = field(default_factory=dict)
    contract_end: dict[int, datetime.date | None] = field(default_factory=dict)
    school_carrier: dict[int, int] = field(default_factory=dict)

    def staff_id(self, staff: StaffMember) -> str:
        for key, member in self.staff.items():
            if member.pk == staff.pk:
                return key
        return staff.label

    @property
    def staff_by_pk(self) -> dict[int, StaffMember]:
        return {s.pk: s for s in self.staff.values()}

    @property
    def schools_by_pk(self) -> dict[int, School]:
        return {s.pk: s for s in self.schools.values()}


def _scenario_targets(plan: StaffingPlan) -> dict[int, Decimal] | None:
    if plan.scenario is None:
        return None
    return {int(row["id"]): fte(row["fte"]) for row in plan.scenario.result.get("schools", [])}


def _contract_ends(day: datetime.date) -> dict[int, datetime.date | None]:
    """Staff id -> end of the contract running on `day` (None: permanent),
    from the contract history (contracts.selectors) where a person has one;
    the others keep StaffMember.contract_end. The plan's scope limits whose
    ends are used; the platform reads them for every plan."""
    from schulsozial.contracts.selectors import contract_ends

    return contract_ends(user=SYSTEM, day=day)


def build_scope(plan: StaffingPlan) -> Scope:
    year = plan.school_year
    day = reference_day(year)
    scope = Scope(plan=plan, day=day)
    week = plan.municipality.fulltime_week_hours

    schools = {
        s.pk: s
        for s in School.objects.active()
        .filter(municipality_id=plan.municipality_id)
        .order_by("school_number")
    }
    scope.school_carrier = dict(
        SchoolCarrier.objects.filter(school__in=list(schools)).values_list(
            "school_id", "carrier_id"
        )
    )

    # Today's hours at every school of the municipality (all carriers), for
    # the schools' current FTE and a carrier's share.
    hours_by_school: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for school_id, carrier_id, hours in PositionAssignment.objects.filter(
        school_id__in=list(schools),
        position__in=Position.objects.active_on(day).filter(function=Function.SOCIAL_WORK),
    ).values_list("school_id", "position__staff_member__carrier_id", "weekly_hours"):
        hours_by_school[school_id][carrier_id] += hours

    targets = _scenario_targets(plan)
    for school_id, school in schools.items():
        today_fte = fte(sum(hours_by_school[school_id].values(), Decimal(0)) / week)
        target = targets.get(school_id, Decimal(0)) if targets is not None else today_fte
        if plan.carrier_id is not None:
            owner = scope.school_carrier.get(school_id)
            own_hours = hours_by_school[school_id].get(plan.carrier_id, Decimal(0))
            if owner is not None and owner != plan.carrier_id:
                continue
            if owner is None:
                if not own_hours:
                    continue
                total = sum(hours_by_school[school_id].values(), Decimal(0))
                target = fte(target * own_hours / total)
        scope.schools[school.school_number] = school
        scope.targets[school_id] = nearest_steps(target, plan.step_fte)

    staff = list(
        StaffMember.objects.filter(
            Q(pk__in=StaffMember.objects.employed_on(year.start))
            | Q(pk__in=StaffMember.objects.employed_on(day)),
            perms.staff_in_scope_q(plan),
            function=Function.SOCIAL_WORK,
        )
        .select_related("carrier")
        .order_by("label", "pk")
    )
    positions: dict[int, list[Position]] = defaultdict(list)
    for position in (
        Position.objects.filter(positions_into_year_q(year, day), staff_member__in=staff)
        .select_related("carrier", "funding_stream")
        .order_by("-fte", "code")
    ):
        if position.staff_member_id is not None:
            positions[position.staff_member_id].append(position)
    current: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for staff_id, school_id, hours in PositionAssignment.objects.filter(
        position__in=Position.objects.active_on(day).filter(
            function=Function.SOCIAL_WORK, staff_member__in=staff
        ),
        school_id__in=[s.pk for s in scope.schools.values()],
    ).values_list("position__staff_member_id", "school_id", "weekly_hours"):
        current[staff_id][school_id] += hours / week
    labels: dict[str, int] = defaultdict(int)
    for member in staff:
        labels[member.label] += 1
    ends = _contract_ends(day)
    step = plan.step_fte
    for member in staff:
        if not positions.get(member.pk) and not current.get(member.pk):
            continue  # neither a position into the year nor work today: nothing to plan
        key = member.label if labels[member.label] == 1 else f"{member.label} #{member.pk}"
        scope.staff[key] = member
        scope.positions[member.pk] = positions.get(member.pk, [])
        capacity = min(
            fte(member.fte), fte(sum((p.fte for p in scope.positions[member.pk]), Decimal(0)))
        )
        scope.staff_fte[member.pk] = floor_steps(capacity, step)
        scope.contract_end[member.pk] = ends.get(member.pk, member.contract_end)
        scope.current[member.pk] = {
            k: max(floor_steps(fte(v), step), step) for k, v in current[member.pk].items() if v > 0
        }
    return scope


def build_problem(plan: StaffingPlan, scope: Scope | None = None) -> dict[str, Any]:
    """The PROBLEM.json dict of issue 15 for `plan`."""
    scope = scope or build_scope(plan)
    municipality = plan.municipality
    carrier_names = {c.pk: c.name for c in municipality.carriers.all()}
    schools = []
    for number, school in scope.schools.items():
        row: dict[str, Any] = {"id": number, "target_fte": float(scope.targets[school.pk])}
        owner = scope.school_carrier.get(school.pk)
        if owner is not None:
            row["carrier"] = carrier_names[owner]
        schools.append(row)
    numbers = {s.pk: n for n, s in scope.schools.items()}
    staff = []
    for key, member in scope.staff.items():
        staff.append(
            {
                "id": key,
                "fte": float(scope.staff_fte[member.pk]),
                "carrier": carrier_names[member.carrier_id],
                "contract_end": end.isoformat()
                if (end := scope.contract_end.get(member.pk))
                else None,
                "current": [
                    {"school": numbers[school_id], "fte": float(value)}
                    for school_id, value in sorted(scope.current[member.pk].items())
                    if value > 0
                ],
            }
        )
    ids = {m.pk: k for k, m in scope.staff.items()}
    return {
        "plan_start": plan.school_year.start.isoformat(),
        "step_fte": float(plan.step_fte),
        "weights": {
            "deviation": float(plan.weight_deviation),
            "change": float(plan.weight_change),
        },
        "rules": {
            "max_schools_full_time": municipality.rule_max_schools_fulltime,
            "max_schools_half_time": municipality.rule_max_schools_parttime,
            "half_time_fte": float(municipality.rule_parttime_fte_threshold),
        },
        "schools": schools,
        "staff": staff,
        "pinned": [
            {
                "staff": ids.get(pin.staff_id, pin.staff.label),
                "school": pin.school.school_number,
                "fte": float(pin.fte),
            }
            for pin in plan.pins.select_related("staff", "school")
        ],
        "forbidden": [
            {"staff": ids.get(ban.staff_id, ban.staff.label), "school": ban.school.school_number}
            for ban in plan.bans.select_related("staff", "school")
        ],
    }
