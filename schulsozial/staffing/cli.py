"""Command line: ``python -m schulsozial.staffing --problem P.json --out PLAN.json``.

Needs no database and no Django settings. Exit codes: 0 plan written, 1 unexpected problem
(a bug), 2 invalid input (file, field, unknown person or school, figures not in whole steps),
3 pins or bans that no plan can keep. Messages are German, one line per problem, on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .engine import ConflictError, ProblemError, fmt_fte, solve
from .engine.problem import fmt_number

__all__ = ["main"]

EXIT_BUG = 1
EXIT_INVALID = 2
EXIT_CONFLICT = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m schulsozial.staffing",
        description="Stellenplan: Fachkräfte den Schulen zuordnen (issue 15).",
    )
    parser.add_argument("--problem", required=True, type=Path, help="PROBLEM.json")
    parser.add_argument("--out", required=True, help="PLAN.json, oder - für die Standardausgabe")
    parser.add_argument(
        "--time-limit", type=float, default=None, help="Zeitlimit in Sekunden (Standard: keins)"
    )
    return parser


def _summary(plan: dict[str, Any], out: str) -> str:
    status = "optimal" if plan["status"] == "optimal" else "Zeitlimit erreicht"
    added = sum(1 for c in plan["changes"] if c["kind"] == "added")
    removed = sum(1 for c in plan["changes"] if c["kind"] == "removed")
    changed = sum(1 for c in plan["changes"] if c["kind"] == "changed")
    unfilled = sum(item["fte"] for item in plan["unfilled"])
    lines = [
        f"Plan ({status}): {len(plan['assignments'])} Zuordnungen"
        + (f" -> {out}" if out != "-" else ""),
        f"  Zielfunktion {fmt_number(plan['objective'], 4)}, Schranke "
        f"{fmt_number(plan['bound'], 4)}",
        f"  Änderungen: {added} neu, {removed} entfallen, {changed} geändert; "
        f"offener Bedarf {fmt_fte(round(unfilled, 4))} an {len(plan['unfilled'])} "
        + ("Schule" if len(plan["unfilled"]) == 1 else "Schulen"),
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        try:
            data = json.loads(args.problem.read_text(encoding="utf-8"))
        except OSError as error:
            raise ProblemError(
                [f"Datei {args.problem} kann nicht gelesen werden: {error.strerror or error}"]
            ) from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ProblemError([f"Datei {args.problem} ist kein gültiges JSON: {error}"]) from None
        if args.time_limit is not None and args.time_limit <= 0:
            raise ProblemError(["Das Zeitlimit muss größer als 0 Sekunden sein."])
        plan = solve(data, time_limit=args.time_limit)
        text = json.dumps(plan, ensure_ascii=False, indent=2) + "\n"
        if args.out == "-":
            sys.stdout.write(text)
        else:
            try:
                Path(args.out).write_text(text, encoding="utf-8")
            except OSError as error:
                raise ProblemError(
                    [f"Datei {args.out} kann nicht geschrieben werden: {error.strerror or error}"]
                ) from None
    except ProblemError as error:
        for message in error.messages:
            sys.stderr.write(f"Fehler: {message}\n")
        return EXIT_INVALID
    except ConflictError as error:
        sys.stderr.write("Fehler: Die festen Zuordnungen lassen sich nicht einhalten:\n")
        for message in error.messages:
            sys.stderr.write(f"  {message}\n")
        return EXIT_CONFLICT
    except Exception as error:  # a bug: still one line for the user, not a traceback
        sys.stderr.write(
            f"Fehler: unerwartetes Problem, bitte mit der Eingabedatei melden: "
            f"{type(error).__name__}: {error}\n"
        )
        return EXIT_BUG
    (sys.stderr if args.out == "-" else sys.stdout).write(_summary(plan, args.out))
    return 0
