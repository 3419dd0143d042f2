"""Results and per-school explanations.

For each school and layer the explanation splits the final FTE into parts:

    fte = base + sum(criterion contributions) + even split + bound adjustment + rounding

and ``ideal = base + contributions + even split + bound adjustment``. The parts are decimals
with ``places`` digits (4 unless the granularity needs more). They are rounded so that they
add up *exactly* to the shown ideal and the final FTE: each part is rounded, and the few
hundredths of a thousandth that are then missing go, one digit step each, to the parts that
lost most in rounding (largest remainder again).

Contributions: an "add" criterion k contributes ``lambda * a_ik`` (its weighted share of the
added need); the "multiply" criteria together contribute ``lambda * A_i * (M_i - 1)``, shared
among them in proportion to ``weight * log(factor)`` (so the split does not depend on the
order in which the factors are listed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from .core import CONTINUITY, FIXED, LayerOutcome, Prepared
from .formatting import fmt_fte

__all__ = [
    "AllocationResult",
    "CriterionPart",
    "LayerPart",
    "LayerSummary",
    "SchoolExplanation",
]

_BOUND_LABELS = {
    ("lower", "min_fte"): "min",
    ("lower", CONTINUITY): "continuity_lower",
    ("upper", "max_fte"): "max",
    ("upper", CONTINUITY): "continuity_upper",
}


@dataclass(frozen=True)
class CriterionPart:
    """One criterion for one school: value, transformed value used and contribution."""

    name: str
    column: str
    combine: str
    weight: float
    raw_value: str | None
    value: float | None  # transformed value used (None: left out for this school)
    missing: str | None  # None, or the rule that filled the missing value
    share: float  # add: weighted share of the added need; multiply: factor ** weight
    contribution_fte: Decimal


@dataclass(frozen=True)
class LayerPart:
    """One school in one layer; the parts add up exactly to ``ideal_fte`` and ``fte``."""

    layer: str
    eligible: bool
    base_fte: Decimal
    criteria: tuple[CriterionPart, ...]
    even_split_fte: Decimal
    bound_fte: Decimal
    bound: str | None
    bound_detail: str | None
    ideal_fte: Decimal
    rounding_fte: Decimal
    fte: Decimal
    lower_fte: Decimal
    upper_fte: Decimal | None
    current_fte: Decimal | None
    tie: bool

    def parts_total(self) -> Decimal:
        """Sum of all parts; equals ``fte`` exactly."""
        return (
            self.base_fte
            + sum((c.contribution_fte for c in self.criteria), Decimal(0))
            + self.even_split_fte
            + self.bound_fte
            + self.rounding_fte
        )


@dataclass(frozen=True)
class SchoolExplanation:
    """Everything about one school's allocation (sum over its layers)."""

    schulnummer: str
    fte: Decimal
    ideal_fte: Decimal
    current_fte: Decimal | None
    change_fte: Decimal | None
    money_eur: Decimal | None
    layers: tuple[LayerPart, ...]

    @property
    def tie(self) -> bool:
        return any(part.tie for part in self.layers)

    @property
    def bounds(self) -> tuple[str, ...]:
        return tuple(f"{p.layer}:{p.bound}" for p in self.layers if p.bound)


@dataclass(frozen=True)
class LayerSummary:
    """One layer's totals and how it was solved."""

    name: str
    method: str
    total_fte: Decimal
    eligible_schools: int
    budget_eur: Decimal | None
    leftover_eur: Decimal | None
    lambda_units: float
    even_split: bool
    ties: tuple[str, ...]


def _display(cell: object) -> str | None:
    if cell is None:
        return None
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    text = str(cell).strip()
    return text or None


def _apportion(parts: NDArray[np.float64], target: NDArray[np.int64]) -> NDArray[np.int64]:
    """Round each row of ``parts`` to integers that add up to ``target`` (largest remainder)."""
    rounded = np.rint(parts).astype(np.int64)
    residual = parts - rounded
    missing = target - rounded.sum(axis=1)
    rows = np.arange(parts.shape[0])
    for _ in range(int(np.abs(missing).max(initial=0))):
        up = missing > 0
        down = missing < 0
        if not (up.any() or down.any()):
            break
        best_up = np.argmax(residual, axis=1)
        best_down = np.argmin(residual, axis=1)
        column = np.where(up, best_up, best_down)
        step = np.where(up, 1, np.where(down, -1, 0))
        rounded[rows, column] += step
        residual[rows, column] -= step
        missing -= step
    return rounded


class _LayerTable:
    """Integer parts (scaled by 10**places) of one layer for all its eligible schools."""

    def __init__(self, outcome: LayerOutcome, prepared: Prepared) -> None:
        problem = outcome.problem
        self.outcome = outcome
        g = float(prepared.granularity)
        scale = 10**prepared.places
        count = problem.index.size
        lam = outcome.lam
        added, factor = problem.parts(problem.add_weights, problem.mul_weights)
        added, factor = added[0], factor[0]
        weights = problem.add_weights
        counted = problem.available @ weights if weights.size else np.zeros(count)
        with np.errstate(divide="ignore", invalid="ignore"):
            renorm = np.where(counted > 0, weights.sum() / counted, 0.0)
        add_share = problem.share * weights[None, :] * renorm[:, None]
        logs = problem.log_factor * problem.mul_weights[None, :]
        zero = problem.zero_factor & (problem.mul_weights > 0)[None, :]
        total_log = logs.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(np.abs(total_log) > 1e-12, np.expm1(total_log) / total_log, 1.0)
        mul_part = lam * added[:, None] * logs * spread[:, None]
        zero_rows = zero.any(axis=1)
        if zero_rows.any():
            zero_share = zero / np.maximum(zero.sum(axis=1, keepdims=True), 1)
            mul_part[zero_rows] = (-lam * added[:, None] * zero_share)[zero_rows]
        add_part = lam * add_share
        even = np.zeros(count)
        if problem.fallback:
            add_part = np.zeros_like(add_part)
            mul_part = np.zeros_like(mul_part)
            even = np.where(problem.need_positive, 0.0, lam)
        unclamped = problem.base + add_part.sum(axis=1) + mul_part.sum(axis=1) + even
        bound_adj = outcome.ideal - unclamped
        # Criteria in the order the rules list them.
        columns: list[NDArray[np.float64]] = []
        self.shares: list[NDArray[np.float64]] = []
        add_column = mul_column = 0
        for data in problem.criteria:
            if data.criterion.combine == "add":
                columns.append(add_part[:, add_column])
                self.shares.append(add_share[:, add_column])
                add_column += 1
            else:
                columns.append(mul_part[:, mul_column])
                self.shares.append(np.exp(logs[:, mul_column]))
                mul_column += 1
        parts = np.column_stack([problem.base, *columns, even, bound_adj])
        self.ideal = np.rint(outcome.ideal * g * scale).astype(np.int64)
        self.parts = _apportion(parts * g * scale, self.ideal)
        step = int(prepared.granularity * scale)
        self.fte = outcome.units * step
        self.rounding = self.fte - self.ideal
        self.unclamped = unclamped
        self.factor = factor
        # Python lists: element access in the per-school loop is much faster than numpy's.
        self.rows: list[list[int]] = self.parts.tolist()
        self.ideal_list: list[int] = self.ideal.tolist()
        self.rounding_list: list[int] = self.rounding.tolist()
        self.units: list[int] = outcome.units.tolist()
        self.lower: list[int] = problem.lower.tolist()
        self.upper: list[int] = problem.upper.tolist()
        self.current: list[float] = problem.current.tolist()
        self.ties: list[bool] = outcome.ties.tolist()
        self.no_upper: list[bool] = (
            (problem.upper_source == "none") & (not problem.fallback)
        ).tolist()
        self.criteria = [
            (
                data,
                data.missing.tolist(),
                data.available.tolist(),
                data.value.tolist(),
                self.shares[column].tolist(),
                data.criterion.missing if isinstance(data.criterion.missing, str) else "value",
            )
            for column, data in enumerate(problem.criteria)
        ]
        eps = 1e-9
        ideal_units = outcome.ideal
        low = (unclamped < problem.lower - eps) & (np.abs(ideal_units - problem.lower) <= eps)
        high = (unclamped > problem.upper + eps) & (np.abs(ideal_units - problem.upper) <= eps)
        special = problem.lower_source == FIXED
        if problem.fallback:
            special = special | problem.need_positive
        self.bounded: list[bool] = (low | high | special).tolist()


class AllocationResult:
    """The allocation of every school; explanations are built on first access."""

    def __init__(self, prepared: Prepared, outcomes: list[LayerOutcome]) -> None:
        self._prepared = prepared
        self._outcomes = outcomes
        rules = prepared.rules
        self.granularity = Decimal(repr(float(rules.granularity)))
        self.cost_per_fte_eur = (
            None if rules.cost_per_fte_eur is None else Decimal(repr(rules.cost_per_fte_eur))
        )
        count = len(prepared.schulnummern)
        units = np.zeros(count, dtype=np.int64)
        for outcome in outcomes:
            units[outcome.problem.index] += outcome.units
        position = prepared.input_position
        self.schulnummern: tuple[str, ...] = tuple(prepared.input_numbers)
        #: Total units per school in input order.
        self.units = np.empty(count, dtype=np.int64)
        self.units[position] = units
        self.layers = tuple(self._summary(outcome) for outcome in outcomes)
        self.total_fte = sum((layer.total_fte for layer in self.layers), Decimal(0))
        budgets = [layer.budget_eur for layer in self.layers if layer.budget_eur is not None]
        self.budget_eur: Decimal | None = sum(budgets, Decimal(0)) if budgets else None
        leftovers = [layer.leftover_eur for layer in self.layers if layer.leftover_eur is not None]
        self.leftover_eur: Decimal | None = sum(leftovers, Decimal(0)) if leftovers else None
        tied = np.zeros(count, dtype=bool)
        for outcome in outcomes:
            tied[outcome.problem.index] |= outcome.ties
        in_input_order = np.empty(count, dtype=bool)
        in_input_order[position] = tied
        self.ties: tuple[str, ...] = tuple(
            self.schulnummern[i] for i in np.flatnonzero(in_input_order)
        )

    def _summary(self, outcome: LayerOutcome) -> LayerSummary:
        problem = outcome.problem
        numbers = self._prepared.schulnummern
        money = None if problem.budget_eur is None else Decimal(problem.budget_eur.numerator)
        leftover = None
        if problem.leftover_eur is not None:
            leftover = (
                Decimal(problem.leftover_eur.numerator) / Decimal(problem.leftover_eur.denominator)
            ).quantize(Decimal("0.01"))
        if problem.budget_eur is not None:
            money = (
                Decimal(problem.budget_eur.numerator) / Decimal(problem.budget_eur.denominator)
            ).quantize(Decimal("0.01"))
        return LayerSummary(
            name=problem.layer.name,
            method=problem.method,
            total_fte=problem.total_units * self.granularity,
            eligible_schools=int(problem.index.size),
            budget_eur=money,
            leftover_eur=leftover,
            lambda_units=outcome.lam,
            even_split=problem.fallback,
            ties=tuple(numbers[problem.index[i]] for i in np.flatnonzero(outcome.ties)),
        )

    @property
    def deviation_fte(self) -> float:
        """Sum over schools and layers of |fte - ideal| (what min-deviation minimises)."""
        g = float(self.granularity)
        return float(sum(np.abs(o.units - o.ideal).sum() for o in self._outcomes) * g)

    @cached_property
    def fte_by_school(self) -> dict[str, Decimal]:
        """Final FTE per school number."""
        return {
            n: int(u) * self.granularity for n, u in zip(self.schulnummern, self.units, strict=True)
        }

    @cached_property
    def ideal_by_school(self) -> dict[str, float]:
        """Ideal (fractional) FTE per school number, summed over layers, unrounded floats."""
        numbers = self._prepared.schulnummern
        ideal = np.zeros(len(numbers))
        for outcome in self._outcomes:
            ideal[outcome.problem.index] += outcome.ideal
        g = float(self.granularity)
        return {numbers[i]: float(ideal[i] * g) for i in range(len(numbers))}

    @cached_property
    def layer_fte(self) -> dict[str, dict[str, Decimal]]:
        """FTE per layer name and school number (schools outside a layer are absent)."""
        numbers = self._prepared.schulnummern
        return {
            o.problem.layer.name: {
                numbers[i]: int(u) * self.granularity
                for i, u in zip(o.problem.index, o.units, strict=True)
            }
            for o in self._outcomes
        }

    @cached_property
    def schools(self) -> tuple[SchoolExplanation, ...]:
        """One explanation per school, in input order."""
        by_number = self._explanations()
        return tuple(by_number[n] for n in self.schulnummern)

    def explanation(self, schulnummer: str) -> SchoolExplanation:
        """The explanation of one school."""
        return self._explanation_map[schulnummer]

    @cached_property
    def _explanation_map(self) -> dict[str, SchoolExplanation]:
        return {school.schulnummer: school for school in self.schools}

    def _explanations(self) -> dict[str, SchoolExplanation]:
        prepared = self._prepared
        places = prepared.places
        tables = [_LayerTable(outcome, prepared) for outcome in self._outcomes]
        numbers = prepared.schulnummern
        slots: list[dict[int, int]] = [
            {int(canonical): row for row, canonical in enumerate(t.outcome.problem.index)}
            for t in tables
        ]
        zero = Decimal(0).scaleb(-places)
        g = float(prepared.granularity)

        def dec(value: int) -> Decimal:
            return Decimal(int(value)).scaleb(-places)

        result: dict[str, SchoolExplanation] = {}
        for canonical, number in enumerate(numbers):
            layer_parts: list[LayerPart] = []
            currents: list[Decimal] = []
            for table, slot in zip(tables, slots, strict=True):
                problem = table.outcome.problem
                row = slot.get(canonical)
                if row is None:
                    layer_parts.append(
                        LayerPart(
                            layer=problem.layer.name,
                            eligible=False,
                            base_fte=zero,
                            criteria=(),
                            even_split_fte=zero,
                            bound_fte=zero,
                            bound=None,
                            bound_detail=None,
                            ideal_fte=zero,
                            rounding_fte=zero,
                            fte=Decimal(0) * self.granularity,
                            lower_fte=zero,
                            upper_fte=zero,
                            current_fte=None,
                            tie=False,
                        )
                    )
                    continue
                layer_parts.append(self._layer_part(table, row, dec, g))
                if layer_parts[-1].current_fte is not None:
                    currents.append(layer_parts[-1].current_fte)
            fte = sum((p.fte for p in layer_parts), Decimal(0) * self.granularity)
            ideal = sum((p.ideal_fte for p in layer_parts), zero)
            current = sum(currents, Decimal(0)) if currents else None
            own = prepared.school_current[canonical]
            if not np.isnan(own):
                current = Decimal(repr(float(own)))
            money = None
            if self.cost_per_fte_eur is not None:
                money = (fte * self.cost_per_fte_eur).quantize(Decimal("0.01"))
            result[number] = SchoolExplanation(
                schulnummer=number,
                fte=fte,
                ideal_fte=ideal,
                current_fte=current,
                change_fte=None if current is None else fte - current,
                money_eur=money,
                layers=tuple(layer_parts),
            )
        return result

    def _layer_part(
        self, table: _LayerTable, row: int, dec: Callable[[int], Decimal], g: float
    ) -> LayerPart:
        problem = table.outcome.problem
        parts = table.rows[row]
        criteria = tuple(
            CriterionPart(
                name=data.criterion.label,
                column=data.criterion.column,
                combine=data.criterion.combine,
                weight=data.criterion.weight,
                raw_value=_display(data.raw[row]),
                value=values[row] if available[row] else None,
                missing=rule if missing[row] else None,
                share=shares[row],
                contribution_fte=dec(parts[1 + column]),
            )
            for column, (data, missing, available, values, shares, rule) in enumerate(
                table.criteria
            )
        )
        bound, detail = self._bound(table, row, g) if table.bounded[row] else (None, None)
        current = table.current[row]
        return LayerPart(
            layer=problem.layer.name,
            eligible=True,
            base_fte=dec(parts[0]),
            criteria=criteria,
            even_split_fte=dec(parts[-2]),
            bound_fte=dec(parts[-1]),
            bound=bound,
            bound_detail=detail,
            ideal_fte=dec(table.ideal_list[row]),
            rounding_fte=dec(table.rounding_list[row]),
            fte=table.units[row] * self.granularity,
            lower_fte=table.lower[row] * self.granularity,
            upper_fte=None if table.no_upper[row] else table.upper[row] * self.granularity,
            current_fte=None if current != current else Decimal(repr(current)),
            tie=table.ties[row],
        )

    @staticmethod
    def _bound(table: _LayerTable, row: int, g: float) -> tuple[str | None, str | None]:
        problem = table.outcome.problem
        ideal = table.outcome.ideal[row]
        value = table.unclamped[row]
        if problem.lower_source[row] == FIXED:
            return "fixed", f"fixed at {fmt_fte(problem.lower[row] * g)} FTE"
        if problem.fallback and problem.need_positive[row]:
            return "max", (
                f"at most {fmt_fte(problem.upper[row] * g)} FTE; the need-based shares could not "
                "absorb the total, so these schools are at their maximum and the rest is spread "
                "evenly"
            )
        for side, limit, beyond in (
            ("lower", problem.lower[row], value < problem.lower[row] - 1e-9),
            ("upper", problem.upper[row], value > problem.upper[row] + 1e-9),
        ):
            if not beyond or abs(ideal - limit) > 1e-9:
                continue
            source = (problem.lower_source if side == "lower" else problem.upper_source)[row]
            label = _BOUND_LABELS.get((side, source), side)
            word = "at least" if side == "lower" else "at most"
            text = f"{word} {fmt_fte(limit * g)} FTE"
            if source == CONTINUITY:
                sign = "-" if side == "lower" else "+"
                change = problem.layer.max_change or 0.0
                text += f" (current {fmt_fte(problem.current[row])} {sign} {fmt_fte(change)})"
            moved = (problem.lower_grid_moved if side == "lower" else problem.upper_grid_moved)[row]
            if moved:
                text += ", rounded to the granularity"
            return label, text
        return None, None
