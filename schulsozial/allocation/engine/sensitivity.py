"""How much each school's allocation depends on the weights: a Monte Carlo run.

Each sample multiplies every criterion weight by its own factor drawn uniformly from
``[1 - spread, 1 + spread]`` and runs the whole distribution again. Per school we report the
5th, 50th and 95th percentile of the sampled FTE (inverted CDF: the p-th percentile is the
smallest sampled value that at least p % of the samples do not exceed, so it is always an FTE
on the grid) and flag the school if ``p95 - p5 >= flag_steps`` granularity steps (default 2:
one step is ordinary rounding jitter, two steps mean the weights decide).

For the min-deviation method the run is fully batched: needs for a block of samples are one
matrix product, lambda is solved for all rows at once, and the largest-remainder rounding with
bounds sorts each row once. The Sainte-Laguë method is run sample by sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .core import Prepared, prepare, solve_layer
from .rules import Rules, RulesError, SchoolInput
from .solver import round_divisor, round_min_deviation, solve_lambda

__all__ = ["SchoolSensitivity", "SensitivityResult", "sensitivity"]

#: Samples x schools per block; large enough to amortise numpy calls, small enough for caches.
_BLOCK_ELEMENTS = 200_000
_PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class SchoolSensitivity:
    """One school's spread over the samples (FTE)."""

    schulnummer: str
    fte: float
    p5: float
    p50: float
    p95: float
    minimum: float
    maximum: float
    flagged: bool


@dataclass(frozen=True)
class SensitivityResult:
    """Percentiles per school (arrays in input order) and the drawn weights."""

    schulnummern: tuple[str, ...]
    fte: NDArray[np.float64]
    p5: NDArray[np.float64]
    p50: NDArray[np.float64]
    p95: NDArray[np.float64]
    minimum: NDArray[np.float64]
    maximum: NDArray[np.float64]
    flagged: NDArray[np.bool_]
    samples: int
    spread: float
    seed: int
    flag_steps: int
    criteria: tuple[str, ...]
    weights: NDArray[np.float64]  # samples x criteria

    @property
    def flagged_schools(self) -> tuple[str, ...]:
        """School numbers whose allocation depends strongly on the weights."""
        return tuple(n for n, f in zip(self.schulnummern, self.flagged, strict=True) if f)

    def per_school(self) -> tuple[SchoolSensitivity, ...]:
        """One record per school, in input order."""
        return tuple(
            SchoolSensitivity(
                schulnummer=number,
                fte=float(self.fte[i]),
                p5=float(self.p5[i]),
                p50=float(self.p50[i]),
                p95=float(self.p95[i]),
                minimum=float(self.minimum[i]),
                maximum=float(self.maximum[i]),
                flagged=bool(self.flagged[i]),
            )
            for i, number in enumerate(self.schulnummern)
        )


def _sample_units(prepared: Prepared, factors: NDArray[np.float64]) -> NDArray[np.int32]:
    """Units per school (canonical order) x sample."""
    samples = factors.shape[0]
    count_all = len(prepared.schulnummern)
    totals = np.zeros((samples, count_all), dtype=np.int32)
    column = 0
    for problem in prepared.layers:
        adds, muls = problem.add_weights.size, problem.mul_weights.size
        add_w = problem.add_weights[None, :] * factors[:, column : column + adds]
        mul_w = problem.mul_weights[None, :] * factors[:, column + adds : column + adds + muls]
        column += adds + muls
        count = problem.index.size
        if count == 0:
            continue
        lower = problem.lower.astype(np.float64)
        upper = problem.upper.astype(np.float64)
        total = problem.total_units
        block = max(1, _BLOCK_ELEMENTS // count)
        for start in range(0, samples, block):
            stop = min(samples, start + block)
            need = problem.need(add_w[start:stop], mul_w[start:stop])
            lam = solve_lambda(problem.base, need, lower, upper, float(total))
            if problem.method == "sainte-lague":
                units = np.stack(
                    [
                        round_divisor(
                            problem.base, need[row], problem.lower, problem.upper, total, lam[row]
                        ).units
                        for row in range(stop - start)
                    ]
                )
            else:
                ideal = np.clip(problem.base + lam[:, None] * need, lower, upper)
                units, _ = round_min_deviation(ideal, problem.lower, problem.upper, total)
            if count == count_all:  # every school is in the layer: no fancy indexing
                totals[start:stop] += units.astype(np.int32)
            else:
                totals[start:stop, problem.index] += units.astype(np.int32)
    return np.ascontiguousarray(totals.T)


def sensitivity(
    schools: Sequence[SchoolInput],
    rules: Rules,
    samples: int | None = None,
    spread: float | None = None,
    seed: int | None = None,
    flag_steps: int | None = None,
) -> SensitivityResult:
    """Monte Carlo over the weights; arguments left None come from ``rules.sensitivity``."""
    settings = rules.sensitivity
    samples = settings.samples if samples is None else samples
    spread = settings.spread if spread is None else spread
    seed = settings.seed if seed is None else seed
    flag_steps = settings.flag_steps if flag_steps is None else flag_steps
    if not isinstance(samples, int) or samples < 1:
        raise RulesError(
            f"the number of samples must be a whole number of at least 1, got {samples}"
        )
    if not (0 <= spread < 1) or not math.isfinite(spread):
        raise RulesError(f"spread must be at least 0 and below 1 (it is ± a share), got {spread}")
    if flag_steps < 1:
        raise RulesError(f"flag_steps must be at least 1, got {flag_steps}")
    prepared = prepare(schools, rules)
    labels = tuple(
        f"{problem.layer.name}/{data.criterion.label}"
        for problem in prepared.layers
        for data in problem.add_criteria + problem.mul_criteria
    )
    rng = np.random.default_rng(seed)
    factors = 1.0 + rng.uniform(-spread, spread, size=(samples, len(labels)))
    units = _sample_units(prepared, factors)
    units.sort(axis=1)
    picks = [math.ceil(p / 100 * samples) - 1 for p in _PERCENTILES]
    g = float(prepared.granularity)
    nominal = np.zeros(len(prepared.schulnummern), dtype=np.int64)
    for problem in prepared.layers:
        nominal[problem.index] += solve_layer(problem).units
    back = np.argsort(prepared.input_position)

    def fte(values: NDArray[np.integer]) -> NDArray[np.float64]:
        return (values * g).astype(np.float64, copy=False)[back]

    low, middle, high = (units[:, pick] for pick in picks)
    nominal_weights = np.concatenate(
        [np.concatenate([p.add_weights, p.mul_weights]) for p in prepared.layers]
    )
    weights = nominal_weights[None, :] * factors
    return SensitivityResult(
        schulnummern=tuple(prepared.schulnummern[i] for i in back),
        fte=fte(nominal),
        p5=fte(low),
        p50=fte(middle),
        p95=fte(high),
        minimum=fte(units[:, 0]),
        maximum=fte(units[:, -1]),
        flagged=((high - low) >= flag_steps)[back],
        samples=samples,
        spread=float(spread),
        seed=int(seed),
        flag_steps=int(flag_steps),
        criteria=labels,
        weights=weights,
    )
