"""Benchmark: recording one activity through the web form and through the
API, 20 clients against gunicorn on 127.0.0.1, on SQLite and PostgreSQL.
Each request writes the record, its topics and participant cells, its
rollup cells and one audit entry in one transaction. In an older tree
(before issue 12, measured by bench/compare.py) an entry only queued its
record and ``manage.py rollup_worker`` added it to the rollups: the
benchmark then runs that worker beside gunicorn and reports its CPU. After
each path it checks that every record reached the rollups.

    .venv/bin/python bench/bench_entry.py                      # both databases, both loads
    .venv/bin/python bench/bench_entry.py --sqlite --load closed --seconds 10

Two loads, each run for the form and then for the API:

- closed: every client sends its next entry as soon as the last is answered
  (no think time): a saturation test, the hardest load 20 clients can produce;
- paced: every client sends one entry per second, starting at a random offset
  (people need about 30 s per entry, so this is still 30 times their pace).
  Latency counts from the moment an entry was due, so a server that falls
  behind shows it.

The load generator is one asyncio process speaking HTTP/1.1 over raw
sockets with prepared requests (no HTTP library in the timed loop), because
it shares the machine's cores with the server; its own CPU time is reported.
Logging in and fetching the CSRF token happen before the clock starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ss_bench_entry")
# The gunicorn configuration of docs/operations.md for a 2-core server.
GUNICORN = ["--workers", "3"]
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
PASSWORD = "bench-passwort-2026"  # noqa: S105


def prepare() -> dict[str, object]:
    """Runs in a subprocess: migrate, one municipality, 20 workers at 20 schools."""
    import datetime
    from decimal import Decimal

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from trees import ensure_catalogues, platform_actor

    from schulsozial.accounts.models import Role, User
    from schulsozial.accounts.services import role_assign
    from schulsozial.activities import services as doc
    from schulsozial.activities.models import CatalogueEntry
    from schulsozial.masterdata import services
    from schulsozial.masterdata.models import Carrier, FundingStream, Municipality, SchoolType

    ACTOR = platform_actor()  # noqa: N806
    call_command("migrate", verbosity=0)
    town = services.municipality_create(
        by=ACTOR, ags="05999001", name="Benchstadt", kind=Municipality.Kind.CITY
    )
    ensure_catalogues(town)
    carrier = services.carrier_create(
        by=ACTOR, municipality=town, name="Träger", kind=Carrier.Kind.WELFARE
    )
    stream = services.funding_stream_create(
        by=ACTOR, municipality=town, code="FRL", name="FRL", kind=FundingStream.Kind.LAND,
        funding_share_percent=Decimal("80"),
    )  # fmt: skip
    begin = datetime.date.today() - datetime.timedelta(days=400)  # noqa: DTZ011
    workers = []
    for n in range(CLIENTS):
        school = services.school_create(
            by=ACTOR, municipality=town, school_number=f"1990{n:02d}", name=f"Schule {n}",
            school_type=SchoolType.GS,
        )  # fmt: skip
        member = services.staff_create(
            municipality=town, by=ACTOR, carrier=carrier, label=f"FK {n}",
            qualification="sw_ba", weekly_hours=Decimal("39"), contract_start=begin,
        )  # fmt: skip
        position = services.position_create(
            municipality=town, by=ACTOR, code=f"P{n}", carrier=carrier, funding_stream=stream,
            fte=member.fte, staff_member=member, valid_from=begin,
        )  # fmt: skip
        services.assignment_set(
            position=position, school=school, weekly_hours=Decimal("39"), by=ACTOR
        )
        user = User.objects.create_user(username=f"fk{n}", password=PASSWORD)
        role_assign(user=user, role=Role.WORKER, by=ACTOR, school=school)
        services.staff_update(staff=member, user=user, by=ACTOR)
        workers.append(
            {
                "user": f"fk{n}",
                "school": school.pk,
                "number": school.school_number,
                "staff": member.pk,
            }
        )
    _token, key = doc.api_token_create(carrier=carrier, name="bench", by=ACTOR)

    def pk(kind: str, code: str) -> int:
        return CatalogueEntry.objects.get(municipality=town, kind=kind, code=code).pk

    form = {
        "minutes": "45",
        "activity_type": pk("activity_type", "counselling_pupil"),
        "target_group": pk("target_group", "individual"),
        "topics": pk("topic", "bullying"),
        "contact_origin": pk("contact_origin", "teacher"),
        f"p_{pk('gender', 'female')}_{pk('grade_band', 'primary')}": "1",
        "case_code": "K1",
    }
    return {"workers": workers, "key": key, "form": form}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children (gunicorn's workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def _machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def machine_busy(seconds: float = 2.0) -> float:
    """Share of the machine's CPU in use (all processes) over a short sample."""
    busy, total = _machine_ticks()
    time.sleep(seconds)
    busy2, total2 = _machine_ticks()
    return 100 * (busy2 - busy) / max(1, total2 - total)


def wait_until_quiet(max_busy: float, max_wait: float) -> None:
    """Other benchmarks share this machine: wait (up to max_wait s) until it is idle."""
    waited = 0.0
    while (busy := machine_busy()) > max_busy and waited < max_wait:
        print(f"  machine {busy:.0f} % busy, waiting ...", flush=True)
        time.sleep(10)
        waited += 12
    print(
        f"  machine {busy:.0f} % busy, load average {os.getloadavg()[0]:.2f}: measuring"
        + (" anyway" if busy > max_busy else ""),
        flush=True,
    )


# --------------------------------------------------------------------------- requests


def api_fields(worker: dict, day: str) -> dict:
    """One API entry's fields (without its client id) for a prepared worker."""
    return {
        "staff_id": worker["staff"], "school_number": worker["number"], "date": day,
        "minutes": 45, "activity_type": "counselling_pupil", "target_group": "individual",
        "topics": ["bullying"], "contact_origin": "teacher", "case_code": "K1",
        "participants": [{"gender": "female", "grade_band": "primary", "count": 1}],
    }  # fmt: skip


def _requests(base: str, setup: dict) -> dict[str, list[tuple[bytes, bytes, bytes]]]:
    """Per client and path: (head before the client id, rest, expected status).
    The form clients log in and read their CSRF token here, before the clock."""
    import datetime
    from urllib.parse import urlencode

    import requests

    day = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()  # noqa: DTZ011
    host = base.removeprefix("http://")
    token_re = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    out: dict[str, list[tuple[bytes, bytes, bytes]]] = {"form": [], "api": []}
    for worker in setup["workers"]:
        s = requests.Session()
        page = s.get(f"{base}/accounts/login/", timeout=30)
        token = token_re.search(page.text).group(1)
        s.post(
            f"{base}/accounts/login/",
            data={"username": worker["user"], "password": PASSWORD, "csrfmiddlewaretoken": token},
            timeout=30,
            allow_redirects=False,
        )
        form_page = s.get(f"{base}/dokumentation/neu/", timeout=30)
        token = token_re.search(form_page.text).group(1)
        cookies = "; ".join(f"{k}={v}" for k, v in s.cookies.items())
        body = urlencode(
            {
                **setup["form"],
                "date": day,
                "school": worker["school"],
                "csrfmiddlewaretoken": token,
                "then": "new",
            }
        )
        out["form"].append(
            (
                (
                    f"POST /dokumentation/neu/ HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\n"
                    f"Referer: {base}/dokumentation/neu/\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n"
                    f"Content-Length: {len(body) + len('&client_id=') + 36}\r\n\r\n"
                    f"{body}&client_id="
                ).encode(),
                b"",
                b"302",
            )
        )
        api = json.dumps(api_fields(worker, day))
        prefix = '{"client_id": "'
        rest = '", ' + api[1:]
        out["api"].append(
            (
                (
                    f"POST /api/v1/activities/ HTTP/1.1\r\nHost: {host}\r\n"
                    f"Authorization: Bearer {setup['key']}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(prefix) + 36 + len(rest)}\r\n\r\n{prefix}"
                ).encode(),
                rest.encode(),
                b"201",
            )
        )
    return out


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects when the server closes it
    (gunicorn's sync workers close after every response)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> bytes:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = head[9:12]
        lower = head.lower()
        at = lower.find(b"content-length:")
        length = int(lower[at + 15 : lower.find(b"\r\n", at)]) if at >= 0 else 0
        if length:
            await self.reader.readexactly(length)
        if b"connection: close" in lower:
            self.writer.close()
            self.reader = self.writer = None
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _drive(
    port: int,
    prepared: list[tuple[bytes, bytes, bytes]],
    *,
    load: str,
    seconds: float,
    warmup: float,
    rate: float,
) -> tuple[list[float], list[str], int]:
    """Run one path for `warmup + seconds`: latencies of the measured part,
    errors, and the number of requests answered in all."""
    latencies: list[float] = []
    answered = [0]
    errors: list[str] = []
    loop = asyncio.get_running_loop()
    begin = loop.time()
    measure_from, stop = begin + warmup, begin + warmup + seconds

    async def client(head: bytes, rest: bytes, expected: bytes) -> None:
        conn = Connection(port)
        due = begin + random.random() / rate
        try:
            while True:
                if load == "paced":
                    now = loop.time()
                    if due > now:
                        await asyncio.sleep(due - now)
                    started = due
                    due += 1 / rate
                else:
                    started = loop.time()
                if started >= stop:
                    return
                sent = loop.time()
                status = await conn.send(head + str(uuid.uuid4()).encode() + rest)
                done = loop.time()
                answered[0] += 1
                if status != expected:
                    errors.append(status.decode())
                elif sent >= measure_from:
                    latencies.append(done - min(started, sent))
        finally:
            conn.close()

    await asyncio.gather(*(client(*p) for p in prepared))
    return latencies, errors, answered[0]


def _queue_and_records(database_url: str) -> tuple[int, int, int]:
    """(records queued for the rollups, records, records in the rollups),
    read directly from the database. Before the rollup queue existed
    (bench runs of older code) the queue counts as 0."""
    queries = (
        "SELECT COUNT(*) FROM statistics_pendingrollup",
        "SELECT COUNT(*) FROM activities_activity",
        "SELECT COALESCE(SUM(count), 0) FROM statistics_schoolrollup WHERE month = 0",
    )
    out = []
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=30) as db:
            for sql in queries:
                try:
                    out.append(int(db.execute(sql).fetchone()[0]))
                except sqlite3.OperationalError:  # no such table: older code
                    out.append(0)
        return tuple(out)  # type: ignore[return-value]
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        for sql in queries:
            try:
                out.append(int(db.execute(sql).fetchone()[0]))
            except psycopg.errors.UndefinedTable:
                out.append(0)
    return tuple(out)  # type: ignore[return-value]


def measure(
    port: int,
    server_pid: int,
    prepared: dict,
    *,
    load: str,
    seconds: float,
    rate: float,
    database_url: str,
    worker_pid: int | None,
) -> dict[str, dict[str, object]]:
    out: dict[str, dict[str, object]] = {}
    for name in ("form", "api"):
        cpu_client, cpu_server = time.process_time(), _cpu_seconds(server_pid)
        cpu_worker = _cpu_seconds(worker_pid) if worker_pid else 0.0
        machine = _machine_ticks()
        wall = time.perf_counter()
        latencies, errors, answered = asyncio.run(
            _drive(port, prepared[name], load=load, seconds=seconds, warmup=2.0, rate=rate)
        )
        wall = time.perf_counter() - wall
        cpu_client = time.process_time() - cpu_client
        cpu_server = _cpu_seconds(server_pid) - cpu_server
        cpu_worker = (_cpu_seconds(worker_pid) - cpu_worker) if worker_pid else 0.0
        busy, total = _machine_ticks()
        machine_pct = 100 * (busy - machine[0]) / max(1, total - machine[1])
        # How far the rollup worker was behind when the load ended, and
        # whether it catches up: every record in the rollups 5 s later.
        queued_at_end = _queue_and_records(database_url)[0]
        time.sleep(5 if worker_pid else 0)
        queued, records, rolled = _queue_and_records(database_url)
        out[name] = {
            "n": len(latencies),
            "median_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
            "p95_ms": round(_percentile(latencies, 95) * 1000, 1) if latencies else None,
            "max_ms": round(max(latencies) * 1000, 1) if latencies else None,
            "per_s": round(len(latencies) / seconds, 1),
            "gunicorn_cpu_ms_per_entry": round(1000 * cpu_server / max(1, answered), 1),
            # The background job that adds queued records to the rollups
            # (manage.py rollup_worker), on the same two cores.
            "rollup_worker_cpu_ms_per_entry": round(1000 * cpu_worker / max(1, answered), 2),
            "queued_at_end": queued_at_end,
            "queued_5s_later": queued,
            "records_not_in_rollups_5s_later": records - rolled,
            # Shares of the machine (2 cores = 100 %) over the whole run.
            "client_cpu_pct": round(100 * cpu_client / wall / (os.cpu_count() or 1), 1),
            "gunicorn_cpu_pct": round(100 * cpu_server / wall / (os.cpu_count() or 1), 1),
            # Everything on the machine: ours (PostgreSQL included) and others' jobs.
            "machine_cpu_pct": round(machine_pct, 1),
            "errors": len(errors),
            **({"first_error": errors[0]} if errors else {}),
        }
    return out


def run(
    database_url: str,
    *,
    loads: list[str],
    seconds: float,
    rate: float,
    gunicorn: list[str],
    quiet: tuple[float, float] | None,
) -> dict[str, object]:
    env = {
        **os.environ, "DATABASE_URL": database_url, "SCHULSOZIAL_TESTING": "1",
        "AXES_ENABLED": "0", "API_RATE": "1000000/minute", "DJANGO_SETTINGS_MODULE": "config.settings",
    }  # fmt: skip
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if prepared.returncode:
        sys.exit(prepared.stderr[-3000:])
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", *gunicorn, "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    # Trees from before issue 12 kept the rollups with a worker of their own
    # (manage.py rollup_worker); today every write keeps them.
    manage = [sys.executable, str(ROOT / "manage.py")]
    has_worker = (
        "rollup_worker"
        in subprocess.run(
            [*manage, "help", "--commands"], env=env, cwd=ROOT, capture_output=True, text=True
        ).stdout.split()
    )
    worker = (
        subprocess.Popen([*manage, "rollup_worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        if has_worker
        else None
    )
    try:
        base = f"http://127.0.0.1:{port}"
        import requests

        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        requests_by_path = _requests(base, setup)
        out: dict[str, object] = {}
        for load in loads:
            if quiet is not None:
                wait_until_quiet(*quiet)
            out[load] = measure(
                port, server.pid, requests_by_path, load=load, seconds=seconds, rate=rate,
                database_url=database_url, worker_pid=worker.pid if worker else None,
            )  # fmt: skip
        return out
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


def fresh_postgres() -> str:
    base, name = PG_URL.rsplit("/", 1)
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(
            ["psql", base + "/postgres", "-q", "-c", sql], check=True, capture_output=True
        )
    return PG_URL


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--load", choices=["closed", "paced", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20, help="measured time per path and load")
    parser.add_argument("--rate", type=float, default=1.0, help="paced: entries per client and s")
    parser.add_argument(
        "--gunicorn", default=" ".join(GUNICORN), help="worker options for gunicorn"
    )
    parser.add_argument(
        "--quiet",
        type=float,
        default=None,
        metavar="PERCENT",
        help="before each load, wait until the machine is at most this busy (up to --wait s)",
    )
    parser.add_argument("--wait", type=float, default=900)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare()))
        return
    backends = (
        ["sqlite"] if args.sqlite else ["postgresql"] if args.postgres else ["sqlite", "postgresql"]
    )
    loads = ["closed", "paced"] if args.load == "both" else [args.load]
    for backend in backends:
        load_before = os.getloadavg()
        busy_before = machine_busy()
        options = {
            "loads": loads,
            "seconds": args.seconds,
            "rate": args.rate,
            "gunicorn": args.gunicorn.split(),
            "quiet": (args.quiet, args.wait) if args.quiet is not None else None,
        }
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(dir=ROOT / "var") as folder:
                result = run(f"sqlite:///{folder}/bench.sqlite3", **options)
        else:
            result = run(fresh_postgres(), **options)
        load_after = os.getloadavg()
        print(
            f"\n{backend}: {CLIENTS} clients, gunicorn {args.gunicorn}, "
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
            f"machine {busy_before:.0f} % busy before"
        )
        for load, paths in result.items():
            for name, m in paths.items():
                print(f"  {load} {name}: {json.dumps(m)}", flush=True)


if __name__ == "__main__":
    main()
