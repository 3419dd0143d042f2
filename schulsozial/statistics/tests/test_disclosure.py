"""Tests for statistical disclosure control (no Django needed).

The property tests attack every published table with linear programming (scipy, see
`lp_attack.py`), independently of the graph audits the library uses internally.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schulsozial.statistics.disclosure import (
    PRIMARY,
    SECONDARY,
    GrandTotalNeededError,
    ProtectedTable,
    _bridges,
    _pinned_if_never_zero,
    _with_totals,
    protect,
    protect_family,
    sum_status,
)
from schulsozial.statistics.tests.lp_attack import attack, rounding_window, true_values

TOLERANCE = 1e-6
PROPERTY_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Many zeros and small values, some values at or just above the threshold, some large.
skewed_values = st.one_of(
    st.just(0), st.integers(1, 4), st.integers(5, 9), st.integers(10, 60), st.just(1)
)


@st.composite
def tables(
    draw: st.DrawFn,
    max_rows: int = 6,
    max_cols: int = 6,
    values: st.SearchStrategy[int] = skewed_values,
) -> list[list[int]]:
    rows = draw(st.integers(1, max_rows))
    cols = draw(st.integers(1, max_cols))
    return draw(
        st.lists(st.lists(values, min_size=cols, max_size=cols), min_size=rows, max_size=rows)
    )


def published_values(result: ProtectedTable) -> dict[Hashable, int | None]:
    values: dict[Hashable, int | None] = {}
    for i, row in enumerate(result.cells):
        for j, value in enumerate(row):
            values[(i, j)] = value
        values[("row", i)] = result.row_totals[i]
    for j, value in enumerate(result.column_totals):
        values[("column", j)] = value
    values[("grand",)] = result.grand_total
    return values


def all_reasons(result: ProtectedTable) -> dict[Hashable, str]:
    reasons: dict[Hashable, str] = dict(result.reasons.items())
    reasons.update(result.total_reasons.items())
    return reasons


# --- property tests: attacks ---------------------------------------------------------------


@PROPERTY_SETTINGS
@given(counts=tables(), threshold=st.integers(2, 8))
def test_no_withheld_value_can_be_narrowed_to_one_number_by_linear_programming(
    counts: list[list[int]], threshold: int
) -> None:
    result = protect(counts, threshold=threshold)
    truth = true_values(counts)
    for key, (low, high) in attack(result).items():
        # Guarantee 1: the true value v is not pinned, and v - 1 and v + 1 are both possible.
        assert low <= truth[key] - 1 + TOLERANCE, (key, low, high)
        assert high >= truth[key] + 1 - TOLERANCE, (key, low, high)


@PROPERTY_SETTINGS
@given(counts=tables(values=st.sampled_from([0, 1, 1, 1, 2, 3, 5, 9, 20])))
def test_no_withheld_value_is_pinned_even_when_withheld_values_are_known_to_be_positive(
    counts: list[list[int]],
) -> None:
    result = protect(counts)
    truth = true_values(counts)
    for key, (low, high) in attack(result, lower_bound=1).items():
        # Guarantee 2: at least one other integer stays possible.
        assert high - low >= 1 - TOLERANCE, (key, low, high)
        assert low - TOLERANCE <= truth[key] <= high + TOLERANCE


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=tables(), base=st.sampled_from([3, 5, 10]))
def test_rounded_publication_reveals_no_withheld_value_either(
    counts: list[list[int]], base: int
) -> None:
    result = protect(counts, rounding_base=base)
    truth = true_values(counts)
    for key, (low, high) in attack(result, lower_bound=1).items():
        assert high - low >= 1 - TOLERANCE, (key, low, high)
        assert low - TOLERANCE <= truth[key] <= high + TOLERANCE


# --- property tests: what is published --------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(counts=tables(max_rows=8, max_cols=8), threshold=st.integers(1, 10))
def test_small_values_are_withheld_as_primary_and_everything_published_is_true(
    counts: list[list[int]], threshold: int
) -> None:
    result = protect(counts, threshold=threshold)
    truth = true_values(counts)
    shown = published_values(result)
    reasons = all_reasons(result)
    for key, value in truth.items():
        if 0 < value < threshold:
            assert shown[key] is None
            assert reasons[key] == PRIMARY
        elif shown[key] is None:
            assert value > 0, "a zero is never withheld"
            assert reasons[key] == SECONDARY
        else:
            assert shown[key] == value
            assert type(shown[key]) is int
            assert key not in reasons


@settings(max_examples=200, deadline=None)
@given(counts=tables(max_rows=8, max_cols=8), base=st.integers(1, 12))
def test_rounding_changes_only_the_published_values_never_what_is_withheld(
    counts: list[list[int]], base: int
) -> None:
    exact = protect(counts)
    rounded = protect(counts, rounding_base=base)
    assert rounded.reasons == exact.reasons
    assert rounded.total_reasons == exact.total_reasons
    assert rounded.rounding_base == base
    exact_values = published_values(exact)
    for key, value in published_values(rounded).items():
        if value is None:
            assert exact_values[key] is None
        else:
            true = exact_values[key]
            assert true is not None
            assert value % base == 0
            assert rounding_window(value, base)[0] <= true <= rounding_window(value, base)[1]


@settings(max_examples=100, deadline=None)
@given(counts=tables(max_rows=8, max_cols=8))
def test_result_is_reproducible_and_independent_of_the_input_container(
    counts: list[list[int]],
) -> None:
    first = protect(counts)
    assert protect(counts) == first
    assert protect(np.array(counts, dtype=np.int32)) == first
    assert protect([tuple(row) for row in counts]) == first


# --- the internal audits agree with linear programming -------------------------------------


def table_with_mask(counts: list[list[int]], mask: np.ndarray) -> ProtectedTable:
    """A `ProtectedTable` that withholds exactly the entries of the extended table in
    ``mask`` (last row and column: totals)."""
    extended = _with_totals(np.array(counts)).tolist()
    m, n = len(counts), len(counts[0])
    shown = [[None if mask[i, j] else extended[i][j] for j in range(n + 1)] for i in range(m + 1)]
    return ProtectedTable(
        cells=[row[:n] for row in shown[:m]],
        row_totals=[row[n] for row in shown[:m]],
        column_totals=shown[m][:n],
        grand_total=shown[m][n],
        reasons={},
        total_reasons={},
        threshold=5,
        rounding_base=None,
    )


def entry_key(i: int, j: int, m: int, n: int) -> Hashable:
    if i < m and j < n:
        return (i, j)
    if i < m:
        return ("row", i)
    if j < n:
        return ("column", j)
    return ("grand",)


@settings(max_examples=150, deadline=None)
@given(
    counts=tables(max_rows=5, max_cols=5, values=st.sampled_from([1, 1, 2, 3, 7])),
    data=st.data(),
)
def test_both_audits_find_exactly_the_entries_linear_programming_pins(
    counts: list[list[int]], data: st.DataObject
) -> None:
    m, n = len(counts), len(counts[0])
    cells = (m + 1) * (n + 1)
    flags = data.draw(st.lists(st.booleans(), min_size=cells, max_size=cells))
    mask = np.array(flags).reshape(m + 1, n + 1)
    table = table_with_mask(counts, mask)
    extended = _with_totals(np.array(counts))

    bridges = {entry_key(i, j, m, n) for i, j in _bridges(mask)}
    intervals = attack(table)
    assert bridges == {key for key, (low, high) in intervals.items() if high - low < TOLERANCE}

    pinned = {entry_key(i, j, m, n) for i, j in _pinned_if_never_zero(extended, mask)}
    intervals = attack(table, lower_bound=1)
    assert pinned == {key for key, (low, high) in intervals.items() if high - low < TOLERANCE}


# --- hand-checked examples ------------------------------------------------------------------


def test_single_small_cell_gets_a_partner_in_its_row_and_column() -> None:
    # The cheapest rectangle through (0, 0): 10 + 15 + 30 = 55 (next best: 20 + 15 + 40).
    result = protect([[2, 10, 20], [15, 30, 40], [25, 50, 60]])
    assert result.cells == [[None, None, 20], [None, None, 40], [25, 50, 60]]
    assert result.reasons == {
        (0, 0): PRIMARY,
        (0, 1): SECONDARY,
        (1, 0): SECONDARY,
        (1, 1): SECONDARY,
    }
    assert result.row_totals == [32, 85, 135]
    assert result.column_totals == [42, 90, 120]
    assert result.grand_total == 252
    assert result.total_reasons == {}
    assert result.suppressed_count == 4


def test_small_cell_in_a_single_row_is_paired_in_its_row_and_column_totals_are_withheld() -> None:
    # In a one-row table each column total equals its cell, so it must go with the cell.
    result = protect([[3, 8, 12]])
    assert result.cells == [[None, None, 12]]
    assert result.row_totals == [23]
    assert result.column_totals == [None, None, 12]
    assert result.grand_total == 23
    assert result.reasons == {(0, 0): PRIMARY, (0, 1): SECONDARY}
    assert result.total_reasons == {("column", 0): PRIMARY, ("column", 1): SECONDARY}


def test_single_column_table_mirrors_the_single_row_case() -> None:
    result = protect([[3], [8], [12]])
    assert result.cells == [[None], [None], [12]]
    assert result.row_totals == [None, None, 12]
    assert result.column_totals == [23]
    assert result.total_reasons == {("row", 0): PRIMARY, ("row", 1): SECONDARY}


def test_small_row_total_is_withheld_together_with_a_second_row_total() -> None:
    # Row 0 totals 3: withheld. Published, the grand total minus the other row totals
    # would give it back, so the cheapest second row total goes too.
    result = protect([[3, 0, 0], [10, 20, 30], [15, 25, 35]])
    assert result.cells == [[None, 0, 0], [None, 20, 30], [15, 25, 35]]
    assert result.row_totals == [None, None, 75]
    assert result.column_totals == [28, 45, 65]
    assert result.grand_total == 138
    assert result.total_reasons == {("row", 0): PRIMARY, ("row", 1): SECONDARY}


def test_table_without_small_values_is_published_unchanged() -> None:
    counts = [[5, 12, 0], [30, 7, 9]]
    result = protect(counts)
    assert result.cells == counts
    assert result.row_totals == [17, 46]
    assert result.column_totals == [35, 19, 9]
    assert result.grand_total == 63
    assert result.reasons == {}
    assert result.total_reasons == {}


def test_zero_cells_are_published_and_never_used_as_partners() -> None:
    result = protect([[3, 0], [0, 3]])
    assert result.cells == [[None, 0], [0, None]]
    assert result.grand_total == 6
    # The two small cells and all four (small) totals form one cycle.
    assert set(result.total_reasons.values()) == {PRIMARY}
    assert len(result.total_reasons) == 4


def test_two_withheld_ones_in_a_row_get_a_third_partner() -> None:
    # Withholding only the 1s would leave x + y = 2 in row 0 and column totals pinning both
    # to 1 for anyone who knows withheld values are never 0.
    counts = [[1, 1, 9, 30], [6, 8, 9, 30], [20, 20, 20, 30]]
    result = protect(counts)
    assert result.cells[0][0] is None
    assert result.cells[0][1] is None
    withheld_in_row_0 = sum(value is None for value in result.cells[0])
    assert withheld_in_row_0 >= 3 or result.row_totals[0] is None
    for low, high in attack(result, lower_bound=1).values():
        assert high - low >= 1 - TOLERANCE


def test_table_of_only_small_values_withholds_cells_and_small_totals() -> None:
    result = protect([[1, 2], [3, 4]])
    assert result.cells == [[None, None], [None, None]]
    assert result.total_reasons[("row", 0)] == PRIMARY
    assert result.total_reasons[("column", 0)] == PRIMARY
    assert result.grand_total == 10
    truth = true_values([[1, 2], [3, 4]])
    for key, (low, high) in attack(result).items():
        assert low < truth[key] < high


def test_a_single_small_count_withholds_everything() -> None:
    result = protect([[1]])
    assert result.cells == [[None]]
    assert result.row_totals == [None]
    assert result.column_totals == [None]
    assert result.grand_total is None
    assert result.total_reasons == {
        ("row", 0): PRIMARY,
        ("column", 0): PRIMARY,
        ("grand",): PRIMARY,
    }


def test_rounding_to_five_rounds_cells_and_totals_independently() -> None:
    result = protect([[7, 12], [23, 5]], rounding_base=5)
    assert result.cells == [[5, 10], [25, 5]]
    assert result.row_totals == [20, 30]  # 19 and 28, not 5 + 10 = 15 and 25 + 5 = 30
    assert result.column_totals == [30, 15]  # 30 and 17
    assert result.grand_total == 45  # 47
    assert result.rounding_base == 5


def test_rounding_happens_after_suppression_on_the_true_values() -> None:
    # 3 would round to 5, but it is below the threshold, so it is withheld, not rounded.
    result = protect([[3, 12, 8], [11, 14, 16], [9, 10, 13]], rounding_base=5)
    assert result.cells[0][0] is None
    assert result.reasons[(0, 0)] == PRIMARY
    assert all(value is None or value % 5 == 0 for row in result.cells for value in row)


def test_rounding_base_one_changes_nothing() -> None:
    counts = [[3, 12, 8], [11, 14, 16]]
    assert protect(counts, rounding_base=1).cells == protect(counts).cells


def test_threshold_one_withholds_nothing() -> None:
    result = protect([[1, 2], [0, 1]], threshold=1)
    assert result.cells == [[1, 2], [0, 1]]
    assert result.reasons == {}


def test_larger_threshold_withholds_more() -> None:
    counts = [[7, 12, 30], [25, 40, 9]]
    assert protect(counts).reasons == {}
    assert protect(counts, threshold=10).reasons[(0, 0)] == PRIMARY


def test_medium_sized_table_withstands_the_attack() -> None:
    rng = np.random.default_rng(7)
    counts = rng.negative_binomial(1, 0.15, size=(40, 8)).tolist()
    result = protect(counts)
    truth = true_values(counts)
    keys = sorted(all_reasons(result), key=str)[::7]
    assert keys
    for key, (low, high) in attack(result, lower_bound=1, only=keys).items():
        assert high - low >= 1 - TOLERANCE
        assert low - TOLERANCE <= truth[key] <= high + TOLERANCE


def test_result_is_frozen() -> None:
    result = protect([[5, 6]])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.grand_total = 0  # type: ignore[misc]


# --- edge cases and input validation ----------------------------------------------------------


def test_empty_table_gives_an_empty_publication() -> None:
    result = protect([])
    assert result.cells == []
    assert result.row_totals == []
    assert result.column_totals == []
    assert result.grand_total == 0
    assert result.reasons == {}


def test_rows_without_cells_have_zero_totals() -> None:
    result = protect([[], []])
    assert result.cells == [[], []]
    assert result.row_totals == [0, 0]
    assert result.column_totals == []
    assert result.grand_total == 0


def test_all_zero_table_is_published_as_zeros() -> None:
    result = protect([[0, 0], [0, 0]])
    assert result.cells == [[0, 0], [0, 0]]
    assert result.grand_total == 0
    assert result.reasons == {}


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ([[1, 2], [3]], "row 1 has 1 cells, row 0 has 2"),
        ([[1, -2]], r"counts\[0\]\[1\] must not be negative"),
        ([[1, 2.0]], r"counts\[0\]\[1\] must be an int, got float"),
        ([[1, 2], [3, True]], r"counts\[1\]\[1\] must be an int, got bool"),
        ([[1, "2"]], r"counts\[0\]\[1\] must be an int, got str"),
        ([[1, None]], r"counts\[0\]\[1\] must be an int, got NoneType"),
        ([1, 2, 3], "row 0 must be a list of ints, got int"),
        (["ab"], "row 0 must be a list of ints, got str"),
        ("abc", "counts must be a list of rows, got str"),
        (42, "counts must be a list of rows, got int"),
        (np.array([1, 2]), "counts must be 2-dimensional"),
        (np.array([[1.0, 2.0]]), "counts must hold ints"),
        (np.array([[1, -2]]), r"counts\[0\]\[1\] must not be negative"),
        ([[2**62, 2**62]], "grand total must not exceed"),
    ],
)
def test_invalid_counts_are_rejected_with_a_clear_message(counts: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        protect(counts)  # type: ignore[arg-type]


@pytest.mark.parametrize("threshold", [0, -1, 2.5, True, "5", None])
def test_invalid_threshold_is_rejected(threshold: object) -> None:
    with pytest.raises(ValueError, match="threshold must be a positive int"):
        protect([[1]], threshold=threshold)  # type: ignore[arg-type]


@pytest.mark.parametrize("base", [0, -5, 2.5, True, "5"])
def test_invalid_rounding_base_is_rejected(base: object) -> None:
    with pytest.raises(ValueError, match="rounding_base must be a positive int"):
        protect([[1]], rounding_base=base)  # type: ignore[arg-type]


# --- the grand total of linked tables, families, sums of cells ----------------------------------


@PROPERTY_SETTINGS
@given(
    counts=tables(values=st.sampled_from([0, 1, 1, 2, 3, 4, 5, 9, 20])), threshold=st.integers(2, 6)
)
def test_kept_grand_total_is_withheld_exactly_below_the_threshold_and_nothing_is_pinned(
    counts: list[list[int]], threshold: int
) -> None:
    grand = sum(map(sum, counts))
    try:
        result = protect(counts, threshold=threshold, grand_total="keep")
        assert (result.grand_total is None) == (0 < grand < threshold)
    except GrandTotalNeededError:
        result = protect(counts, threshold=threshold, grand_total="withhold")
        assert result.grand_total is None
    truth = true_values(counts)
    for key, (low, high) in attack(result, lower_bound=1).items():
        assert high - low >= 1 - TOLERANCE, (key, low, high)
        assert low - TOLERANCE <= truth[key] <= high + TOLERANCE


def test_five_ones_in_a_row_need_the_grand_total_withheld() -> None:
    # Published, the total 5 and "withheld values are never 0" pin every 1.
    with pytest.raises(GrandTotalNeededError):
        protect([[1, 1, 1, 1, 1]], grand_total="keep")
    assert protect([[1, 1, 1, 1, 1]], grand_total="withhold").grand_total is None
    assert protect([[6, 7]], grand_total="withhold").grand_total is None
    assert protect([[0, 0]], grand_total="withhold").grand_total == 0  # a zero stays


def test_a_family_agrees_on_its_grand_total() -> None:
    family = protect_family({"a": [[2, 10], [15, 30]], "b": [[27], [30]]})
    assert family["a"].grand_total == family["b"].grand_total == 57
    # One table that needs the grand total withheld makes every table withhold it.
    family = protect_family({"a": [[1, 1, 1, 1, 1]], "b": [[3], [2]]})
    assert family["a"].grand_total is None and family["b"].grand_total is None
    for table in family.values():
        for _key, (low, high) in attack(table, lower_bound=1).items():
            assert high - low >= 1 - TOLERANCE
    with pytest.raises(ValueError, match="same grand total"):
        protect_family({"a": [[1]], "b": [[2]]})


def test_sum_status_prints_entries_and_sums_of_published_entries_only() -> None:
    result = protect([[2, 10, 20], [15, 30, 40], [25, 50, 60]])
    # cells: [[., ., 20], [., ., 40], [25, 50, 60]]; all totals published
    assert sum_status(result) == "published"
    assert sum_status(result, [0], [0]) == "withheld"
    assert sum_status(result, [0], [2]) == "published"
    assert sum_status(result, [0]) == "published"  # a row total
    assert sum_status(result, None, [0]) == "published"  # a column total
    assert sum_status(result, [0, 1], [0]) == "not shown"  # two withheld cells: no entry
    assert sum_status(result, [2], [0, 1]) == "published"  # published cells
    assert sum_status(result, [0, 1, 2], [0, 1, 2]) == "published"  # everything
    assert sum_status(result, [], None) == "published"  # nothing: 0
