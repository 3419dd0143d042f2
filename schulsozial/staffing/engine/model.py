"""The staffing MILP and its solution with HiGHS (highspy).

Variables, for every (person, school) pair the person may work at (carrier, ban, contract):

- ``x[p,s]`` the hours in steps of ``step_fte``, ``0 ≤ x ≤ U[p,s]``; integer in the warm
  start, continuous in the search (for fixed ``y`` the hours are a totally unimodular
  transportation problem, so whole steps lose nothing: see `_integral_steps`)
- ``y[p,s]`` binary, 1 when p works at s: ``L·y ≤ x ≤ U·y`` (an assignment is a positive
  multiple of the step); ``U = min(capacity of p, max(target of s, 1))`` (more hours than the
  target only add deviation, so this bound removes no optimal plan); ``L = 1`` for current
  pairs and `min_new_steps` for new ones (new pairs with ``U < L`` are left out)
- per school ``over[s], under[s] ≥ 0`` with ``Σ_p x[p,s] − over[s] + under[s] = target[s]``

Rows: per person ``Σ_s x ≤ capacity`` and ``Σ_s y ≤ max schools`` (the half-time rule);
pins fix ``x`` and ``y``. Objective (in steps, converted to FTE through ``step_fte``):

    deviation × step × Σ_s (over + under) + change × (Σ_current (1 − y) + Σ_other y)

Pairs that are current but no longer allowed add their change as a constant. When the weights
are decimal figures the objective is a multiple of a grain ``g`` (the gcd of
``deviation × step`` and ``change``); HiGHS then works with the objective divided by ``g``
(integer costs) and stops when the gap is below one grain, which proves optimality exactly.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import highspy
import numpy as np

from .problem import Problem

__all__ = [
    "SEARCH_OPTIONS",
    "Model",
    "Pair",
    "Progress",
    "SolverRun",
    "build_model",
    "fix_and_optimise_start",
    "objective_grain",
    "run_highs",
]

#: The warm start's own time limit without an overall limit (else a fifth of the limit).
WARM_START_SECONDS = 10.0

#: From this many pairs on the warm start runs all three fix-and-optimise steps; below, only
#: the first (the full search proves small models faster from that start: on the synthetic
#: city the whole warm start cost more than it saved).
FULL_WARM_START_PAIRS = 4000

#: HiGHS options for every solve (the benchmark compares them with HiGHS' own defaults):
#: - the root LP by interior point: several times faster than dual simplex on these models;
#: - two primal heuristics off: the warm start is usually optimal or close to it, and the
#:   root reduced-cost and RINS sub-MIPs then spend most of the run looking for a better plan
#:   that does not exist (on a synthetic city 1.0 of 1.4 s went into sub-MIPs). Off, the
#:   median time to the proven optimum of the city falls by about half and the Kreis' bound
#:   after 60 s is higher (docs/performance.md, "Staffing plan solver").
SEARCH_OPTIONS: dict[str, str | bool] = {
    "mip_lp_solver": "ipm",
    "mip_heuristic_run_root_reduced_cost": False,
    "mip_heuristic_run_rins": False,
}

#: ``progress(event)``: event is a dict with ``phase`` ("start" | "search" | "done"),
#: ``elapsed`` (s), ``objective`` and ``bound`` (FTE objective units, None when unknown).
Progress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Pair:
    person: int
    school: int
    upper: int
    current_steps: int
    pinned_steps: int | None


@dataclass
class Model:
    problem: Problem
    pairs: list[Pair]
    #: current pairs that cannot stay (ineligible, banned, school unknown): constant changes
    forced_changes: int
    grain: float
    scale: float
    num_cols: int
    costs: np.ndarray[Any, np.dtype[np.float64]]
    lower: np.ndarray[Any, np.dtype[np.float64]]
    upper: np.ndarray[Any, np.dtype[np.float64]]
    integer_cols: np.ndarray[Any, np.dtype[np.int32]]
    row_lower: np.ndarray[Any, np.dtype[np.float64]]
    row_upper: np.ndarray[Any, np.dtype[np.float64]]
    row_starts: np.ndarray[Any, np.dtype[np.int32]]
    row_index: np.ndarray[Any, np.dtype[np.int32]]
    row_value: np.ndarray[Any, np.dtype[np.float64]]
    offset: float
    pair_index: dict[tuple[int, int], int] = field(default_factory=dict)

    def x_col(self, k: int) -> int:
        return 2 * k

    def y_col(self, k: int) -> int:
        return 2 * k + 1

    def over_col(self, s: int) -> int:
        return 2 * len(self.pairs) + 2 * s

    def under_col(self, s: int) -> int:
        return 2 * len(self.pairs) + 2 * s + 1

    def trivial_bound(self) -> float:
        """What every plan pays (objective units): current pairs that cannot stay, pinned new
        pairs, pinned hours above a school's target."""
        pinned_new = sum(1 for p in self.pairs if p.pinned_steps and not p.current_steps)
        pinned_at = [0] * len(self.problem.schools)
        for pair in self.pairs:
            pinned_at[pair.school] += pair.pinned_steps or 0
        over = sum(
            max(steps - school.target_steps, 0)
            for steps, school in zip(pinned_at, self.problem.schools, strict=True)
        )
        change = float(self.problem.weights.change)
        deviation = float(self.problem.weights.deviation * self.problem.step_fte)
        return change * (self.forced_changes + pinned_new) + deviation * over

    def value(self, steps: dict[int, int]) -> float:
        """The objective of an assignment {pair index: steps}, in objective units."""
        return (float(self.costs @ self.columns_for(steps)) + self.offset) * self.scale

    def columns_for(self, steps: dict[int, int]) -> np.ndarray[Any, np.dtype[np.float64]]:
        """A full column vector for an assignment {pair index: steps}."""
        values = np.zeros(self.num_cols)
        totals = [0] * len(self.problem.schools)
        for k, value in steps.items():
            if value > 0:
                values[self.x_col(k)] = value
                values[self.y_col(k)] = 1
                totals[self.pairs[k].school] += value
        for s, school in enumerate(self.problem.schools):
            diff = totals[s] - school.target_steps
            values[self.over_col(s)] = max(diff, 0)
            values[self.under_col(s)] = max(-diff, 0)
        return values


def min_new_steps(problem: Problem) -> int | None:
    """The fewest steps a new (not current, not pinned) assignment can have in some optimal
    plan: removing a new pair of x steps raises the deviation by at most ``deviation × step ×
    x`` and saves one change, so pairs with ``deviation × step × x ≤ change`` can go without
    making the plan worse. None when new pairs never pay (deviation weight 0)."""
    per_step = Fraction(problem.weights.deviation * problem.step_fte)
    if per_step == 0:
        return None
    return math.floor(Fraction(problem.weights.change) / per_step) + 1


def objective_grain(problem: Problem) -> float:
    """The objective's grain g (every plan's value is a multiple of g), or 0 when unknown."""
    parts = [
        Fraction(problem.weights.deviation * problem.step_fte),
        Fraction(problem.weights.change),
    ]
    parts = [part for part in parts if part != 0]
    if not parts:
        return 0.0
    denominator = math.lcm(*(part.denominator for part in parts))
    numerators = [int(part * denominator) for part in parts]
    grain = Fraction(math.gcd(*numerators), denominator)
    # integer costs after dividing by the grain must stay small for exact arithmetic
    if any(part / grain > 10**6 for part in parts):
        return 0.0
    return float(grain)


def build_model(problem: Problem) -> Model:
    banned = {(f.staff, f.school) for f in problem.forbidden}
    pins = {(p.staff, p.school): p.steps for p in problem.pinned}
    pairs: list[Pair] = []
    forced = 0
    least = min_new_steps(problem)
    for p, person in enumerate(problem.staff):
        current = {c.school: c.steps for c in person.current}
        capacity = problem.capacity_steps(person)
        first = len(pairs)
        for s, school in enumerate(problem.schools):
            key = (person.id, school.id)
            pinned = pins.get(key)
            allowed = (
                capacity > 0 and key not in banned and problem.ineligibility(person, school) is None
            )
            if pinned is None and not allowed:
                continue
            bound = min(capacity, max(school.target_steps, 1))
            if pinned is None and school.id not in current and (least is None or bound < least):
                continue  # a new pair that no optimal plan needs (see min_new_steps)
            if pinned is not None:
                bound = max(bound, pinned)
            pairs.append(Pair(p, s, bound, current.get(school.id, 0), pinned))
        kept = {problem.schools[pair.school].id for pair in pairs[first:] if pair.current_steps}
        # current pairs that cannot stay (also at schools no longer in the problem)
        forced += sum(1 for school_id in current if school_id not in kept)

    grain = objective_grain(problem)
    scale = grain if grain > 0 else 1.0
    deviation_cost = float(problem.weights.deviation * problem.step_fte) / scale
    change_cost = float(problem.weights.change) / scale
    n_pairs = len(pairs)
    n_schools = len(problem.schools)
    num_cols = 2 * n_pairs + 2 * n_schools
    costs = np.zeros(num_cols)
    lower = np.zeros(num_cols)
    upper = np.zeros(num_cols)
    offset = change_cost * (forced + sum(1 for pair in pairs if pair.current_steps > 0))
    for k, pair in enumerate(pairs):
        costs[2 * k + 1] = -change_cost if pair.current_steps > 0 else change_cost
        if pair.pinned_steps is not None:
            lower[2 * k] = upper[2 * k] = pair.pinned_steps
            lower[2 * k + 1] = upper[2 * k + 1] = 1
        else:
            upper[2 * k] = pair.upper
            upper[2 * k + 1] = 1
    costs[2 * n_pairs :] = deviation_cost
    upper[2 * n_pairs :] = highspy.kHighsInf
    integer_cols = np.arange(2 * n_pairs, dtype=np.int32)

    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    row_lower: list[float] = []
    row_upper: list[float] = []

    def row(cols: list[int], vals: list[float], lo: float, hi: float) -> None:
        starts.append(len(index))
        index.extend(cols)
        value.extend(vals)
        row_lower.append(lo)
        row_upper.append(hi)

    by_school: list[list[int]] = [[] for _ in range(n_schools)]
    by_person: list[list[int]] = [[] for _ in range(len(problem.staff))]
    for k, pair in enumerate(pairs):
        by_school[pair.school].append(k)
        by_person[pair.person].append(k)
    inf = highspy.kHighsInf
    for s, school in enumerate(problem.schools):
        ks = by_school[s]
        cols = [2 * k for k in ks] + [2 * n_pairs + 2 * s, 2 * n_pairs + 2 * s + 1]
        row(cols, [1.0] * len(ks) + [-1.0, 1.0], school.target_steps, school.target_steps)
    for p, person in enumerate(problem.staff):
        ks = by_person[p]
        if not ks:
            continue
        row([2 * k for k in ks], [1.0] * len(ks), -inf, float(problem.capacity_steps(person)))
        limit = problem.max_schools(person)
        if len(ks) > limit:
            row([2 * k + 1 for k in ks], [1.0] * len(ks), -inf, float(limit))
    for k, pair in enumerate(pairs):
        if pair.pinned_steps is not None:
            continue
        row([2 * k, 2 * k + 1], [1.0, -float(pair.upper)], -inf, 0.0)
        # x ≥ y for a kept pair: it has hours; x ≥ least · y for a new one (min_new_steps)
        floor = 1.0 if pair.current_steps or least is None else float(least)
        row([2 * k, 2 * k + 1], [1.0, -floor], 0.0, inf)

    return Model(
        problem=problem,
        pairs=pairs,
        forced_changes=forced,
        grain=grain,
        scale=scale,
        num_cols=num_cols,
        costs=costs,
        lower=lower,
        upper=upper,
        integer_cols=integer_cols,
        row_lower=np.array(row_lower, dtype=np.float64),
        row_upper=np.array(row_upper, dtype=np.float64),
        row_starts=np.array(starts, dtype=np.int32),
        row_index=np.array(index, dtype=np.int32),
        row_value=np.array(value, dtype=np.float64),
        offset=offset,
        pair_index={(pair.person, pair.school): k for k, pair in enumerate(pairs)},
    )


@dataclass
class SolverRun:
    status: str  # "optimal" | "time_limit"
    steps: dict[int, int]  # pair index -> steps (positive only)
    bound: float | None  # proven lower bound in objective units, None when unknown
    trace: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    nodes: int = 0
    lp_iterations: int = 0


def _steps_from(model: Model, values: Any) -> dict[int, int]:
    result: dict[int, int] = {}
    for k in range(len(model.pairs)):
        steps = round(float(values[model.x_col(k)]))
        if steps > 0 and float(values[model.y_col(k)]) > 0.5:
            result[k] = steps
    return result


def _integral_steps(
    model: Model,
    lower: np.ndarray[Any, np.dtype[np.float64]],
    upper: np.ndarray[Any, np.dtype[np.float64]],
    values: Any,
) -> dict[int, int]:
    """Whole steps for a solution of the search with continuous hours.

    With the pairs ``y`` fixed, the hours are a transportation problem: school rows and
    person rows form a bipartite incidence matrix (over/under are slack columns), the bounds
    ``L·y ≤ x ≤ U·y`` and the right-hand sides are whole numbers, so the matrix is totally
    unimodular and an optimum with whole steps exists at least as good as any fractional one.
    Hours already whole (the usual case: simplex vertices) are taken as they are; otherwise
    the hours are re-solved for the fixed pairs with integer ``x`` (an LP that is integral at
    its root). The plan's value is then no worse, and since every plan's value is a multiple
    of the grain, the search's stopping rule (gap below one grain) still proves the optimum."""
    n = len(model.pairs)
    hours = np.asarray(values[: 2 * n : 2], dtype=np.float64)
    if np.all(np.abs(hours - np.round(hours)) <= 1e-6):
        return _steps_from(model, values)
    fixed_lower = lower.copy()
    fixed_upper = upper.copy()
    for k in range(n):
        on = 1.0 if float(values[model.y_col(k)]) > 0.5 else 0.0
        fixed_lower[model.y_col(k)] = fixed_upper[model.y_col(k)] = on
    h = _highs(model, fixed_lower, fixed_upper, None)
    h.solve()
    if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        raise RuntimeError("no whole-step hours for the pairs of the search")  # never expected
    return _steps_from(model, h.getSolution().col_value)


def _highs(
    model: Model,
    lower: np.ndarray[Any, np.dtype[np.float64]],
    upper: np.ndarray[Any, np.dtype[np.float64]],
    time_limit: float | None,
    *,
    integer_hours: bool = True,
) -> highspy.Highs:
    """A HiGHS instance of the model; ``integer_hours=False`` leaves the hours ``x``
    continuous (only ``y`` integer, see `_integral_steps`)."""
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("random_seed", 1)
    for name, value in SEARCH_OPTIONS.items():
        h.setOptionValue(name, value)
    if time_limit is not None:
        h.setOptionValue("time_limit", max(float(time_limit), 0.001))
    if model.grain > 0:
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 0.999)
    else:
        h.setOptionValue("mip_rel_gap", 1e-9)
    if time_limit is not None:
        deadline = time.monotonic() + time_limit

        def stop(event: Any) -> None:
            # HiGHS checks its own limit between phases; under load a long LP can overrun it
            if time.monotonic() > deadline:
                event.interrupt()

        h.cbMipInterrupt.subscribe(stop)
        h.cbSimplexInterrupt.subscribe(stop)
        h.cbIpmInterrupt.subscribe(stop)
    empty_i = np.zeros(0, dtype=np.int32)
    empty_f = np.zeros(0, dtype=np.float64)
    h.addCols(model.num_cols, model.costs, lower, upper, 0, empty_i, empty_i, empty_f)
    integer_cols = model.integer_cols if integer_hours else model.integer_cols[1::2]
    n_int = len(integer_cols)
    if n_int:
        h.changeColsIntegrality(
            n_int,
            integer_cols,
            np.full(n_int, highspy.HighsVarType.kInteger),
        )
    if len(model.row_lower):
        h.addRows(
            len(model.row_lower),
            model.row_lower,
            model.row_upper,
            len(model.row_index),
            model.row_starts,
            model.row_index,
            model.row_value,
        )
    h.changeObjectiveOffset(model.offset)
    return h


def _set_start(h: highspy.Highs, values: np.ndarray[Any, np.dtype[np.float64]]) -> None:
    solution = highspy.HighsSolution()
    solution.col_value = list(map(float, values))
    solution.value_valid = True
    h.setSolution(solution)


def _solve(
    model: Model,
    lower: np.ndarray[Any, np.dtype[np.float64]],
    upper: np.ndarray[Any, np.dtype[np.float64]],
    start: dict[int, int] | None,
    time_limit: float | None,
    progress: Progress | None,
    phase: str,
    clock: float,
) -> SolverRun:
    # the search with continuous hours: for fixed y the rest is a transportation problem
    # (totally unimodular, integer bounds), so its optimum has whole steps (_integral_steps)
    h = _highs(model, lower, upper, time_limit, integer_hours=False)
    if start is not None:
        _set_start(h, model.columns_for(start))
    trace: list[dict[str, Any]] = []
    last = [-1.0]

    def report(event: Any, *, improving: bool) -> None:
        out = event.data_out
        now = time.monotonic() - clock
        if not improving and now - last[0] < 0.5:
            return
        last[0] = now
        primal = float(out.mip_primal_bound)
        dual = float(out.mip_dual_bound)
        entry = {
            "phase": phase,
            "elapsed": now,
            "objective": primal * model.scale if math.isfinite(primal) else None,
            "bound": dual * model.scale if math.isfinite(dual) else None,
        }
        trace.append(entry)
        if progress is not None:
            progress(dict(entry))

    h.cbMipImprovingSolution.subscribe(lambda e: report(e, improving=True))
    h.cbMipInterrupt.subscribe(lambda e: report(e, improving=False))
    started = time.monotonic()
    h.solve()
    seconds = time.monotonic() - started
    status = h.getModelStatus()
    info = h.getInfo()
    steps: dict[int, int] = dict(start or {})
    if info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
        steps = _integral_steps(model, lower, upper, h.getSolution().col_value)
    if status == highspy.HighsModelStatus.kOptimal:
        state = "optimal"
    elif status in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kInterrupt,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kSolutionLimit,
    ):
        state = "time_limit"
    else:
        raise RuntimeError(f"HiGHS ended with {h.modelStatusToString(status)}")
    dual = float(info.mip_dual_bound)
    bound = dual * model.scale if math.isfinite(dual) else None
    return SolverRun(
        state,
        steps,
        bound,
        trace,
        seconds,
        nodes=int(info.mip_node_count),
        lp_iterations=int(info.simplex_iteration_count) + int(info.ipm_iteration_count),
    )


def fix_and_optimise_start(
    model: Model,
) -> tuple[dict[int, int], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Keep last year's placements (as far as the rules and hours allow), leave the rest free.

    Returns a feasible plan {pair: steps} that keeps them at their hours (capped by the
    person's hours) and column bounds that fix every kept pair (``y = 1``, ``x ≥ 1``)."""
    problem = model.problem
    lower = model.lower.copy()
    upper = model.upper.copy()
    kept: dict[int, int] = {}
    by_person: dict[int, list[int]] = {}
    for k, pair in enumerate(model.pairs):
        by_person.setdefault(pair.person, []).append(k)
    for p, ks in by_person.items():
        person = problem.staff[p]
        capacity = problem.capacity_steps(person)
        limit = problem.max_schools(person)
        used = 0
        count = 0
        for k in ks:
            pinned = model.pairs[k].pinned_steps
            if pinned is not None:
                kept[k] = pinned
                used += pinned
                count += 1
        currents = sorted(
            (k for k in ks if model.pairs[k].pinned_steps is None and model.pairs[k].current_steps),
            key=lambda k: (-model.pairs[k].current_steps, k),
        )
        for k in currents:
            pair = model.pairs[k]
            steps = min(pair.current_steps, pair.upper, capacity - used)
            if count >= limit or steps <= 0:
                continue
            kept[k] = steps
            used += steps
            count += 1
            lower[model.x_col(k)] = 1
            lower[model.y_col(k)] = 1
    return kept, lower, upper


def _lexicographic_hours(
    model: Model,
    kept: dict[int, int],
    lower: np.ndarray[Any, Any],
    upper: np.ndarray[Any, Any],
    time_limit: float | None,
    *,
    close_others: bool = True,
    rel_gap: float | None = None,
    start: dict[int, int] | None = None,
) -> dict[int, int]:
    """The hours on the kept pairs only (all other pairs closed): best objective first, then
    as close to last year's hours as possible. A transportation problem, solved at once."""
    fixed = [k for k in kept if model.pairs[k].pinned_steps is None]
    if close_others:
        upper = upper.copy()
        for k in range(len(model.pairs)):
            if k not in kept:
                upper[model.x_col(k)] = upper[model.y_col(k)] = 0
    h = _highs(model, lower, upper, time_limit)
    if rel_gap is not None:
        h.setOptionValue("mip_rel_gap", rel_gap)
    weight = 1.0 + sum(max(model.pairs[k].current_steps, model.pairs[k].upper) for k in fixed)
    h.changeColsCost(
        model.num_cols, np.arange(model.num_cols, dtype=np.int32), model.costs * weight
    )
    n = len(fixed)
    if n:
        first = model.num_cols
        empty_i = np.zeros(0, dtype=np.int32)
        h.addCols(
            n,
            np.ones(n),
            np.zeros(n),
            np.full(n, highspy.kHighsInf),
            0,
            empty_i,
            empty_i,
            np.zeros(0),
        )
        starts = np.arange(0, 4 * n, 2, dtype=np.int32)
        index = np.zeros(4 * n, dtype=np.int32)
        value = np.zeros(4 * n)
        lo = np.zeros(2 * n)
        hi = np.zeros(2 * n)
        for i, k in enumerate(fixed):
            current = model.pairs[k].current_steps
            # x − d ≤ current and x + d ≥ current: d ≥ |x − current|
            index[4 * i : 4 * i + 4] = [model.x_col(k), first + i, model.x_col(k), first + i]
            value[4 * i : 4 * i + 4] = [1.0, -1.0, 1.0, 1.0]
            lo[2 * i], hi[2 * i] = -highspy.kHighsInf, current
            lo[2 * i + 1], hi[2 * i + 1] = current, highspy.kHighsInf
        h.addRows(2 * n, lo, hi, 4 * n, starts, index, value)
    begin = kept if start is None else start
    extra = [abs(begin.get(k, 0) - model.pairs[k].current_steps) for k in fixed]
    _set_start(h, np.concatenate([model.columns_for(begin), np.array(extra, dtype=np.float64)]))
    h.solve()
    info = h.getInfo()
    if info.primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
        return kept
    return _steps_from(model, h.getSolution().col_value)


def _warm_start(model: Model, time_limit: float | None) -> dict[int, int]:
    """Fix-and-optimise in three steps, each starting from the one before:

    1. last year's pairs kept (as far as hours and the school-count rule allow), all other
       pairs closed, only their hours re-planned;
    2. those hours fixed, new pairs opened for people with hours and a school place left and
       for schools still short of their target;
    3. last year's pairs still kept, their hours free again, new pairs open for people with a
       school place left and schools short after step 1 (stopped at 0,5 %).

    Steps 1 and 3 prefer last year's hours among plans of equal objective (a lexicographic
    second goal), so that the full search, which accepts only strictly better plans, keeps
    them. Each step is a start: when time runs out the best plan so far is returned."""
    clock = time.monotonic()
    problem = model.problem
    kept, lower, upper = fix_and_optimise_start(model)

    def left() -> float | None:
        if time_limit is None:
            return None
        return max(time_limit - (time.monotonic() - clock), 0.01)

    hours = _lexicographic_hours(model, kept, lower, upper, left())
    used = [0] * len(problem.staff)
    count = [0] * len(problem.staff)
    assigned = [0] * len(problem.schools)
    for k, steps in hours.items():
        pair = model.pairs[k]
        used[pair.person] += steps
        count[pair.person] += 1
        assigned[pair.school] += steps
    # step 2: a small MIP, the kept hours fixed
    fixed_lower = model.lower.copy()
    fixed_upper = model.upper.copy()
    for k, steps in hours.items():
        fixed_lower[model.x_col(k)] = fixed_upper[model.x_col(k)] = steps
        fixed_lower[model.y_col(k)] = fixed_upper[model.y_col(k)] = 1
    for k, pair in enumerate(model.pairs):
        if k in hours:
            continue
        person = problem.staff[pair.person]
        place = count[pair.person] < problem.max_schools(person)
        short = assigned[pair.school] < problem.schools[pair.school].target_steps
        if not (place and short):
            upper[model.x_col(k)] = upper[model.y_col(k)] = 0
        if not (place and short and used[pair.person] < problem.capacity_steps(person)):
            fixed_upper[model.x_col(k)] = fixed_upper[model.y_col(k)] = 0
    h = _highs(model, fixed_lower, fixed_upper, left())
    h.setOptionValue("mip_rel_gap", 0.005)
    _set_start(h, model.columns_for(hours))
    h.solve()
    if h.getInfo().primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible:
        hours = _steps_from(model, h.getSolution().col_value)
    # step 3: the kept pairs' hours free again
    return _lexicographic_hours(
        model, kept, lower, upper, left(), close_others=False, rel_gap=0.005, start=hours
    )


def run_highs(
    model: Model,
    *,
    time_limit: float | None = None,
    warm_start: bool = True,
    progress: Progress | None = None,
) -> SolverRun:
    """Solve the model; with ``warm_start`` first the fix-and-optimise sub-problem (at most a
    fifth of the time limit), whose plan is the full model's starting incumbent."""
    clock = time.monotonic()
    if model.num_cols == 0:  # no school or nobody: the plan is empty, its value a constant
        return SolverRun("optimal", {}, model.offset * model.scale)
    start: dict[int, int] | None = None
    trace: list[dict[str, Any]] = []
    if warm_start:
        limit = WARM_START_SECONDS if time_limit is None else max(time_limit * 0.2, 0.01)
        if progress is not None:
            progress({"phase": "start", "elapsed": 0.0, "objective": None, "bound": None})
        if len(model.pairs) >= FULL_WARM_START_PAIRS:
            start = _warm_start(model, limit)
        else:  # step 1 only: keeps last year's hours among equal plans, costs nothing
            kept, lower, upper = fix_and_optimise_start(model)
            start = _lexicographic_hours(model, kept, lower, upper, limit)
        value = model.value(start)
        entry = {
            "phase": "start",
            "elapsed": time.monotonic() - clock,
            "objective": value,
            "bound": None,
        }
        trace.append(entry)
        if progress is not None:
            progress(dict(entry))
        if value <= model.trivial_bound() + 1e-9:  # nothing can be better: no search needed
            run = SolverRun("optimal", start, value, trace, time.monotonic() - clock)
            if progress is not None:
                progress({**entry, "phase": "search", "bound": value})
            return run
    remaining = None if time_limit is None else max(time_limit - (time.monotonic() - clock), 0.01)
    run = _solve(model, model.lower, model.upper, start, remaining, progress, "search", clock)
    if start is not None and model.value(start) < model.value(run.steps) - 1e-9:
        run.steps = start  # HiGHS stopped before taking the start (never seen, but cheap)
    run.trace = trace + run.trace
    run.seconds = time.monotonic() - clock
    return run
