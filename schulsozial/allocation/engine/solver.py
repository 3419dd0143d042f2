"""Numeric core: the ideal shares and the two rounding methods, vectorised with numpy.

All quantities are in *units* of the granularity (0.25 FTE = 1 unit with granularity 0.25),
so totals and bounds are integers and are met exactly. Arrays are in the canonical school
order (ascending school number), which makes every tie-break a position comparison.

- `solve_lambda`: for each row of needs, the lambda >= 0 with
  ``sum(clip(base + lambda * need, lower, upper)) == total`` (safeguarded Newton on a
  piecewise linear, non-decreasing function: it lands exactly once it is on the right piece).
- `round_min_deviation`: largest remainder with bounds, batched over rows: start from the
  floors of the ideal, give the missing units to the largest remainders. This minimises
  ``sum |x - ideal|`` (see docs/distribution.md for the argument).
- `round_divisor`: Sainte-Laguë/Webster with base and bounds for one row: the units go to the
  smallest thresholds ``(k + 0.5 - base) / need`` in a fixed order, hence house monotone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FLOOR_EPS",
    "DivisorOutcome",
    "quantise",
    "round_divisor",
    "round_min_deviation",
    "solve_lambda",
]

#: Ideal values this close above an integer count as that integer (float noise, in units).
FLOOR_EPS = 1e-9
#: Remainders are compared after rounding to this many parts of a unit, so remainders that
#: are equal up to float noise count as equal and the documented tie-break decides.
KEY_SCALE = 1_000_000_000
_MANTISSA = float(2**40)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def solve_lambda(
    base: FloatArray,
    need: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    total: float,
) -> FloatArray:
    """The lambda of each row of ``need`` (shape samples x schools) that meets ``total``.

    The caller guarantees ``sum(clip(base, lower, upper)) <= total`` and that the schools with
    positive need can absorb the rest (otherwise lambda 0 resp. the largest breakpoint).
    """
    need = np.atleast_2d(need)
    rows = need.shape[0]
    lam: FloatArray = np.zeros(rows)
    start = float(np.clip(base, lower, upper).sum())
    tolerance = 1e-10 * max(1.0, total)
    if start >= total - tolerance:
        return lam
    positive = need > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(positive, (upper - base) / need, 0.0)
    high = np.max(reach, axis=1)
    low = np.zeros(rows)
    slope_all = need.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(slope_all > 0, (total - start) / slope_all, 0.0)
    lam = np.minimum(lam, high)
    for _ in range(200):
        value = base + lam[:, None] * need
        ideal = np.clip(value, lower, upper)
        sums = ideal.sum(axis=1)
        gap = total - sums
        done = np.abs(gap) <= tolerance
        if done.all():
            break
        free = (value > lower) & (value < upper)
        slope = np.einsum("ij,ij->i", need, free)
        below = gap > 0
        low = np.where(below & ~done, lam, low)
        high = np.where(~below & ~done, lam, high)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = lam + gap / slope
        usable = (slope > 0) & (newton > low) & (newton < high)
        step = np.where(usable, newton, 0.5 * (low + high))
        lam = np.where(done, lam, step)
    return lam


def round_min_deviation(
    ideal: FloatArray,
    lower: IntArray,
    upper: IntArray,
    total: int,
    *,
    with_ties: bool = False,
) -> tuple[IntArray, NDArray[np.bool_] | None]:
    """Largest remainder with bounds for each row of ``ideal`` (samples x schools).

    Returns the units and, with ``with_ties``, a mask of the schools whose remainder equals the
    one at the cut (tie broken by position, i.e. by ascending school number).
    """
    ideal = np.atleast_2d(ideal)
    rows, count = ideal.shape
    floor = np.clip(np.floor(ideal + FLOOR_EPS), lower, upper)
    units = floor.astype(np.int64)
    missing = total - units.sum(axis=1)
    if (missing < 0).any() or (missing > count).any():
        raise RuntimeError("internal error: ideal shares do not add up to the total")
    ties: NDArray[np.bool_] | None = np.zeros((rows, count), dtype=bool) if with_ties else None
    if not missing.any():
        return units, ties
    frac = np.maximum(ideal - floor, 0.0)
    key = np.rint(frac * KEY_SCALE).astype(np.int64)
    key[units >= upper] = -1
    # Smaller composite = earlier: larger remainder first, then lower position.
    composite = (KEY_SCALE - key) * count + np.arange(count, dtype=np.int64)
    ordered = np.sort(composite, axis=1)
    take = np.maximum(missing, 1) - 1
    cut = ordered[np.arange(rows), take]
    chosen = (composite <= cut[:, None]) & (missing > 0)[:, None]
    units += chosen
    if (units > upper).any():
        raise RuntimeError("internal error: a school was given more than its upper bound")
    if ties is not None:
        for row in np.flatnonzero((missing > 0) & (missing < count)):
            last = ordered[row, missing[row] - 1] // count
            following = ordered[row, missing[row]] // count
            if last == following and last <= KEY_SCALE:
                ties[row] = (KEY_SCALE - key[row]) == last
    return units, ties


def quantise(values: FloatArray) -> FloatArray:
    """Round to 40 significant bits: thresholds equal up to float noise become equal."""
    mantissa, exponent = np.frexp(values)
    finite = np.isfinite(values)
    rounded = np.ldexp(np.rint(mantissa * _MANTISSA) / _MANTISSA, exponent)
    return np.where(finite, rounded, values)


@dataclass(frozen=True)
class DivisorOutcome:
    units: IntArray
    ties: NDArray[np.bool_]


def _thresholds(k: FloatArray, base: FloatArray, need: FloatArray) -> FloatArray:
    """Lambda at which a school receives unit number k + 1 under Webster rounding."""
    numerator = k + 0.5 - base
    with np.errstate(divide="ignore", invalid="ignore"):
        plain = numerator / need
    fixed = np.where(numerator <= 0, -np.inf, np.inf)
    return quantise(np.where(need > 0, plain, fixed))


def round_divisor(
    base: FloatArray,
    need: FloatArray,
    lower: IntArray,
    upper: IntArray,
    total: int,
    start: float,
) -> DivisorOutcome:
    """Sainte-Laguë/Webster with base and bounds for one row (all arrays 1-D, in units).

    School i holds ``lower_i`` units plus every unit k in ``[lower_i, upper_i)`` whose threshold
    ``(k + 0.5 - base_i) / need_i`` is among the ``total - sum(lower)`` smallest (ties: lower
    position first), with lambda >= 0 as in the ideal. ``start`` is a first guess for the
    final lambda (the ideal's lambda).
    """
    count = base.shape[0]
    extra = int(total - lower.sum())
    span = (upper - lower).astype(np.int64)
    ties = np.zeros(count, dtype=bool)

    def taken(lam: float) -> IntArray:
        # Units with threshold <= lam per school; estimate, then correct float effects.
        with np.errstate(invalid="ignore", over="ignore"):
            guess = np.floor(lam * need + base - 0.5)
        guess = np.where(need > 0, guess, np.floor(base - 0.5))
        guess = np.clip(np.nan_to_num(guess, nan=-1.0), lower - 1, upper - 1)
        for _ in range(2):
            up = (guess + 1 < upper) & (_thresholds(guess + 1, base, need) <= lam)
            guess = guess + up
            down = (guess >= lower) & (_thresholds(guess, base, need) > lam)
            guess = guess - down
        counts: IntArray = np.clip(guess + 1 - lower, 0, span).astype(np.int64)
        return counts

    def taken_sum(lam: float) -> int:
        return int(taken(lam).sum())

    # lambda never goes below 0: a negative lambda would take units from exactly the schools
    # with need. If the units that the bases reach on their own (threshold <= 0) exceed the
    # total, lambda is 0 and those units compete: the largest base surplus over the rounding
    # point first, then the larger need, then the lower position. Raising a school's need or
    # the total only moves its units forward in that order.
    at_zero = taken(0.0)
    if int(at_zero.sum()) > extra:
        owner = np.repeat(np.arange(count), at_zero)
        offsets = np.arange(owner.size) - np.repeat(np.cumsum(at_zero) - at_zero, at_zero)
        numerator = quantise((lower[owner] + offsets) + 0.5 - base[owner])
        owner_need = quantise(need[owner])
        order = np.lexsort((owner, -owner_need, numerator))
        units = lower + np.bincount(owner[order[:extra]], minlength=count)
        if extra > 0:
            last = order[extra - 1]
            same = (numerator == numerator[last]) & (owner_need == owner_need[last])
            if same[order[extra]]:
                ties[owner[same]] = True
        return DivisorOutcome(units=units.astype(np.int64), ties=ties)

    low = 0.0
    high = max(float(start), 0.0)
    step = max(abs(start), 1e-12)
    for _ in range(400):
        if taken_sum(high) >= extra:
            break
        high += step
        step *= 2
    else:
        high = np.inf
    if taken_sum(low) > extra or taken_sum(high) < extra:
        raise RuntimeError("internal error: no divisor meets the total")
    limit = max(2 * count, 64)
    while taken_sum(high) - taken_sum(low) > limit:
        middle = 0.5 * (low + high)
        if not (low < middle < high):
            break
        if taken_sum(middle) <= extra:
            low = middle
        else:
            high = middle
    at_low = taken(low)
    at_high = taken(high)
    more = at_high - at_low
    owner = np.repeat(np.arange(count), more)
    offsets = np.arange(owner.size) - np.repeat(np.cumsum(more) - more, more)
    k = (lower + at_low)[owner] + offsets
    thresholds = _thresholds(k.astype(np.float64), base[owner], need[owner])
    order = np.lexsort((owner, thresholds))
    wanted = extra - int(at_low.sum())
    units = lower + at_low + np.bincount(owner[order[:wanted]], minlength=count)
    if 0 < wanted < owner.size:
        cut = thresholds[order[wanted - 1]]
        if thresholds[order[wanted]] == cut:
            ties[owner[thresholds == cut]] = True
    return DivisorOutcome(units=units.astype(np.int64), ties=ties)
