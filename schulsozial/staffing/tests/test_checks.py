"""The very-small-assignment rule, shared by the rule checks (on the plan
dict) and the plan page rows (selectors.plan_view, on the stored rows)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schulsozial.staffing.checks import SMALL_ASSIGNMENT_FTE, is_small_assignment, rule_checks


@pytest.mark.parametrize(
    ("fte", "pinned", "small"),
    [
        (Decimal("0.05"), False, True),
        (Decimal("0.2"), False, True),
        (SMALL_ASSIGNMENT_FTE, False, False),
        (Decimal("0.5"), False, False),
        (Decimal(0), False, False),
        (Decimal("0.05"), True, False),
    ],
)
def test_is_small_assignment(fte, pinned, small):
    assert is_small_assignment(fte, pinned=pinned) is small


def _problem(pinned=()):
    return {
        "staff": [{"id": "p1", "fte": "1"}],
        "schools": [{"id": "s1"}, {"id": "s2"}],
        "pinned": [{"staff": "p1", "school": s, "fte": "0.05"} for s in pinned],
    }


PLAN = {
    "assignments": [
        {"staff": "p1", "school": "s1", "fte": "0.05"},
        {"staff": "p1", "school": "s2", "fte": "0.5"},
    ]
}


def test_rule_checks_list_an_unpinned_small_assignment_as_a_hint():
    hints = [c for c in rule_checks(_problem(), PLAN) if c.hint]
    assert len(hints) == 1
    assert not hints[0].holds
    assert len(hints[0].details) == 1
    assert "p1" in hints[0].details[0] and "s1" in hints[0].details[0]


def test_rule_checks_give_no_hint_for_a_pinned_small_assignment():
    checks = rule_checks(_problem(pinned=["s1"]), PLAN)
    assert [c for c in checks if c.hint] == []
    # The pin is kept, so that rule holds too.
    assert all(c.holds for c in checks)
