"""An intruder's linear-programming attack on a published table (test helper, needs scipy).

The intruder knows every published cell and total, that all cells are non-negative, and
the rounding base if any. For each withheld value they compute the smallest and largest
value consistent with that knowledge. A withheld value is disclosed if both coincide.
This is deliberately independent of the graph audits inside `disclosure.py`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable

import numpy as np
from scipy.optimize import linprog

from schulsozial.statistics.disclosure import ProtectedTable

Interval = tuple[float, float]


def rounding_window(published: int, base: int | None) -> tuple[int, int]:
    """The integers that round half up to ``published`` (just ``published`` if unrounded)."""
    if base is None:
        return published, published
    return max(0, published - base // 2), published + (base + 1) // 2 - 1


def attack(
    table: ProtectedTable,
    *,
    lower_bound: float = 0.0,
    only: Iterable[Hashable] | None = None,
) -> dict[Hashable, Interval]:
    """Feasible interval of every withheld cell and total (or of those in ``only``).

    Keys are ``(row, column)`` for cells and ``("row", i)``, ``("column", j)``,
    ``("grand",)`` for totals. ``lower_bound`` is what the intruder assumes about withheld
    cells and totals (0 = non-negativity only; 1 = "withheld values are never zero").
    """
    m = len(table.cells)
    n = len(table.cells[0]) if m else 0
    base = table.rounding_base
    index = {(i, j): i * n + j for i in range(m) for j in range(n)}
    bounds: list[tuple[float, float | None]] = []
    for i in range(m):
        for j in range(n):
            value = table.cells[i][j]
            if value is None:
                bounds.append((lower_bound, None))
            else:
                bounds.append(rounding_window(value, base))

    def total_row(key: Hashable) -> np.ndarray:
        row = np.zeros(m * n)
        match key:
            case ("row", int(i)):
                row[[index[(i, j)] for j in range(n)]] = 1
            case ("column", int(j)):
                row[[index[(i, j)] for i in range(m)]] = 1
            case ("grand",):
                row[:] = 1
        return row

    totals: list[tuple[Hashable, int | None]] = [
        (("row", i), v) for i, v in enumerate(table.row_totals)
    ]
    totals += [(("column", j), v) for j, v in enumerate(table.column_totals)]
    totals.append((("grand",), table.grand_total))
    a_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    targets: list[tuple[Hashable, np.ndarray]] = []
    for (i, j), k in index.items():
        if table.cells[i][j] is None:
            objective = np.zeros(m * n)
            objective[k] = 1
            targets.append(((i, j), objective))
    for key, value in totals:
        if value is None:
            targets.append((key, total_row(key)))
            if lower_bound:
                a_ub.append(-total_row(key))
                b_ub.append(-lower_bound)
        else:
            low, high = rounding_window(value, base)
            a_ub += [total_row(key), -total_row(key)]
            b_ub += [high, -low]
    if only is not None:
        wanted = set(only)
        targets = [(key, objective) for key, objective in targets if key in wanted]

    def solve(objective: np.ndarray) -> float:
        result = linprog(
            objective,
            A_ub=np.array(a_ub) if a_ub else None,
            b_ub=np.array(b_ub) if b_ub else None,
            bounds=bounds,
            method="highs",
        )
        if result.status == 3:  # unbounded
            return -math.inf
        assert result.status == 0, result.message
        return float(result.fun)

    return {key: (solve(objective), -solve(-objective)) for key, objective in targets}


def true_values(counts: list[list[int]]) -> dict[Hashable, int]:
    """Every cell and total of ``counts`` under the keys `attack` uses."""
    values: dict[Hashable, int] = {}
    for i, row in enumerate(counts):
        for j, value in enumerate(row):
            values[(i, j)] = value
        values[("row", i)] = sum(row)
    for j in range(len(counts[0]) if counts else 0):
        values[("column", j)] = sum(row[j] for row in counts)
    values[("grand",)] = sum(map(sum, counts))
    return values
