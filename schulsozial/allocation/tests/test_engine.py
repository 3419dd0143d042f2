"""Examples, edge cases, errors and the real Herne data for the distribution engine."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import numpy as np
import pytest

from schulsozial.allocation.engine import (
    AllocationError,
    Criterion,
    Layer,
    Rules,
    RulesError,
    SchoolInput,
    allocate,
    load_rules_toml,
    read_schools_csv,
    sensitivity,
)

from .helpers import EXAMPLES, REPO, herne_csv_text, pupils_rules, schools_from
from .reference import milp_deviation, reference_allocate


def fte(result, number: str) -> Decimal:
    return result.fte_by_school[number]


# --- worked example of docs/distribution.md ---------------------------------------------------


def test_worked_example_of_the_documentation():
    schools = schools_from({"100001": 600, "100002": 300, "100003": 100})
    result = allocate(schools, pupils_rules(3.0, base_fte=0.25))
    ideal = result.ideal_by_school
    assert ideal == pytest.approx({"100001": 1.6, "100002": 0.925, "100003": 0.475})
    assert result.fte_by_school == {
        "100001": Decimal("1.50"),
        "100002": Decimal("1.00"),
        "100003": Decimal("0.50"),
    }
    # Floors 1.50 + 0.75 + 0.25 = 2.50; two quarter steps go to the remainders .225 and .175.
    assert result.deviation_fte == pytest.approx(0.10 + 0.075 + 0.025)


def test_sainte_lague_can_differ_from_min_deviation_and_is_documented_in_the_example():
    schools = schools_from({"1": 800, "2": 300, "3": 100})
    rules = pupils_rules(5.0, granularity=1.0, method="sainte-lague")
    result = allocate(schools, rules)
    # Textbook Sainte-Laguë (divisors 1, 3, 5, 7): quotients 800, 300, 267, 160, 114, 100, 100
    assert result.fte_by_school == {"1": Decimal("4"), "2": Decimal("1"), "3": Decimal("0")}
    # Largest remainder: quotas 3.33, 1.25, 0.42 -> floors 3, 1, 0; the last unit to 0.42.
    hamilton = allocate(schools, pupils_rules(5.0, granularity=1.0))
    assert hamilton.fte_by_school == {"1": Decimal("3"), "2": Decimal("1"), "3": Decimal("1")}


def test_sainte_lague_never_takes_a_unit_from_need_when_the_bases_overfill_the_total():
    # Four schools with a base of 0.3 FTE each round to one unit of 0.5 at lambda 0: four
    # units for three. Only school "3" has pupils, so it must keep its unit; a negative
    # lambda once gave it nothing and the three schools without need one unit each.
    schools = [
        SchoolInput("000002", {"pupils": None}),
        SchoolInput("3", {"pupils": 1}),
        SchoolInput("000004", {"pupils": None}),
        SchoolInput("000005", {"pupils": None}),
    ]
    layer = Layer(
        total_fte=1.5, base_fte=0.3, criteria=(Criterion(column="pupils", missing="zero"),)
    )
    result = allocate(schools, Rules(layers=(layer,), granularity=0.5, method="sainte-lague"))
    assert result.fte_by_school["3"] == Decimal("0.5")
    assert sum(result.fte_by_school.values()) == Decimal("1.5")
    # The three schools without need compete for the remaining two units: a documented tie.
    assert set(result.ties) == {"000002", "000004", "000005"}


# --- edge cases ----------------------------------------------------------------------------------


def test_one_school_gets_the_whole_total():
    result = allocate(schools_from({"123456": 10}), pupils_rules(2.5))
    assert fte(result, "123456") == Decimal("2.50")


def test_total_zero_gives_zero_to_everyone():
    result = allocate(schools_from({"1": 10, "2": 20}), pupils_rules(0.0))
    assert set(result.fte_by_school.values()) == {Decimal("0.00")}


def test_all_zero_need_is_spread_evenly_and_said_so():
    result = allocate(schools_from({"1": 0, "2": 0, "3": 0, "4": 0}), pupils_rules(2.0))
    assert set(result.fte_by_school.values()) == {Decimal("0.50")}
    assert result.layers[0].even_split
    part = result.explanation("1").layers[0]
    assert part.even_split_fte == Decimal("0.5000")
    assert part.parts_total() == part.fte


def test_schools_with_need_at_their_maximum_leave_the_rest_to_an_even_split():
    schools = schools_from({"1": 100, "2": 0, "3": 0})
    result = allocate(schools, pupils_rules(2.0, max_fte=1.0))
    assert result.fte_by_school == {
        "1": Decimal("1.00"),
        "2": Decimal("0.50"),
        "3": Decimal("0.50"),
    }
    assert result.explanation("1").layers[0].bound == "max"


def test_fixed_fte_pins_a_school_and_the_rest_is_shared():
    schools = schools_from({"1": 100, "2": 100, "3": 100}, fixed_fte={"2": 2.0})
    result = allocate(schools, pupils_rules(3.0))
    assert fte(result, "2") == Decimal("2.00")
    assert fte(result, "1") + fte(result, "3") == Decimal("1.00")
    assert result.explanation("2").layers[0].bound == "fixed"


def test_ties_are_broken_by_school_number_and_flagged():
    schools = schools_from({"200": 100, "100": 100, "300": 100})
    result = allocate(schools, pupils_rules(1.0, granularity=0.5))
    assert result.fte_by_school == {
        "100": Decimal("0.5"),
        "200": Decimal("0.5"),
        "300": Decimal("0.0"),
    }
    assert set(result.ties) == {"100", "200", "300"}
    assert result.explanation("300").tie


def test_school_numbers_with_leading_zeros_sort_numerically():
    schools = schools_from({"010": 100, "9": 100})
    result = allocate(schools, pupils_rules(0.25))
    assert fte(result, "9") == Decimal("0.25")


def test_continuity_limits_the_change_against_the_current_fte():
    schools = schools_from(
        {"1": 1000, "2": 100, "3": 100},
        current_fte={"1": 1.0, "2": 1.0, "3": 1.0},
    )
    result = allocate(schools, pupils_rules(3.0, max_change=0.5))
    assert fte(result, "1") == Decimal("1.50")
    assert fte(result, "2") + fte(result, "3") == Decimal("1.50")
    part = result.explanation("1").layers[0]
    assert part.bound == "continuity_upper"
    assert "current 1.00 + 0.50" in part.bound_detail
    assert result.explanation("1").change_fte == Decimal("0.50")


def test_budget_gives_the_largest_affordable_multiple_and_reports_leftover():
    rules = Rules(
        layers=(Layer(budget_eur=100_000, criteria=(Criterion(column="pupils"),)),),
        granularity=0.25,
        cost_per_fte_eur=70_000,
    )
    result = allocate(schools_from({"1": 1, "2": 1}), rules)
    assert result.total_fte == Decimal("1.25")
    assert result.leftover_eur == Decimal("12500.00")
    assert result.explanation("1").money_eur + result.explanation("2").money_eur == Decimal(
        "87500.00"
    )


def test_base_per_school_type_uses_the_type_column():
    rules = Rules(
        layers=(
            Layer(
                total_fte=2.0,
                base_fte={"Grundschule": 0.25, "default": 0.75},
                criteria=(Criterion(column="pupils"),),
            ),
        ),
    )
    schools = [
        SchoolInput("1", {"pupils": 0, "schulform": "Grundschule"}),
        SchoolInput("2", {"pupils": 0, "schulform": "Gymnasium"}),
        SchoolInput("3", {"pupils": 100, "schulform": "Grundschule"}),
    ]
    result = allocate(schools, rules)
    assert result.explanation("2").layers[0].base_fte == Decimal("0.7500")
    assert fte(result, "3") == Decimal("1.00")


def test_missing_rules_median_zero_number_and_exclude():
    criteria = (
        Criterion(column="pupils", weight=1.0),
        Criterion(column="index", weight=1.0, missing="exclude", name="excluded"),
    )
    schools = [
        SchoolInput("1", {"pupils": 100, "index": 1}),
        SchoolInput("2", {"pupils": 100, "index": 3}),
        SchoolInput("3", {"pupils": 100, "index": None}),
    ]
    result = allocate(schools, pupils_rules(4.0, criteria=criteria))
    third = result.explanation("3").layers[0].criteria
    assert third[1].value is None
    assert third[1].missing == "exclude"
    # school 3 counts with its pupil share only, scaled up to the full weight 2
    ideal = result.ideal_by_school
    assert ideal["3"] == pytest.approx(4.0 * (2 / 3) / (2 / 3 + 1 / 3 + 0.25 + 1 / 3 + 0.75))
    for missing, expected in (("median", 2.0), ("zero", 0.0), (5.0, 5.0)):
        rules = pupils_rules(
            4.0, criteria=(Criterion(column="pupils"), Criterion(column="index", missing=missing))
        )
        part = allocate(schools, rules).explanation("3").layers[0].criteria[1]
        assert part.value == expected
        assert part.missing == (missing if isinstance(missing, str) else "value")


def test_per_pupil_transform_divides_by_the_pupils():
    criteria = (Criterion(column="inclusion", transform="per_pupil", pupils_column="pupils"),)
    schools = [
        SchoolInput("1", {"pupils": 100, "inclusion": 10}),
        SchoolInput("2", {"pupils": 400, "inclusion": 10}),
    ]
    result = allocate(schools, pupils_rules(1.0, criteria=criteria))
    assert result.ideal_by_school == pytest.approx({"1": 0.8, "2": 0.2})


def test_multiply_weight_is_an_exponent_and_zero_weight_switches_a_factor_off():
    table = {"1": 1.0, "2": 2.0}
    schools = [SchoolInput("1", {"pupils": 100, "s": 1}), SchoolInput("2", {"pupils": 100, "s": 2})]
    for weight, expected in ((1.0, 2 / 3), (0.0, 0.5), (2.0, 0.8)):
        criteria = (
            Criterion(column="pupils"),
            Criterion(
                column="s", transform="table", table=table, combine="multiply", weight=weight
            ),
        )
        result = allocate(schools, pupils_rules(1.0, granularity=0.05, criteria=criteria))
        assert result.ideal_by_school["2"] == pytest.approx(expected)


# --- layers ------------------------------------------------------------------------------------


def test_layers_add_up_and_each_layer_share_is_shown():
    rules = Rules(
        layers=(
            Layer(name="all", total_fte=2.0, criteria=(Criterion(column="pupils"),)),
            Layer(
                name="sc",
                total_fte=1.0,
                where={"sc": ("1",)},
                criteria=(Criterion(column="pupils"),),
            ),
        ),
    )
    schools = [
        SchoolInput("1", {"pupils": 100, "sc": "1"}),
        SchoolInput("2", {"pupils": 100, "sc": "0"}),
        SchoolInput("3", {"pupils": 200, "sc": 1.0}),
    ]
    result = allocate(schools, rules)
    assert result.total_fte == Decimal("3.00")
    assert result.layer_fte["sc"].keys() == {"1", "3"}
    for school in result.schools:
        assert school.fte == sum((part.fte for part in school.layers), Decimal(0))
    assert not result.explanation("2").layers[1].eligible


def test_with_layers_current_fte_is_the_total_for_the_change_only():
    rules = Rules(
        layers=(
            Layer(name="a", total_fte=1.0, criteria=(Criterion(column="pupils"),)),
            Layer(name="b", total_fte=1.0, criteria=(Criterion(column="pupils"),)),
        ),
    )
    schools = schools_from({"1": 100, "2": 100}, current_fte={"1": 0.5, "2": 3.0})
    result = allocate(schools, rules)
    assert result.explanation("1").change_fte == Decimal("0.50")
    assert result.explanation("2").change_fte == Decimal("-2.00")
    with pytest.raises(RulesError, match="min_column"):
        allocate(schools_from({"1": 1, "2": 1}, min_fte={"1": 0.5}), rules)


def test_layer_continuity_reads_its_own_current_column():
    rules = load_rules_toml(
        """
        granularity = 0.25
        [[layers]]
        name = "a"
        total_fte = 2.0
        max_change = 0.25
        current_column = "current_a"
          [[layers.criteria]]
          column = "pupils"
        """
    )
    schools = [
        SchoolInput("1", {"pupils": 900, "current_a": 1.0}),
        SchoolInput("2", {"pupils": 100, "current_a": 1.0}),
    ]
    result = allocate(schools, rules)
    assert result.fte_by_school == {"1": Decimal("1.25"), "2": Decimal("0.75")}


# --- explanations --------------------------------------------------------------------------------


def test_explanation_parts_add_up_exactly_for_every_school_in_herne():
    rules = load_rules_toml((EXAMPLES / "herne_rules.toml").read_text(encoding="utf-8"))
    schools = read_schools_csv(herne_csv_text(), rules)
    result = allocate(schools, rules)
    for school in result.schools:
        for part in school.layers:
            assert part.parts_total() == part.fte
            shown = (
                part.base_fte
                + sum(c.contribution_fte for c in part.criteria)
                + part.even_split_fte
                + part.bound_fte
            )
            assert shown == part.ideal_fte
        assert school.money_eur == school.fte * 70000


def test_herne_with_48_fte_gives_sensible_results():
    rules = load_rules_toml((EXAMPLES / "herne_rules.toml").read_text(encoding="utf-8"))
    schools = read_schools_csv(herne_csv_text(), rules)
    assert len(schools) == 43
    result = allocate(schools, rules)
    values = result.fte_by_school
    assert sum(values.values()) == Decimal("48.00")
    assert min(values.values()) >= Decimal("0.25")
    assert max(values.values()) <= Decimal("3.00")
    # Förderschulen, Berufskollegs and private schools have no Sozialindex: median factor, visibly.
    without_index = [s for s in schools if not s.values.get("sozialindex_2025_26")]
    assert len(without_index) == 8
    factors = [float(s.values["sozialindex_2025_26"]) for s in schools if s not in without_index]
    median_factor = float(
        np.median([rules.layers[0].criteria[1].table[str(int(f))] for f in factors])
    )
    for school in without_index:
        part = result.explanation(school.schulnummer).layers[0].criteria[1]
        assert part.missing == "median"
        assert part.raw_value is None
        assert part.value == pytest.approx(median_factor)
    # The two big Berufskollegs hit the maximum of 3 FTE.
    assert values["180658"] == values["180804"] == Decimal("3.00")
    assert result.explanation("180658").layers[0].bound == "max"
    # Same pupils, higher Sozialindex stage: not less.
    galileo, kolibri = result.explanation("100116"), result.explanation("100014")
    assert galileo.layers[0].criteria[1].value > kolibri.layers[0].criteria[1].value
    # Every school within one step of its ideal.
    for number, ideal in result.ideal_by_school.items():
        assert abs(float(values[number]) - ideal) < 0.25


def test_herne_engine_agrees_with_pure_python_reference_and_milp():
    rules = load_rules_toml((EXAMPLES / "herne_rules.toml").read_text(encoding="utf-8"))
    schools = read_schools_csv(herne_csv_text(), rules)
    result = allocate(schools, rules)
    reference = reference_allocate(schools, rules)
    g = 0.25
    for number, ideal in result.ideal_by_school.items():
        assert ideal / g == pytest.approx(reference.ideal_units[number], abs=1e-7)
    assert {n: int(v / Decimal("0.25")) for n, v in result.fte_by_school.items()} == reference.units
    numbers = list(reference.units)
    optimum, _ = milp_deviation(
        [result.ideal_by_school[n] / g for n in numbers],
        [reference.lower[n] for n in numbers],
        [reference.upper[n] for n in numbers],
        reference.total_units,
    )
    assert result.deviation_fte / g == pytest.approx(optimum, abs=1e-6)


def test_two_layer_example_runs_on_herne():
    rules = load_rules_toml((EXAMPLES / "two_layers_rules.toml").read_text(encoding="utf-8"))
    result = allocate(read_schools_csv(herne_csv_text(), rules), rules)
    land, extra = result.layers
    assert land.total_fte == Decimal("37.75")
    assert land.leftover_eur == Decimal("7500.00")
    assert extra.eligible_schools == 17
    assert result.total_fte == Decimal("48.00")
    private = result.explanation("100162").layers[1].criteria[1]
    assert private.value is None
    assert private.missing == "exclude"


def test_sensitivity_gives_percentiles_on_the_grid_and_flags_by_the_documented_rule():
    schools = schools_from({str(100 + i): 100 + 37 * i for i in range(12)})
    rules = Rules(
        layers=(
            Layer(
                total_fte=6.0,
                criteria=(
                    Criterion(column="pupils", weight=1.0),
                    Criterion(column="even", weight=1.0, name="flat"),
                ),
            ),
        ),
    )
    schools = [
        SchoolInput(s.schulnummer, {"pupils": s.values["pupils"], "even": 1}) for s in schools
    ]
    spread = sensitivity(schools, rules, samples=400, spread=0.9, seed=3)
    for low, mid, high in zip(spread.p5, spread.p50, spread.p95, strict=True):
        assert low <= mid <= high
        assert (mid * 4) == int(mid * 4)
    assert np.array_equal(spread.flagged, (spread.p95 - spread.p5) >= 2 * 0.25 - 1e-9)
    again = sensitivity(schools, rules, samples=400, spread=0.9, seed=3)
    assert np.array_equal(again.p50, spread.p50)
    assert spread.weights.shape == (400, 2)
    assert sensitivity(schools, rules, samples=50, spread=0.0, seed=1).flagged.sum() == 0


def test_batched_sensitivity_matches_single_allocations_with_the_same_weights():
    schools = schools_from({str(i): 50 + (i * 7919) % 400 for i in range(1, 30)})
    base_rules = Rules(
        layers=(
            Layer(
                total_fte=9.0,
                base_fte=0.1,
                max_fte=0.75,
                criteria=(
                    Criterion(column="pupils", weight=1.0),
                    Criterion(
                        column="pupils",
                        weight=0.5,
                        transform="per_pupil",
                        pupils_column="pupils",
                        name="flat",
                    ),
                ),
            ),
        ),
    )
    spread = sensitivity(schools, base_rules, samples=25, spread=0.5, seed=9)
    from schulsozial.allocation.engine.core import prepare
    from schulsozial.allocation.engine.sensitivity import _sample_units

    prepared = prepare(schools, base_rules)
    factors = spread.weights / np.array([1.0, 0.5])
    units = _sample_units(prepared, factors)
    for sample in range(25):
        weights = spread.weights[sample]
        layer = base_rules.layers[0]
        criteria = tuple(
            Criterion(**{**c.__dict__, "weight": float(w)})
            for c, w in zip(layer.criteria, weights, strict=True)
        )
        single = allocate(
            schools, Rules(layers=(Layer(**{**layer.__dict__, "criteria": criteria}),))
        )
        expected = [int(single.fte_by_school[n] / Decimal("0.25")) for n in prepared.schulnummern]
        assert units[:, sample].tolist() == expected


# --- errors --------------------------------------------------------------------------------------


def test_minimums_above_the_total_name_the_numbers_and_schools():
    schools = schools_from({"100001": 1, "100002": 1}, min_fte={"100001": 1.0, "100002": 0.5})
    with pytest.raises(AllocationError) as caught:
        allocate(schools, pupils_rules(1.0))
    message = str(caught.value)
    assert "1.50 FTE" in message
    assert "1.00 FTE to distribute" in message
    assert "100001 (1.00 FTE: min_fte)" in message


def test_maximums_below_the_total_are_an_error():
    with pytest.raises(AllocationError, match=r"maximums add up to 2.00 FTE, less than the 3.00"):
        allocate(schools_from({"1": 1, "2": 1}), pupils_rules(3.0, max_fte=1.0))


def test_continuity_limits_that_cannot_meet_the_total_are_an_error():
    schools = schools_from({"1": 1, "2": 1}, current_fte={"1": 2.0, "2": 2.0})
    with pytest.raises(AllocationError, match=r"continuity limits add up to 3.00 FTE") as caught:
        allocate(schools, pupils_rules(1.0, max_change=0.5))
    assert "current 2.00 - 0.50" in str(caught.value)


def test_continuity_against_a_maximum_is_named():
    schools = schools_from({"1": 1, "2": 1}, current_fte={"1": 3.0}, max_fte={"1": 2.0})
    with pytest.raises(AllocationError, match=r"1 \(at least 2.50 FTE: continuity"):
        allocate(schools, pupils_rules(3.0, max_change=0.5))


def test_base_above_the_total_is_an_error():
    with pytest.raises(AllocationError, match=r"Sockel"):
        allocate(schools_from({"1": 1, "2": 1}), pupils_rules(0.25, base_fte=0.25))


@pytest.mark.parametrize(
    ("schools", "rules", "match"),
    [
        (schools_from({"1": 1, "1 ": 2}), pupils_rules(1.0), "duplicate school numbers: 1"),
        (schools_from({"1": float("nan")}), pupils_rules(1.0), "is not a number"),
        (schools_from({"1": -3}), pupils_rules(1.0), "negative values"),
        (schools_from({"1": 1}), pupils_rules(1.1), "not a multiple of the granularity"),
        (
            schools_from({"1": 1}),
            pupils_rules(1.0, criteria=(Criterion(column="nope"),)),
            "unknown column 'nope'",
        ),
        (
            schools_from({"1": 1}),
            pupils_rules(1.0, criteria=(Criterion(column="pupils", weight=-1),)),
            "weight must be",
        ),
        (
            schools_from({"1": 3}),
            pupils_rules(
                1.0,
                criteria=(Criterion(column="pupils", transform="table", table={"1": 1.0}),),
            ),
            r"values not in the table",
        ),
        (schools_from({"1": 1}, fixed_fte={"1": 0.3}), pupils_rules(1.0), "multiples of the"),
        (
            schools_from({"1": 1}),
            pupils_rules(
                1.0,
                criteria=(Criterion(column="pupils", transform="table", table={"1": -2.0}),),
            ),
            "table values must be",
        ),
    ],
)
def test_invalid_input_raises_rules_error(schools, rules, match):
    with pytest.raises(RulesError, match=match):
        allocate(schools, rules)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("total_fte = ", "not valid TOML"),
        ("total_fte = 1.0\nwieght = 2", "unknown key 'wieght'"),
        ("total_fte = 1.0\n[[criteria]]\ncolumn = 'a'\nwieght = 2", "did you mean 'weight'"),
        ("total_fte = 1.0\n[[criteria]]\ncolumn = 'a'\nweight = -1", "at least 0"),
        ("total_fte = 1.0\nbudget_eur = 5", "either 'total_fte' or 'budget_eur'"),
        ("granularity = 0.25", "'total_fte' or 'budget_eur' is missing"),
        ("total_fte = nan", "finite number"),
        ("total_fte = 1.0\nmethod = 'dhondt'", "must be one of"),
        ("total_fte = 1.0\n[[criteria]]\ncolumn = 'a'\ntransform = 'table'", "needs a non-empty"),
        ("min_fte = 1\n[[layers]]\nname = 'a'\ntotal_fte = 1.0", "belong inside each layer"),
        (
            "[[layers]]\nname = 'a'\ntotal_fte = 1.0\nmax_change = 0.5\n"
            "[[layers]]\nname = 'b'\ntotal_fte = 1.0",
            "needs 'current_column'",
        ),
    ],
)
def test_invalid_rules_files_raise_rules_error(text, match):
    with pytest.raises(RulesError, match=match):
        load_rules_toml(text)


def test_budget_without_cost_is_an_error():
    rules = load_rules_toml("budget_eur = 1000\n[[criteria]]\ncolumn = 'pupils'")
    with pytest.raises(RulesError, match="needs 'cost_per_fte_eur'"):
        allocate(schools_from({"1": 1}), rules)


def test_engine_modules_import_no_django():
    code = (
        "import sys, schulsozial.allocation.engine, schulsozial.allocation.cli;"
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, check=False)  # noqa: S603
    assert done.returncode == 0
