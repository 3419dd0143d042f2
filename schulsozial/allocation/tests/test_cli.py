"""The command line: happy paths on real data and one clear message per kind of bad input."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from schulsozial.allocation.cli import EXIT_INFEASIBLE, EXIT_INVALID, main

from .helpers import EXAMPLES, REPO, data_file, herne_csv_text

RULES = """
total_fte = 2.0
granularity = 0.25
[[criteria]]
column = "pupils"
"""


def rules_with(top: str) -> str:
    """RULES with ``top`` added to the top-level table (before the criteria)."""
    return top + "\n" + RULES


SCHOOLS = "schulnummer,pupils,stage\n010001,100,3\n010002,300,\n"
TEST_DATA = Path(__file__).parent / "data"


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it: a fresh interpreter without Django settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    return subprocess.run(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "schulsozial.allocation", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run_main(tmp_path: Path, capsys, rules: str = RULES, schools: str = SCHOOLS, *extra: str):
    out = tmp_path / "result.csv"
    code = main(
        [
            "--schools",
            str(write(tmp_path, "schools.csv", schools)),
            "--rules",
            str(write(tmp_path, "rules.toml", rules)),
            "--out",
            str(out),
            *extra,
        ]
    )
    captured = capsys.readouterr()
    return code, captured, out


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_nrw_file_works_directly_with_explanation_and_sensitivity(tmp_path):
    schools = data_file("schulen_nrw.csv")
    out = tmp_path / "nrw.csv"
    done = run_module(
        "--schools",
        str(schools),
        "--rules",
        str(TEST_DATA / "nrw_rules.toml"),
        "--out",
        str(out),
        "--explain",
        "--sensitivity",
        "100",
    )
    assert done.returncode == 0, done.stderr
    assert "distributed 2000.00 FTE to 5407 schools" in done.stdout
    rows = read_rows(out)
    assert len(rows) == 5407
    with schools.open(encoding="utf-8") as handle:
        numbers = [row["schulnummer"] for row in csv.DictReader(handle)]
    assert [row["schulnummer"] for row in rows] == numbers
    assert sum(Decimal(row["fte"]) for row in rows) == Decimal("2000")
    assert {"contrib_pupils", "contrib_sozialindex", "bound", "p5_fte", "weight_sensitive"} <= set(
        rows[0]
    )
    berufskolleg = next(row for row in rows if row["value_sozialindex"] == "")
    assert berufskolleg["used_sozialindex"].endswith("(median)")


def test_herne_example_writes_the_documented_columns(tmp_path, capsys):
    code, captured, out = run_main(
        tmp_path,
        capsys,
        (EXAMPLES / "herne_rules.toml").read_text(encoding="utf-8"),
        herne_csv_text(),
        "--explain",
    )
    assert code == 0, captured.err
    rows = read_rows(out)
    assert len(rows) == 43
    first = rows[0]
    assert list(first)[:5] == ["schulnummer", "ideal_fte", "fte", "change", "money_eur"]
    for row in rows:
        parts = [Decimal(row["base_fte"]), Decimal(row["bound_fte"]), Decimal(row["rounding_fte"])]
        parts += [
            Decimal(row[f"contrib_{name}"]) for name in ("pupils", "sozialindex", "startchancen")
        ]
        assert sum(parts) == Decimal(row["fte"])


def test_two_layer_example_shows_each_layer(tmp_path, capsys):
    code, captured, out = run_main(
        tmp_path,
        capsys,
        (EXAMPLES / "two_layers_rules.toml").read_text(encoding="utf-8"),
        herne_csv_text(),
    )
    assert code == 0, captured.err
    assert "left over 7500.00 EUR" in captured.out
    rows = read_rows(out)
    for row in rows:
        assert Decimal(row["fte_land"]) + Decimal(row["fte_startchancen"]) == Decimal(row["fte"])


def test_output_to_stdout_and_current_fte_column(tmp_path, capsys):
    schools = "schulnummer,pupils,current_fte\n1,100,1.0\n2,100,\n"
    rules = rules_with("max_change = 0.25")
    out_code = main(
        [
            "--schools",
            str(write(tmp_path, "s.csv", schools)),
            "--rules",
            str(write(tmp_path, "r.toml", rules)),
            "--out",
            "-",
        ]
    )
    captured = capsys.readouterr()
    assert out_code == 0
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert rows[0]["change"] == "0.00"
    assert rows[1]["change"] == ""
    assert "distributed" in captured.err


def test_semicolon_csv_with_decimal_comma(tmp_path, capsys):
    schools = "schulnummer;pupils;fixed_fte\n1;100;0,5\n2;300;\n"
    code, captured, out = run_main(tmp_path, capsys, RULES, schools)
    assert code == 0, captured.err
    assert [row["fte"] for row in read_rows(out)] == ["0.50", "1.50"]


@pytest.mark.parametrize(
    ("rules", "schools", "code", "message"),
    [
        (RULES.replace('"pupils"', '"pupil"'), SCHOOLS, EXIT_INVALID, "unknown column 'pupil'"),
        (RULES + "weight = -1\n", SCHOOLS, EXIT_INVALID, "'weight' must be at least 0"),
        (RULES, "schulnummer,pupils\n1,nan\n2,3\n", EXIT_INVALID, "'nan' is not a number"),
        (RULES, "schulnummer,pupils\n1,abc\n", EXIT_INVALID, "'abc' is not a number"),
        (RULES, "schulnummer,pupils\n1,1\n1,2\n", EXIT_INVALID, "duplicate school numbers: 1"),
        (rules_with("min_fte = 1.5"), SCHOOLS, EXIT_INFEASIBLE, "minimums add up to 3.00 FTE"),
        (rules_with("max_fte = 0.5"), SCHOOLS, EXIT_INFEASIBLE, "maximums add up to 1.00 FTE"),
        ("total_fte = [", SCHOOLS, EXIT_INVALID, "not valid TOML"),
        (rules_with("colour = 1"), SCHOOLS, EXIT_INVALID, "unknown key 'colour'"),
        (RULES.replace("2.0", "2.1"), SCHOOLS, EXIT_INVALID, "not a multiple of the granularity"),
        (rules_with("max_change = 0.5"), SCHOOLS, EXIT_INVALID, "no 'current_fte' column"),
        (RULES, "pupils\n3\n", EXIT_INVALID, "no 'schulnummer' column"),
        (RULES, "schulnummer,pupils\n1,1,1\n", EXIT_INVALID, "line 2: 3 cells"),
    ],
)
def test_bad_input_exits_with_a_clear_message(tmp_path, capsys, rules, schools, code, message):
    exit_code, captured, out = run_main(tmp_path, capsys, rules, schools)
    assert exit_code == code
    assert message in captured.err
    assert captured.err.startswith("error: ")
    assert "Traceback" not in captured.err
    assert not out.exists()


def test_missing_files_are_reported_without_traceback(tmp_path):
    done = run_module(
        "--schools",
        str(tmp_path / "nope.csv"),
        "--rules",
        str(write(tmp_path, "r.toml", RULES)),
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert done.returncode == EXIT_INVALID
    assert done.stderr.startswith("error: cannot read")
    assert "Traceback" not in done.stderr
    done = run_module(
        "--schools", str(write(tmp_path, "s.csv", SCHOOLS)), "--rules", "nope.toml", "--out", "-"
    )
    assert done.returncode == EXIT_INVALID
    assert "cannot read the rules file" in done.stderr


def test_infeasible_rules_from_a_fresh_interpreter(tmp_path):
    done = run_module(
        "--schools",
        str(write(tmp_path, "s.csv", SCHOOLS)),
        "--rules",
        str(write(tmp_path, "r.toml", rules_with("min_fte = 1.5"))),
        "--out",
        str(tmp_path / "o.csv"),
    )
    assert done.returncode == EXIT_INFEASIBLE
    assert done.stderr == (
        "error: the rules cannot be met: the minimums add up to 3.00 FTE, more than the "
        "2.00 FTE to distribute. Schools with a lower bound: 2 schools with 1.50 FTE: "
        "min_fte (010001, 010002)\n"
    )
