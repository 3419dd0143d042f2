"""Staffing solver (issue 15): examples, continuity, messages and the command line (pure)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from schulsozial.staffing.cli import main
from schulsozial.staffing.engine import ConflictError, ProblemError, check_plan, solve
from schulsozial.staffing.engine.problem import fmt_fte, parse_problem

ROOT = Path(__file__).resolve().parents[3]


def example() -> dict[str, Any]:
    return {
        "step_fte": 0.05,
        "weights": {"deviation": 1.0, "change": 0.25},
        "rules": {"max_schools_full_time": 2, "max_schools_half_time": 1, "half_time_fte": 0.5},
        "schools": [
            {"id": "163214", "target_fte": 1.5, "carrier": "awo"},
            {"id": "170000", "target_fte": 0.5},
            {"id": "180000", "target_fte": 0.5, "carrier": "caritas"},
        ],
        "staff": [
            {
                "id": "HER-07",
                "fte": 1.0,
                "carrier": "awo",
                "current": [{"school": "163214", "fte": 0.5}],
            },
            {"id": "HER-12", "fte": 0.5, "carrier": "awo", "current": []},
            {"id": "HER-20", "fte": 1.0, "carrier": "caritas", "current": []},
        ],
        "pinned": [{"staff": "HER-07", "school": "163214", "fte": 0.5}],
        "forbidden": [{"staff": "HER-07", "school": "170000"}],
    }


def pairs(plan: dict[str, Any]) -> dict[tuple[str, str], float]:
    return {(a["staff"], a["school"]): a["fte"] for a in plan["assignments"]}


def test_example_plan_is_optimal_and_keeps_every_rule() -> None:
    plan = solve(example())
    assert plan["status"] == "optimal"
    assert check_plan(parse_problem(example()), plan) == []
    got = pairs(plan)
    assert got[("HER-07", "163214")] == 0.5  # pinned exactly
    assert ("HER-07", "170000") not in got  # forbidden
    assert ("HER-20", "163214") not in got  # other carrier
    # HER-12 (half time) at one school only; HER-20 (caritas) fills 180000 and 170000
    assert sum(1 for staff, _ in got if staff == "HER-12") == 1
    assert got[("HER-20", "180000")] == 0.5
    assert got[("HER-20", "170000")] == 0.5
    # 163214: 0,5 + 0,5 of 1,5 -> 0,5 open; three new pairs at 0,25 each
    assert plan["objective"] == pytest.approx(0.5 + 3 * 0.25)
    assert plan["bound"] == plan["objective"]
    assert plan["unfilled"] == [{"school": "163214", "fte": 0.5}]
    reasons = {(c["staff"], c["school"]): c for c in plan["changes"]}
    assert reasons[("HER-12", "163214")]["kind"] == "added"
    assert reasons[("HER-20", "180000")]["reason"] == "Schule bisher ohne Besetzung"


def test_unchanged_targets_met_by_current_assignments_change_nothing() -> None:
    problem: dict[str, Any] = {
        "step_fte": 0.05,
        "schools": [
            {"id": "A", "target_fte": 1.0},
            {"id": "B", "target_fte": 0.75},
            {"id": "C", "target_fte": 0.5},
        ],
        "staff": [
            {
                "id": "P1",
                "fte": 1.0,
                "current": [{"school": "A", "fte": 0.5}, {"school": "B", "fte": 0.5}],
            },
            {
                "id": "P2",
                "fte": 1.0,
                "current": [{"school": "A", "fte": 0.5}, {"school": "B", "fte": 0.25}],
            },
            {"id": "P3", "fte": 0.5, "current": [{"school": "C", "fte": 0.5}]},
            {"id": "P4", "fte": 1.0, "current": []},
        ],
    }
    plan = solve(problem)
    assert plan["changes"] == []
    assert plan["objective"] == 0
    current = {(p["id"], c["school"]): c["fte"] for p in problem["staff"] for c in p["current"]}
    assert pairs(plan) == current


def test_reasons_for_contract_end_falling_need_and_half_time_rule() -> None:
    problem: dict[str, Any] = {
        "step_fte": 0.05,
        "plan_start": "2026-08-01",
        "schools": [{"id": "A", "target_fte": 0.5}, {"id": "B", "target_fte": 1.0}],
        "staff": [
            {
                "id": "P1",
                "fte": 0.5,
                "contract_end": "2026-07-31",
                "current": [{"school": "B", "fte": 0.5}],
            },
            {
                "id": "HER-12",
                "fte": 0.5,
                "current": [{"school": "A", "fte": 0.25}, {"school": "B", "fte": 0.25}],
            },
            {"id": "P3", "fte": 1.0, "current": []},
        ],
    }
    plan = solve(problem)
    changes = {(c["staff"], c["school"]): c for c in plan["changes"]}
    assert changes[("P1", "B")] == {
        "staff": "P1",
        "school": "B",
        "kind": "removed",
        "reason": "Vertrag endet",
        "fte_before": 0.5,
        "fte_after": 0.0,
    }
    removed = [c for c in plan["changes"] if c["staff"] == "HER-12" and c["kind"] == "removed"]
    assert [c["reason"] for c in removed] == ["Regel: höchstens 1 Schule bei halber Stelle"]
    assert check_plan(parse_problem(problem), plan) == []


def conflict_messages(problem: dict[str, Any]) -> list[str]:
    with pytest.raises(ConflictError) as caught:
        solve(problem)
    return list(caught.value.messages)


def invalid_messages(problem: dict[str, Any]) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        solve(problem)
    return list(caught.value.messages)


def test_pins_above_the_school_count_rule() -> None:
    problem = example()
    problem["pinned"] = [
        {"staff": "HER-12", "school": "163214", "fte": 0.25},
        {"staff": "HER-12", "school": "170000", "fte": 0.25},
    ]
    (message,) = conflict_messages(problem)
    assert message.startswith(
        "HER-12 arbeitet mit 0,50 VZÄ und darf nur an einer Schule eingesetzt werden"
    )
    assert "163214, 170000" in message


def test_pins_above_a_persons_hours() -> None:
    problem = example()
    problem["pinned"] = [{"staff": "HER-12", "school": "163214", "fte": 0.75}]
    assert conflict_messages(problem) == [
        "Für HER-12 sind 0,75 VZÄ fest zugeordnet, die Person arbeitet aber nur mit 0,50 VZÄ."
    ]


def test_pin_at_a_school_of_another_carrier_and_pinned_and_forbidden() -> None:
    problem = example()
    problem["pinned"] = [
        {"staff": "HER-07", "school": "180000", "fte": 0.5},
        {"staff": "HER-07", "school": "170000", "fte": 0.5},
    ]
    messages = conflict_messages(problem)
    assert (
        "Feste Zuordnung HER-07 → 180000: Schule 180000 ist dem Träger caritas zugeordnet, "
        "HER-07 arbeitet beim Träger awo." in messages
    )
    assert "HER-07 ist an Schule 170000 zugleich fest zugeordnet und ausgeschlossen." in messages


def test_unknown_person_or_school_in_pins_and_bans() -> None:
    problem = example()
    problem["pinned"] = [{"staff": "HER-99", "school": "163214", "fte": 0.5}]
    problem["forbidden"] = [{"staff": "HER-07", "school": "999999"}]
    assert invalid_messages(problem) == [
        "Feste Zuordnung HER-99 → 163214: Person HER-99 ist nicht bekannt.",
        "Ausschluss HER-07 → 999999: Schule 999999 ist nicht bekannt.",
    ]


def test_figures_that_are_not_whole_steps_are_refused() -> None:
    problem = example()
    problem["staff"][1]["fte"] = 0.77
    problem["schools"][0]["target_fte"] = 1.53
    assert invalid_messages(problem) == [
        "Schule 163214: Zielwert 1,53 VZÄ ist kein Vielfaches der Schrittweite 0,05 VZÄ "
        "(Stunden müssen ganze Schritte sein).",
        "HER-12: Stellenumfang 0,77 VZÄ ist kein Vielfaches der Schrittweite 0,05 VZÄ "
        "(Stunden müssen ganze Schritte sein).",
    ]


def test_german_number_format() -> None:
    assert fmt_fte(0.5) == "0,50 VZÄ"
    assert fmt_fte(1234.5) == "1.234,50 VZÄ"
    assert fmt_fte(0.025) == "0,025 VZÄ"


def test_cli_writes_the_plan_and_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "problem.json"
    out = tmp_path / "plan.json"
    source.write_text(json.dumps(example()), encoding="utf-8")
    assert main(["--problem", str(source), "--out", str(out), "--time-limit", "10"]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert plan == solve(example()) | {"seconds": plan["seconds"]}

    bad = example()
    bad["pinned"] = [{"staff": "HER-12", "school": "163214", "fte": 0.75}]
    source.write_text(json.dumps(bad), encoding="utf-8")
    assert main(["--problem", str(source), "--out", str(tmp_path / "x.json")]) == 3
    assert "Für HER-12 sind 0,75 VZÄ fest zugeordnet" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()

    bad["pinned"] = [{"staff": "NIEMAND", "school": "163214", "fte": 0.5}]
    source.write_text(json.dumps(bad), encoding="utf-8")
    assert main(["--problem", str(source), "--out", str(tmp_path / "x.json")]) == 2
    assert "Person NIEMAND ist nicht bekannt" in capsys.readouterr().err

    source.write_text("{kein json", encoding="utf-8")
    assert main(["--problem", str(source), "--out", str(tmp_path / "x.json")]) == 2


def test_python_dash_m_runs_without_django(tmp_path: Path) -> None:
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(example()), encoding="utf-8")
    out = tmp_path / "plan.json"
    done = subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "schulsozial.staffing", "--problem", str(source), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Plan (optimal)" in done.stdout
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "optimal"


def test_reasons_pinned_and_rising_need() -> None:
    problem: dict[str, Any] = {
        "step_fte": 0.05,
        "schools": [{"id": "A", "target_fte": 1.5}, {"id": "B", "target_fte": 0.5}],
        "staff": [
            {"id": "P1", "fte": 1.0, "current": [{"school": "A", "fte": 0.5}]},
            {"id": "P2", "fte": 1.0, "current": [{"school": "A", "fte": 0.5}]},
            {"id": "P3", "fte": 0.5, "current": []},
        ],
        "pinned": [{"staff": "P3", "school": "B", "fte": 0.5}],
    }
    plan = solve(problem)
    changes = {(c["staff"], c["school"]): c for c in plan["changes"]}
    assert changes[("P3", "B")]["reason"] == "gepinnt"
    assert changes[("P3", "B")]["kind"] == "added"
    # A needs 1,5 and has 1,0 from P1 and P2: hours rise, no new person comes
    at_a = [c for c in plan["changes"] if c["school"] == "A"]
    assert at_a
    assert {(c["kind"], c["reason"]) for c in at_a} == {("changed", "Bedarf der Schule gestiegen")}
    assert sum(c["fte_after"] - c["fte_before"] for c in at_a) == 0.5
    assert plan["objective"] == 0.25  # only the pinned addition
    assert plan["unfilled"] == []


def test_empty_problems_and_progress_and_the_problem_object() -> None:
    only_school = solve({"step_fte": 0.05, "schools": [{"id": "A", "target_fte": 1.0}]})
    assert only_school["objective"] == 1.0
    assert only_school["unfilled"] == [{"school": "A", "fte": 1.0}]
    gone = solve(
        {
            "step_fte": 0.05,
            "staff": [{"id": "P", "fte": 1.0, "current": [{"school": "X", "fte": 0.5}]}],
        }
    )
    assert gone["changes"][0]["kind"] == "removed"
    assert gone["changes"][0]["reason"] == "Schule nicht mehr in der Verteilung"
    assert gone["objective"] == gone["bound"] == 0.25
    events: list[dict[str, Any]] = []
    plan = solve(parse_problem(example()), time_limit=5, progress=events.append)
    assert events[0]["phase"] == "start"
    assert events[-1] == {
        "phase": "done",
        "elapsed": events[-1]["elapsed"],
        "objective": plan["objective"],
        "bound": plan["bound"],
    }


def test_continuity_at_the_scale_of_a_kreis() -> None:
    """300 schools, 350 staff: targets equal to what last year's (valid) assignments give;
    the warm start's plan already costs nothing, so no search runs and nothing changes."""
    from decimal import Decimal

    from schulsozial.staffing.engine.synthetic import kreis

    problem = kreis(4)
    totals: dict[str, Decimal] = {}
    for person in problem["staff"]:
        person.pop("contract_end", None)
        limit = 2 if person["fte"] > 0.5 else 1
        keep, used = [], Decimal(0)
        for item in person["current"][:limit]:
            fte = Decimal(str(item["fte"]))
            if used + fte <= Decimal(str(person["fte"])):
                keep.append(item)
                used += fte
                totals[item["school"]] = totals.get(item["school"], Decimal(0)) + fte
        person["current"] = keep
    for school in problem["schools"]:
        school["target_fte"] = float(totals.get(school["id"], Decimal(0)))
    plan = solve(problem, time_limit=30)
    assert plan["status"] == "optimal"
    assert plan["objective"] == plan["bound"] == 0
    assert plan["changes"] == []
    assert plan["seconds"] < 20
    assert len(plan["assignments"]) == sum(len(p["current"]) for p in problem["staff"])


def test_fractional_hours_of_the_search_become_whole_steps_no_worse() -> None:
    """The search leaves the hours continuous (only the pairs are integer): a solution with
    fractional hours is re-solved for its pairs to whole steps of at least the same value."""
    import numpy as np

    from schulsozial.staffing.engine.model import _integral_steps, build_model

    problem = parse_problem(
        {
            "step_fte": 0.05,
            "schools": [{"id": "S1", "target_fte": 0.5}],
            "staff": [
                {"id": "P1", "fte": 0.5, "current": [{"school": "S1", "fte": 0.25}]},
                {"id": "P2", "fte": 0.5, "current": [{"school": "S1", "fte": 0.25}]},
            ],
        }
    )
    model = build_model(problem)
    values = np.zeros(model.num_cols)
    for k, hours in enumerate((4.4, 5.4)):  # 0.2 steps short of the target, not whole steps
        values[model.x_col(k)] = hours
        values[model.y_col(k)] = 1.0
    values[model.under_col(0)] = 0.2
    fractional = (float(model.costs @ values) + model.offset) * model.scale
    steps = _integral_steps(model, model.lower, model.upper, values)
    assert all(isinstance(v, int) for v in steps.values())
    assert sorted(steps) == [0, 1]
    assert sum(steps.values()) == 10
    assert model.value(steps) <= fractional + 1e-9  # rounding (4 + 5 steps) would be worse


def test_a_split_solve_reports_the_whole_plans_value_and_bound_while_it_runs() -> None:
    """Each part is solved on its own; the progress shows the whole plan so far (finished
    parts, the running part's best plan, last year's plan for the parts still to come) and a
    bound that holds for the whole problem, never only "part i of n"."""
    from schulsozial.staffing.engine.solve import split_problem
    from schulsozial.staffing.engine.synthetic import city

    problem = city(0, "short", open_share=0.0)
    assert len(split_problem(parse_problem(problem))) >= 3
    events: list[dict[str, Any]] = []
    plan = solve(problem, time_limit=60, progress=events.append)
    running = [e for e in events if e["phase"] in ("start", "search")]
    assert {e.get("parts") for e in running} == {len(split_problem(parse_problem(problem)))}
    assert all(e["objective"] is not None and e["bound"] is not None for e in running)
    assert all(e["bound"] <= e["objective"] + 1e-9 for e in running)
    # a bound that holds for the whole problem and a value that belongs to a whole plan
    assert all(e["bound"] <= plan["objective"] + 1e-9 for e in running)
    assert all(e["objective"] >= plan["objective"] - 1e-9 for e in running)
    assert running[-1]["objective"] == pytest.approx(plan["objective"])
    assert running[-1]["bound"] == pytest.approx(plan["bound"])
