"""Benchmark: the documentation import of a 1,000,000-row CSV as a background
task (the bulk path of activities/importing.py, run by django-tasks'
db_worker) against the per-row path (every row through
services.activity_record; kept as tests/reference_import.py) on a
5,000-row sample, side by side in one run, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_activity_import.py                 # 1M rows, both databases
    .venv/bin/python bench/bench_activity_import.py --rows 100000 --sqlite

Synthetic carrier: one municipality, 80 schools, 120 social workers (40 of
them serve two schools) with positions over five school years. The CSV is
written by activities/tests/import_files.py: catalogue labels in varying
case and spacing, codes, the file's own names mapped once, topics, counts by
gender or a total, some grade bands and case codes. The 1M-row file is a
carrier's migration (column "Fachkraft"), imported through the management
command's limits. The big file goes the web's way: the preview (check only,
keeping the mapped columns) is timed on its own, then import_start enqueues
the task (database backend) for a `manage.py db_worker` started 15 s before
(so its start-up is not counted, as in production); the figure is from the
enqueue until the task has committed, with the progress
the import page shows sampled every second. The sample is one
worker's file, imported both ways (each rolled back), so the ratio compares
like with like. Each database is fresh (PostgreSQL: ss_bench_import, created
and dropped here). Peak memory is the child process's ru_maxrss.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from machine import cpu_model  # noqa: E402  (bench/ is the script folder)

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ss_bench_import")
SCHOOLS, WORKERS, TWO_SCHOOLS, DAYS = 80, 120, 40, 5 * 365
SAMPLE = 5_000
WORKER_START_S = 15  # db_worker starts (Django set-up) before the import is confirmed


class _UndoError(Exception):
    pass


def _places() -> tuple[list[tuple[str, str]], list[tuple[str, list[int]]]]:
    """(staff label, school number) pairs of the file, and each worker's schools."""
    staff = []
    for n in range(WORKERS):
        schools = [n % SCHOOLS] + ([(n + 41) % SCHOOLS] if n < TWO_SCHOOLS else [])
        staff.append((f"Fachkraft {n:03d}", schools))
    places = [(label, f"{300000 + s}") for label, schools in staff for s in schools]
    return places, staff


def _setup() -> dict[str, object]:
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone
    from trees import ensure_catalogues, platform_actor

    from schulsozial.accounts.models import Role, User
    from schulsozial.accounts.services import role_assign
    from schulsozial.activities import services as doc
    from schulsozial.activities.models import CatalogueEntry
    from schulsozial.activities.tests.import_files import FILE_MAPPINGS
    from schulsozial.masterdata import services
    from schulsozial.masterdata.models import Carrier, FundingStream, Municipality, SchoolType

    ACTOR = platform_actor()  # noqa: N806
    call_command("migrate", verbosity=0)
    today = timezone.localdate()
    begin = today - datetime.timedelta(days=DAYS + 30)
    town = services.municipality_create(
        by=ACTOR, ags="05999001", name="Benchstadt", kind=Municipality.Kind.CITY
    )
    types = [SchoolType.GS] * 4 + [SchoolType.GE, SchoolType.GY, SchoolType.RS, SchoolType.BK]
    schools = [
        services.school_create(
            by=ACTOR,
            municipality=town,
            school_number=f"{300000 + i}",
            name=f"Schule {i:02d}",
            school_type=types[i % len(types)],
        )
        for i in range(SCHOOLS)
    ]
    carrier = services.carrier_create(
        by=ACTOR, municipality=town, name="Träger", kind=Carrier.Kind.WELFARE
    )
    stream = services.funding_stream_create(
        by=ACTOR, municipality=town, code="FRL", name="FRL", kind=FundingStream.Kind.LAND
    )
    _pairs, staff_plan = _places()
    members = []
    for n, (label, school_indexes) in enumerate(staff_plan):
        member = services.staff_create(
            municipality=town,
            by=ACTOR,
            carrier=carrier,
            label=label,
            qualification="sw_ba",
            weekly_hours=Decimal("39"),
            contract_start=begin,
        )
        position = services.position_create(
            municipality=town,
            by=ACTOR,
            code=f"P-{n:03d}",
            carrier=carrier,
            funding_stream=stream,
            fte=member.fte,
            staff_member=member,
            valid_from=begin,
        )
        for index in school_indexes:
            services.assignment_set(
                position=position,
                school=schools[index],
                weekly_hours=Decimal("39") / len(school_indexes),
                by=ACTOR,
            )
        members.append(member)
    manager = User.objects.create_user(username="traeger", password="x" * 20)
    role_assign(user=manager, role=Role.CARRIER, by=ACTOR, carrier=carrier)
    worker = User.objects.create_user(username="fachkraft", password="x" * 20)
    for index in staff_plan[0][1]:
        role_assign(user=worker, role=Role.WORKER, by=ACTOR, school=schools[index])
    services.staff_update(staff=members[0], user=worker, by=ACTOR)
    ensure_catalogues(town)
    for kind, names in FILE_MAPPINGS.items():
        for name, code in names.items():
            doc.import_mapping_set(
                municipality=town,
                kind=kind,
                source_label=name,
                entry=CatalogueEntry.objects.get(municipality=town, kind=kind, code=code),
                by=ACTOR,
            )
    return {"manager": manager.pk, "worker": worker.pk}


def child(big: str, sample: str, rows: int) -> dict[str, object]:
    """Runs in a subprocess with DATABASE_URL set to an empty database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db import connection, transaction
    from django.db.models import Sum

    from schulsozial.accounts.models import User
    from schulsozial.activities.importing import (
        import_activities,
        import_progress_of,
        import_start,
    )
    from schulsozial.activities.management.commands.import_activities import (
        COMMAND_MAX_BYTES,
        COMMAND_MAX_ROWS,
    )
    from schulsozial.activities.models import Activity, ActivityImport, ParticipantCount
    from schulsozial.activities.tests.reference_import import import_activities_per_row
    from schulsozial.masterdata.importing import store_pending
    from schulsozial.statistics.models import WHOLE_YEAR, ActivityRollup

    users = _setup()
    manager = User.objects.get(pk=users["manager"])
    worker = User.objects.get(pk=users["worker"])
    result: dict[str, object] = {"vendor": connection.vendor}
    sample_bytes = Path(sample).read_bytes()

    def timed(function, **kwargs):
        try:
            with transaction.atomic():
                started = time.perf_counter()
                report = function(data=sample_bytes, filename="sample.csv", by=worker, **kwargs)
                seconds = time.perf_counter() - started
                assert report.ok, (report.errors[:3], report.unknown)
                assert report.created == SAMPLE
                raise _UndoError
        except _UndoError:
            pass
        return seconds

    result["naive_sample_s"] = timed(import_activities_per_row, dry_run=False)
    result["ours_sample_s"] = timed(import_activities, dry_run=False)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The preview (check only, keep the mapped columns), as the upload request does.
    with open(big, "rb") as handle:
        started = time.perf_counter()
        preview = import_activities(
            data=handle,
            filename="traeger.csv",
            by=manager,
            dry_run=True,
            keep_pending=True,
            max_bytes=COMMAND_MAX_BYTES,
            max_rows=COMMAND_MAX_ROWS,
        )
        result["preview_s"] = time.perf_counter() - started
    assert preview.ok, (preview.errors[:5], preview.unknown)
    assert preview.pending
    token = store_pending(preview.pending, kind="activities", owner_id=manager.pk)
    del preview
    # The confirmation: import_start enqueues the task (database backend) for
    # a db_worker that is already waiting, as in production (it polls every
    # second); progress is read as the import page reads it.
    worker_cmd = [sys.executable, str(ROOT / "manage.py"), "db_worker"]
    worker_cmd += ["--no-startup-delay", "--max-tasks", "1", "--interval", "1"]
    db_worker = subprocess.Popen(worker_cmd, cwd=ROOT, stdout=subprocess.DEVNULL)
    time.sleep(WORKER_START_S)
    started = time.perf_counter()
    job = import_start(token=token, filename="traeger.csv", by=manager)
    progress: list[tuple[float, int]] = []
    while db_worker.poll() is None:
        time.sleep(1)
        progress.append((round(time.perf_counter() - started, 1), import_progress_of(job)))
    result["ours_big_s"] = time.perf_counter() - started
    worker_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["worker_cpu_s"] = worker_cpu.ru_utime + worker_cpu.ru_stime
    result["worker_peak_rss_mb"] = worker_cpu.ru_maxrss / 1024
    result["progress_seen"] = [p for p in progress if p[1]][:3]
    job.refresh_from_db()
    assert job.status == ActivityImport.Status.DONE, (job.status, job.errors[:5])
    result["peak_rss_mb_before"] = rss_before / 1024
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["created"] = job.created
    result["activities"] = Activity.objects.count()
    result["topic_links"] = Activity.topics.through.objects.count()
    result["participant_counts"] = ParticipantCount.objects.count()
    rolled = ActivityRollup.objects.filter(month=WHOLE_YEAR).aggregate(n=Sum("count"))["n"]
    result["rollup_count"] = rolled
    assert job.created == rows == result["activities"] == rolled, result
    return result


def _machine() -> dict[str, object]:
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def _write_files(folder: Path, rows: int) -> tuple[Path, Path, float]:
    from schulsozial.activities.tests import import_files

    today = datetime.datetime.now(tz=datetime.UTC).date()
    places, staff = _places()
    started = time.perf_counter()
    big = folder / "traeger.csv"
    with big.open("w", encoding="utf-8", newline="") as out:
        out.write(import_files.header(staff=True))
        out.writelines(
            import_files.lines(rows, places=places, today=today, days=DAYS, staff=True, seed=11)
        )
    seconds = time.perf_counter() - started
    _label, schools = staff[0]
    sample = folder / "sample.csv"
    sample.write_text(
        import_files.documentation_csv(
            SAMPLE,
            places=[("", f"{300000 + s}") for s in schools],
            today=today,
            days=DAYS,
            seed=12,
        ),
        encoding="cp1252",
    )
    return big, sample, seconds


def run(database_url: str, big: Path, sample: Path, rows: int) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SCHULSOZIAL_TESTING": "1",
        # The production backend: the task waits in the database for db_worker.
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(big), str(sample), "--rows", str(rows)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        sys.exit(out.stderr[-4000:])
    if os.environ.get("BENCH_PROFILE"):
        print(out.stderr[-12000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def _psql(sql: str) -> None:
    base = PG_URL.rsplit("/", 1)[0]
    subprocess.run(["psql", base + "/postgres", "-q", "-c", sql], check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, rows=args.rows)))
        return
    backends = ["sqlite", "postgresql"]
    if args.sqlite != args.postgres:
        backends = ["sqlite"] if args.sqlite else ["postgresql"]
    machine = _machine()
    print(f"machine: {machine['nproc']} cores, {machine['cpu']}, Python {machine['python']}")
    print(f"load average at start: {machine['load']}")
    name = PG_URL.rsplit("/", 1)[1]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        big, sample, generated = _write_files(Path(folder), args.rows)
        size = big.stat().st_size
        print(f"generated {args.rows:,} rows ({size / 1e6:.0f} MB) in {generated:.1f} s")
        for backend in backends:
            if backend == "sqlite":
                results[backend] = run(f"sqlite:///{folder}/bench.sqlite3", big, sample, args.rows)
            else:
                _psql(f"DROP DATABASE IF EXISTS {name}")
                _psql(f"CREATE DATABASE {name}")
                try:
                    results[backend] = run(PG_URL, big, sample, args.rows)
                finally:
                    if not os.environ.get("BENCH_KEEP_DB"):  # keep it to look inside
                        _psql(f"DROP DATABASE IF EXISTS {name}")
    print(f"load average at end:   {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    head = (
        f"{'database':<11} {'rows':>9} {'bulk s':>8} {'bulk rows/s':>12} {'peak MB':>8} "
        f"{'sample naive s':>15} {'sample bulk s':>14} {'naive rows/s':>13} {'ratio':>7} "
        f"{'ratio same sample':>18}"
    )
    print(head)
    for backend, r in results.items():
        ours_rate = args.rows / r["ours_big_s"]
        naive_rate = SAMPLE / r["naive_sample_s"]
        print(
            f"{backend:<11} {args.rows:>9,} {r['ours_big_s']:>8.1f} {ours_rate:>12,.0f} "
            f"{r['peak_rss_mb']:>8.0f} {r['naive_sample_s']:>15.1f} {r['ours_sample_s']:>14.2f} "
            f"{naive_rate:>13,.0f} {ours_rate / naive_rate:>6.0f}x "
            f"{r['naive_sample_s'] / r['ours_sample_s']:>17.0f}x"
        )
        print(
            f"  {backend}: {r['activities']:,} records, {r['topic_links']:,} topic links, "
            f"{r['participant_counts']:,} participant counts; rollups hold {r['rollup_count']:,}; "
            f"preview {r['preview_s']:.1f} s (check only, in the upload request); "
            f"db_worker CPU {r['worker_cpu_s']:.1f} s, peak RSS {r['worker_peak_rss_mb']:.0f} MB; "
            f"progress seen at {r['progress_seen']} (s, rows)"
        )


if __name__ == "__main__":
    main()
