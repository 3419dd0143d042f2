"""From schools and rules to arrays, and from arrays to one layer's allocation.

`prepare` validates the input, sorts the schools into the canonical order (ascending school
number) and builds one `LayerProblem` per layer: needs, base, bounds in integer units.
`solve_layer` computes the ideal shares and rounds them with the layer's method. Nothing here
depends on the order of the input rows.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from .criteria import Columns, CriterionData, criterion_data, keys_of, limits, numeric
from .formatting import LIST_LIMIT, fmt_fte, school_list, school_sort_key
from .rules import (
    AllocationError,
    Layer,
    Method,
    Rules,
    RulesError,
    SchoolInput,
    normalise_key,
)
from .solver import round_divisor, round_min_deviation, solve_lambda

__all__ = [
    "CriterionData",
    "LayerOutcome",
    "LayerProblem",
    "Prepared",
    "fmt_fte",
    "prepare",
    "school_sort_key",
    "solve_layer",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Codes for where a school's lower or upper bound comes from.
NO_BOUND, MIN_BOUND, MAX_BOUND, CONTINUITY, FIXED = (
    "none",
    "min_fte",
    "max_fte",
    "continuity",
    "fixed",
)
_GRID_EPS = 1e-9
_MAX_PLACES = 6


def _fraction(value: float) -> Fraction:
    return Fraction(repr(float(value)))


@dataclass
class LayerProblem:
    """A layer as arrays over its eligible schools, everything in units of the granularity."""

    layer: Layer
    method: Method
    index: IntArray  # positions of the eligible schools in the canonical order
    total_units: int
    budget_eur: Fraction | None
    leftover_eur: Fraction | None
    base: FloatArray
    lower: IntArray
    upper: IntArray
    lower_source: NDArray[np.object_]
    upper_source: NDArray[np.object_]
    lower_grid_moved: BoolArray
    upper_grid_moved: BoolArray
    current: FloatArray  # FTE, NaN if unknown
    criteria: list[CriterionData]
    share: FloatArray  # schools x add criteria
    available: FloatArray  # schools x add criteria, 1.0 where the criterion counts
    log_factor: FloatArray  # schools x multiply criteria
    zero_factor: BoolArray
    add_weights: FloatArray
    mul_weights: FloatArray
    fallback: bool = False
    need_positive: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def add_criteria(self) -> list[CriterionData]:
        return [c for c in self.criteria if c.criterion.combine == "add"]

    @property
    def mul_criteria(self) -> list[CriterionData]:
        return [c for c in self.criteria if c.criterion.combine == "multiply"]

    def __post_init__(self) -> None:
        # Criteria x schools copies: (samples x criteria) @ (criteria x schools) is fast in
        # BLAS, the transposed product with a small inner dimension is not.
        self._share_t = np.ascontiguousarray(self.share.T)
        self._available_t = np.ascontiguousarray(self.available.T)
        self._log_t = np.ascontiguousarray(self.log_factor.T)
        self._zero_t = np.ascontiguousarray(self.zero_factor.T, dtype=np.float64)

    def parts(self, add_w: FloatArray, mul_w: FloatArray) -> tuple[FloatArray, FloatArray]:
        """The added need A and the factor M (each samples x schools) for weight rows."""
        add_w = np.ascontiguousarray(np.atleast_2d(add_w))
        mul_w = np.ascontiguousarray(np.atleast_2d(mul_w))
        rows, count = add_w.shape[0], self.index.size
        if self._share_t.shape[0]:
            weighted = add_w @ self._share_t
            counted = add_w @ self._available_t
            total = add_w.sum(axis=1)[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                added = np.where(counted > 0, weighted * total / counted, 0.0)
        else:
            added = np.ones((rows, count))
        if self._log_t.shape[0]:
            factor = np.exp(mul_w @ self._log_t)
            zero = (mul_w > 0).astype(np.float64) @ self._zero_t
            factor[zero > 0] = 0.0
        else:
            factor = np.ones((rows, count))
        return added, factor

    def need(self, add_w: FloatArray, mul_w: FloatArray) -> FloatArray:
        """Effective need per weight row (samples x schools), with the even-split fallback."""
        added, factor = self.parts(add_w, mul_w)
        need = np.ascontiguousarray(added * factor)
        if self.fallback:
            need = np.broadcast_to(np.where(self.need_positive, 0.0, 1.0), need.shape).copy()
        return need


@dataclass
class Prepared:
    """Validated input in canonical order plus one problem per layer."""

    rules: Rules
    input_numbers: list[str]  # school numbers in input order
    school_current: FloatArray  # SchoolInput.current_fte in canonical order (NaN = unknown)
    schulnummern: list[str]  # canonical order
    input_position: IntArray  # canonical position -> position in the input
    layers: list[LayerProblem]
    granularity: Fraction
    places: int


@dataclass
class LayerOutcome:
    problem: LayerProblem
    lam: float
    need: FloatArray  # effective need (after the fallback rule)
    ideal: FloatArray  # units
    units: IntArray
    ties: BoolArray


def _total_units(
    layer: Layer, rules: Rules, granularity: Fraction, where: str
) -> tuple[int, Fraction | None, Fraction | None]:
    if layer.total_fte is not None:
        units = _fraction(layer.total_fte) / granularity
        if units.denominator != 1:
            raise RulesError(
                f"{where}: total_fte {layer.total_fte:g} is not a multiple of the granularity "
                f"{rules.granularity:g}"
            )
        return int(units), None, None
    if layer.budget_eur is None:
        raise RulesError(f"{where}: 'total_fte' or 'budget_eur' is missing")
    if rules.cost_per_fte_eur is None:
        raise RulesError(f"{where}: 'budget_eur' needs 'cost_per_fte_eur'")
    budget = _fraction(layer.budget_eur)
    step_cost = _fraction(rules.cost_per_fte_eur) * granularity
    whole = math.floor(budget / step_cost)
    return whole, budget, budget - whole * step_cost


def _layer_problem(
    layer: Layer,
    rules: Rules,
    columns: Columns,
    granularity: Fraction,
) -> LayerProblem:
    single = len(rules.layers) == 1
    where = "rules" if single else f"layer '{layer.name}'"
    lead = "" if single else f"{where}: "
    g = float(granularity)
    eligible = np.ones(len(columns.numbers), dtype=bool)
    for column, accepted in layer.where.items():
        keys = keys_of(columns.column(column))
        eligible &= np.array([key in accepted for key in keys], dtype=bool)
    index = np.flatnonzero(eligible).astype(np.int64)
    numbers = columns.school_numbers(index)
    count = len(numbers)
    total_units, budget, leftover = _total_units(layer, rules, granularity, where)
    if count == 0 and total_units > 0:
        raise AllocationError(
            f"{lead}no school meets the layer's condition {dict(layer.where)}, "
            f"but {fmt_fte(total_units * g)} FTE are to be distributed"
        )
    if layer.max_change is not None and layer.max_change < 0:
        raise RulesError(f"{where}: max_change must be at least 0")

    base = np.zeros(count)
    if isinstance(layer.base_fte, Mapping):
        table = {normalise_key(k): float(v) for k, v in layer.base_fte.items()}
        unknown: list[tuple[str, str]] = []
        kinds = keys_of(columns.column(rules.school_type_column, index))
        for position, kind in enumerate(kinds):
            if kind in table:
                base[position] = table[kind]
            elif "default" in table:
                base[position] = table["default"]
            else:
                unknown.append((numbers[position], repr(kind)))
        if unknown:
            raise RulesError(
                f"{where}: base_fte has no entry (and no 'default') for these school types: "
                + school_list(unknown)
            )
    else:
        base[:] = float(layer.base_fte)
    if (base < 0).any():
        raise RulesError(f"{where}: base_fte must be at least 0")

    minimum = limits(columns, index, single, "min_fte", layer.min_column)
    maximum = limits(columns, index, single, "max_fte", layer.max_column)
    fixed = limits(columns, index, single, "fixed_fte", layer.fixed_column)
    current = limits(columns, index, single, "current_fte", layer.current_column)
    minimum = np.where(np.isnan(minimum), layer.min_fte, minimum)
    maximum = np.where(
        np.isnan(maximum), np.inf if layer.max_fte is None else layer.max_fte, maximum
    )
    pinned = ~np.isnan(fixed)
    crossed = np.flatnonzero(~pinned & (minimum > maximum))
    if crossed.size:
        items = [
            (numbers[i], f"min {fmt_fte(minimum[i])}, max {fmt_fte(maximum[i])}") for i in crossed
        ]
        raise RulesError(f"{lead}minimum above maximum: " + school_list(items))
    off_grid = np.flatnonzero(pinned & (np.abs(fixed / g - np.rint(fixed / g)) > _GRID_EPS))
    if off_grid.size:
        items = [(numbers[i], f"fixed {fixed[i]:g}") for i in off_grid]
        raise RulesError(
            f"{lead}fixed FTE must be multiples of the granularity {rules.granularity:g}: "
            + school_list(items)
        )
    lo_fte = minimum.copy()
    hi_fte = maximum.copy()
    lower_source = np.where(minimum > 0, MIN_BOUND, NO_BOUND).astype(object)
    upper_source = np.where(np.isfinite(maximum), MAX_BOUND, NO_BOUND).astype(object)
    if layer.max_change is not None:
        known = ~np.isnan(current)
        down = known & (current - layer.max_change > minimum)
        up = known & (current + layer.max_change < maximum)
        lo_fte = np.where(down, current - layer.max_change, lo_fte)
        hi_fte = np.where(up, current + layer.max_change, hi_fte)
        lower_source[down] = CONTINUITY
        upper_source[up] = CONTINUITY
    lo_fte = np.where(pinned, fixed, lo_fte)
    hi_fte = np.where(pinned, fixed, hi_fte)
    lower_source[pinned] = FIXED
    upper_source[pinned] = FIXED
    if layer.max_change is not None and count and np.isnan(current).all():
        raise RulesError(
            f"{where}: 'max_change' is set but no school has a current FTE"
            + ("" if layer.current_column is None else f" in column '{layer.current_column}'")
        )
    lower_exact = lo_fte / g
    upper_exact = np.where(np.isinf(hi_fte), np.inf, hi_fte / g)
    lower = np.ceil(lower_exact - _GRID_EPS)
    upper = np.floor(np.minimum(upper_exact, 4 * max(total_units, 1) + 4) + _GRID_EPS)
    lower_moved = np.abs(lower - lower_exact) > _GRID_EPS
    upper_moved = np.isfinite(upper_exact) & (np.abs(upper - upper_exact) > _GRID_EPS)
    lower = lower.astype(np.int64)
    upper = upper.astype(np.int64)

    def detail(position: int, side: str) -> str:
        source = lower_source[position] if side == "lower" else upper_source[position]
        figure = lower[position] if side == "lower" else upper[position]
        text = f"{fmt_fte(figure * g)} FTE: {source}"
        if source == CONTINUITY:
            sign = "-" if side == "lower" else "+"
            change = fmt_fte(layer.max_change or 0.0)
            text += f" (current {fmt_fte(current[position])} {sign} {change})"
        moved = lower_moved if side == "lower" else upper_moved
        if moved[position]:
            text += ", rounded to the granularity"
        return text

    conflict = np.flatnonzero(lower > upper)
    if conflict.size:
        items = [
            (
                numbers[p],
                f"at least {detail(p, 'lower')}, at most {detail(p, 'upper')}",
            )
            for p in conflict.tolist()
        ]
        raise AllocationError(f"{lead}bounds that cannot both hold: " + school_list(items))
    total_fte = fmt_fte(total_units * g)
    if lower.sum() > total_units:
        order = np.argsort(-lower, kind="stable")
        items = [(numbers[p], detail(p, "lower")) for p in order if lower[p] > 0]
        continuity = any(lower_source[p] == CONTINUITY for p in range(count))
        kind = "minimums and continuity limits" if continuity else "minimums"
        raise AllocationError(
            f"{lead}the {kind} add up to {fmt_fte(lower.sum() * g)} FTE, more than the "
            f"{total_fte} FTE to distribute. Schools with a lower bound: " + school_list(items)
        )
    if upper.sum() < total_units:
        order = np.argsort(upper, kind="stable")
        items = [(numbers[p], detail(p, "upper")) for p in order]
        continuity = any(upper_source[p] == CONTINUITY for p in range(count))
        kind = "maximums and continuity limits" if continuity else "maximums"
        raise AllocationError(
            f"{lead}the {kind} add up to {fmt_fte(upper.sum() * g)} FTE, less than the "
            f"{total_fte} FTE to distribute. Schools: " + school_list(items)
        )
    upper = np.minimum(upper, total_units)
    base_units = base / g
    start = np.clip(base_units, lower, upper).sum()
    if start > total_units + 1e-9:
        order = np.argsort(-base, kind="stable")
        items = [(numbers[p], f"{fmt_fte(base[p])} FTE") for p in order[:5]]
        raise AllocationError(
            f"{lead}the base allocations (Sockel) within the bounds add up to "
            f"{fmt_fte(start * g)} FTE, more than the {total_fte} FTE to distribute "
            f"({count} schools, e.g. " + school_list(items) + ")"
        )

    criteria = [
        criterion_data(criterion, columns, index, f"{where}, criterion '{criterion.label}'")
        for criterion in layer.criteria
    ]
    adds = [c for c in criteria if c.criterion.combine == "add"]
    muls = [c for c in criteria if c.criterion.combine == "multiply"]
    share = np.zeros((count, len(adds)))
    available = np.zeros((count, len(adds)))
    for j, data in enumerate(adds):
        values = np.where(data.available, data.value, 0.0)
        column_sum = values.sum()
        if column_sum > 0:
            share[:, j] = values / column_sum
        available[:, j] = data.available
    log_factor = np.zeros((count, len(muls)))
    zero_factor = np.zeros((count, len(muls)), dtype=bool)
    for j, data in enumerate(muls):
        values = np.where(data.available, data.value, 1.0)
        zero_factor[:, j] = values == 0
        with np.errstate(divide="ignore"):
            log_factor[:, j] = np.where(values > 0, np.log(np.where(values > 0, values, 1)), 0)
    problem = LayerProblem(
        layer=layer,
        method=rules.method_of(layer),
        index=index,
        total_units=total_units,
        budget_eur=budget,
        leftover_eur=leftover,
        base=base_units,
        lower=lower,
        upper=upper,
        lower_source=lower_source,
        upper_source=upper_source,
        lower_grid_moved=lower_moved,
        upper_grid_moved=upper_moved,
        current=current,
        criteria=criteria,
        share=share,
        available=available,
        log_factor=log_factor,
        zero_factor=zero_factor,
        add_weights=np.array([c.criterion.weight for c in adds], dtype=np.float64),
        mul_weights=np.array([c.criterion.weight for c in muls], dtype=np.float64),
    )
    need = problem.need(problem.add_weights, problem.mul_weights)[0]
    positive = need > 0
    held = np.where(positive, upper, lower)
    reachable = np.where(positive, held, np.clip(base_units, lower, upper)).sum()
    if problem.method == "sainte-lague":
        rounded = np.clip(np.floor(base_units + 0.5), lower, upper)
        reachable = min(reachable, np.where(positive, held, rounded).sum())
    if reachable < total_units - 1e-9:
        problem.fallback = True
        problem.need_positive = positive
        problem.lower = np.where(positive, upper, lower)
    return problem


def prepare(schools: Sequence[SchoolInput], rules: Rules) -> Prepared:
    """Validate schools and rules and build the layer problems (canonical school order)."""
    if not rules.layers:
        raise RulesError("the rules have no layer")
    if rules.granularity <= 0 or not math.isfinite(rules.granularity):
        raise RulesError("granularity must be above 0")
    granularity = _fraction(rules.granularity)
    places = max(4, -int(_decimal_exponent(rules.granularity)))
    if places > _MAX_PLACES:
        raise RulesError(f"granularity may have at most {_MAX_PLACES} decimal places")
    numbers = [school.schulnummer for school in schools]
    try:
        digits = "".join(numbers).isdigit()
    except TypeError:  # a school number that is not text
        digits = False
    if not digits:  # text numbers: strip spaces (all-digit text has none)
        numbers = [str(number).strip() for number in numbers]
    if not all(numbers):
        raise RulesError("a school has an empty school number")
    if len(set(numbers)) != len(numbers):
        duplicates = sorted(
            (number for number, times in Counter(numbers).items() if times > 1),
            key=school_sort_key,
        )
        raise RulesError("duplicate school numbers: " + ", ".join(duplicates[:LIST_LIMIT]))
    if len(rules.layers) > 1:
        with_limits = [
            school.schulnummer
            for school in schools
            if any(
                getattr(school, name) is not None for name in ("min_fte", "max_fte", "fixed_fte")
            )
        ]
        if with_limits:
            raise RulesError(
                "with several layers, per-school min/max/fixed FTE must come from columns "
                "named in each layer (min_column = ...); schools with values in the "
                "single-layer fields: " + ", ".join(with_limits[:LIST_LIMIT])
            )
    for column, where in rules.columns():
        if not any(column in school.values for school in schools):
            raise RulesError(f"unknown column '{column}' named in {where}: no school has it")
    if digits and max(map(len, numbers), default=0) < 18:
        values = np.array(numbers, dtype=np.int64)
        order_array = np.argsort(values, kind="stable")
        if (np.diff(values[order_array]) == 0).any():  # "012" and "12": then by text
            order_array = np.lexsort((np.array(numbers), values))
        order = order_array.tolist()
    else:
        keys = [school_sort_key(number) for number in numbers]
        order = sorted(range(len(schools)), key=keys.__getitem__)
    canonical = list(map(schools.__getitem__, order))
    columns = Columns(canonical, list(map(numbers.__getitem__, order)))
    layers = [_layer_problem(layer, rules, columns, granularity) for layer in rules.layers]
    school_current = numeric(columns.field("current_fte"), "current_fte", columns.numbers)
    if (school_current < 0).any():
        raise RulesError("current FTE must be at least 0")
    return Prepared(
        rules=rules,
        input_numbers=numbers,
        school_current=school_current,
        schulnummern=columns.numbers,
        input_position=np.array(order, dtype=np.int64),
        layers=layers,
        granularity=granularity,
        places=places,
    )


def _decimal_exponent(value: float) -> int:
    exponent = Decimal(repr(float(value))).normalize().as_tuple().exponent
    return int(exponent) if isinstance(exponent, int) else 0


def solve_layer(problem: LayerProblem) -> LayerOutcome:
    """Ideal shares and rounded allocation of one layer at the nominal weights."""
    count = problem.index.size
    if count == 0:
        empty = np.zeros(0)
        return LayerOutcome(problem, 0.0, empty, empty, np.zeros(0, np.int64), np.zeros(0, bool))
    need = problem.need(problem.add_weights, problem.mul_weights)
    lower = problem.lower.astype(np.float64)
    upper = problem.upper.astype(np.float64)
    lam = solve_lambda(problem.base, need, lower, upper, float(problem.total_units))
    ideal = np.clip(problem.base + lam[:, None] * need, lower, upper)
    if problem.method == "sainte-lague":
        outcome = round_divisor(
            problem.base, need[0], problem.lower, problem.upper, problem.total_units, lam[0]
        )
        units, ties = outcome.units, outcome.ties
    else:
        rounded, tie_rows = round_min_deviation(
            ideal, problem.lower, problem.upper, problem.total_units, with_ties=True
        )
        units = rounded[0]
        ties = tie_rows[0] if tie_rows is not None else np.zeros(count, dtype=bool)
    return LayerOutcome(problem, float(lam[0]), need[0], ideal[0], units, ties)
