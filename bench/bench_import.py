"""Benchmark: importing all 5,407 NRW schools, our bulk upsert against a
straightforward per-row ORM upsert (update_or_create), side by side in one
run, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_import.py            # both databases
    .venv/bin/python bench/bench_import.py --sqlite   # SQLite only

Each measurement runs in a fresh database created for the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NRW = ROOT.parent / "shared" / "data" / "schulen_nrw.csv"
PG_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/schulsozial_bench"
)


def child(mode: str) -> dict[str, float]:
    """Runs inside a subprocess with DATABASE_URL set to an empty database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from trees import platform_actor

    from schulsozial.masterdata.importing import _school_values, import_schools, school_type_for  # noqa: F401
    from schulsozial.masterdata.models import Municipality, School, SchoolYear, SchoolYearFigures
    from schulsozial.masterdata.school_file import parse_school_file

    ACTOR = platform_actor()  # noqa: N806
    call_command("migrate", verbosity=0)
    data = NRW.read_bytes()
    result: dict[str, float] = {}
    if mode == "ours":
        started = time.perf_counter()
        report = import_schools(
            data=data, filename="schulen_nrw.csv", municipality=None, by=ACTOR, dry_run=False
        )
        result["first"] = time.perf_counter() - started
        assert report.ok, report.summary()
        assert report.created == 5407, report.summary()
        started = time.perf_counter()
        report = import_schools(
            data=data, filename="schulen_nrw.csv", municipality=None, by=ACTOR, dry_run=False
        )
        result["again"] = time.perf_counter() - started
        assert report.unchanged == 5407
    else:

        def naive() -> None:
            parsed = parse_school_file(data, filename="schulen_nrw.csv")
            with transaction.atomic():
                for record in parsed.records:
                    municipality, _ = Municipality.objects.get_or_create(
                        ags=record.ags, defaults={"name": record.municipality_name or record.ags}
                    )
                    school, _ = School.objects.update_or_create(
                        school_number=record.school_number,
                        defaults={"municipality": municipality, **_school_values(record)},
                    )
                    for code, values in (
                        (record.pupils_year, {"pupils": record.pupils}),
                        (
                            record.index_year,
                            {
                                "social_index": record.social_index,
                                "startchancen": record.startchancen,
                            },
                        ),
                    ):
                        if not code:
                            continue
                        year, _ = SchoolYear.objects.get_or_create(
                            code=code,
                            defaults=dict(
                                zip(
                                    ("start", "end"),
                                    SchoolYear.bounds_for(int(code[:4]))[1:],
                                    strict=True,
                                )
                            ),
                        )
                        SchoolYearFigures.objects.update_or_create(
                            school=school, school_year=year, defaults=values
                        )

        started = time.perf_counter()
        naive()
        result["first"] = time.perf_counter() - started
        started = time.perf_counter()
        naive()
        result["again"] = time.perf_counter() - started
        assert School.objects.count() == 5407
    return result


def run(database_url: str, mode: str) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": database_url, "SCHULSOZIAL_TESTING": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_postgres() -> str:
    base, name = PG_URL.rsplit("/", 1)
    admin = base + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)
    return PG_URL


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    if not NRW.exists():
        sys.exit(f"missing {NRW}")
    rows = []
    backends = ["sqlite"] if args.sqlite else ["sqlite", "postgresql"]
    for backend in backends:
        figures = {}
        for mode in ("ours", "naive"):
            if backend == "sqlite":
                with tempfile.TemporaryDirectory() as folder:
                    figures[mode] = run(f"sqlite:///{folder}/bench.sqlite3", mode)
            else:
                figures[mode] = run(fresh_postgres(), mode)
        for phase in ("first", "again"):
            ours, naive = figures["ours"][phase], figures["naive"][phase]
            rows.append((backend, phase, ours, naive, naive / ours))
    print(f"{'database':<11} {'run':<6} {'bulk upsert':>12} {'per-row ORM':>12} {'ratio':>7}")
    for backend, phase, ours, naive, ratio in rows:
        print(f"{backend:<11} {phase:<6} {ours:>11.2f}s {naive:>11.2f}s {ratio:>6.1f}x")


if __name__ == "__main__":
    main()
