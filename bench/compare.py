"""make bench-compare BASE=<commit>: the base commit and HEAD side by side in one run.

    python bench/compare.py [--base beb347d] [--quick] [--skip entry,queries,statistics,import]

Checks the base commit out into a git worktree (var/bench-base, removed afterwards) and runs,
for each side in its own tree with its own code and bench scripts (same database settings):
  (a) entry through form and API against gunicorn, 20 clients paced at 1 entry/s each, and the
      closed loop reported as throughput per core (bench/bench_entry.py), SQLite and PostgreSQL;
  (b) queries per request per demo persona and page (bench/query_counts.py; HEAD's script is
      used in the base tree when the base has none: it only uses URL names and load_demo);
  (c) the statistics reports (bench/bench_statistics.py);
  (d) the 1 million row activity import (bench/bench_activity_import.py).
Prints the machine (cores, `uptime` load before and after) and Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = ROOT / "var" / "bench-base"
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def sh(args: list[str], cwd: Path, timeout: float, env: dict[str, str] | None = None) -> str:
    """Output (stdout and stderr) of one bench script; a failure is reported, not raised."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            args,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        out = done.stdout + done.stderr
        if done.returncode:
            out += f"\n[exit {done.returncode}]"
    except subprocess.TimeoutExpired as error:
        out = f"{error.stdout or ''}\n[timed out after {timeout:.0f} s]"
    print(f"    {' '.join(args[1:])} in {cwd.name}: {time.monotonic() - started:.0f} s", flush=True)
    return out


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def entry(tree: Path, quick: bool) -> dict[str, dict[str, dict]]:
    """{database: {"paced form": {...}, "closed api": {...}}} from bench_entry.py's lines."""
    seconds = "5" if quick else "20"
    found: dict[str, dict[str, dict]] = {}
    for flag, db in (("--sqlite", "SQLite"), ("--postgres", "PostgreSQL")):
        out = sh(
            [PYTHON, "bench/bench_entry.py", flag, "--seconds", seconds],
            tree,
            timeout=1800,
        )
        for load, path, blob in re.findall(r"^\s+(closed|paced) (\S+): (\{.*\})$", out, re.M):
            found.setdefault(db, {})[f"{load} {path}"] = json.loads(blob)
        if db not in found:
            found[db] = {"error": {"tail": out.strip().splitlines()[-3:]}}
    return found


def queries(tree: Path) -> list[list]:
    script = tree / "bench" / "query_counts.py"
    if not script.exists():
        script = ROOT / "bench" / "query_counts.py"
    out = sh([PYTHON, str(script), "--json"], tree, timeout=1200)
    for line in reversed(out.splitlines()):
        if line.startswith("[["):
            return json.loads(line)
    return [["error", out.strip().splitlines()[-1] if out.strip() else "no output", None, None]]


def statistics(tree: Path, quick: bool) -> str:
    rows = ["--rows", "200000", "--year-rows", "100000"] if quick else []
    return sh([PYTHON, "bench/bench_statistics.py", *rows], tree, timeout=3600)


def activity_import(tree: Path, quick: bool) -> str:
    rows = ["--rows", "20000"] if quick else []
    return sh([PYTHON, "bench/bench_activity_import.py", *rows], tree, timeout=3600)


def report_lines(out: str) -> dict[str, str]:
    """The figure lines of a statistics or import run, keyed by their first words."""
    figures = {}
    for line in out.splitlines():
        if re.search(r"\d+(\.\d+)?\s*(ms|s)\b", line) and not line.startswith("    "):
            key = " ".join(line.split()[:2])
            figures.setdefault(key, line.strip())
    return figures


def fmt(m: dict | None, key: str) -> str:
    if not m or m.get(key) is None:
        return "–"
    return str(m[key])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="beb347d")
    parser.add_argument("--quick", action="store_true", help="fewer seconds and rows")
    parser.add_argument("--skip", default="", help="comma list of entry,queries,statistics,import")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    base = subprocess.run(
        ["git", "rev-parse", "--short", args.base], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    if WORKTREE.exists():
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(WORKTREE)], cwd=ROOT, check=False
        )
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(WORKTREE), base], cwd=ROOT, check=True
    )
    # The base tree uses the same virtualenv, node modules and compiled messages as HEAD.
    for shared in (".venv", "node_modules"):
        if not (WORKTREE / shared).exists():
            (WORKTREE / shared).symlink_to(ROOT / shared)
    subprocess.run([PYTHON, "scripts/compile_messages.py"], cwd=WORKTREE, check=False)
    (WORKTREE / "var").mkdir(exist_ok=True)
    trees = {f"base {base}": WORKTREE, f"HEAD {head}": ROOT}
    results: dict[str, dict] = {name: {} for name in trees}
    load_before = uptime()
    started = time.monotonic()
    try:
        for name, tree in trees.items():
            print(f"== {name} ({tree})", flush=True)
            if "entry" not in skip:
                results[name]["entry"] = entry(tree, args.quick)
            if "queries" not in skip:
                results[name]["queries"] = queries(tree)
            if "statistics" not in skip:
                results[name]["statistics"] = statistics(tree, args.quick)
            if "import" not in skip:
                results[name]["import"] = activity_import(tree, args.quick)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(WORKTREE)], cwd=ROOT, check=False
        )
    (ROOT / "var" / "bench-compare.json").write_text(json.dumps(results, indent=1))
    a, b = trees
    cores = os.cpu_count() or 1
    print(f"\n## bench-compare: {a} vs {b}{' (quick)' if args.quick else ''}\n")
    print(f"- machine: {cores} cores; {time.monotonic() - started:.0f} s in all")
    print(f"- uptime before: `{load_before}`")
    print(f"- uptime after:  `{uptime()}`\n")
    if "entry" not in skip:
        print("### Entry through form and API (20 clients, gunicorn)\n")
        print(
            f"| database | load, path | {a} p50 / p95 ms | {b} p50 / p95 ms | {a} entries/s per core | {b} entries/s per core | errors |"
        )
        print("|---|---|---|---|---|---|---|")
        for db in ("SQLite", "PostgreSQL"):
            keys = sorted(
                set(results[a]["entry"].get(db, {})) | set(results[b]["entry"].get(db, {}))
            )
            for key in keys:
                ma, mb = (
                    results[a]["entry"].get(db, {}).get(key),
                    results[b]["entry"].get(db, {}).get(key),
                )
                rate = ["–", "–"]
                for i, m in enumerate((ma, mb)):
                    if m and m.get("per_s") is not None and key.startswith("closed"):
                        rate[i] = f"{m['per_s'] / cores:.0f}"
                print(
                    f"| {db} | {key} | {fmt(ma, 'median_ms')} / {fmt(ma, 'p95_ms')} | "
                    f"{fmt(mb, 'median_ms')} / {fmt(mb, 'p95_ms')} | {rate[0]} | {rate[1]} | "
                    f"{fmt(ma, 'errors')} / {fmt(mb, 'errors')} |"
                )
        print("\nTarget: paced p95 < 100 ms on both databases; the closed loop is no target.\n")
    if "queries" not in skip:
        print("### Queries per request (demo database, Django test client)\n")
        print(f"| persona | page | {a} | {b} |")
        print("|---|---|---|---|")
        counts = {side: {(r[0], r[1]): r for r in results[side]["queries"]} for side in trees}
        for key in sorted(set(counts[a]) | set(counts[b])):
            cells = []
            for side in trees:
                r = counts[side].get(key)
                cells.append("–" if r is None or r[3] is None else f"{r[3]} ({r[2]})")
            print(f"| {key[0]} | {key[1]} | {cells[0]} | {cells[1]} |")
        print("\n(queries, with the HTTP status in brackets)\n")
    for part, title in (("statistics", "Statistics reports"), ("import", "Activity import")):
        if part in skip:
            continue
        print(f"### {title}\n")
        fa, fb = report_lines(results[a][part]), report_lines(results[b][part])
        print(f"| figure | {a} | {b} |")
        print("|---|---|---|")
        for key in list(dict.fromkeys([*fa, *fb])):
            cell_a = fa.get(key, "–").replace("|", "/")
            cell_b = fb.get(key, "–").replace("|", "/")
            print(f"| {key} | `{cell_a}` | `{cell_b}` |")
        print()
    print("Raw outputs: var/bench-compare.json")


if __name__ == "__main__":
    sys.exit(main())
