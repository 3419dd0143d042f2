"""make bench-compare BASE=<commit>: the base commit and HEAD side by side in one run.

    python bench/compare.py [--base beb347d] [--quick] [--skip entry,queries,statistics,import]

Checks the base commit out into a git worktree (var/bench-base, removed afterwards) and runs
each measurement in the base tree, then in HEAD, on the same machine and databases:
  (a) entry through form and API against gunicorn, 20 clients paced at 1 entry/s each, and the
      closed loop reported as throughput per core (bench/bench_entry.py), SQLite and PostgreSQL;
  (b) queries per request per demo persona and page (bench/query_counts.py);
  (c) the statistics reports of a synthetic Land (bench/bench_statistics.py), with a
      fingerprint of every table so that the two trees' reports can be compared;
  (d) the 1 million row activity import (bench/bench_activity_import.py).
HEAD's scripts for (a) to (c) are copied into the base tree, so both trees run the same
benchmark over their own application code; (d) runs each tree's own script, because the import
path itself changed (HEAD: a django-tasks background task run by db_worker; older trees: the
import in the calling process). PostgreSQL: BENCH_POSTGRES_URL (a database the scripts drop
and create; default schulsozial_bench). Prints the machine (cores, `uptime` before and after
each part) and Markdown tables; raw outputs go to var/bench-compare.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKTREE = ROOT / "var" / "bench-base"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG_URL = "postgres://postgres@127.0.0.1:5432/schulsozial_bench"
SHARED_SCRIPTS = (
    "bench_entry.py",
    "query_counts.py",
    "bench_statistics.py",
    "machine.py",
    "trees.py",
)
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def sh(args: list[str], cwd: Path, timeout: float) -> str:
    """Output (stdout and stderr) of one bench script; a failure is reported, not raised."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            args, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
        out = done.stdout + done.stderr
        if done.returncode:
            out += f"\n[exit {done.returncode}]"
    except subprocess.TimeoutExpired as error:
        out = f"{error.stdout or ''}\n[timed out after {timeout:.0f} s]"
    print(
        f"    {' '.join(args[1:])} in {cwd.name}: {time.monotonic() - started:.0f} s; {uptime()}",
        flush=True,
    )
    return out


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def tail(out: str) -> str:
    return " / ".join(out.strip().splitlines()[-3:])


def run_entry(tree: Path, args: argparse.Namespace) -> str:
    command = ["--seconds", "5" if args.quick else "20", "--load", args.entry_load]
    if args.quiet is not None:
        command += ["--quiet", str(args.quiet), "--wait", "300"]
    return "".join(
        f"\n### {db}\n" + sh([PYTHON, "bench/bench_entry.py", flag, *command], tree, 2400)
        for flag, db in (("--sqlite", "SQLite"), ("--postgres", "PostgreSQL"))
    )


def parse_entry(out: str) -> dict[str, dict]:
    """{database: {"paced form": {...}, "closed api": {...}}} from bench_entry.py's lines."""
    found: dict[str, dict] = {}
    for part in out.split("\n### ")[1:]:
        db, text = part.split("\n", 1)
        for load, path, blob in re.findall(r"^\s+(closed|paced) (\S+): (\{.*\})$", text, re.M):
            found.setdefault(db, {})[f"{load} {path}"] = json.loads(blob)
        if db not in found:
            found[db] = {"error": tail(text)}
    return found


def run_queries(tree: Path, args: argparse.Namespace) -> str:
    return sh([PYTHON, "bench/query_counts.py", "--json"], tree, 1200)


def parse_queries(out: str) -> list[list]:
    for line in reversed(out.splitlines()):
        if line.startswith("[["):
            return json.loads(line)
    return [["error", tail(out) or "no output", None, None]]


def run_statistics(tree: Path, args: argparse.Namespace) -> str:
    rows, year_rows = (200_000, 100_000) if args.quick else (args.rows, args.year_rows)
    command = ["--rows", str(rows), "--year-rows", str(year_rows)]
    return sh([PYTHON, "bench/bench_statistics.py", *command], tree, 5400)


def parse_statistics(out: str) -> dict[str, dict]:
    """{database: {report: {"ours_ms", "naive_ms", "tables"}}} from bench_statistics.py."""
    found: dict[str, dict] = {}
    db = None
    for line in out.splitlines():
        if m := re.match(r"^(sqlite|postgresql), ([\d,]+) rows:", line):
            db = DATABASES[m[1]]
            found[db] = {"rows": m[2]}
        elif db and (
            m := re.match(
                r"^(\w+)\s+([\d.]+)ms(?:\s+([\d.]+)ms\s+[\d.]+x\s+tables (\w+))?\s*$", line
            )
        ):
            found[db][m[1]] = {"ours_ms": float(m[2])}
            if m[3]:
                found[db][m[1]].update(naive_ms=float(m[3]), tables=m[4])
    if not found:
        found["error"] = {"tail": tail(out)}
    return found


def run_import(tree: Path, args: argparse.Namespace) -> str:
    rows = "20000" if args.quick else str(args.import_rows)
    return sh([PYTHON, "bench/bench_activity_import.py", "--rows", rows], tree, 3600)


def parse_import(out: str) -> dict[str, dict]:
    """{database: {"rows", "seconds", "sample_naive_s", "sample_ours_s", "preview_s"}}."""
    found: dict[str, dict] = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 7 and fields[0] in DATABASES and fields[1][0].isdigit():
            found.setdefault(DATABASES[fields[0]], {}).update(
                rows=fields[1],
                seconds=float(fields[2]),
                sample_naive_s=float(fields[5]),
                sample_ours_s=float(fields[6]),
            )
        elif m := re.match(r"^\s+(sqlite|postgresql): .*?preview ([\d.]+) s", line):
            found.setdefault(DATABASES[m[1]], {})["preview_s"] = float(m[2])
    if not found:
        found["error"] = {"tail": tail(out)}
    return found


PARTS = {
    "entry": (run_entry, parse_entry),
    "queries": (run_queries, parse_queries),
    "statistics": (run_statistics, parse_statistics),
    "import": (run_import, parse_import),
}


def cell(m: dict | None, key: str, unit: str = "") -> str:
    if not m or m.get(key) is None:
        return "–"
    return f"{m[key]}{unit}"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def prepare_base(base: str) -> None:
    if WORKTREE.exists():
        subprocess.run(["git", "worktree", "remove", "--force", str(WORKTREE)], cwd=ROOT)
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(WORKTREE), base], cwd=ROOT, check=True
    )
    # The base tree uses the same virtualenv and node modules as HEAD, and HEAD's scripts
    # for the measurements that did not change their path (see the docstring).
    for shared in (".venv", "node_modules"):
        if not (WORKTREE / shared).exists():
            (WORKTREE / shared).symlink_to(ROOT / shared)
    # The demo's data is looked up beside the tree (shared/ next to the project).
    beside = WORKTREE.parent / "shared"
    if not beside.exists() and (ROOT.parent / "shared").exists():
        beside.symlink_to(ROOT.parent / "shared")
    for script in SHARED_SCRIPTS:
        shutil.copy2(ROOT / "bench" / script, WORKTREE / "bench" / script)
    subprocess.run([PYTHON, "scripts/compile_messages.py"], cwd=WORKTREE, check=False)
    (WORKTREE / "var").mkdir(exist_ok=True)


def print_tables(results: dict[str, dict], skip: set[str], cores: int) -> None:
    a, b = results
    ra, rb = results[a], results[b]
    if "entry" not in skip:
        print("### Entry through form and API (20 clients, gunicorn, 3 sync workers)\n")
        print(
            f"| database | load, path | {a} p50 / p95 ms | {b} p50 / p95 ms | "
            "gunicorn CPU ms per entry | machine busy % | errors |"
        )
        print("|---|---|---|---|---|---|---|")
        for db in DATABASES.values():
            da, db_ = ra["entry"].get(db, {}), rb["entry"].get(db, {})
            for key in sorted(set(da) | set(db_)):
                ma, mb = da.get(key), db_.get(key)
                if not isinstance(ma, dict) or not isinstance(mb, dict):
                    print(f"| {db} | {key} | {ma} | {mb} | | | |")
                    continue
                print(
                    f"| {db} | {key} | {cell(ma, 'median_ms')} / {cell(ma, 'p95_ms')} | "
                    f"{cell(mb, 'median_ms')} / {cell(mb, 'p95_ms')} | "
                    f"{cell(ma, 'gunicorn_cpu_ms_per_entry')} / "
                    f"{cell(mb, 'gunicorn_cpu_ms_per_entry')} | "
                    f"{cell(ma, 'machine_cpu_pct')} / {cell(mb, 'machine_cpu_pct')} | "
                    f"{cell(ma, 'errors')} / {cell(mb, 'errors')} |"
                )
        print(
            "\nCPU, busy share and errors: base / HEAD. Machine busy counts every process "
            "(the benchmark's own and others' jobs)."
        )
        print("\nClosed loop as throughput (entries/s per core; no target):\n")
        print(f"| database | path | {a} | {b} |")
        print("|---|---|---|---|")
        for db in DATABASES.values():
            for path in ("form", "api"):
                rates = []
                for side in (ra, rb):
                    m = side["entry"].get(db, {}).get(f"closed {path}")
                    ok = isinstance(m, dict) and m.get("per_s") is not None
                    rates.append(f"{m['per_s'] / cores:.0f}" if ok else "–")
                print(f"| {db} | {path} | {rates[0]} | {rates[1]} |")
        print()
    if "queries" not in skip:
        print("### Queries per request (demo database, Django test client)\n")
        print(f"| persona | page | {a} | {b} |")
        print("|---|---|---|---|")
        counts = {side: {(r[0], r[1]): r for r in results[side]["queries"]} for side in results}
        for key in sorted(set(counts[a]) | set(counts[b]), key=lambda k: (str(k[0]), str(k[1]))):
            cells = []
            for side in results:
                r = counts[side].get(key)
                cells.append("–" if r is None or r[3] is None else f"{r[3]} ({r[2]})")
            print(f"| {key[0]} | {key[1]} | {cells[0]} | {cells[1]} |")
        print("\n(queries, with the HTTP status in brackets)\n")
    if "statistics" not in skip:
        print("### Statistics reports (rollups; ORM over the raw records as the naive approach)\n")
        print(f"| database | report | {a} ms | {b} ms | naive ms ({a} / {b}) | tables equal |")
        print("|---|---|---|---|---|---|")
        for db in DATABASES.values():
            sa, sb = ra["statistics"].get(db, {}), rb["statistics"].get(db, {})
            names = [k for k in dict.fromkeys([*sa, *sb]) if k != "rows"]
            for name in names:
                ma, mb = sa.get(name), sb.get(name)
                same = "–"
                if ma and mb and ma.get("tables"):
                    same = "yes" if ma["tables"] == mb.get("tables") else "NO"
                print(
                    f"| {db} | {name} | {cell(ma, 'ours_ms')} | {cell(mb, 'ours_ms')} | "
                    f"{cell(ma, 'naive_ms')} / {cell(mb, 'naive_ms')} | {same} |"
                )
        print()
    if "import" not in skip:
        print("### Activity import (carrier file through the import code)\n")
        print(
            f"| database | rows | {a} s | {b} s | {b} preview s | "
            f"5,000-row sample per-row / bulk s ({a}; {b}) |"
        )
        print("|---|---|---|---|---|---|")
        for db in DATABASES.values():
            ma, mb = ra["import"].get(db), rb["import"].get(db)
            print(
                f"| {db} | {cell(ma or mb, 'rows')} | {cell(ma, 'seconds')} | "
                f"{cell(mb, 'seconds')} | {cell(mb, 'preview_s')} | "
                f"{cell(ma, 'sample_naive_s')} / {cell(ma, 'sample_ours_s')}; "
                f"{cell(mb, 'sample_naive_s')} / {cell(mb, 'sample_ours_s')} |"
            )
        for side, r in results.items():
            if "error" in r["import"]:
                print(f"\n{side}: {r['import']['error']}")
        print(
            f"\n{a}: the import in the calling process (the management command's path); "
            f"{b}: from the confirmation (the task enqueued) until db_worker has committed it; "
            "the preview (check only) runs before, in the upload request.\n"
        )


def render(raw: dict[str, dict], skip: set[str], quick: bool, seconds: float) -> None:
    """Print the report of raw outputs ({side: {"load": [...], part: output}})."""
    results = {
        side: {part: PARTS[part][1](out) for part, out in r.items() if part in PARTS}
        for side, r in raw.items()
    }
    skip = skip | {part for part in PARTS if any(part not in r for r in results.values())}
    cores = os.cpu_count() or 1
    a, b = raw
    print(f"\n## bench-compare: {a} vs {b}{' (quick)' if quick else ''}\n")
    print(f"- machine: {cores} cores; {seconds:.0f} s in all")
    for name, r in raw.items():
        for line in r["load"]:
            print(f"- {name}, {line}")
    print()
    print_tables(results, skip, cores)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="beb347d")
    parser.add_argument("--quick", action="store_true", help="fewer seconds and rows")
    parser.add_argument("--skip", default="", help="comma list of entry,queries,statistics,import")
    parser.add_argument("--rows", type=int, default=10_000_000, help="statistics: records")
    parser.add_argument(
        "--year-rows", type=int, default=0, help="statistics: records in the measured year"
    )
    parser.add_argument("--import-rows", type=int, default=1_000_000)
    parser.add_argument("--entry-load", choices=["closed", "paced", "both"], default="both")
    parser.add_argument(
        "--quiet",
        type=float,
        help="entry: wait (up to 300 s) until the machine is at most this busy (percent)",
    )
    parser.add_argument(
        "--render", type=Path, help="print the report of a saved var/bench-compare.json only"
    )
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    if args.render:
        render(json.loads(args.render.read_text()), skip, args.quick, 0)
        return
    os.environ.setdefault("BENCH_POSTGRES_URL", PG_URL)
    base, head = git("rev-parse", "--short", args.base), git("rev-parse", "--short", "HEAD")
    prepare_base(base)
    trees = {f"base {base}": WORKTREE, f"HEAD {head}": ROOT}
    raw: dict[str, dict] = {name: {"load": [f"before: {uptime()}"]} for name in trees}
    started = time.monotonic()
    saved = ROOT / "var" / "bench-compare.json"
    try:
        # Part by part, base then HEAD, so that both sides of a figure run close in time.
        for part in (p for p in PARTS if p not in skip):
            for name, tree in trees.items():
                print(f"== {part}: {name} ({tree})", flush=True)
                raw[name][part] = PARTS[part][0](tree, args)
                raw[name]["load"].append(f"after {part}: {uptime()}")
                saved.write_text(json.dumps(raw, indent=1))
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(WORKTREE)], cwd=ROOT)
    render(raw, skip, args.quick, time.monotonic() - started)
    print(f"Raw outputs: {saved.relative_to(ROOT)} (--render it again)")


if __name__ == "__main__":
    sys.exit(main())
