"""Benchmark: adding queued records to the rollups (rollups.catch_up, what
``manage.py rollup_worker`` and every report run) against adding them one
by one as entries did before the queue (one ``apply_facts`` per record,
five upserts), side by side in one run, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_catch_up.py                  # 200,000 records, both databases
    .venv/bin/python bench/bench_catch_up.py --rows 50000 --sqlite

The records are realistic, unlike the entry benchmark's (20 workers at 20
schools on one day, whose cells collapse): the import benchmark's carrier,
80 schools, 120 social workers, five school years, topics, partners and
case codes, imported through the bulk path. Then the rollups are emptied,
every record is queued, and `catch_up()` adds them all; the result must
equal the cells the import wrote. The per-record path runs on the first
`--sample` records (facts read beforehand, not timed), in one transaction,
rolled back. Both report wall time and CPU per record, PostgreSQL's server
process included.
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

import bench_activity_import as base  # noqa: E402  (bench/ is the script folder)
from machine import cpu_model  # noqa: E402

PG_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ss_bench_catch_up"
)


class _UndoError(Exception):
    pass


def child(csv: str, rows: int, sample: int) -> dict[str, object]:
    """Runs in a subprocess with DATABASE_URL set to an empty database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, transaction

    from schulsozial.accounts.models import User
    from schulsozial.activities.importing import import_activities
    from schulsozial.activities.management.commands.import_activities import (
        COMMAND_MAX_BYTES,
        COMMAND_MAX_ROWS,
    )
    from schulsozial.activities.models import Activity
    from schulsozial.statistics import rollups
    from schulsozial.statistics.models import ROLLUP_MODELS, PendingRollup

    users = base._setup()
    manager = User.objects.get(pk=users["manager"])
    with open(csv, "rb") as handle:
        report = import_activities(
            data=handle, filename="traeger.csv", by=manager, dry_run=False,
            max_bytes=COMMAND_MAX_BYTES, max_rows=COMMAND_MAX_ROWS,
        )  # fmt: skip
    if not report.ok or report.created != rows:
        raise RuntimeError(f"import failed: {report.errors[:3]} {report.unknown}")
    imported = rollups.stored_cells()
    result: dict[str, object] = {
        "records": rows,
        "cells": sum(len(cells) for cells in imported.values()),
    }

    def cleared() -> None:
        for model in ROLLUP_MODELS:
            model.objects.all().delete()

    # Per record, as entries wrote before the queue: five upserts each.
    ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True)[:sample])
    facts = rollups.facts_of_ids(ids)
    server = base._server_cpu(connection)
    try:
        with transaction.atomic():
            cleared()
            start_server = server() if server else 0.0
            cpu, started = time.process_time(), time.perf_counter()
            for f in facts:
                rollups.apply_facts([f], +1)
            result["per_record_s"] = time.perf_counter() - started
            result["per_record_cpu_s"] = time.process_time() - cpu
            result["per_record_server_s"] = (server() - start_server) if server else 0.0
            raise _UndoError
    except _UndoError:
        pass

    # The queue: every record queued, then one catch_up.
    with transaction.atomic():
        cleared()
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(PendingRollup._meta.db_table)
            records = connection.ops.quote_name(Activity._meta.db_table)
            # Names from the models, no values.
            cursor.execute(f"INSERT INTO {table} (activity_id) SELECT id FROM {records}")  # noqa: S608
    if rollups.queued() != rows:
        raise RuntimeError("every record must be queued")
    start_server = server() if server else 0.0
    cpu, started = time.process_time(), time.perf_counter()
    added = rollups.catch_up()
    result["catch_up_s"] = time.perf_counter() - started
    result["catch_up_cpu_s"] = time.process_time() - cpu
    result["catch_up_server_s"] = (server() - start_server) if server else 0.0
    if added != rows or rollups.queued():
        raise RuntimeError(f"catch_up added {added} of {rows} records")
    if rollups.stored_cells() != imported:
        raise RuntimeError("catch_up must write the cells the import wrote")
    result["sample"] = len(facts)
    return result


def run(database_url: str, csv: Path, rows: int, sample: int) -> dict[str, object]:
    env = {**os.environ, "DATABASE_URL": database_url, "SCHULSOZIAL_TESTING": "1"}
    command = [sys.executable, __file__, "--child", str(csv), "--rows", str(rows)]
    out = subprocess.run(
        [*command, "--sample", str(sample)], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(out.stderr[-4000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--sample", type=int, default=5_000, help="records of the per-record path")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.sample)))
        return
    backends = ["sqlite", "postgresql"]
    if args.sqlite != args.postgres:
        backends = ["sqlite"] if args.sqlite else ["postgresql"]
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    name = PG_URL.rsplit("/", 1)[1]
    with tempfile.TemporaryDirectory() as folder:
        csv, _sample, _seconds = base._write_files(Path(folder), args.rows)  # the carrier's file
        for backend in backends:
            if backend == "sqlite":
                r = run(f"sqlite:///{folder}/bench.sqlite3", csv, args.rows, args.sample)
            else:
                # The import benchmark's psql on the same server (BENCH_POSTGRES_URL).
                base._psql(f"DROP DATABASE IF EXISTS {name}")
                base._psql(f"CREATE DATABASE {name}")
                try:
                    r = run(PG_URL, csv, args.rows, args.sample)
                finally:
                    base._psql(f"DROP DATABASE IF EXISTS {name}")
            n, k = r["records"], r["sample"]
            queue_ms = 1000 * (r["catch_up_cpu_s"] + r["catch_up_server_s"]) / n
            single_ms = 1000 * (r["per_record_cpu_s"] + r["per_record_server_s"]) / k
            print(
                f"{backend}: catch_up of {n:,} queued records ({r['cells']:,} cells): "
                f"{r['catch_up_s']:.1f} s, {n / r['catch_up_s']:,.0f} records/s, "
                f"CPU {queue_ms:.3f} ms per record (server {1000 * r['catch_up_server_s'] / n:.3f}); "
                f"one by one ({k:,} records): {r['per_record_s']:.1f} s, "
                f"{k / r['per_record_s']:,.0f} records/s, CPU {single_ms:.3f} ms per record "
                f"(server {1000 * r['per_record_server_s'] / k:.3f}); "
                f"CPU ratio {single_ms / queue_ms:.1f}x",
                flush=True,
            )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
