"""Reading the cells of the schools into arrays: numbers, table keys, criteria, limits.

Everything is done once per column with list comprehensions and numpy, not per cell and
criterion, because this input handling is most of the time of a single allocation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from operator import attrgetter
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from .formatting import school_list
from .inputs import parse_number
from .rules import Criterion, RulesError, SchoolInput, normalise_key

__all__ = ["Columns", "CriterionData", "criterion_data", "keys_of", "limits", "numeric"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
T = TypeVar("T")


@dataclass
class CriterionData:
    """One criterion over a layer's eligible schools (canonical order)."""

    criterion: Criterion
    raw: list[object]  # the cells as given
    value: FloatArray  # transformed value used; NaN where the criterion is left out
    missing: BoolArray
    substitute: float | None  # value used for missing cells (None: left out)
    available: BoolArray


class Columns:
    """Cells of the schools in canonical order, read once per column and shared by layers."""

    def __init__(self, schools: list[SchoolInput], numbers: list[str]) -> None:
        self.schools = schools
        self.numbers = numbers
        self._values = [school.values for school in schools]
        self._cache: dict[tuple[str, str], list[object]] = {}

    def _full(self, kind: str, name: str) -> list[object]:
        key = (kind, name)
        if key not in self._cache:
            if kind == "column":
                self._cache[key] = [values.get(name) for values in self._values]
            else:
                self._cache[key] = list(map(attrgetter(name), self.schools))
        return self._cache[key]

    @staticmethod
    def _subset(cells: list[T], index: IntArray | None) -> list[T]:
        if index is None or len(index) == len(cells):
            return cells
        return [cells[i] for i in index]

    def column(self, name: str, index: IntArray | None = None) -> list[object]:
        return self._subset(self._full("column", name), index)

    def field(self, name: str, index: IntArray | None = None) -> list[object]:
        return self._subset(self._full("field", name), index)

    def school_numbers(self, index: IntArray | None = None) -> list[str]:
        return self._subset(self.numbers, index)


def numeric(cells: list[object], column: str, numbers: list[str]) -> FloatArray:
    """Cells as floats (NaN = missing). Fast path through numpy; precise errors otherwise."""
    absent = cells.count(None)
    if absent == len(cells):
        return np.full(len(cells), np.nan)
    missing = (
        np.fromiter((cell is None for cell in cells), dtype=bool, count=len(cells))
        if absent
        else None
    )
    try:
        values = np.array(
            cells if missing is None else [0 if c is None else c for c in cells], dtype=np.float64
        )
        ok = bool(np.isfinite(values).all())
    except (ValueError, TypeError):
        ok = False
    if not ok:
        parsed = [parse_number(c, column, n) for c, n in zip(cells, numbers, strict=True)]
        return np.array([np.nan if v is None else v for v in parsed], dtype=np.float64)
    if missing is not None:
        values[missing] = np.nan
    return values


def keys_of(cells: list[object]) -> list[str | None]:
    """`normalise_key` of each cell, computed once per distinct cell."""
    try:
        memo = {cell: normalise_key(cell) for cell in set(cells)}
    except TypeError:
        return [normalise_key(cell) for cell in cells]
    return list(map(memo.__getitem__, cells))


def criterion_data(
    criterion: Criterion,
    columns: Columns,
    index: IntArray,
    where: str,
) -> CriterionData:
    column = criterion.column
    if criterion.weight < 0 or not math.isfinite(criterion.weight):
        raise RulesError(f"{where}: weight must be a number of at least 0, got {criterion.weight}")
    numbers = columns.school_numbers(index)
    cells = columns.column(column, index)
    if criterion.transform == "table":
        table = {normalise_key(k): float(v) for k, v in (criterion.table or {}).items()}
        if any(v < 0 or not math.isfinite(v) for v in table.values()):
            raise RulesError(f"{where}: table values must be numbers of at least 0")
        keys = keys_of(cells)
        for key in set(keys):
            if key is not None and key.lower() in {"nan", "inf", "-inf", "infinity"}:
                position = keys.index(key)
                parse_number(cells[position], column, numbers[position])
        lookup = {key: np.nan if key is None else table.get(key, -1.0) for key in set(keys)}
        value = np.fromiter(map(lookup.__getitem__, keys), dtype=np.float64, count=len(keys))
        bad = [
            (numbers[i], f"value {str(cells[i]).strip()!r}") for i in np.flatnonzero(value == -1.0)
        ]
        if bad:
            raise RulesError(
                f"{where}: values not in the table (keys: {', '.join(sorted(key for key in table if key is not None))}): "
                + school_list(bad)
            )
    else:
        value = numeric(cells, column, numbers)
        negative = np.flatnonzero(value < 0)
        if negative.size:
            items = [(numbers[i], f"{value[i]:g}") for i in negative]
            raise RulesError(f"{where}: negative values in '{column}': " + school_list(items))
        if criterion.transform == "per_pupil":
            if not (criterion.rate > 0 and math.isfinite(criterion.rate)):
                raise RulesError(f"{where}: rate must be above 0")
            pupils = numeric(
                columns.column(criterion.pupils_column, index),
                criterion.pupils_column,
                numbers,
            )
            with np.errstate(divide="ignore", invalid="ignore"):
                value = np.where(pupils > 0, criterion.rate * value / pupils, np.nan)
    missing = np.isnan(value)
    substitute: float | None
    if criterion.missing == "median":
        present = value[~missing]
        if missing.any() and present.size == 0:
            raise RulesError(
                f"{where}: no school has a value in '{column}', so the median is undefined; "
                'use missing = "zero", "exclude" or a number'
            )
        substitute = float(np.median(present)) if present.size else None
    elif criterion.missing == "zero":
        substitute = 0.0
    elif criterion.missing == "exclude":
        substitute = None
    else:
        substitute = float(criterion.missing)
        if substitute < 0 or not math.isfinite(substitute):
            raise RulesError(f"{where}: missing must be at least 0, got {criterion.missing}")
    available = ~missing | (substitute is not None)
    if substitute is not None:
        value = np.where(missing, substitute, value)
    return CriterionData(
        criterion=criterion,
        raw=cells,
        value=value,
        missing=missing,
        substitute=substitute,
        available=available,
    )


def limits(
    columns: Columns, index: IntArray, single: bool, attribute: str, column: str | None
) -> FloatArray:
    """A per-school limit (NaN = none) from a named column or the single-layer field."""
    numbers = columns.school_numbers(index)
    if column is not None:
        values = numeric(columns.column(column, index), column, numbers)
    elif single:
        values = numeric(columns.field(attribute, index), attribute, numbers)
    else:
        return np.full(len(index), np.nan)
    negative = np.flatnonzero(values < 0)
    if negative.size:
        items = [(numbers[i], f"{values[i]:g}") for i in negative]
        raise RulesError(f"{column or attribute} must be at least 0: " + school_list(items))
    return values
