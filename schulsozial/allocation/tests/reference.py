"""A straightforward pure-Python implementation of the min-deviation method.

Written independently of the engine (no numpy, plain loops) for two uses: the tests compare
the engine's results with it, and bench/bench_allocation.py measures how much faster the
vectorised engine is. It handles one layer (the first) and the "min-deviation" method.

- ideal: lambda by bisection (100 halvings) on sum(clip(base + lambda * need, lower, upper))
- allocation: one unit at a time to the school whose deviation |x - ideal| falls most
  (``greedy="heap"``: a priority queue; ``greedy="scan"``: a full scan per unit, O(n k)).
"""

from __future__ import annotations

import heapq
import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schulsozial.allocation.engine import Rules, SchoolInput
from schulsozial.allocation.engine.rules import normalise_key


@dataclass
class ReferenceResult:
    units: dict[str, int]
    ideal_units: dict[str, float]
    lower: dict[str, int]
    upper: dict[str, int]
    total_units: int

    @property
    def deviation_units(self) -> float:
        return sum(abs(self.units[n] - self.ideal_units[n]) for n in self.units)


def _sort_key(number: str) -> tuple[int, int, str]:
    return (0, int(number), number) if number.isdigit() else (1, 0, number)


def _number(value: object) -> float | None:
    if value is None:
        return None
    text = str(value).strip()
    return None if text == "" else float(text.replace(",", "."))


def _own(school: SchoolInput, attribute: str, column: str | None, single: bool) -> float | None:
    if column:
        return _number(school.values.get(column))
    return getattr(school, attribute) if single else None


def reference_allocate(
    schools: Sequence[SchoolInput],
    rules: Rules,
    *,
    weights: Sequence[float] | None = None,
    greedy: str = "heap",
) -> ReferenceResult:
    """Allocate the first layer of ``rules`` with plain Python (see module docstring)."""
    layer = rules.layers[0]
    g = rules.granularity
    single = len(rules.layers) == 1
    chosen = [
        s
        for s in schools
        if all(normalise_key(s.values.get(col)) in ok for col, ok in layer.where.items())
    ]
    chosen.sort(key=lambda s: _sort_key(s.schulnummer))
    numbers = [s.schulnummer for s in chosen]
    n = len(chosen)
    if layer.total_fte is not None:
        total = round(layer.total_fte / g)
    else:  # the rules validate: no total, then a budget with its cost per FTE
        assert layer.budget_eur is not None and rules.cost_per_fte_eur is not None
        total = math.floor(layer.budget_eur / (rules.cost_per_fte_eur * g) + 1e-9)

    criteria = list(layer.criteria)
    if weights is None:
        weights = [c.weight for c in criteria]
    values: list[list[float | None]] = []
    for c in criteria:
        column: list[float | None] = []
        for s in chosen:
            raw = s.values.get(c.column)
            if c.transform == "table":
                key = normalise_key(raw)
                assert c.table is not None  # a table transform has its table
                column.append(None if key is None else c.table[key])
            elif c.transform == "per_pupil":
                count, pupils = _number(raw), _number(s.values.get(c.pupils_column))
                if count is not None and pupils is not None and pupils > 0:
                    column.append(c.rate * count / pupils)
                else:
                    column.append(None)
            else:
                column.append(_number(raw))
        present = [v for v in column if v is not None]
        if c.missing == "median":
            fill: float | None = statistics.median(present) if present else None
        elif c.missing == "zero":
            fill = 0.0
        elif c.missing == "exclude":
            fill = None
        else:
            fill = float(c.missing)
        values.append([fill if v is None else v for v in column])

    need = []
    add_total = sum(w for c, w in zip(criteria, weights, strict=True) if c.combine == "add")
    sums = [sum(v for v in col if v is not None) for col in values]
    has_add = any(c.combine == "add" for c in criteria)
    for i in range(n):
        added, counted, factor = 0.0, 0.0, 1.0
        for k, (c, w) in enumerate(zip(criteria, weights, strict=True)):
            v = values[k][i]
            if v is None:
                continue
            if c.combine == "add":
                counted += w
                added += w * (v / sums[k] if sums[k] > 0 else 0.0)
            elif w > 0:
                factor *= v**w
        if not has_add:
            added = 1.0
        elif counted > 0:
            added = added * add_total / counted
        else:
            added = 0.0
        need.append(added * factor)

    base, lower, upper = [], [], []
    for s in chosen:
        if isinstance(layer.base_fte, Mapping):
            kind = normalise_key(s.values.get(rules.school_type_column))
            table = layer.base_fte
            found = table.get(kind) if kind is not None else None
            b = found if found is not None else table.get("default")
            assert b is not None  # the engine refuses a school type without an entry
        else:
            b = layer.base_fte
        base.append(b / g)
        minimum = _own(s, "min_fte", layer.min_column, single)
        maximum = _own(s, "max_fte", layer.max_column, single)
        fixed = _own(s, "fixed_fte", layer.fixed_column, single)
        current = _own(s, "current_fte", layer.current_column, single)
        lo = layer.min_fte if minimum is None else minimum
        hi = (math.inf if layer.max_fte is None else layer.max_fte) if maximum is None else maximum
        if layer.max_change is not None and current is not None:
            lo = max(lo, current - layer.max_change)
            hi = min(hi, current + layer.max_change)
        if fixed is not None:
            lo = hi = fixed
        lower.append(math.ceil(lo / g - 1e-9))
        upper.append(min(total, math.floor(hi / g + 1e-9)) if hi != math.inf else total)

    def ideal_at(lam: float, need_now: list[float]) -> list[float]:
        return [min(max(base[i] + lam * need_now[i], lower[i]), upper[i]) for i in range(n)]

    reach = sum(
        upper[i] if need[i] > 0 else min(max(base[i], lower[i]), upper[i]) for i in range(n)
    )
    if reach < total - 1e-9:  # even-split rule
        lower = [upper[i] if need[i] > 0 else lower[i] for i in range(n)]
        need = [0.0 if need[i] > 0 else 1.0 for i in range(n)]
    lo_lam, hi_lam = 0.0, 1.0
    while sum(ideal_at(hi_lam, need)) < total and hi_lam < 1e300:
        hi_lam *= 2
    if sum(ideal_at(0.0, need)) >= total:
        hi_lam = 0.0
    for _ in range(100):
        mid = (lo_lam + hi_lam) / 2
        if sum(ideal_at(mid, need)) < total:
            lo_lam = mid
        else:
            hi_lam = mid
    ideal = ideal_at(hi_lam, need)

    units = list(lower)
    remaining = total - sum(units)

    def gain(i: int) -> float:
        return abs(units[i] - ideal[i]) - abs(units[i] + 1 - ideal[i])

    if greedy == "heap":
        heap = [(-gain(i), i) for i in range(n) if units[i] < upper[i]]
        heapq.heapify(heap)
        while remaining > 0:
            _, i = heapq.heappop(heap)
            units[i] += 1
            remaining -= 1
            if units[i] < upper[i]:
                heapq.heappush(heap, (-gain(i), i))
    else:
        while remaining > 0:
            best, best_gain = -1, -math.inf
            for i in range(n):
                if units[i] < upper[i]:
                    value = gain(i)
                    if value > best_gain:
                        best, best_gain = i, value
            units[best] += 1
            remaining -= 1
    return ReferenceResult(
        units=dict(zip(numbers, units, strict=True)),
        ideal_units=dict(zip(numbers, ideal, strict=True)),
        lower=dict(zip(numbers, lower, strict=True)),
        upper=dict(zip(numbers, upper, strict=True)),
        total_units=total,
    )


def milp_deviation(
    ideal: Sequence[float], lower: Sequence[int], upper: Sequence[int], total: int
) -> tuple[float, list[int]]:
    """Exact optimum of min sum |x - ideal| (integer x, bounds, sum = total) by scipy's MILP."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    n = len(ideal)
    q = np.asarray(ideal, dtype=float)
    eye = np.eye(n)
    # variables: x (n, integer), d (n, continuous); d >= x - q and d >= q - x
    cost = np.concatenate([np.zeros(n), np.ones(n)])
    constraints = [
        LinearConstraint(np.hstack([-eye, eye]), -q, np.inf),
        LinearConstraint(np.hstack([eye, eye]), q, np.inf),
        LinearConstraint(np.concatenate([np.ones(n), np.zeros(n)])[None, :], total, total),
    ]
    bounds = Bounds(
        np.concatenate([np.asarray(lower, float), np.zeros(n)]),
        np.concatenate([np.asarray(upper, float), np.full(n, np.inf)]),
    )
    integrality = np.concatenate([np.ones(n), np.zeros(n)])
    found = None
    for options in ({"mip_rel_gap": 0.0}, {"mip_rel_gap": 0.0, "presolve": False}, {}):
        found = milp(
            cost,
            constraints=constraints,
            bounds=bounds,
            integrality=integrality,
            options=options,
        )
        if found.success:
            break
    if found is None or not found.success:
        raise RuntimeError(f"MILP failed: {found.message if found else ''}")
    # Integrality is met up to a tolerance; score the rounded integer solution exactly.
    units = [round(v) for v in found.x[:n]]
    return float(sum(abs(u - v) for u, v in zip(units, q, strict=True))), units
