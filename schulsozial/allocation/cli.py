"""Command line: ``python -m schulsozial.allocation --schools S.csv --rules R.toml --out R.csv``.

Needs no database and no Django settings. Exit codes: 0 done, 1 unexpected problem (a bug),
2 invalid input (file, column, key, number), 3 rules that cannot be met (bounds, continuity,
total). Errors go to stderr as one plain message, never as a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from .engine import (
    AllocationError,
    AllocationResult,
    RulesError,
    SensitivityResult,
    allocate,
    load_rules_toml,
    read_schools_csv,
    sensitivity,
)

__all__ = ["main", "result_rows"]

EXIT_BUG = 1
EXIT_INVALID = 2
EXIT_INFEASIBLE = 3


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:.6g}"


def _decimal(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def result_rows(
    result: AllocationResult,
    *,
    explain: bool = False,
    spread: SensitivityResult | None = None,
) -> tuple[list[str], list[list[str]]]:
    """Header and rows of RESULT.csv (one row per school, in input order)."""
    layered = len(result.layers) > 1
    header = ["schulnummer", "ideal_fte", "fte", "change"]
    if result.cost_per_fte_eur is not None:
        header.append("money_eur")
    if layered:
        header += [f"fte_{layer.name}" for layer in result.layers]
    schools = result.schools
    if explain:
        for position, layer in enumerate(result.layers):
            prefix = f"{layer.name}." if layered else ""
            names = [c.name for c in _first_criteria(result, position)]
            header += [f"{prefix}base_fte"]
            for name in names:
                header += [
                    f"{prefix}value_{name}",
                    f"{prefix}used_{name}",
                    f"{prefix}contrib_{name}",
                ]
            if layer.even_split:
                header.append(f"{prefix}even_split_fte")
            header += [
                f"{prefix}bound",
                f"{prefix}bound_fte",
                f"{prefix}bound_detail",
                f"{prefix}rounding_fte",
                f"{prefix}tie",
            ]
    if spread is not None:
        header += ["p5_fte", "p50_fte", "p95_fte", "weight_sensitive"]
    rows: list[list[str]] = []
    for index, school in enumerate(schools):
        row = [
            school.schulnummer,
            _decimal(school.ideal_fte),
            _decimal(school.fte),
            _decimal(school.change_fte),
        ]
        if result.cost_per_fte_eur is not None:
            row.append(_decimal(school.money_eur))
        if layered:
            row += [_decimal(part.fte) for part in school.layers]
        if explain:
            for position, layer in enumerate(result.layers):
                part = school.layers[position]
                count = len(_first_criteria(result, position))
                if not part.eligible:
                    row += ["not eligible"] + [""] * (3 * count)
                    row += [""] if layer.even_split else []
                    row += ["", "", "", "", ""]
                    continue
                row.append(_decimal(part.base_fte))
                for criterion in part.criteria:
                    used = _number(criterion.value) if criterion.value is not None else "left out"
                    if criterion.missing is not None and criterion.value is not None:
                        used += f" ({criterion.missing})"
                    row += [criterion.raw_value or "", used, _decimal(criterion.contribution_fte)]
                if layer.even_split:
                    row.append(_decimal(part.even_split_fte))
                row += [
                    part.bound or "",
                    _decimal(part.bound_fte),
                    part.bound_detail or "",
                    _decimal(part.rounding_fte),
                    "1" if part.tie else "0",
                ]
        if spread is not None:
            row += [
                f"{spread.p5[index]:.2f}",
                f"{spread.p50[index]:.2f}",
                f"{spread.p95[index]:.2f}",
                "1" if spread.flagged[index] else "0",
            ]
        rows.append(row)
    return header, rows


def _first_criteria(result: AllocationResult, position: int) -> tuple:
    for school in result.schools:
        if school.layers[position].eligible:
            return school.layers[position].criteria
    return ()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m schulsozial.allocation",
        description="Distribute FTE of school social work to schools by transparent rules "
        "(docs/distribution.md).",
    )
    parser.add_argument("--schools", required=True, type=Path, help="SCHOOLS.csv")
    parser.add_argument("--rules", required=True, type=Path, help="RULES.toml")
    parser.add_argument("--out", required=True, help="RESULT.csv, or - for standard output")
    parser.add_argument("--explain", action="store_true", help="add the explanation columns")
    parser.add_argument(
        "--sensitivity",
        type=int,
        metavar="N",
        help="add percentiles over N Monte Carlo samples of the weights",
    )
    parser.add_argument("--spread", type=float, help="± share each weight varies (default 0.2)")
    parser.add_argument("--seed", type=int, help="random seed of the sensitivity run")
    parser.add_argument(
        "--flag-steps",
        type=int,
        help="flag schools whose p95 - p5 is at least this many granularity steps (default 2)",
    )
    return parser


def _run(args: argparse.Namespace) -> str:
    try:
        text = args.rules.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError(f"cannot read the rules file {args.rules}: {error}") from None
    rules = load_rules_toml(text)
    schools = read_schools_csv(args.schools, rules)
    result = allocate(schools, rules)
    spread = None
    if args.sensitivity is not None:
        spread = sensitivity(
            schools,
            rules,
            samples=args.sensitivity,
            spread=args.spread,
            seed=args.seed,
            flag_steps=args.flag_steps,
        )
    header, rows = result_rows(result, explain=args.explain, spread=spread)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.out == "-":
        sys.stdout.write(buffer.getvalue())
    else:
        try:
            Path(args.out).write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as error:
            raise RulesError(f"cannot write {args.out}: {error.strerror or error}") from None
    lines = [
        f"distributed {result.total_fte} FTE to {len(result.schulnummern)} schools"
        + (f" -> {args.out}" if args.out != "-" else "")
    ]
    for layer in result.layers:
        line = (
            f"  layer {layer.name}: {layer.total_fte} FTE over {layer.eligible_schools} "
            f"schools ({layer.method})"
        )
        if layer.leftover_eur is not None:
            line += f"; budget {layer.budget_eur} EUR, left over {layer.leftover_eur} EUR"
        if layer.even_split:
            line += "; need could not absorb the total: rest spread evenly (see docs)"
        lines.append(line)
    if result.ties:
        lines.append("  ties broken by school number: " + ", ".join(result.ties))
    if spread is not None:
        flagged = spread.flagged_schools
        lines.append(
            f"  sensitivity: {spread.samples} samples, weights ±{spread.spread:.0%}; "
            f"{len(flagged)} schools depend strongly on the weights"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        summary = _run(args)
    except RulesError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_INVALID
    except AllocationError as error:
        sys.stderr.write(f"error: the rules cannot be met: {error}\n")
        return EXIT_INFEASIBLE
    except Exception as error:  # a bug: still one line for the user, not a traceback
        sys.stderr.write(
            f"error: unexpected problem, please report it with the input files: "
            f"{type(error).__name__}: {error}\n"
        )
        return EXIT_BUG
    (sys.stderr if args.out == "-" else sys.stdout).write(summary)
    return 0
