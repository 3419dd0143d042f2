"""Benchmark of the staffing solver (issue 15): a city and a Kreis, side by side with naive ways.

Run: ``.venv/bin/python bench/bench_staffing.py`` (``--quick`` for a short run); the tables it
prints are the ones of docs/performance.md, "Staffing plan solver".

- Both with "balanced" targets (about the staff's FTE, what an adopted distribution gives) and
  "short" ones (a fifth more than the staff can give), see engine/synthetic.py.
- City (50 schools, 60 staff, 3 carriers; seeds 0-9 of the synthetic generator): time until the
  optimum is proven, with the fix-and-optimise warm start, without it (cold), with HiGHS'
  own defaults for the options the solver changes (engine/model.py SEARCH_OPTIONS), and the
  objective of a greedy plan (keep last year's people where the target allows, then fill the
  largest shortfalls with whoever has hours left: what a coordinator does in Excel).
- Kreis (300 schools, 350 staff, 12 carriers): one run with a time limit of 60 s per variant;
  the incumbent's objective, the proven bound and the gap at 5, 15, 30 and 60 s are read from
  the solver's progress reports of that run (the same as separate runs with those limits,
  except that the warm start gets a fifth of the whole limit, not of each checkpoint).

Wall and CPU seconds are both given: the machine is shared, so the load average (before and
after, as `uptime` reports it) says how much of the wall time was waiting for a core.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_model  # noqa: E402  (bench/ is the script folder)

from schulsozial.staffing.engine.model import (  # noqa: E402
    SEARCH_OPTIONS,
    Model,
    build_model,
    run_highs,
)
from schulsozial.staffing.engine.problem import Problem, parse_problem  # noqa: E402
from schulsozial.staffing.engine.solve import (  # noqa: E402
    check_plan,
    plan_from_run,
    plan_objective,
    solve,
    split_problem,
)
from schulsozial.staffing.engine.synthetic import city, kreis  # noqa: E402

CHECKPOINTS = (5.0, 15.0, 30.0, 60.0)


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def machine() -> str:
    import highspy

    version = f"{highspy.Highs().versionMajor()}.{highspy.Highs().versionMinor()}"  # type: ignore[no-untyped-call]
    return (
        f"{os.cpu_count()} cores ({cpu_model() or 'unknown CPU'}), Python "
        f"{platform.python_version()}, HiGHS {version} (highspy)"
    )


def greedy(problem: Problem) -> dict[tuple[str, str], Decimal]:
    """Keep last year's people where the target allows, then fill the largest shortfalls."""
    banned = {(f.staff, f.school) for f in problem.forbidden}
    plan: dict[tuple[str, str], int] = {}
    used = {p.id: 0 for p in problem.staff}
    count = {p.id: 0 for p in problem.staff}
    assigned = {s.id: 0 for s in problem.schools}

    def may(person: Any, school: Any) -> bool:
        return (
            (person.id, school.id) not in banned
            and problem.ineligibility(person, school) is None
            and count[person.id] < problem.max_schools(person)
        )

    def put(person: Any, school: Any, steps: int) -> None:
        key = (person.id, school.id)
        if key not in plan:
            count[person.id] += 1
        plan[key] = plan.get(key, 0) + steps
        used[person.id] += steps
        assigned[school.id] += steps

    for pin in problem.pinned:
        put(problem.staff_by_id[pin.staff], problem.school_by_id[pin.school], pin.steps)
    for person in problem.staff:
        for item in sorted(person.current, key=lambda c: -c.steps):
            school = problem.school_by_id.get(item.school)
            if school is None or (person.id, school.id) in plan or not may(person, school):
                continue
            steps = min(
                item.steps,
                problem.capacity_steps(person) - used[person.id],
                school.target_steps - assigned[school.id],
            )
            if steps > 0:
                put(person, school, steps)
    for school in sorted(problem.schools, key=lambda s: -(s.target_steps - assigned[s.id])):
        while assigned[school.id] < school.target_steps:
            candidates = [
                p
                for p in problem.staff
                if problem.capacity_steps(p) > used[p.id]
                and ((p.id, school.id) in plan or may(p, school))
            ]
            if not candidates:
                break
            best = max(
                candidates,
                key=lambda p: ((p.id, school.id) in plan, problem.capacity_steps(p) - used[p.id]),
            )
            steps = min(
                problem.capacity_steps(best) - used[best.id],
                school.target_steps - assigned[school.id],
            )
            put(best, school, steps)
    return {key: problem.step_fte * steps for key, steps in plan.items()}


def rounded_bound(model: Model, bound: float | None) -> float | None:
    if bound is None:
        return None
    if model.grain > 0:
        return model.grain * math.ceil(bound / model.grain - 1e-6)
    return bound


def at(trace: list[dict[str, Any]], seconds: float, key: str) -> float | None:
    value = None
    for entry in trace:
        if entry["elapsed"] <= seconds and entry[key] is not None:
            value = entry[key]
    return value


#: HiGHS' own defaults for the options the solver changes (the "HiGHS defaults" variant)
HIGHS_DEFAULTS = {
    "mip_lp_solver": "ipm",
    "mip_heuristic_run_root_reduced_cost": True,
    "mip_heuristic_run_rins": True,
}


def run(
    problem_dict: dict[str, Any], *, warm: bool, limit: float, defaults: bool = False
) -> dict[str, Any]:
    problem = parse_problem(problem_dict)
    tuned = dict(SEARCH_OPTIONS)
    if defaults:
        SEARCH_OPTIONS.update(HIGHS_DEFAULTS)
    wall = time.monotonic()
    cpu = time.process_time()
    model = build_model(problem)
    try:
        result = run_highs(model, time_limit=limit, warm_start=warm)
    finally:
        SEARCH_OPTIONS.update(tuned)
    result.seconds = time.monotonic() - wall
    plan = plan_from_run(problem, model, result)
    assert check_plan(problem, plan) == []
    return {
        "plan": plan,
        "wall": time.monotonic() - wall,
        "cpu": time.process_time() - cpu,
        "trace": result.trace,
        "model": model,
        "nodes": result.nodes,
    }


def fmt(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def bench_city(seeds: range, supply: str) -> None:
    print(
        f"\n## City: 50 schools, 60 staff, 3 carriers, {supply} targets "
        f"(seeds {seeds.start}-{seeds.stop - 1})"
    )
    rows = []
    for seed in seeds:
        problem_dict = city(seed, supply)
        problem = parse_problem(problem_dict)
        model = build_model(problem)
        warm = run(problem_dict, warm=True, limit=120)
        cold = run(problem_dict, warm=False, limit=120)
        default = run(problem_dict, warm=True, limit=120, defaults=True)
        started = time.monotonic()
        naive = plan_objective(problem, greedy(problem))
        greedy_ms = (time.monotonic() - started) * 1000
        if warm["plan"]["status"] == cold["plan"]["status"] == "optimal":
            assert warm["plan"]["objective"] == cold["plan"]["objective"]
        if warm["plan"]["status"] == default["plan"]["status"] == "optimal":
            assert warm["plan"]["objective"] == default["plan"]["objective"]
        rows.append(
            (
                seed,
                len(model.pairs),
                warm,
                cold,
                default,
                float(naive),
                greedy_ms,
            )
        )
    header = (
        "| seed | pairs | optimum | solver: wall s | cpu s | status | cold: cpu s | status | "
        "HiGHS defaults: cpu s | status | greedy objective | greedy ms |"
    )
    print(header)
    print("|" + "---|" * 12)
    for seed, pairs, warm, cold, default, naive, greedy_ms in rows:
        print(
            f"| {seed} | {pairs} | {warm['plan']['objective']:.2f} | {warm['wall']:.2f} | "
            f"{warm['cpu']:.2f} | {warm['plan']['status']} | {cold['cpu']:.2f} | "
            f"{cold['plan']['status']} | {default['cpu']:.2f} | {default['plan']['status']} | "
            f"{naive:.2f} | {greedy_ms:.0f} |"
        )

    def median(column: int, key: str) -> float:
        return statistics.median(r[column][key] for r in rows)

    def worst(column: int) -> float:
        return max(r[column]["cpu"] for r in rows)

    below = sum(1 for r in rows if r[2]["wall"] < 1.0)
    print(
        f"\nmedian solver {median(2, 'wall'):.2f} s wall / {median(2, 'cpu'):.2f} s cpu "
        f"(max {worst(2):.2f}), {below} of {len(rows)} under 1 s wall; cold "
        f"{median(3, 'cpu'):.2f} s cpu (max {worst(3):.2f}); HiGHS defaults "
        f"{median(4, 'cpu'):.2f} s cpu (max {worst(4):.2f}); load {load()}"
    )


def bench_carriers(seeds: range, supply: str) -> None:
    """The city with a carrier for every school: one joint model against the decomposition
    into independent parts (one per carrier), side by side in the same run."""
    print(
        f"\n## City with a carrier for every school: 50 schools, 60 staff, 3 carriers, {supply} "
        f"targets (seeds {seeds.start}-{seeds.stop - 1}); load {load()}"
    )
    print(
        "| seed | parts (schools/staff) | optimum | joint: cpu s | status | "
        "decomposed: cpu s | status |"
    )
    print("|" + "---|" * 7)
    joint_cpu: list[float] = []
    split_cpu: list[float] = []
    for seed in seeds:
        problem_dict = city(seed, supply, open_share=0.0)
        parts = split_problem(parse_problem(problem_dict))
        sizes = " + ".join(f"{len(p.schools)}/{len(p.staff)}" for p in parts)
        results = []
        for decompose in (False, True):
            cpu = time.process_time()
            plan = solve(problem_dict, time_limit=120, decompose=decompose)
            results.append((plan, time.process_time() - cpu))
        (joint, joint_s), (split, split_s) = results
        if joint["status"] == split["status"] == "optimal":
            assert joint["objective"] == split["objective"]
        joint_cpu.append(joint_s)
        split_cpu.append(split_s)
        print(
            f"| {seed} | {sizes} | {split['objective']:.2f} | {joint_s:.2f} | {joint['status']} | "
            f"{split_s:.2f} | {split['status']} |"
        )
    print(
        f"\nmedian joint {statistics.median(joint_cpu):.2f} s cpu (max {max(joint_cpu):.2f}), "
        f"decomposed {statistics.median(split_cpu):.2f} s cpu (max {max(split_cpu):.2f}); "
        f"load {load()}"
    )


def bench_kreis(limit: float, supply: str) -> None:
    print(f"\n## Kreis: 300 schools, 350 staff, 12 carriers, {supply} targets (seed 0)")
    problem_dict = kreis(0, supply)
    problem = parse_problem(problem_dict)
    started = time.monotonic()
    naive = float(plan_objective(problem, greedy(problem)))
    greedy_ms = (time.monotonic() - started) * 1000
    checkpoints = [c for c in CHECKPOINTS if c <= limit] or [limit]
    print(f"greedy plan: objective {naive:.2f} in {greedy_ms:.0f} ms")
    print(
        "| variant | "
        + " | ".join(f"at {c:.0f} s: objective / bound / gap" for c in checkpoints)
        + " | wall s | cpu s |"
    )
    print("|" + "---|" * (len(checkpoints) + 3))
    variants = (
        ("warm start (fix-and-optimise)", True, False),
        ("cold (no warm start)", False, False),
        ("warm start, HiGHS defaults", True, True),
    )
    for name, warm, defaults in variants:
        result = run(problem_dict, warm=warm, limit=limit, defaults=defaults)
        model = result["model"]
        cells = []
        for c in checkpoints:
            if c >= limit:
                objective: float | None = result["plan"]["objective"]
                bound: float | None = result["plan"]["bound"]
            else:
                objective = at(result["trace"], c, "objective")
                bound = rounded_bound(model, at(result["trace"], c, "bound"))
            gap = None
            if objective and bound is not None:
                gap = 100 * (objective - bound) / objective
            cells.append(f"{fmt(objective)} / {fmt(bound)} / {fmt(gap, 1)} %")
        print(
            f"| {name} | " + " | ".join(cells) + f" | {result['wall']:.1f} | {result['cpu']:.1f} |"
        )
        plan = result["plan"]
        kinds = {
            k: sum(1 for c in plan["changes"] if c["kind"] == k)
            for k in ("added", "removed", "changed")
        }
        print(
            f"  {len(model.pairs)} pairs; final status {plan['status']}; changes {kinds}; "
            f"unfilled {sum(u['fte'] for u in plan['unfilled']):.2f} FTE at "
            f"{len(plan['unfilled'])} schools; load {load()}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 city seeds, Kreis limit 15 s")
    parser.add_argument(
        "--only", choices=("city", "carriers", "kreis"), help="one of the three parts"
    )
    args = parser.parse_args()
    print(f"# Staffing solver benchmark\n{machine()}; load average before: {load()}")
    for supply in ("balanced", "short"):
        if args.only in (None, "city"):
            bench_city(range(3) if args.quick else range(10), supply)
    for supply in ("balanced", "short"):
        if args.only in (None, "carriers"):
            bench_carriers(range(3) if args.quick else range(10), supply)
    for supply in ("balanced", "short"):
        if args.only in (None, "kreis"):
            bench_kreis(15.0 if args.quick else 60.0, supply)
    print(f"\nload average after: {load()}")


if __name__ == "__main__":
    main()
