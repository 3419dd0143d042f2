"""Property-based tests of the distribution engine on random instances (hypothesis).

Bounds are recomputed here from the drawn numbers, independently of the engine:
lower = max(min, current - max_change), upper = min(max, current + max_change), rounded inward
to the grid, fixed FTE pins both; the total is drawn between what the bounds allow.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from schulsozial.allocation.engine import (
    Criterion,
    Layer,
    Rules,
    SchoolInput,
    allocate,
)

from .reference import milp_deviation, reference_allocate

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])

STAGE_TABLE = {str(stage): 0.7 + 0.15 * stage for stage in range(1, 10)}


@dataclass(frozen=True)
class Instance:
    schools: list[SchoolInput]
    rules: Rules
    lower: dict[str, int]
    upper: dict[str, int]
    total: int  # units
    ceiling: int  # sum of the upper bounds (units)

    @property
    def granularity(self) -> float:
        return self.rules.granularity

    def units(self, result) -> dict[str, int]:
        g = Decimal(repr(self.granularity))
        values = {}
        for number, fte in result.fte_by_school.items():
            steps = fte / g
            assert steps == steps.to_integral_value(), f"{number}: {fte} is off the grid"
            values[number] = int(steps)
        return values

    def with_total(self, total: int) -> Instance:
        layer = replace(self.rules.layers[0], total_fte=round(total * self.granularity, 10))
        return replace(self, rules=replace(self.rules, layers=(layer,)), total=total)


@st.composite
def instances(draw, method: str = "min-deviation", plain: bool = False) -> Instance:
    g = draw(st.sampled_from([0.25, 0.5, 1.0, 0.1]))
    count = draw(st.integers(1, 9))
    numbers = draw(st.lists(st.integers(1, 999_999), min_size=count, max_size=count, unique=True))
    numbers = [str(n).zfill(6) if n % 3 else str(n) for n in numbers]
    pupils = draw(
        st.lists(
            st.one_of(st.none(), st.integers(0, 2000)) if not plain else st.integers(1, 2000),
            min_size=count,
            max_size=count,
        )
    )
    stages = draw(st.lists(st.one_of(st.none(), st.integers(1, 9)), min_size=count, max_size=count))
    assume(any(p is not None for p in pupils))
    pupil_missing = draw(st.sampled_from(["median", "zero", "exclude", 100.0]))
    stage_missing = draw(st.sampled_from(["median", "exclude", 1.0]))
    criteria = [Criterion(column="pupils", weight=1.0, missing=pupil_missing)]
    if not plain and draw(st.booleans()):
        criteria.append(
            Criterion(
                column="stage",
                transform="table",
                table=STAGE_TABLE,
                combine="multiply",
                weight=draw(st.sampled_from([0.5, 1.0, 2.0])),
                missing=stage_missing,
            )
        )
    if not plain and draw(st.booleans()):
        criteria.append(
            Criterion(
                column="stage",
                weight=draw(st.sampled_from([0.2, 1.0])),
                missing=stage_missing,
                name="stage_add",
            )
        )
    if any(c.missing == "median" and c.column == "stage" for c in criteria):
        assume(any(s is not None for s in stages))
    base = 0.0 if plain else draw(st.sampled_from([0.0, 0.0, g, 0.3]))
    min_fte = 0.0 if plain else draw(st.sampled_from([0.0, g]))
    max_fte = None if plain else draw(st.sampled_from([None, 2.0, 5.0]))
    max_change = None if plain else draw(st.sampled_from([None, None, g, 2 * g, 0.3]))
    schools, lower, upper = [], {}, {}
    for position, number in enumerate(numbers):
        current = None
        if max_change is not None and draw(st.integers(0, 4)):
            current = round(draw(st.integers(0, 12)) * g, 10)
        fixed = None
        if not plain and draw(st.integers(0, 9)) == 0:
            fixed = round(draw(st.integers(0, 6)) * g, 10)
        own_max = None
        if not plain and draw(st.integers(0, 6)) == 0:
            own_max = round(draw(st.integers(1, 8)) * g, 10)
        schools.append(
            SchoolInput(
                schulnummer=number,
                values={"pupils": pupils[position], "stage": stages[position]},
                current_fte=current,
                max_fte=own_max,
                fixed_fte=fixed,
            )
        )
        high = own_max if own_max is not None else (math.inf if max_fte is None else max_fte)
        low = min_fte
        assume(low <= high)
        if max_change is not None and current is not None:
            low = max(low, current - max_change)
            high = min(high, current + max_change)
        if fixed is not None:
            low = high = fixed
        lower[number] = math.ceil(low / g - 1e-9)
        upper[number] = math.floor(high / g + 1e-9) if math.isfinite(high) else 10_000
        assume(lower[number] <= upper[number])
    if max_change is not None:
        assume(any(s.current_fte is not None for s in schools))
    floor_total = sum(lower.values())
    base_units = sum(min(max(base / g, lower[n]), upper[n]) for n in numbers)
    start = max(floor_total, math.ceil(base_units - 1e-9))
    ceiling = min(sum(upper.values()), start + 40)
    assume(start <= ceiling)
    total = draw(st.integers(start, ceiling))
    rules = Rules(
        layers=(
            Layer(
                total_fte=round(total * g, 10),
                criteria=tuple(criteria),
                base_fte=base,
                min_fte=min_fte,
                max_fte=max_fte,
                max_change=max_change,
            ),
        ),
        granularity=g,
        method=method,  # type: ignore[arg-type]
    )
    return Instance(schools, rules, lower, upper, total, sum(upper.values()))


def check_total_bounds_and_grid(instance: Instance) -> dict[str, int]:
    result = allocate(instance.schools, instance.rules)
    units = instance.units(result)
    assert sum(units.values()) == instance.total
    for number, value in units.items():
        assert instance.lower[number] <= value <= instance.upper[number], number
    return units


@FAST
@given(instances())
def test_min_deviation_meets_total_bounds_grid_and_continuity(instance):
    check_total_bounds_and_grid(instance)


@FAST
@given(instances(method="sainte-lague"))
def test_sainte_lague_meets_total_bounds_grid_and_continuity(instance):
    check_total_bounds_and_grid(instance)


@FAST
@given(instances())
def test_every_school_is_within_one_step_of_its_ideal(instance):
    result = allocate(instance.schools, instance.rules)
    g = instance.granularity
    for number, ideal in result.ideal_by_school.items():
        assert abs(float(result.fte_by_school[number]) - ideal) < g * (1 - 1e-9)
        assert instance.lower[number] - 1e-9 <= ideal / g <= instance.upper[number] + 1e-9


@FAST
@given(instances(), st.randoms())
def test_result_does_not_depend_on_the_row_order(instance, rng):
    for method in ("min-deviation", "sainte-lague"):
        rules = replace(instance.rules, method=method)
        first = allocate(instance.schools, rules)
        shuffled = list(instance.schools)
        rng.shuffle(shuffled)
        second = allocate(shuffled, rules)
        assert first.fte_by_school == second.fte_by_school
        assert set(first.ties) == set(second.ties)
        assert [s.schulnummer for s in second.schools] == [s.schulnummer for s in shuffled]


@FAST
@given(instances(method="sainte-lague"))
def test_sainte_lague_is_house_monotone(instance):
    assume(instance.total < instance.ceiling)
    before = instance.units(allocate(instance.schools, instance.rules))
    bigger = instance.with_total(instance.total + 1)
    after = bigger.units(allocate(bigger.schools, bigger.rules))
    assert all(after[n] >= before[n] for n in before)


@SLOW
@given(instances())
def test_min_deviation_is_optimal_against_an_exact_milp(instance):
    result = allocate(instance.schools, instance.rules)
    g = instance.granularity
    numbers = list(instance.lower)
    optimum, _ = milp_deviation(
        [result.ideal_by_school[n] / g for n in numbers],
        [instance.lower[n] for n in numbers],
        [min(instance.upper[n], instance.total) for n in numbers],
        instance.total,
    )
    assert result.deviation_fte / g == pytest.approx(optimum, abs=1e-6)


@FAST
@given(instances())
def test_engine_agrees_with_the_pure_python_reference(instance):
    result = allocate(instance.schools, instance.rules)
    reference = reference_allocate(instance.schools, instance.rules)
    g = instance.granularity
    for number, ideal in result.ideal_by_school.items():
        assert ideal / g == pytest.approx(reference.ideal_units[number], abs=1e-6)
    engine_units = instance.units(result)
    deviation = sum(abs(engine_units[n] - reference.ideal_units[n]) for n in engine_units)
    assert deviation == pytest.approx(reference.deviation_units, abs=1e-5)


@FAST
@given(instances())
def test_explanation_parts_add_up_exactly(instance):
    for method in ("min-deviation", "sainte-lague"):
        result = allocate(instance.schools, replace(instance.rules, method=method))
        for school in result.schools:
            assert school.fte == sum((p.fte for p in school.layers), Decimal(0))
            for part in school.layers:
                assert part.parts_total() == part.fte
                assert (
                    part.base_fte
                    + sum((c.contribution_fte for c in part.criteria), Decimal(0))
                    + part.even_split_fte
                    + part.bound_fte
                    == part.ideal_fte
                )


@st.composite
def layered(draw) -> tuple[list[SchoolInput], Rules]:
    count = draw(st.integers(2, 8))
    schools = [
        SchoolInput(
            str(100000 + i),
            {"pupils": draw(st.integers(1, 900)), "sc": draw(st.sampled_from([0, 1]))},
        )
        for i in range(count)
    ]
    assume(any(s.values["sc"] for s in schools))
    rules = Rules(
        layers=(
            Layer(
                name="a",
                total_fte=draw(st.integers(0, 12)) * 0.25,
                base_fte=0.0,
                criteria=(Criterion(column="pupils"),),
            ),
            Layer(
                name="b",
                total_fte=draw(st.integers(0, 8)) * 0.25,
                where={"sc": ("1",)},
                criteria=(Criterion(column="pupils", weight=2.0),),
            ),
        )
    )
    return schools, rules


@FAST
@given(layered())
def test_layers_sum_up_and_parts_add_up_exactly(case):
    schools, rules = case
    result = allocate(schools, rules)
    assert sum(result.fte_by_school.values()) == result.total_fte
    for school in result.schools:
        assert school.fte == sum((p.fte for p in school.layers), Decimal(0))
        for part in school.layers:
            assert part.parts_total() == part.fte
        if not school.layers[1].eligible:
            assert school.layers[1].fte == 0


def textbook_sainte_lague(weights: list[int], seats: int) -> list[int] | None:
    """Highest averages with divisors 1, 3, 5, ... in exact arithmetic; None on a tie."""
    seats_now = [0] * len(weights)
    for _ in range(seats):
        quotients = [Fraction(w, 2 * s + 1) for w, s in zip(weights, seats_now, strict=True)]
        best = max(quotients)
        if quotients.count(best) > 1:
            return None
        seats_now[quotients.index(best)] += 1
    return seats_now


@FAST
@given(st.lists(st.integers(1, 5000), min_size=1, max_size=8), st.integers(0, 30))
def test_sainte_lague_matches_the_textbook_method_without_bounds(pupils, seats):
    schools = [SchoolInput(str(i + 1), {"pupils": p}) for i, p in enumerate(pupils)]
    rules = Rules(
        layers=(Layer(total_fte=float(seats), criteria=(Criterion(column="pupils"),)),),
        granularity=1.0,
        method="sainte-lague",
    )
    expected = textbook_sainte_lague(pupils, seats)
    assume(expected is not None)
    result = allocate(schools, rules)
    assert [int(result.fte_by_school[str(i + 1)]) for i in range(len(pupils))] == expected


@FAST
@given(instances(plain=True), st.integers(2, 7), st.sampled_from(["min-deviation", "sainte-lague"]))
def test_scaling_all_indicators_changes_nothing(instance, factor, method):
    rules = replace(instance.rules, method=method)
    scaled = [
        replace(s, values={**s.values, "pupils": s.values["pupils"] * factor})
        for s in instance.schools
    ]
    assert allocate(scaled, rules).fte_by_school == allocate(instance.schools, rules).fte_by_school


@FAST
@given(
    instances(),
    st.integers(0, 8),
    st.integers(1, 500),
    st.sampled_from(["min-deviation", "sainte-lague"]),
)
def test_more_need_at_one_school_never_lowers_its_own_allocation(instance, pick, extra, method):
    rules = replace(instance.rules, method=method)
    target = instance.schools[pick % len(instance.schools)]
    assume(target.values["pupils"] is not None)
    grown = [
        replace(s, values={**s.values, "pupils": s.values["pupils"] + extra}) if s is target else s
        for s in instance.schools
    ]
    number = target.schulnummer
    before = allocate(instance.schools, rules).fte_by_school[number]
    assert allocate(grown, rules).fte_by_school[number] >= before


def test_random_permutations_of_a_large_instance_agree():
    rng = random.Random(5)
    schools = [
        SchoolInput(
            str(100000 + i), {"pupils": rng.choice([100, 200, 300]), "stage": rng.randint(1, 9)}
        )
        for i in range(500)
    ]
    rules = Rules(
        layers=(
            Layer(
                total_fte=90.0,
                base_fte=0.1,
                max_fte=0.5,
                criteria=(
                    Criterion(column="pupils"),
                    Criterion(
                        column="stage", transform="table", table=STAGE_TABLE, combine="multiply"
                    ),
                ),
            ),
        )
    )
    first = allocate(schools, rules)
    assert first.ties  # many equal schools: ties at the cut are flagged
    for _ in range(3):
        rng.shuffle(schools)
        assert allocate(schools, rules).fte_by_school == first.fte_by_school
