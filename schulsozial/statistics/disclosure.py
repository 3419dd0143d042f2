"""Statistical disclosure control for two-way frequency tables (pure Python + numpy).

`protect` takes the inner cells of a count table (for example schools x activity types),
computes its row, column and grand totals, and decides what may be published:

1. **Primary suppression.** Every cell or total with ``0 < n < threshold`` is withheld.
2. **Secondary suppression.** Further non-zero cells (and, only where unavoidable, totals)
   are withheld until no withheld value can be worked out exactly from the published values.
3. **Optional rounding.** Published values are rounded to a multiple of ``rounding_base``.

The guarantees, and why graph audits are exact
----------------------------------------------

Write the table together with its totals as an ``(m + 1) x (n + 1)`` array whose last row
and column hold the totals. Negate the row and column totals (keep the grand total): then
every row and every column of that array sums to zero. Read the array as a bipartite graph
(one node per row, one per column, one edge per entry). A reader of the published table knows
every published entry, that all entries are non-negative, and these zero-sum equations.
Changing the withheld entries without breaking an equation means adding a *circulation* on
the graph of withheld entries: ``+t, -t, +t, ...`` around cycles.

*Guarantee 1 (intruder knows: counts are >= 0).* We never withhold a zero, so every withheld
entry is at least 1 and ``t = +1`` and ``t = -1`` around a cycle both stay non-negative.
Hence a withheld entry can be worked out exactly iff it lies on no cycle of withheld
entries, i.e. iff it is a *bridge* (audit 1: a spanning forest, then the tree edges that no
other withheld entry spans). With no bridge left, every withheld value ``v`` could as well be
``v - 1`` or ``v + 1``, integers included.

*Guarantee 2 (intruder also knows: withheld values are never 0).* This follows from the
published rules, and without it a row with two withheld 1s and a published total would
reveal both (``x + y = 2``). Now an entry equal to 1 may only be passed in the direction
that raises it. An entry is then determined iff no such *directed* cycle passes it (a
conformal decomposition of any other solution yields one). Audit 2 decides this exactly from
reachability between the nodes of the shorter side. With nothing pinned, every withheld
value could be at least one other integer. Guarantee 2 implies guarantee 1's audit too.

Secondary suppression is a heuristic (the cheapest safe pattern is NP-hard to find).
Phase 1 removes bridges: a line with one withheld entry gets the cheapest other entry of the
line if that closes a cycle at once; any other bridge gets the cheapest path of further
entries between its ends (Bellman-Ford on the bipartite graph, one numpy step per move).
Phase 2 frees what audit 2 still pins: first by one more entry from the same row or column,
otherwise by the cheapest directed path. Costs prefer inner cells over totals and the grand
total last; among equal costs the lowest row, then the lowest column wins, so results are
reproducible. Repairs always exist: a cell, its row and column totals and the grand total
form a cycle that raises all four together.

Limits (see docs/disclosure.md): "not exactly" is not "not within a range": a withheld 3
may be narrowed to 2..4. Publish all withheld values with one symbol and never publish
`reasons`: knowing which cells are primary (below the threshold) narrows them further.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "PRIMARY",
    "SECONDARY",
    "GrandTotal",
    "GrandTotalNeededError",
    "ProtectedTable",
    "Reason",
    "TotalKey",
    "protect",
    "protect_family",
    "sum_status",
]

PRIMARY: Literal["primary"] = "primary"
SECONDARY: Literal["secondary"] = "secondary"

Reason = Literal["primary", "secondary"]
#: Keys of `ProtectedTable.total_reasons`: ``("row", i)``, ``("column", j)`` or ``("grand",)``.
TotalKey = tuple[str] | tuple[str, int]
#: How `protect` treats the grand total (see its docstring).
GrandTotal = Literal["free", "keep", "withhold"]


class GrandTotalNeededError(RuntimeError):
    """Only withholding the grand total protects the table (``grand_total="keep"``)."""


#: Grand totals above this cannot be handled exactly with float64 path costs.
_MAX_GRAND_TOTAL = 2**50


@dataclass(frozen=True)
class ProtectedTable:
    """A table ready for publication.

    ``None`` marks a withheld value. ``reasons`` and ``total_reasons`` say why each value was
    withheld; they are for the people responsible for the publication, not for the public
    (printing which cells are primary tells a reader that they lie below the threshold).
    """

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    grand_total: int | None
    reasons: dict[tuple[int, int], Reason]
    total_reasons: dict[TotalKey, Reason]
    threshold: int
    rounding_base: int | None

    @property
    def suppressed_count(self) -> int:
        """Number of withheld inner cells."""
        return len(self.reasons)


# The inner cells of a table: rows of ints, or a 2-D numpy integer array.
Counts = Sequence[Sequence[int]] | npt.NDArray[np.integer[Any]]


def protect(
    counts: Counts,
    *,
    threshold: int = 5,
    rounding_base: int | None = None,
    grand_total: GrandTotal = "free",
) -> ProtectedTable:
    """Apply primary and secondary cell suppression, then optional rounding, to a count table.

    Args:
        counts: The inner cells, a rectangular 2-D sequence of non-negative ints (numpy
            integers are accepted). Totals are computed here, never taken from the caller.
        threshold: Cells and totals with ``0 < n < threshold`` are withheld (primary).
        rounding_base: If given, every *published* value is rounded half up to a multiple of
            it, independently of the others, after suppression was decided on the true values.
        grand_total: ``"free"``: the grand total may be withheld as a secondary suppression
            where nothing cheaper protects. ``"keep"``: it is withheld only when it is below
            the threshold; if no pattern protects the table without withholding it,
            `GrandTotalNeededError` is raised. ``"withhold"``: it is withheld whenever it is not
            0. Tables that share their grand total (one statistics family, the trend over
            school years) use "keep", or all "withhold", and so agree on it.

    Returns:
        The publishable table with the reason for every withheld value.

    Raises:
        ValueError: ``counts`` is ragged, holds a negative number or a non-integer, or
            ``threshold`` / ``rounding_base`` is not a positive int.
        GrandTotalNeededError: with ``grand_total="keep"``, when only withholding the grand total
            protects the table (for example five 1s in one row and nothing else).
    """
    _check_positive_int("threshold", threshold)
    if rounding_base is not None:
        _check_positive_int("rounding_base", rounding_base)
    table = _validated(counts)
    extended = _with_totals(table)
    if grand_total not in ("free", "keep", "withhold"):
        raise ValueError(f"grand_total must be free, keep or withhold, got {grand_total!r}")
    primary = (extended > 0) & (extended < threshold)
    if grand_total == "withhold" and extended[-1, -1] > 0:
        primary[-1, -1] = True
    suppressed = _secondary_suppression(extended, primary, keep_grand_total=grand_total == "keep")
    return _publish(extended, suppressed, primary, threshold, rounding_base)


# --- input -----------------------------------------------------------------------------------


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")


def _validated(counts: object) -> np.ndarray:
    """Return ``counts`` as an int64 array, or raise ValueError naming the offending cell."""
    if isinstance(counts, np.ndarray):
        if counts.ndim != 2:
            raise ValueError(f"counts must be 2-dimensional, got {counts.ndim} dimensions")
        if counts.size and not np.issubdtype(counts.dtype, np.integer):
            raise ValueError(f"counts must hold ints, got dtype {counts.dtype}")
        table = counts.astype(np.int64)
        if (table < 0).any():
            i, j = np.argwhere(table < 0)[0]
            raise ValueError(f"counts[{i}][{j}] must not be negative, got {table[i, j]}")
    elif isinstance(counts, str | bytes) or not isinstance(counts, Sequence):
        raise ValueError(f"counts must be a list of rows, got {type(counts).__name__}")
    else:
        table = _validated_rows(counts)
    if (table < 0).any() or float(table.sum(dtype=np.float64)) > _MAX_GRAND_TOTAL:
        raise ValueError(f"the grand total must not exceed {_MAX_GRAND_TOTAL}")
    return table


def _validated_rows(counts: Sequence[object]) -> np.ndarray:
    width: int | None = None
    for i, row in enumerate(counts):
        if isinstance(row, str | bytes) or not isinstance(row, Sequence | np.ndarray):
            raise ValueError(f"row {i} must be a list of ints, got {type(row).__name__}")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ValueError(
                f"counts must be rectangular: row {i} has {len(row)} cells, row 0 has {width}"
            )
        if all(type(value) is int and value >= 0 for value in row):
            continue  # the common case, checked fast
        for j, value in enumerate(row):
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError(
                    f"counts[{i}][{j}] must be an int, got {type(value).__name__} {value!r}"
                )
            if value < 0:
                raise ValueError(f"counts[{i}][{j}] must not be negative, got {value}")
    try:
        return np.array(counts, dtype=np.int64).reshape(len(counts), width or 0)
    except OverflowError as error:
        raise ValueError(f"counts hold a value too large for a count: {error}") from error


def _with_totals(table: np.ndarray) -> np.ndarray:
    """The ``(m + 1) x (n + 1)`` table whose last row and column hold the totals."""
    m, n = table.shape
    extended = np.zeros((m + 1, n + 1), dtype=np.int64)
    extended[:m, :n] = table
    extended[:m, n] = table.sum(axis=1)
    extended[m, :n] = table.sum(axis=0)
    extended[m, n] = table.sum()
    return extended


# --- audit 1: bridges of the graph of withheld entries (intruder knows: values >= 0) --------


@dataclass(frozen=True)
class _Forest:
    """A BFS spanning forest of the bipartite graph of withheld entries.

    Nodes ``0 .. R-1`` are rows, ``R .. R+C-1`` columns. ``parent`` is -1 for roots and for
    nodes without a withheld entry, whose ``depth`` and ``component`` are -1 as well.
    """

    parent: np.ndarray
    depth: np.ndarray
    component: np.ndarray


def _spanning_forest(mask: np.ndarray) -> _Forest:
    """Breadth-first spanning forest; the parent of a node is its lowest-numbered neighbour
    in the previous level. Each level is one numpy step, and a bipartite BFS has at most
    ``2 * min(R, C) + 1`` levels."""
    n_rows, n_cols = mask.shape
    size = n_rows + n_cols
    parent = np.full(size, -1, dtype=np.int64)
    depth = np.full(size, -1, dtype=np.int64)
    component = np.full(size, -1, dtype=np.int64)
    active = np.concatenate([mask.any(axis=1), mask.any(axis=0)])
    while True:
        waiting = np.flatnonzero(active & (depth < 0))
        if waiting.size == 0:
            break
        root = int(waiting[0])
        depth[root] = 0
        component[root] = root
        on_rows = root < n_rows
        frontier = np.array([root if on_rows else root - n_rows])
        level = 0
        while frontier.size:
            level += 1
            if on_rows:
                block = mask[frontier]
                new = np.flatnonzero(block.any(axis=0) & (depth[n_rows:] < 0))
                nodes = n_rows + new
                parents = frontier[block[:, new].argmax(axis=0)] if new.size else new
            else:
                block = mask[:, frontier]
                new = np.flatnonzero(block.any(axis=1) & (depth[:n_rows] < 0))
                nodes = new
                parents = n_rows + frontier[block[new].argmax(axis=1)] if new.size else new
            parent[nodes] = parents
            depth[nodes] = level
            component[nodes] = root
            frontier = new
            on_rows = not on_rows
    return _Forest(parent=parent, depth=depth, component=component)


def _bridges(mask: np.ndarray, forest: _Forest | None = None) -> list[tuple[int, int]]:
    """All bridges of the bipartite graph ``mask`` as ``(row, column)``, sorted.

    A tree edge ``(parent(v), v)`` is a bridge iff no non-tree edge joins the subtree of
    ``v`` to the rest. Each non-tree edge ``(x, y)`` adds 1 at ``x`` and ``y`` and -2 at
    their lowest common ancestor; the subtree sum at ``v`` then counts the non-tree edges
    leaving the subtree. Exact integer arithmetic, no randomness.
    """
    if forest is None:
        forest = _spanning_forest(mask)
    n_rows = mask.shape[0]
    parent, depth = forest.parent, forest.depth
    tree = np.zeros_like(mask)
    rows = np.flatnonzero(parent[:n_rows] >= 0)
    tree[rows, parent[rows] - n_rows] = True
    cols = np.flatnonzero(parent[n_rows:] >= 0)
    tree[parent[n_rows + cols], cols] = True
    other_rows, other_cols = np.nonzero(mask & ~tree)
    x = other_rows.astype(np.int64)
    y = other_cols.astype(np.int64) + n_rows
    a, b = x.copy(), y.copy()
    while (deeper := depth[a] > depth[b]).any():
        a = np.where(deeper, parent[a], a)
    while (deeper := depth[b] > depth[a]).any():
        b = np.where(deeper, parent[b], b)
    while (apart := a != b).any():
        a = np.where(apart, parent[a], a)
        b = np.where(apart, parent[b], b)
    cover = np.zeros(depth.size, dtype=np.int64)
    np.add.at(cover, x, 1)
    np.add.at(cover, y, 1)
    np.add.at(cover, a, -2)
    for level in range(int(depth.max(initial=0)), 0, -1):
        nodes = np.flatnonzero(depth == level)
        np.add.at(cover, parent[nodes], cover[nodes])
    found = []
    for child in np.flatnonzero((depth > 0) & (cover == 0)).tolist():
        up = int(parent[child])
        found.append((child, up - n_rows) if child < n_rows else (up, child - n_rows))
    found.sort()
    return found


# --- audit 2: directed cycles (intruder also knows: withheld values are >= 1) -------------------


def _arc_permissions(extended: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which way a circulation may pass each non-zero entry without pushing it below 1.

    Passing row -> column adds 1 to an inner cell or the grand total and subtracts 1 from a
    row or column total (their sign is flipped in the zero-sum form); column -> row does the
    opposite. Subtracting is only allowed from entries of at least 2.
    """
    is_total = np.zeros(extended.shape, dtype=bool)
    is_total[:-1, -1] = True
    is_total[-1, :-1] = True
    spare = extended >= 2
    nonzero = extended > 0
    return (~is_total | spare) & nonzero, (is_total | spare) & nonzero


def _closure(relation: np.ndarray) -> np.ndarray:
    """Reflexive-transitive closure of small square boolean relations (``... x H x H``)."""
    size = relation.shape[-1]
    reach = relation | np.eye(size, dtype=bool)
    for _ in range(max(size, 2).bit_length()):  # repeated squaring: 2**k >= size steps
        as_float = reach.astype(np.float32)
        reach = np.matmul(as_float, as_float) > 0
    return reach


class _NeverZeroAudit:
    """Audit 2, kept up to date while entries are withheld.

    An entry is not determined iff it lies on a directed cycle of withheld entries that
    passes every entry equal to 1 in its permitted direction (a conformal circulation).
    Every path alternates between rows and columns, so reachability is only needed between
    the nodes of the shorter side ("hubs"): ``step[h1, h2]`` counts the "other" nodes o with
    arcs ``h1 -> o -> h2``; its closure answers every reachability question. Internally the
    arrays are transposed if the table has more columns than rows, so hubs are columns.
    """

    def __init__(self, extended: np.ndarray, mask: np.ndarray) -> None:
        rc_ok, cr_ok = _arc_permissions(extended)
        self.transposed = mask.shape[1] > mask.shape[0]
        if self.transposed:  # arcs swap direction with the roles of rows and columns
            rc_ok, cr_ok, mask = cr_ok.T, rc_ok.T, mask.T
        self.out_ok, self.in_ok = rc_ok, cr_ok  # o -> h and h -> o permitted
        self.out = mask & rc_ok
        self.into = mask & cr_ok
        self.step = self.into.T.astype(np.int64) @ self.out.astype(np.int64)

    def _oriented(self, row: int, col: int) -> tuple[int, int]:
        return (col, row) if self.transposed else (row, col)

    def _original(self, other: int, hub: int) -> tuple[int, int]:
        return (hub, other) if self.transposed else (other, hub)

    def withhold(self, row: int, col: int) -> None:
        other, hub = self._oriented(row, col)
        self.step -= np.outer(self.into[other], self.out[other])
        self.out[other, hub] = self.out_ok[other, hub]
        self.into[other, hub] = self.in_ok[other, hub]
        self.step += np.outer(self.into[other], self.out[other])

    def is_free(self, row: int, col: int, extra: tuple[int, int] | None = None) -> bool:
        """Exact: can withheld entry (row, col) take another value, if ``extra`` (an entry
        not yet withheld) were withheld as well?"""
        other, hub = self._oriented(row, col)
        step = self.step
        out_other, into_other = self.out[other].copy(), self.into[other].copy()
        if extra is not None:
            extra_other, extra_hub = self._oriented(*extra)
            out_extra, into_extra = self.out[extra_other].copy(), self.into[extra_other].copy()
            step = step - np.outer(into_extra, out_extra)
            out_extra[extra_hub] = self.out_ok[extra_other, extra_hub]
            into_extra[extra_hub] = self.in_ok[extra_other, extra_hub]
            step = step + np.outer(into_extra, out_extra)
            if extra_other == other:
                out_other, into_other = out_extra.copy(), into_extra.copy()
        # Remove the entry's own arcs: the cycle must come back another way.
        step = step - np.outer(into_other, out_other)
        can_out, can_in = out_other[hub], into_other[hub]
        out_other[hub] = into_other[hub] = False
        reach = _closure((step + np.outer(into_other, out_other)) > 0)
        # o -> h, then back h ~> h2 -> o; or h -> o, then on o -> h2 ~> h.
        return bool(
            (can_out and (reach[hub] & into_other).any())
            or (can_in and (out_other & reach[:, hub]).any())
        )

    def pinned(self) -> list[tuple[int, int]]:
        """All withheld entries that are determined, sorted by row, then column."""
        out, into = self.out, self.into
        reach = _closure(self.step > 0)
        found: list[tuple[int, int]] = []
        # One permitted direction: the global closure is exact (a shortest way back never
        # uses the entry itself).
        others, hubs = np.nonzero(out & ~into)
        ok = (reach[hubs] & into[others]).any(axis=1)
        found += zip(others[~ok].tolist(), hubs[~ok].tolist(), strict=True)
        others, hubs = np.nonzero(into & ~out)
        ok = (out[others] & reach[:, hubs].T).any(axis=1)
        found += zip(others[~ok].tolist(), hubs[~ok].tolist(), strict=True)
        # Both directions: free if on an undirected cycle of such entries (all can move
        # either way). Otherwise exact: a way back that avoids the entry can be cut at its
        # last visit of the entry's row, so it only needs the closure without that row.
        bridges = np.array(_bridges(out & into), dtype=np.int64).reshape(-1, 2)
        if bridges.size:
            others, hubs = bridges[:, 0], bridges[:, 1]
            rows, slot = np.unique(others, return_inverse=True)
            row_steps = np.einsum("bi,bj->bij", into[rows], out[rows]).astype(np.int64)
            without = self.step[None] - row_steps
            reach_without = _closure(without > 0)[slot]
            out_rest, into_rest = out[others].copy(), into[others].copy()
            picked = np.arange(len(others))
            out_rest[picked, hubs] = into_rest[picked, hubs] = False
            back = (reach_without[picked, hubs, :] & into_rest).any(axis=1)
            on = (out_rest & reach_without[picked, :, hubs]).any(axis=1)
            stuck = ~(back | on)  # both arcs permitted, neither closes a cycle
            found += zip(others[stuck].tolist(), hubs[stuck].tolist(), strict=True)
        return sorted(self._original(other, hub) for other, hub in found)


def _pinned_if_never_zero(extended: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Withheld entries that an intruder who knows they are all >= 1 can work out exactly."""
    return _NeverZeroAudit(extended, mask).pinned()


# --- secondary suppression --------------------------------------------------------------------


def _costs(extended: np.ndarray, *, keep_grand_total: bool = False) -> np.ndarray:
    """Cost of withholding each entry: its value; totals cost more than any set of inner
    cells, the grand total more than any path without it (or infinitely much with
    ``keep_grand_total``); zeros are never candidates."""
    grand = float(extended[-1, -1])
    cost = extended.astype(np.float64)
    total_penalty = grand + 1.0
    # A simple path uses at most two row totals and two column totals.
    grand_penalty = 5.0 * (grand + total_penalty) + 1.0
    cost[-1, :] += total_penalty
    cost[:, -1] += total_penalty
    cost[-1, -1] = np.inf if keep_grand_total else grand + grand_penalty
    cost[extended == 0] = np.inf
    return cost


def _secondary_suppression(
    extended: np.ndarray, primary: np.ndarray, *, keep_grand_total: bool = False
) -> np.ndarray:
    """Grow the primary pattern until no withheld entry can be worked out (both audits)."""
    suppressed = primary.copy()
    if not suppressed.any():
        return suppressed
    cost = _costs(extended, keep_grand_total=keep_grand_total)
    _break_bridges(suppressed, cost)
    _close_directed_cycles(extended, suppressed, cost)
    return suppressed


def _break_bridges(suppressed: np.ndarray, cost: np.ndarray) -> None:
    """Phase 1: withhold further entries until audit 1 finds no bridge."""
    n_rows = suppressed.shape[0]
    degree = np.concatenate([suppressed.sum(axis=1), suppressed.sum(axis=0)])
    while True:
        forest = _spanning_forest(suppressed)
        bridges = _bridges(suppressed, forest)
        if not bridges:
            return
        component = forest.component
        repaired = set()
        # Line rule: a line with one withheld entry gets the cheapest other entry of that
        # line if that closes a cycle at once (then it is the cheapest possible repair).
        # Adding such an entry never merges components, so `component` stays valid.
        for row, col in bridges:
            for node in (row, n_rows + col):
                if degree[node] != 1:
                    continue
                if node < n_rows:
                    line = np.where(suppressed[row], np.inf, cost[row])
                    best = int(line.argmin())
                    other, edge = n_rows + best, (row, best)
                else:
                    line = np.where(suppressed[:, col], np.inf, cost[:, col])
                    best = int(line.argmin())
                    other, edge = best, (best, col)
                if np.isfinite(line[best]) and component[other] == component[node]:
                    suppressed[edge] = True
                    degree[edge[0]] += 1
                    degree[n_rows + edge[1]] += 1
                    repaired.add((row, col))
                    break
        # Every other bridge: the cheapest path between its ends that avoids it. Earlier
        # repairs may already have closed a cycle; the path then costs 0 and adds nothing.
        for row, col in bridges:
            if (row, col) in repaired:
                continue
            weights = np.where(suppressed, 0.0, cost)
            weights[row, col] = np.inf
            ends = np.zeros(degree.size, dtype=bool)
            start, goal = ends.copy(), ends.copy()
            start[row] = goal[n_rows + col] = True
            total, path = _cheapest_path(weights, weights, start, goal)
            if not np.isfinite(total) and not np.isfinite(cost[-1, -1]):
                raise GrandTotalNeededError(f"entry {(row, col)} needs the grand total withheld")
            if not np.isfinite(total):  # impossible: see the module docstring
                raise RuntimeError(f"no complementary suppression for entry {(row, col)}")
            for edge in path:
                if not suppressed[edge]:
                    suppressed[edge] = True
                    degree[edge[0]] += 1
                    degree[n_rows + edge[1]] += 1


def _close_directed_cycles(extended: np.ndarray, suppressed: np.ndarray, cost: np.ndarray) -> None:
    """Phase 2: withhold further entries until audit 2 finds nothing pinned.

    For each pinned entry (skipped if an earlier repair already freed it): first the
    cheapest of the two cheapest candidates in its row and in its column that frees it on
    its own (line repair); otherwise the cheapest directed path back from one end to the
    other in the graph of permitted arcs, withheld entries being free.
    """
    n_rows = suppressed.shape[0]
    size = n_rows + suppressed.shape[1]
    rc_ok, cr_ok = _arc_permissions(extended)
    audit = _NeverZeroAudit(extended, suppressed)
    base = np.where(suppressed, 0.0, cost)
    forward = np.where(rc_ok, base, np.inf)  # cost of passing an entry row -> column
    backward = np.where(cr_ok, base, np.inf)  # ... column -> row

    def withhold(row: int, col: int) -> None:
        if not suppressed[row, col]:
            suppressed[row, col] = True
            audit.withhold(row, col)
            forward[row, col] = 0.0 if rc_ok[row, col] else np.inf
            backward[row, col] = 0.0 if cr_ok[row, col] else np.inf

    while pinned := audit.pinned():
        for row, col in pinned:
            if audit.is_free(row, col):
                continue
            row_line = np.where(suppressed[row], np.inf, cost[row])
            col_line = np.where(suppressed[:, col], np.inf, cost[:, col])
            candidates = [(row_line[j], row, j) for j in _two_cheapest(row_line)]
            candidates += [(col_line[i], i, col) for i in _two_cheapest(col_line)]
            for value, i, j in sorted(candidates):
                if np.isfinite(value) and audit.is_free(row, col, extra=(i, j)):
                    withhold(i, j)
                    break
            else:
                saved = forward[row, col], backward[row, col]
                forward[row, col] = backward[row, col] = np.inf
                at_row = np.zeros(size, dtype=bool)
                at_col = at_row.copy()
                at_row[row] = at_col[n_rows + col] = True
                options = []
                if rc_ok[row, col]:  # pass it row -> column, come back column ~> row
                    options.append(_cheapest_path(forward, backward, at_col, at_row))
                if cr_ok[row, col]:  # pass it column -> row, come back row ~> column
                    options.append(_cheapest_path(forward, backward, at_row, at_col))
                forward[row, col], backward[row, col] = saved
                total, path = min(options, key=lambda option: option[0])
                if not np.isfinite(total) and not np.isfinite(cost[-1, -1]):
                    raise GrandTotalNeededError(
                        f"entry {(row, col)} needs the grand total withheld"
                    )
                if not np.isfinite(total):  # impossible: see the module docstring
                    raise RuntimeError(f"no protecting cycle for entry {(row, col)}")
                for edge in path:
                    withhold(*edge)


def _two_cheapest(line: np.ndarray) -> list[int]:
    """Positions of the two smallest values (the lower position first among equals)."""
    first = int(line.argmin())
    if line.size < 2:
        return [first]
    saved, line[first] = line[first], np.inf
    second = int(line.argmin())
    line[first] = saved
    return [first, second]


def _cheapest_path(
    forward: np.ndarray, backward: np.ndarray, sources: np.ndarray, targets: np.ndarray
) -> tuple[float, list[tuple[int, int]]]:
    """Cost and entries of a cheapest path from a source node to a target node
    (``inf`` and no entries if there is none).

    ``forward[r, c]`` is the cost of going from row r to column c, ``backward[r, c]`` of
    going from column c to row r (pass the same array twice for an undirected search).
    Bellman-Ford on the bipartite graph: all row -> column moves, then all column -> row
    moves, one numpy step each; a simple path alternates sides, so it settles after at most
    ``2 * min(R, C) + 1`` rounds. Ties go to the lowest row / column.
    """
    n_rows, n_cols = forward.shape
    inf = np.inf
    dist_rows = np.where(sources[:n_rows], 0.0, inf)
    dist_cols = np.where(sources[n_rows:], 0.0, inf)
    via_rows = np.full(n_cols, -1, dtype=np.int64)  # predecessor row of each column
    via_cols = np.full(n_rows, -1, dtype=np.int64)  # predecessor column of each row
    relay_rows = ~targets[:n_rows]
    relay_cols = ~targets[n_rows:]
    col_index = np.arange(n_cols)
    row_index = np.arange(n_rows)
    changed = True
    while changed:
        changed = False
        reach = np.where(relay_rows, dist_rows, inf)[:, None] + forward
        best = reach.argmin(axis=0)
        value = reach[best, col_index]
        better = value < dist_cols
        if better.any():
            dist_cols[better] = value[better]
            via_rows[better] = best[better]
            changed = True
        reach = backward + np.where(relay_cols, dist_cols, inf)[None, :]
        best = reach.argmin(axis=1)
        value = reach[row_index, best]
        better = value < dist_rows
        if better.any():
            dist_rows[better] = value[better]
            via_cols[better] = best[better]
            changed = True
    dist = np.where(targets, np.concatenate([dist_rows, dist_cols]), inf)
    node = int(dist.argmin())
    total = float(dist[node])
    if not np.isfinite(total):
        return total, []
    path: list[tuple[int, int]] = []
    for _ in range(n_rows + n_cols):
        if node < n_rows:
            col = int(via_cols[node])
            if col < 0:
                return total, path
            path.append((node, col))
            node = n_rows + col
        else:
            row = int(via_rows[node - n_rows])
            if row < 0:
                return total, path
            path.append((row, node - n_rows))
            node = row
    raise RuntimeError("cycle in the predecessor graph")  # impossible with costs >= 0


# --- output ------------------------------------------------------------------------------------


def _publish(
    extended: np.ndarray,
    suppressed: np.ndarray,
    primary: np.ndarray,
    threshold: int,
    rounding_base: int | None,
) -> ProtectedTable:
    shown = extended
    if rounding_base is not None:
        shown = (extended + rounding_base // 2) // rounding_base * rounding_base
    published = shown.astype(object)  # Python ints, and room for None
    published[suppressed] = None
    values: list[list[int | None]] = published.tolist()
    m, n = extended.shape[0] - 1, extended.shape[1] - 1
    rows, cols = np.nonzero(suppressed[:m, :n])
    kinds = np.where(primary[rows, cols], PRIMARY, SECONDARY).tolist()
    reasons: dict[tuple[int, int], Reason] = dict(
        zip(zip(rows.tolist(), cols.tolist(), strict=True), kinds, strict=True)
    )
    total_reasons: dict[TotalKey, Reason] = {}
    for row in np.flatnonzero(suppressed[:m, n]).tolist():
        total_reasons[("row", row)] = PRIMARY if primary[row, n] else SECONDARY
    for col in np.flatnonzero(suppressed[m, :n]).tolist():
        total_reasons[("column", col)] = PRIMARY if primary[m, col] else SECONDARY
    if suppressed[m, n]:
        total_reasons[("grand",)] = PRIMARY if primary[m, n] else SECONDARY
    return ProtectedTable(
        cells=[line[:n] for line in values[:m]],
        row_totals=[line[n] for line in values[:m]],
        column_totals=values[m][:n],
        grand_total=values[m][n],
        reasons=reasons,
        total_reasons=total_reasons,
        threshold=threshold,
        rounding_base=rounding_base,
    )


# --- a family of tables that share one grand total ---------------------------------------------


def protect_family(
    tables: dict[str, Sequence[Sequence[int]]], *, threshold: int = 5
) -> dict[str, ProtectedTable]:
    """Protect tables of the same records (each a different breakdown, the same grand
    total) so that what they publish together reveals no withheld value.

    Each table is protected on its own with the grand total kept (withheld only below the
    threshold); if one of them cannot be protected that way, all of them withhold it. The
    tables then share only the grand total, with the same status in each, and any
    published values of one table combine with any of another: nothing published in one
    narrows a withheld value of another (docs/disclosure.md, "Die Tabellenfamilie").
    """
    totals = {name: int(np.asarray(t, dtype=np.int64).sum()) for name, t in tables.items()}
    if len(set(totals.values())) > 1:
        raise ValueError(f"the tables of a family must have the same grand total, got {totals}")
    try:
        return {
            name: protect(t, threshold=threshold, grand_total="keep") for name, t in tables.items()
        }
    except GrandTotalNeededError:
        return {
            name: protect(t, threshold=threshold, grand_total="withhold")
            for name, t in tables.items()
        }


#: What may be printed for a sum of cells of a protected table (`sum_status`).
SumStatus = Literal["published", "withheld", "not shown"]


def sum_status(
    table: ProtectedTable, rows: Sequence[int] | None = None, columns: Sequence[int] | None = None
) -> SumStatus:
    """What may be printed for the sum of the inner cells ``rows`` x ``columns`` of a
    protected table (``None`` = all).

    ``"published"``: a published entry (cell, row or column total, grand total), or a sum
    of published cells, of published row totals (all columns) or of published column
    totals (all rows): printing it adds nothing. ``"withheld"``: a single entry that is
    withheld; print the symbol. ``"not shown"``: a sum of several entries of which at least
    one is withheld. It is no entry of the table, so nothing protects it (the sum of the
    withheld cells of a line is the line total minus its published cells, and may be below
    the threshold): print neither the value nor the symbol for withheld values.
    """
    n_rows = len(table.cells)
    n_cols = len(table.column_totals)
    # Positions are valid indices, so a selection of n distinct ones is everything.
    row_set = None if rows is None or len(set(rows)) >= n_rows else sorted(set(rows))
    col_set = None if columns is None or len(set(columns)) >= n_cols else sorted(set(columns))
    if row_set is None and col_set is None:
        entry: int | None = table.grand_total
    elif row_set is None and col_set is not None and len(col_set) == 1:
        entry = table.column_totals[col_set[0]]
    elif col_set is None and row_set is not None and len(row_set) == 1:
        entry = table.row_totals[row_set[0]]
    elif row_set is not None and col_set is not None and len(row_set) == len(col_set) == 1:
        entry = table.cells[row_set[0]][col_set[0]]
    else:
        every_row = list(range(n_rows)) if row_set is None else row_set
        every_col = list(range(n_cols)) if col_set is None else col_set
        if (
            (row_set is None and all(table.column_totals[j] is not None for j in every_col))
            or (col_set is None and all(table.row_totals[i] is not None for i in every_row))
            or all(table.cells[i][j] is not None for i in every_row for j in every_col)
        ):
            return "published"
        return "not shown"
    return "withheld" if entry is None else "published"
