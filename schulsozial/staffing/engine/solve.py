"""PLAN of the staffing solver: assignments, schools, changes with reasons, unfilled needs.

The reported ``objective`` is recomputed from the plan itself with exact decimals (the formula
of the issue), never taken from the solver; ``bound`` is the solver's proven lower bound,
rounded up to the objective's grain (every plan's value is a multiple of it), and equal to the
objective when the plan is optimal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .model import (
    Model,
    Progress,
    SolverRun,
    build_model,
    fix_and_optimise_start,
    run_highs,
)
from .problem import Problem, parse_problem

__all__ = ["check_plan", "plan_objective", "solve", "split_problem"]

Assignment = dict[tuple[str, str], Decimal]


def plan_objective(problem: Problem, assignment: Mapping[tuple[str, str], Decimal]) -> Decimal:
    """``deviation × Σ_schools |assigned − target| + change × |current XOR plan|`` (exact)."""
    assigned: dict[str, Decimal] = {}
    for (_, school), fte in assignment.items():
        assigned[school] = assigned.get(school, Decimal(0)) + fte
    deviation = sum(
        (abs(assigned.get(s.id, Decimal(0)) - s.target_fte) for s in problem.schools),
        Decimal(0),
    )
    current = {(p.id, c.school) for p in problem.staff for c in p.current}
    planned = {pair for pair, fte in assignment.items() if fte > 0}
    changes = len(current ^ planned)
    return problem.weights.deviation * deviation + problem.weights.change * changes


def check_plan(problem: Problem, plan: Mapping[str, Any]) -> list[str]:
    """Every rule the plan must keep; returns the violations (empty for a valid plan)."""
    problems: list[str] = []
    banned = {(f.staff, f.school) for f in problem.forbidden}
    per_person: dict[str, list[tuple[str, Decimal]]] = {}
    seen: set[tuple[str, str]] = set()
    for item in plan["assignments"]:
        person = problem.staff_by_id.get(item["staff"])
        school = problem.school_by_id.get(item["school"])
        fte = Decimal(str(item["fte"]))
        key = (item["staff"], item["school"])
        if person is None or school is None:
            problems.append(f"unknown pair {key}")
            continue
        if key in seen:
            problems.append(f"pair twice {key}")
        seen.add(key)
        if fte <= 0 or fte % problem.step_fte != 0:
            problems.append(f"not a positive whole step {key}: {fte}")
        if key in banned:
            problems.append(f"forbidden pair {key}")
        if problem.ineligibility(person, school) is not None:
            problems.append(f"ineligible pair {key}: {problem.ineligibility(person, school)}")
        per_person.setdefault(person.id, []).append((school.id, fte))
    for person_id, items in per_person.items():
        person = problem.staff_by_id[person_id]
        if sum((fte for _, fte in items), Decimal(0)) > person.fte:
            problems.append(f"{person_id} over-assigned")
        if len(items) > problem.max_schools(person):
            problems.append(f"{person_id} at too many schools")
    planned = {(i["staff"], i["school"]): Decimal(str(i["fte"])) for i in plan["assignments"]}
    for pin in problem.pinned:
        if planned.get((pin.staff, pin.school)) != pin.fte:
            problems.append(f"pin not kept {pin.staff} {pin.school}")
    return problems


def _fte(value: Decimal) -> float:
    return float(value)


def _reasons(problem: Problem, assignment: Assignment) -> list[dict[str, Any]]:
    school_current: dict[str, Decimal] = {}
    for person in problem.staff:
        for c in person.current:
            school_current[c.school] = school_current.get(c.school, Decimal(0)) + c.fte
    banned = {(f.staff, f.school) for f in problem.forbidden}
    pinned = {(p.staff, p.school) for p in problem.pinned}
    pinned_people = {p.staff for p in problem.pinned}
    generic = "Umplanung für eine bessere Deckung des Bedarfs"
    changes: list[dict[str, Any]] = []
    removed_at: set[str] = set()
    for person in problem.staff:
        for c in person.current:
            if (person.id, c.school) not in assignment:
                removed_at.add(c.school)

    def school_need(school_id: str) -> int:
        school = problem.school_by_id.get(school_id)
        if school is None:
            return 0
        current = school_current.get(school_id, Decimal(0))
        return (school.target_fte > current) - (school.target_fte < current)

    for person in problem.staff:
        current = {c.school: c.fte for c in person.current}
        current_total = sum(current.values(), Decimal(0))
        planned = {school: fte for (pid, school), fte in assignment.items() if pid == person.id}
        for school_id, before in current.items():
            after = planned.get(school_id)
            key = (person.id, school_id)
            school = problem.school_by_id.get(school_id)
            if after is None:
                if not person.available:
                    reason = "Vertrag endet"
                elif school is None:
                    reason = "Schule nicht mehr in der Verteilung"
                elif key in banned:
                    reason = "Zuordnung ausgeschlossen"
                elif problem.ineligibility(person, school) is not None:
                    reason = problem.ineligibility(person, school) or generic
                elif len(current) > problem.max_schools(person):
                    reason = problem.school_count_rule(person)
                elif school_need(school_id) < 0:
                    reason = "Bedarf der Schule gesunken"
                elif person.fte < current_total:
                    reason = "Stellenumfang der Person gesunken"
                elif person.id in pinned_people:
                    reason = "feste Zuordnung an einer anderen Schule"
                else:
                    reason = generic
                kind = "removed"
            elif after != before:
                kind = "changed"
                if key in pinned:
                    reason = "gepinnt"
                elif after > before:
                    reason = (
                        "Bedarf der Schule gestiegen" if school_need(school_id) > 0 else generic
                    )
                elif school_need(school_id) < 0:
                    reason = "Bedarf der Schule gesunken"
                elif person.fte < current_total:
                    reason = "Stellenumfang der Person gesunken"
                else:
                    reason = generic
            else:
                continue
            changes.append(
                {
                    "staff": person.id,
                    "school": school_id,
                    "kind": kind,
                    "reason": reason,
                    "fte_before": _fte(before),
                    "fte_after": _fte(after) if after is not None else 0.0,
                }
            )
        for school_id, after in planned.items():
            if school_id in current:
                continue
            if (person.id, school_id) in pinned:
                reason = "gepinnt"
            elif school_current.get(school_id, Decimal(0)) == 0:
                reason = "Schule bisher ohne Besetzung"
            elif school_need(school_id) > 0:
                reason = "Bedarf der Schule gestiegen"
            elif school_id in removed_at:
                reason = "Ersatz für eine bisherige Zuordnung"
            else:
                reason = generic
            changes.append(
                {
                    "staff": person.id,
                    "school": school_id,
                    "kind": "added",
                    "reason": reason,
                    "fte_before": 0.0,
                    "fte_after": _fte(after),
                }
            )
    return changes


def _trivial_bound(problem: Problem, model: Model) -> Decimal:
    """What every plan pays anyway: forced removals, pinned additions, pins above targets."""
    pinned_new = sum(1 for pair in model.pairs if pair.pinned_steps and not pair.current_steps)
    pinned_at: dict[str, Decimal] = {}
    for pin in problem.pinned:
        pinned_at[pin.school] = pinned_at.get(pin.school, Decimal(0)) + pin.fte
    over = sum(
        (
            max(fte - problem.school_by_id[school].target_fte, Decimal(0))
            for school, fte in pinned_at.items()
        ),
        Decimal(0),
    )
    return problem.weights.change * (model.forced_changes + pinned_new) + (
        problem.weights.deviation * over
    )


def _bound(problem: Problem, model: Model, run: SolverRun, objective: Decimal) -> Decimal:
    floor = _trivial_bound(problem, model)
    if run.bound is None:
        return min(floor, objective)
    raw = Decimal(repr(run.bound))
    if model.grain > 0:
        grain = Decimal(repr(model.grain))
        # the optimum is a multiple of the grain at or above the solver's bound
        raw = grain * Decimal(math.ceil(float(raw / grain) - 1e-6))
    return min(max(raw, floor), objective)


def _assignment(problem: Problem, model: Model, steps: Mapping[int, int]) -> Assignment:
    assignment: Assignment = {}
    for k, value in steps.items():
        pair = model.pairs[k]
        assignment[(problem.staff[pair.person].id, problem.schools[pair.school].id)] = (
            problem.step_fte * value
        )
    return assignment


def plan_from_run(problem: Problem, model: Model, run: SolverRun) -> dict[str, Any]:
    assignment = _assignment(problem, model, run.steps)
    objective = plan_objective(problem, assignment)
    bound = objective if run.status == "optimal" else _bound(problem, model, run, objective)
    return _plan(problem, assignment, run.status, bound, run.seconds)


def _plan(
    problem: Problem, assignment: Assignment, run_status: str, bound: Decimal, seconds: float
) -> dict[str, Any]:
    objective = plan_objective(problem, assignment)
    status = "optimal" if bound >= objective else run_status
    assigned: dict[str, Decimal] = {}
    for (_, school), fte in assignment.items():
        assigned[school] = assigned.get(school, Decimal(0)) + fte
    order = {s.id: i for i, s in enumerate(problem.schools)}
    assignments = [
        {"staff": staff, "school": school, "fte": _fte(fte)}
        for (staff, school), fte in sorted(
            assignment.items(),
            key=lambda item: (problem.staff_by_id[item[0][0]].id, order[item[0][1]]),
        )
    ]
    schools = [
        {
            "id": s.id,
            "target_fte": _fte(s.target_fte),
            "assigned_fte": _fte(assigned.get(s.id, Decimal(0))),
        }
        for s in problem.schools
    ]
    unfilled = [
        {"school": s.id, "fte": _fte(s.target_fte - assigned.get(s.id, Decimal(0)))}
        for s in problem.schools
        if s.target_fte > assigned.get(s.id, Decimal(0))
    ]
    return {
        "status": status,
        "objective": _fte(objective),
        "bound": _fte(bound),
        "gap": _fte(objective - bound),
        "seconds": round(seconds, 3),
        "assignments": assignments,
        "schools": schools,
        "changes": _reasons(problem, assignment),
        "unfilled": unfilled,
    }


def split_problem(problem: Problem, model: Model | None = None) -> list[Problem]:
    """The independent parts of a problem: connected components of the bipartite graph
    "person may work at school" (the model's pairs; a school's carrier restricts who may work
    there, bans and ended contracts remove pairs, pins add them). No variable or row of the
    model links two parts, and every term of the objective belongs to one part (a school's
    deviation to the school's, a person's changes to the person's; current pairs that cannot
    stay are constant changes of the person's part), so the optimum is the sum of the parts'
    optima. People and schools without any pair form one more part. In the original order."""
    model = build_model(problem) if model is None else model
    n_staff = len(problem.staff)
    parent = list(range(n_staff + len(problem.schools)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pair in model.pairs:
        a, b = find(pair.person), find(n_staff + pair.school)
        if a != b:
            parent[max(a, b)] = min(a, b)
    linked = {pair.person for pair in model.pairs} | {n_staff + p.school for p in model.pairs}
    groups: dict[int, list[int]] = {}
    for node in range(len(parent)):
        groups.setdefault(find(node) if node in linked else -1, []).append(node)
    parts: list[Problem] = []
    for nodes in groups.values():
        staff = tuple(problem.staff[i] for i in nodes if i < n_staff)
        schools = tuple(problem.schools[i - n_staff] for i in nodes if i >= n_staff)
        people = {person.id for person in staff}
        school_ids = {school.id for school in schools}
        parts.append(
            Problem(
                step_fte=problem.step_fte,
                weights=problem.weights,
                rules=problem.rules,
                schools=schools,
                staff=staff,
                pinned=tuple(pin for pin in problem.pinned if pin.staff in people),
                forbidden=tuple(
                    f for f in problem.forbidden if f.staff in people and f.school in school_ids
                ),
                plan_start=problem.plan_start,
            )
        )
    return parts


def _solve_parts(
    parts: list[Problem],
    time_limit: float | None,
    progress: Progress | None,
    warm_start: bool,
    started: float,
) -> tuple[Assignment, str, Decimal]:
    """Each part its own model, the time limit shared in proportion to the parts' pairs (what
    a part leaves unused goes to the ones after it); the plan is the union of the parts' plans,
    its bound the sum of their bounds, optimal when every part is.

    The progress shows the whole problem: the value of the best plan so far (finished parts'
    plans, the running part's best, last year's placements for the parts still to come) and
    the sum of the parts' proven bounds (what every plan pays for the parts not yet solved)."""
    models = [build_model(part) for part in parts]
    weights = [max(len(model.pairs), 1) for model in models]
    best = [model.value(fix_and_optimise_start(model)[0]) for model in models]
    floor = [model.trivial_bound() for model in models]

    def whole(phase: str, number: int) -> None:
        if progress is None:
            return
        objective = sum(best)
        progress(
            {
                "phase": phase,
                "elapsed": time.monotonic() - started,
                "objective": objective,
                "bound": min(sum(floor), objective),
                "part": number + 1,
                "parts": len(parts),
            }
        )

    whole("start", 0)
    assignment: Assignment = {}
    bound = Decimal(0)
    status = "optimal"
    for i, (part, model) in enumerate(zip(parts, models, strict=True)):
        limit = None
        if time_limit is not None:
            left = max(time_limit - (time.monotonic() - started), 0.01)
            limit = max(left * weights[i] / sum(weights[i:]), 0.01)

        def report(event: dict[str, Any], number: int = i) -> None:
            if event["objective"] is not None:
                best[number] = min(best[number], float(event["objective"]))
            if event["bound"] is not None:
                floor[number] = max(floor[number], float(event["bound"]))
            whole("search", number)

        run = run_highs(
            model,
            time_limit=limit,
            warm_start=warm_start,
            progress=None if progress is None else report,
        )
        own = _assignment(part, model, run.steps)
        objective = plan_objective(part, own)
        part_bound = objective if run.status == "optimal" else _bound(part, model, run, objective)
        if part_bound < objective:
            status = run.status
        bound += part_bound
        assignment.update(own)
        best[i], floor[i] = float(objective), float(part_bound)
        whole("search", i)
    return assignment, status, bound


def solve(
    problem: Mapping[str, Any] | Problem,
    time_limit: float | None = None,
    progress: Progress | None = None,
    *,
    warm_start: bool = True,
    decompose: bool = True,
) -> dict[str, Any]:
    """Plan who works where (PLAN dict); raises ProblemError / ConflictError for bad input.

    With ``decompose`` (the default) independent parts (see `split_problem`, e.g. the schools
    and staff of each carrier) are solved one by one; ``decompose=False`` solves one joint
    model (the same optimum, for comparisons)."""
    started = time.monotonic()
    parsed = problem if isinstance(problem, Problem) else parse_problem(problem)
    model = build_model(parsed)
    parts = split_problem(parsed, model) if decompose else [parsed]
    if len(parts) > 1:
        assignment, status, bound = _solve_parts(parts, time_limit, progress, warm_start, started)
        plan = _plan(parsed, assignment, status, bound, time.monotonic() - started)
    else:
        remaining = (
            None if time_limit is None else max(time_limit - (time.monotonic() - started), 0.01)
        )
        run = run_highs(model, time_limit=remaining, warm_start=warm_start, progress=progress)
        run.seconds = time.monotonic() - started
        plan = plan_from_run(parsed, model, run)
    violations = check_plan(parsed, plan)
    if violations:  # a bug in the model, never expected
        raise RuntimeError("plan breaks rules: " + "; ".join(violations[:5]))
    if progress is not None:
        progress(
            {
                "phase": "done",
                "elapsed": plan["seconds"],
                "objective": plan["objective"],
                "bound": plan["bound"],
            }
        )
    return plan
