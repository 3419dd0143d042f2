"""Every write of the staffing plan. Keyword-only, explicit actor `by=`,
transactional, audited.

Life of a plan: `plan_create` (from the adopted scenario of a school year) or
`plan_rollover` (what continues) -> pins and bans -> `plan_solve` (at once
when the problem is small, else a background task with a progress page) ->
`plan_accept`: the plan becomes the positions' school assignments for the
school year, written through masterdata.services.

How an accepted plan is dated: the platform dates assignments through their
position (Position.valid_from/valid_to; every reader asks
Position.objects.active_on(day)). A person whose schools or hours change
keeps the old position with its assignments, ended on the last day before the
school year (history, never deleted), and gets a successor position (same
carrier, funding stream, FTE and end; code "<code> (2027/28)") from the first
day of the year with the planned assignments. A position that starts within
the planned year is changed in place. Unchanged persons are not touched.
"""

from __future__ import annotations

import datetime
import logging
import re
import time
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.allocation.models import Scenario
from schulsozial.core.actors import SYSTEM
from schulsozial.core.audit import Action, audit
from schulsozial.masterdata import services as md
from schulsozial.masterdata.models import (
    Carrier,
    Municipality,
    Position,
    School,
    SchoolYear,
    StaffMember,
)

from . import adapter
from . import permissions as perms
from .models import PlanAssignment, PlanBan, PlanChange, PlanPin, StaffingPlan

logger = logging.getLogger(__name__)

#: Problems up to this many (person, school) pairs are calculated at once in
#: the request; larger ones go to the background task with a progress page.
SYNC_PAIRS = 1000
SYNC_TIME_LIMIT = 5
HOURS_TOLERANCE = Decimal("0.01")


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _user_or_none(by: Any) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


# --------------------------------------------------------------------------- create


@transaction.atomic
def plan_create(
    *,
    scenario: Scenario,
    by: Any,
    carrier: Carrier | None = None,
    name: str = "",
    is_demo: bool = False,
) -> StaffingPlan:
    """A draft plan for the school year of the adopted `scenario`, for all
    staff of its municipality or `carrier`'s own."""
    _require(perms.may_plan_for(by, scenario.municipality_id, carrier.pk if carrier else None))
    if scenario.status != Scenario.Status.ADOPTED:
        raise ValidationError(
            {"scenario": _("A staffing plan starts from the adopted distribution of a year.")}
        )
    if carrier is not None and carrier.municipality_id != scenario.municipality_id:
        raise ValidationError({"carrier": _("The carrier belongs to another municipality.")})
    plan = StaffingPlan(
        municipality_id=scenario.municipality_id,
        school_year_id=scenario.school_year_id,
        scenario=scenario,
        carrier=carrier,
        name=name
        or _("Staffing plan %(year)s") % {"year": scenario.school_year.code}
        + (f" – {carrier.name}" if carrier else ""),
        created_by=_user_or_none(by),
        is_demo=is_demo,
    )
    plan.full_clean()
    plan.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=plan,
        changes={"scenario": scenario.name, "carrier": carrier.name if carrier else ""},
    )
    return plan


@transaction.atomic
def plan_rollover(
    *,
    municipality: Municipality,
    school_year: SchoolYear,
    by: Any,
    carrier: Carrier | None = None,
    is_demo: bool = False,
) -> StaffingPlan:
    """School-year rollover: a plan for `school_year` that copies what
    continues. Every assignment of a person still employed on the year's first
    day whose position runs into the year is carried over (within the
    person's FTE); the assignments of persons leaving end (reason: contract or
    position ends). Targets are the adopted scenario's of that year where
    there is one, else today's FTE per school. The plan is ready to accept or
    to calculate like any other."""
    _require(perms.can_rollover(by, municipality.pk, carrier.pk if carrier else None))
    if carrier is not None and carrier.municipality_id != municipality.pk:
        raise ValidationError({"carrier": _("The carrier belongs to another municipality.")})
    scenario = (
        Scenario.objects.adopted()
        .filter(municipality=municipality, school_year=school_year)
        .first()
    )
    plan = StaffingPlan(
        municipality=municipality,
        school_year=school_year,
        scenario=scenario,
        carrier=carrier,
        name=_("Rollover %(year)s") % {"year": school_year.code}
        + (f" – {carrier.name}" if carrier else ""),
        created_by=_user_or_none(by),
        is_demo=is_demo,
    )
    plan.full_clean()
    plan.save()
    scope = adapter.build_scope(plan)
    problem = adapter.build_problem(plan, scope)
    result = carry_over(problem)
    _store_result(plan=plan, scope=scope, problem=problem, result=result)
    audit(
        actor=by,
        action=Action.CREATE,
        obj=plan,
        changes={
            "school_year": school_year.code,
            "scenario": scenario.name if scenario else "",
            "status": plan.status,
        },
    )
    return plan


def carry_over(problem: dict[str, Any]) -> dict[str, Any]:
    """The PLAN dict of 'keep what continues': each available person keeps
    their current assignments as far as their FTE reaches."""
    start = problem.get("plan_start")
    step = Decimal(str(problem["step_fte"]))
    assignments, changes = [], []
    for person in problem["staff"]:
        left = Decimal(str(person["fte"]))
        ends = person.get("contract_end")
        leaving = bool(ends and start and ends < start)
        for row in person.get("current", []):
            value = Decimal(str(row["fte"]))
            keep = Decimal(0) if leaving else min(value, left)
            keep = step * int(keep / step)
            left -= keep
            if keep > 0:
                assignments.append({"staff": person["id"], "school": row["school"], "fte": keep})
            if keep != value:
                reason = (
                    _("Contract ends before the school year")
                    if leaving
                    else _("The position does not run into the school year with these hours")
                )
                changes.append(
                    {
                        "staff": person["id"],
                        "school": row["school"],
                        "kind": "removed" if keep == 0 else "changed",
                        "reason": reason,
                    }
                )
    assigned: dict[str, Decimal] = defaultdict(Decimal)
    for row in assignments:
        assigned[row["school"]] += row["fte"]
    schools, unfilled = [], []
    deviation = Decimal(0)
    for school in problem["schools"]:
        target = Decimal(str(school["target_fte"]))
        got = assigned.get(school["id"], Decimal(0))
        schools.append({"id": school["id"], "target_fte": target, "assigned_fte": got})
        deviation += abs(got - target)
        if got < target:
            unfilled.append({"school": school["id"], "fte": target - got})
    weights = problem["weights"]
    objective = Decimal(str(weights["deviation"])) * deviation + Decimal(
        str(weights["change"])
    ) * sum(1 for c in changes if c["kind"] == "removed")
    return {
        "status": "carried_over",
        "objective": float(objective),
        "bound": None,
        "assignments": [{**a, "fte": float(a["fte"])} for a in assignments],
        "schools": [
            {**s, "target_fte": float(s["target_fte"]), "assigned_fte": float(s["assigned_fte"])}
            for s in schools
        ],
        "changes": changes,
        "unfilled": [{**u, "fte": float(u["fte"])} for u in unfilled],
    }


# --------------------------------------------------------------------------- pins and bans


def _check_pair(plan: StaffingPlan, staff: StaffMember, school: School) -> adapter.Scope:
    scope = adapter.build_scope(plan)
    if staff.pk not in scope.staff_by_pk:
        raise ValidationError({"staff": _("This person is not part of this plan.")})
    if school.pk not in scope.schools_by_pk:
        raise ValidationError({"school": _("This school is not part of this plan.")})
    return scope


def _reopen(plan: StaffingPlan) -> None:
    """A changed pin or ban makes the last result stale: calculate again."""
    if plan.status == StaffingPlan.Status.SOLVED:
        plan.status = StaffingPlan.Status.DRAFT
        plan.save(update_fields=["status"])


@transaction.atomic
def pin_set(
    *, plan: StaffingPlan, staff: StaffMember, school: School, fte: Decimal, by: Any
) -> PlanPin:
    """Fix `staff` at `school` with `fte` (the solver keeps it exactly)."""
    plan = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
    _require(perms.can_edit_plan(by, plan))
    scope = _check_pair(plan, staff, school)
    capacity = scope.staff_fte[staff.pk]
    if fte <= 0 or fte % plan.step_fte:
        raise ValidationError(
            {"fte": _("The FTE must be a whole multiple of %(step)s.") % {"step": plan.step_fte}}
        )
    if fte > capacity:
        raise ValidationError(
            {
                "fte": _("%(person)s works %(capacity)s FTE in this plan.")
                % {"person": staff.label, "capacity": capacity}
            }
        )
    PlanBan.objects.filter(plan=plan, staff=staff, school=school).delete()
    pin, created = PlanPin.objects.update_or_create(
        plan=plan, staff=staff, school=school, defaults={"fte": fte}
    )
    audit(
        actor=by,
        action=Action.CREATE if created else Action.UPDATE,
        obj=pin,
        changes={"staff": staff.label, "school": school.name, "fte": fte},
    )
    _reopen(plan)
    return pin


@transaction.atomic
def pin_remove(*, pin: PlanPin, by: Any) -> None:
    plan = StaffingPlan.objects.select_for_update().get(pk=pin.plan_id)
    _require(perms.can_edit_plan(by, plan))
    audit(actor=by, action=Action.DELETE, obj=pin, changes={"fte": pin.fte})
    pin.delete()
    _reopen(plan)


@transaction.atomic
def ban_set(*, plan: StaffingPlan, staff: StaffMember, school: School, by: Any) -> PlanBan:
    """Never assign `staff` to `school` in this plan."""
    plan = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
    _require(perms.can_edit_plan(by, plan))
    _check_pair(plan, staff, school)
    PlanPin.objects.filter(plan=plan, staff=staff, school=school).delete()
    ban, created = PlanBan.objects.get_or_create(plan=plan, staff=staff, school=school)
    if created:
        audit(
            actor=by,
            action=Action.CREATE,
            obj=ban,
            changes={"staff": staff.label, "school": school.name},
        )
    _reopen(plan)
    return ban


@transaction.atomic
def ban_remove(*, ban: PlanBan, by: Any) -> None:
    plan = StaffingPlan.objects.select_for_update().get(pk=ban.plan_id)
    _require(perms.can_edit_plan(by, plan))
    audit(actor=by, action=Action.DELETE, obj=ban)
    ban.delete()
    _reopen(plan)


# --------------------------------------------------------------------------- solving


def plan_solve(*, plan: StaffingPlan, by: Any, background: bool | None = None) -> StaffingPlan:
    """Calculate the plan: at once when the problem is small (up to
    SYNC_PAIRS person-school pairs) or `background` is False, else in the
    background task (status 'solving'; the plan's progress page follows it).
    Raises PermissionDenied unless `by` may edit the plan."""
    with transaction.atomic():
        plan = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
        _require(perms.can_edit_plan(by, plan))
        scope = adapter.build_scope(plan)
        problem = adapter.build_problem(plan, scope)
        pairs = len(problem["staff"]) * len(problem["schools"])
        previous = plan.status
        plan.status = StaffingPlan.Status.SOLVING
        plan.problem = problem
        plan.progress = {"phase": "queued", "pairs": pairs, "since": timezone.now().isoformat()}
        plan.error = ""
        plan.save(update_fields=["status", "problem", "progress", "error"])
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=plan,
            changes={"status": [previous, StaffingPlan.Status.SOLVING]},
        )
        if background or (background is None and pairs > SYNC_PAIRS):
            from .tasks import solve_plan_task

            # In the same transaction as the status: the worker sees the task
            # only with it (a backend that runs tasks at once has finished).
            solve_plan_task.enqueue(plan.pk)
            plan.refresh_from_db()
            return plan
    limit = SYNC_TIME_LIMIT if background is None else plan.time_limit_seconds
    return solve_run(plan_id=plan.pk, time_limit=min(plan.time_limit_seconds, limit))


def solve_run(*, plan_id: int, time_limit: float | None = None) -> StaffingPlan:
    """The calculation itself (the task's work, or at once): reads the
    problem afresh, runs the solver with progress on the plan's row, stores
    the result or the solver's message. Acts as the platform (the request
    that started it was checked by plan_solve)."""
    from .engine import solve

    plan = StaffingPlan.objects.select_related("municipality", "school_year").get(pk=plan_id)
    if plan.status != StaffingPlan.Status.SOLVING:
        return plan
    scope = adapter.build_scope(plan)
    problem = adapter.build_problem(plan, scope)
    last = [0.0]
    since = (plan.progress or {}).get("since") or timezone.now().isoformat()

    def progress(event: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - last[0] < 1 and event.get("phase") not in ("start", "done"):
            return
        last[0] = now
        StaffingPlan.objects.filter(pk=plan_id).update(
            progress={
                **{k: v for k, v in event.items() if isinstance(v, str | int | float | None)},
                "since": since,
            }
        )

    limit = float(time_limit if time_limit is not None else plan.time_limit_seconds)
    try:
        result = solve(problem, time_limit=limit, progress=progress)
    except ValueError as exc:  # the solver's StaffingError: German, names the conflict
        messages = getattr(exc, "messages", None) or (str(exc),)
        StaffingPlan.objects.filter(pk=plan_id).update(
            status=StaffingPlan.Status.DRAFT, error="\n".join(messages), progress={}
        )
        plan.refresh_from_db()
        return plan
    except Exception:
        logger.exception("staffing plan %s: the solver failed", plan_id)
        StaffingPlan.objects.filter(pk=plan_id).update(
            status=StaffingPlan.Status.DRAFT,
            error=_("The calculation failed. Please try again or tell the IT operator."),
            progress={},
        )
        plan.refresh_from_db()
        return plan
    with transaction.atomic():
        plan = StaffingPlan.objects.select_for_update().get(pk=plan_id)
        _store_result(plan=plan, scope=scope, problem=problem, result=result)
        audit(
            actor=SYSTEM,
            action=Action.UPDATE,
            obj=plan,
            changes={
                "status": [StaffingPlan.Status.SOLVING, StaffingPlan.Status.SOLVED],
                "result": result_text(result),
            },
        )
    return plan


def result_text(result: dict[str, Any]) -> str:
    """The solver's outcome in words (the audit log's detail)."""
    from django.utils.formats import number_format

    from .selectors import gap_percent

    value = number_format(Decimal(str(result.get("objective") or 0)), decimal_pos=2)
    if result.get("status") == "optimal":
        return _("optimal, value %(value)s") % {"value": value}
    gap = gap_percent(result)
    if gap is None:
        return _("stopped at the time limit, value %(value)s") % {"value": value}
    return _("stopped at the time limit, value %(value)s, at most %(gap)s %% from the optimum") % {
        "value": value,
        "gap": number_format(gap, decimal_pos=1),
    }


def _store_result(
    *,
    plan: StaffingPlan,
    scope: adapter.Scope,
    problem: dict[str, Any],
    result: dict[str, Any],
) -> None:
    plan.assignments.all().delete()
    plan.changes.all().delete()
    schools = scope.schools
    staff = scope.staff
    after: dict[tuple[int, int], Decimal] = {}
    rows = []
    for row in result.get("assignments", []):
        member, school = staff.get(row["staff"]), schools.get(row["school"])
        value = adapter.fte(row["fte"])
        if member is None or school is None or value <= 0:
            continue
        after[(member.pk, school.pk)] = value
        rows.append(PlanAssignment(plan=plan, staff=member, school=school, fte=value))
    PlanAssignment.objects.bulk_create(rows)
    changes = []
    for row in result.get("changes", []):
        member, school = staff.get(row["staff"]), schools.get(row["school"])
        if member is None or school is None:
            continue
        before = scope.current.get(member.pk, {}).get(school.pk, Decimal(0))
        planned = after.get((member.pk, school.pk), Decimal(0))
        if before == planned:
            continue
        kind = (
            PlanChange.Kind.ADDED
            if before == 0
            else PlanChange.Kind.REMOVED
            if planned == 0
            else PlanChange.Kind.CHANGED
        )
        changes.append(
            PlanChange(
                plan=plan,
                staff=member,
                school=school,
                kind=kind,
                fte_before=before,
                fte_after=planned,
                reason=str(row.get("reason", ""))[:2000],
            )
        )
    PlanChange.objects.bulk_create(changes, ignore_conflicts=False)
    plan.problem = problem
    plan.result = {
        k: result.get(k) for k in ("status", "objective", "bound", "seconds", "schools", "unfilled")
    }
    plan.status = StaffingPlan.Status.SOLVED
    plan.solved_at = timezone.now()
    plan.progress = {}
    plan.error = ""
    plan.save(update_fields=["problem", "result", "status", "solved_at", "progress", "error"])


# --------------------------------------------------------------------------- accept


_YEAR_SUFFIX = re.compile(r" \(\d{4}/\d{2}\)$")


def _successor_code(position: Position, year: SchoolYear) -> str:
    base = _YEAR_SUFFIX.sub("", position.code)
    suffix = f" ({year.code})"
    code = base[: 40 - len(suffix)] + suffix
    n = 2
    while Position.objects.filter(municipality_id=position.municipality_id, code=code).exists():
        tail = f" #{n}{suffix}"
        code = base[: 40 - len(tail)] + tail
        n += 1
    return code


def _spread(
    hours: dict[School, Decimal], positions: list[Position]
) -> list[tuple[Position, dict[School, Decimal]]]:
    """The planned hours over the person's positions, largest school first."""
    free = {p.pk: p.weekly_hours for p in positions}
    spread: dict[int, dict[School, Decimal]] = {p.pk: {} for p in positions}
    for school, total in sorted(hours.items(), key=lambda kv: (-kv[1], kv[0].school_number)):
        left = total
        for position in positions:
            take = min(left, free[position.pk])
            if take > 0:
                spread[position.pk][school] = take
                free[position.pk] -= take
                left -= take
            if left <= 0:
                break
    return [(p, spread[p.pk]) for p in positions]


@transaction.atomic
def plan_accept(*, plan: StaffingPlan, by: Any) -> StaffingPlan:
    """The plan becomes the positions' school assignments for its school
    year (see the module's note on dating), through masterdata.services
    with `by` as the actor; one audit entry for the plan. Another accepted
    plan of the same year and scope is discarded (superseded)."""
    plan = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
    _require(perms.can_accept_plan(by, plan))
    year = plan.school_year
    start = year.start
    last_day = start - datetime.timedelta(days=1)
    scope = adapter.build_scope(plan)
    planned: dict[int, dict[School, Decimal]] = defaultdict(dict)
    for row in plan.assignments.select_related("school"):
        planned[row.staff_id][row.school] = md.fte_to_hours(
            fte=row.fte, municipality=plan.municipality
        )
    ended = created = changed_in_place = 0
    for member in scope.staff.values():
        positions = scope.positions.get(member.pk, [])
        if not positions:
            continue  # nobody to write to: the person leaves or has no position
        new = planned.get(member.pk, {})
        old: dict[int, Decimal] = defaultdict(Decimal)
        for position in positions:
            for a in position.assignments.all():
                old[a.school_id] += a.weekly_hours
        new_by_id = {s.pk: h for s, h in new.items()}
        if set(old) == set(new_by_id) and all(
            abs(old[k] - new_by_id[k]) <= HOURS_TOLERANCE for k in old
        ):
            continue
        for position, hours in _spread(new, positions):
            if position.valid_from >= start:
                for a in list(position.assignments.select_related("school", "position")):
                    if a.school not in hours:
                        md.assignment_remove(assignment=a, by=by)
                for school, value in hours.items():
                    md.assignment_set(position=position, school=school, weekly_hours=value, by=by)
                changed_in_place += 1
                continue
            runs_to = position.valid_to
            md.position_update(position=position, valid_to=last_day, by=by)
            ended += 1
            successor = md.position_create(
                municipality=plan.municipality,
                by=by,
                code=_successor_code(position, year),
                carrier=position.carrier,
                funding_stream=position.funding_stream,
                function=position.function,
                fte=position.fte,
                staff_member=member,
                valid_from=start,
                valid_to=runs_to,
                is_demo=position.is_demo,
            )
            created += 1
            for school, value in hours.items():
                md.assignment_set(position=successor, school=school, weekly_hours=value, by=by)
    same_scope = (
        Q(carrier__isnull=True) if plan.carrier_id is None else Q(carrier_id=plan.carrier_id)
    )
    StaffingPlan.objects.filter(
        same_scope,
        municipality_id=plan.municipality_id,
        school_year_id=plan.school_year_id,
        status=StaffingPlan.Status.ACCEPTED,
    ).exclude(pk=plan.pk).update(status=StaffingPlan.Status.DISCARDED)
    plan.status = StaffingPlan.Status.ACCEPTED
    plan.accepted_at = timezone.now()
    plan.accepted_by = _user_or_none(by)
    plan.save(update_fields=["status", "accepted_at", "accepted_by"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=plan,
        changes={
            "status": [StaffingPlan.Status.SOLVED, StaffingPlan.Status.ACCEPTED],
            "school_year": year.code,
            # Positions: new successors, and ended or changed ones.
            "created": created,
            "updated": ended + changed_in_place,
        },
    )
    return plan


@transaction.atomic
def plan_discard(*, plan: StaffingPlan, by: Any) -> StaffingPlan:
    plan = StaffingPlan.objects.select_for_update().get(pk=plan.pk)
    _require(perms.can_edit_plan(by, plan))
    previous = plan.status
    plan.status = StaffingPlan.Status.DISCARDED
    plan.save(update_fields=["status"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=plan,
        changes={"status": [previous, StaffingPlan.Status.DISCARDED]},
    )
    return plan


# --------------------------------------------------------------------------- school carriers


@transaction.atomic
def school_carriers_set(
    *, municipality: Municipality, mapping: dict[int, int | None], by: Any
) -> list[str]:
    """The municipality's assignment of its schools to carriers (issue 15):
    `mapping` is school id -> carrier id, or None for "no fixed carrier"
    (anyone may work there). Schools not in `mapping` stay as they are.
    Returns the changes in words (also the audit entry's); nothing changed,
    no entry."""
    from .models import SchoolCarrier

    _require(perms.can_assign_school_carriers(by, municipality.pk))
    schools = {
        s.pk: s for s in School.objects.filter(municipality=municipality, pk__in=list(mapping))
    }
    if len(schools) != len(mapping):
        raise ValidationError(_("A school of another municipality cannot be assigned here."))
    wanted = {c for c in mapping.values() if c is not None}
    carriers = {c.pk: c for c in Carrier.objects.filter(pk__in=wanted)}
    for school_id, carrier_id in mapping.items():
        if carrier_id is None:
            continue
        carrier = carriers.get(carrier_id)
        if carrier is None or carrier.municipality_id != municipality.pk:
            raise ValidationError(
                _("%(school)s: the carrier is not one of this municipality's carriers.")
                % {"school": schools[school_id].name}
            )
    existing = {
        sc.school_id: sc
        for sc in SchoolCarrier.objects.select_for_update()
        .filter(school__in=list(schools))
        .select_related("carrier")
    }
    nobody = _("no fixed carrier")
    changes: list[str] = []
    for school in sorted(schools.values(), key=lambda s: (s.name, s.pk)):
        carrier_id = mapping[school.pk]
        current = existing.get(school.pk)
        if (current.carrier_id if current else None) == carrier_id:
            continue
        before = current.carrier.name if current else nobody
        if carrier_id is None and current is not None:
            current.delete()
            after = nobody
        elif carrier_id is None:
            continue
        elif current is None:
            SchoolCarrier.objects.create(school=school, carrier=carriers[carrier_id])
            after = carriers[carrier_id].name
        else:
            current.carrier = carriers[carrier_id]
            current.save(update_fields=["carrier"])
            after = current.carrier.name
        changes.append(f"{school.name}: {before} → {after}")
    if changes:
        audit(
            actor=by,
            action=Action.UPDATE,
            municipality_id=municipality.pk,
            object_type="staffing.schoolcarrier",
            object_repr=_("Assignment of schools to carriers"),
            changes={"schools": changes},
        )
    return changes
