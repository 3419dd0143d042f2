"""The table family of a protected view: its base tables for one school year, protected
jointly once (`disclosure.protect_family`), and the sums of its entries a view may show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..disclosure import ProtectedTable, SumStatus, protect, protect_family, sum_status
from ..sources import SCHOOL_YEAR_MONTHS
from .figures import Line, shown


class Family:
    """Activities per school x activity type, per month and per carrier. They share only
    the grand total. Every figure a protected view shows is one of their entries or a sum
    of published entries (`disclosure.sum_status`).

    Above `max_cross_types` activity types (a Land: every municipality has its own
    catalogue) the school x type table is too large to protect; then only its two margins
    are in the family (each a table of its own, linked by the grand total alone), and
    school x type cells are not shown (`split`)."""

    def __init__(
        self,
        school_types: Sequence[tuple[int, int, int, int | None, int | None]],
        months: Sequence[tuple[int, int, int | None]],
        carriers: Sequence[tuple[int, int, int | None]],
        threshold: int,
        *,
        max_cross_types: int,
    ) -> None:
        data = np.array(
            [(s, t, n, m or 0, p or 0) for s, t, n, m, p in school_types], dtype=np.int64
        ).reshape(-1, 5)
        schools, at_row = np.unique(data[:, 0], return_inverse=True)
        types, at_col = np.unique(data[:, 1], return_inverse=True)
        self.schools: list[int] = schools.tolist()
        self.types: list[int] = types.tolist()
        shape = (len(self.schools), len(self.types))
        self.count, self.minutes, self.participants = (
            np.zeros(shape, dtype=np.int64) for _ in range(3)
        )
        for values, k in ((self.count, 2), (self.minutes, 3), (self.participants, 4)):
            np.add.at(values, (at_row, at_col), data[:, k])
        # Per school (all activity types): the school table without a type filter.
        self.per_school = [
            (int(n), int(m), int(p))
            for n, m, p in zip(
                self.count.sum(axis=1),
                self.minutes.sum(axis=1),
                self.participants.sum(axis=1),
                strict=True,
            )
        ]
        self.months = [m for m in SCHOOL_YEAR_MONTHS if any(x[0] == m for x in months)]
        by_month = {m: (n, mins or 0) for m, n, mins in months}
        self.month_values = [by_month[m] for m in self.months]
        self.carriers = [
            (c, n, m or 0) for c, n, m in sorted(carriers, key=lambda row: row[0]) if n
        ]
        self.split = len(self.types) > max_cross_types
        tables: dict[str, Any] = {
            "months": [[n] for n, _m in self.month_values],
            "carriers": [[n] for _c, n, _m in self.carriers],
        }
        if self.split:
            tables["schools"] = [[n] for n, _m, _p in self.per_school]
            tables["types"] = self.count.sum(axis=0).reshape(-1, 1)
        else:
            tables["schools"] = self.count
        protected = protect_family(tables, threshold=threshold)
        self.table = protected["schools"]
        self.type_table: ProtectedTable | None = protected.get("types")
        self.month_table = protected["months"]
        self.carrier_table = protected["carriers"]

    @classmethod
    def grand_total_published(
        cls,
        school_types: Sequence[tuple[int, int, int]],
        months: Sequence[tuple[int, int]],
        carriers: Sequence[tuple[int, int]],
        threshold: int,
        *,
        max_cross_types: int,
    ) -> bool:
        """Whether the family of these counts publishes its grand total."""
        family = cls(
            [(s, t, n, 0, 0) for s, t, n in school_types],
            [(m, n, 0) for m, n in months],
            [(c, n, 0) for c, n in carriers],
            threshold,
            max_cross_types=max_cross_types,
        )
        return family.table.grand_total is not None

    def _status(self, rows: Sequence[int] | None, cols: Sequence[int] | None) -> SumStatus:
        """Whether the sum of schools `rows` x activity types `cols` may be shown."""
        all_cols = cols is None or len(cols) == len(self.types)
        if not self.split:
            return sum_status(self.table, rows, cols)
        if all_cols:
            return sum_status(self.table, rows)
        if (rows is None or len(rows) == len(self.schools)) and self.type_table is not None:
            return sum_status(self.type_table, cols)
        return "not shown"

    def block(self, rows: Sequence[int] | None, cols: Sequence[int] | None) -> Line:
        """The activities of schools `rows` x activity types `cols` (positions, None = all)."""
        if rows is not None and len(rows) == 1 and (cols is None or len(cols) == len(self.types)):
            n, m, p = self.per_school[rows[0]]
            status = sum_status(self.table, rows, None if self.split else cols)
            return Line(None, shown(n, status), m, p)
        all_rows = rows is None or len(rows) == len(self.schools)
        all_cols = cols is None or len(cols) == len(self.types)
        r: Any = slice(None) if all_rows or rows is None else list(rows)
        c: Any = slice(None) if all_cols or cols is None else list(cols)
        if not all_rows and not all_cols:
            r, c = np.ix_(r, c)  # the block rows x cols, not pairs of positions
        if not self.count.size:
            return Line(None, shown(0, self._status(rows, cols)), 0, 0)
        return Line(
            None,
            shown(int(self.count[r, c].sum()), self._status(rows, cols)),
            int(self.minutes[r, c].sum()),
            int(self.participants[r, c].sum()),
        )

    def month_sum(self, positions: Sequence[int]) -> Line:
        count = sum(self.month_values[i][0] for i in positions)
        status = sum_status(self.month_table, positions)
        return Line(None, shown(count, status), sum(self.month_values[i][1] for i in positions))

    def carrier_sum(self, positions: Sequence[int]) -> Line:
        count = sum(self.carriers[i][1] for i in positions)
        status = sum_status(self.carrier_table, positions)
        return Line(None, shown(count, status), sum(self.carriers[i][2] for i in positions))


def vector(values: Sequence[int], threshold: int) -> tuple[list[int | None], int | None]:
    """A one-dimensional table protected on its own (a measure of its own)."""
    if not values:
        return [], 0
    result = protect([[v] for v in values], threshold=threshold)
    return [c[0] for c in result.cells], result.grand_total
