"""The Entfristung figures and the continuity indicators against hand
computations (pure engine, no database)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from schulsozial.contracts import engine

D = datetime.date
Q = Decimal

ROWS = [
    engine.ContractRow(1, "Träger A", "Land", D(2020, 8, 1), None, Q("1.0")),
    engine.ContractRow(2, "Träger A", "Land", D(2020, 8, 1), D(2023, 7, 31), Q("0.5")),
    engine.ContractRow(3, "Träger B", "Kommune", D(2022, 8, 1), D(2026, 7, 31), Q("0.5")),
    engine.ContractRow(4, "Träger B", "Kommune", D(2021, 8, 1), D(2021, 12, 31), Q("0.75")),
]


def test_fixed_term_shares_per_school_year_equal_the_hand_computation():
    shares = engine.shares(ROWS, [2020, 2021, 2022, 2023])
    got = [
        (s.year, s.fte, s.fixed_fte, s.fte_percent, s.persons, s.fixed_persons, s.persons_percent)
        for s in shares
    ]
    assert got == [
        (2020, Q("1.5"), Q("0.5"), Q("33.3"), 2, 1, Q("50.0")),
        (2021, Q("2.25"), Q("1.25"), Q("55.6"), 3, 2, Q("66.7")),
        (2022, Q("2.0"), Q("1.0"), Q("50.0"), 3, 2, Q("66.7")),
        (2023, Q("1.5"), Q("0.5"), Q("33.3"), 2, 1, Q("50.0")),
    ]


def test_a_contract_made_permanent_counts_as_fixed_term_in_the_years_before():
    # Fixed-term until 14.08.2023, made permanent on 16.05.2023 (an Entfristung),
    # after a first extension agreed on 01.06.2022 (14.08.2022 -> 14.08.2023).
    row = engine.ContractRow(
        1,
        "Träger A",
        "Land",
        D(2021, 8, 14),
        None,
        Q("1.0"),
        earlier_ends=((D(2022, 6, 1), D(2022, 8, 14)), (D(2023, 5, 16), D(2023, 8, 14))),
    )
    assert row.end_on(D(2021, 10, 15)) == D(2022, 8, 14)
    assert row.end_on(D(2022, 10, 15)) == D(2023, 8, 14)
    assert row.end_on(D(2023, 10, 15)) is None
    shares = engine.shares([row], [2021, 2022, 2023])
    assert [(s.year, s.fixed_fte, s.fixed_persons) for s in shares] == [
        (2021, Q("1.0"), 1),
        (2022, Q("1.0"), 1),
        (2023, Q(0), 0),
    ]


def test_shares_per_carrier_split_the_same_contracts():
    shares = engine.shares(ROWS, [2022], lambda r: r.carrier)
    assert [(s.group, s.fte, s.fixed_fte) for s in shares] == [
        ("Träger A", Q("1.5"), Q("0.5")),
        ("Träger B", Q("0.5"), Q("0.5")),
    ]


def test_the_path_spreads_the_excess_over_the_years_to_the_target():
    path = engine.path_to_target(
        fixed_fte=Q("1.0"),
        total_fte=Q("2.0"),
        target_percent=Q("10"),
        first_year=2027,
        target_year=2029,
    )
    assert [(p.year, p.make_permanent_fte, p.fixed_fte_after, p.share_after) for p in path] == [
        (2027, Q("0.27"), Q("0.73"), Q("36.5")),
        (2028, Q("0.27"), Q("0.46"), Q("23.0")),
        (2029, Q("0.26"), Q("0.20"), Q("10.0")),
    ]


def test_a_share_already_below_the_target_needs_nothing():
    path = engine.path_to_target(
        fixed_fte=Q("0.1"),
        total_fte=Q("2.0"),
        target_percent=Q("10"),
        first_year=2027,
        target_year=2027,
    )
    assert [(p.make_permanent_fte, p.fixed_fte_after) for p in path] == [(Q("0"), Q("0.1"))]


def test_continuity_counts_workers_vacancy_days_and_the_current_assignment():
    stints = [
        engine.Stint(7, 1, D(2023, 8, 1), D(2025, 1, 31)),
        engine.Stint(7, 2, D(2025, 3, 1), D(2025, 12, 31)),
        engine.Stint(7, 3, D(2026, 2, 1), None),
        engine.Stint(8, 9, D(2020, 8, 1), None),  # another school
    ]
    years = [
        (D(2024, 8, 1), D(2025, 7, 31)),
        (D(2025, 8, 1), D(2026, 7, 31)),
        (D(2026, 8, 1), D(2027, 7, 31)),
    ]
    found = engine.continuity(
        school=7,
        stints=stints,
        target_spans=years,
        window=(D(2024, 8, 1), D(2027, 3, 1)),
        today=D(2027, 3, 1),
        threshold=3,
    )
    assert found.workers == 3
    assert found.vacancy_days == 28 + 31  # February 2025 and January 2026
    assert found.current_since == D(2026, 2, 1)
    assert found.current_days == 394
    assert found.flagged
    assert not engine.continuity(
        school=7,
        stints=stints,
        target_spans=years,
        window=(D(2024, 8, 1), D(2027, 3, 1)),
        today=D(2027, 3, 1),
        threshold=4,
    ).flagged


def test_three_workers_side_by_side_all_along_are_no_frequent_change():
    window = (D(2024, 8, 1), D(2027, 3, 1))
    together = [engine.Stint(7, w, D(2020, 8, 1), None) for w in (1, 2, 3)]
    found = engine.continuity(
        school=7, stints=together, target_spans=[], window=window, today=window[1], threshold=3
    )
    assert (found.workers, found.places, found.flagged) == (3, 3, False)
    # Two places, and one of them changed hands twice: 4 people, flagged.
    changing = [
        engine.Stint(7, 1, D(2020, 8, 1), None),
        engine.Stint(7, 2, D(2020, 8, 1), D(2025, 1, 31)),
        engine.Stint(7, 3, D(2025, 2, 1), D(2025, 12, 31)),
        engine.Stint(7, 4, D(2026, 1, 1), None),
    ]
    found = engine.continuity(
        school=7, stints=changing, target_spans=[], window=window, today=window[1], threshold=3
    )
    assert (found.workers, found.places, found.flagged) == (4, 2, True)


def test_a_worker_back_after_a_break_counts_from_the_return_and_no_target_no_vacancy():
    stints = [
        engine.Stint(7, 1, D(2024, 8, 1), D(2025, 1, 31)),
        engine.Stint(7, 1, D(2025, 2, 1), D(2025, 5, 31)),  # seamless: same stretch
        engine.Stint(7, 1, D(2025, 9, 1), None),  # after a break
    ]
    found = engine.continuity(
        school=7,
        stints=stints,
        target_spans=[],
        window=(D(2024, 8, 1), D(2026, 1, 1)),
        today=D(2026, 1, 1),
        threshold=3,
    )
    assert (found.workers, found.vacancy_days, found.current_since) == (1, 0, D(2025, 9, 1))


def test_the_timeline_draws_a_contract_made_permanent_orange_until_its_earlier_end():
    from schulsozial.contracts import timeline

    bar = timeline.Bar(D(2021, 8, 14), None, False, "14.08.2021 – offen", (D(2023, 8, 14),))
    svg = str(
        timeline.timeline(
            [timeline.Row("Fachkraft HER-25", [bar])],
            title="Verträge",
            today=D(2026, 12, 7),
            fixed_label="befristet",
            permanent_label="unbefristet",
            today_label="heute",
        )
    )
    bars = [part for part in svg.split("<rect")[1:] if "<title>Fachkraft HER-25" in part]
    assert [f'fill="{timeline.FIXED}"' in b for b in bars] == [True, False]
    assert f'fill="{timeline.PERMANENT}"' in bars[1]
