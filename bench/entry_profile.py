"""In-process cost of one entry (docs/performance.md, Entry, run 7): the form
POST or the API POST through Django's WSGI handler, the whole middleware
stack, on a database prepared by bench_entry.prepare (20 workers, 20 schools).

    .venv/bin/python bench/entry_profile.py --prepare sqlite    # once per database
    .venv/bin/python bench/entry_profile.py --db sqlite --path form -n 300
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        .venv/bin/python bench/entry_profile.py --db sqlite --path api -n 50

Reports the CPU of this process per entry and, on PostgreSQL, of its server
process (the backend this process talks to), and the queries of one entry.
Instructions per entry: run under callgrind with -n 10 and -n 50 and divide
the difference by 40 (setup cancels out). Each run works on a copy of the
prepared database, so runs start from the same state.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
VAR = ROOT / "var" / "entry_profile"
PG_BASE = os.environ.get("PROFILE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
_SUFFIX = os.environ.get("PROFILE_DB_SUFFIX", "")
PG_TEMPLATE, PG_RUN = f"ss_entry_profile_template{_SUFFIX}", f"ss_entry_profile_run{_SUFFIX}"
# Every run gets a database of its own, created from the template and left
# in place (--cleanup drops them): DROP DATABASE waits until every backend
# of the server has acknowledged it, which other sessions' long COPYs delay.
PG_RUN_NOW = f"{PG_RUN}_{os.getpid()}"


def _env(db: str, *, run: bool) -> dict[str, str]:
    if db == "sqlite":
        name = "run.sqlite3" if run else "template.sqlite3"
        url = f"sqlite:///{VAR / name}"
    else:
        url = f"{PG_BASE}/{PG_RUN_NOW if run else PG_TEMPLATE}"
    return {
        "DATABASE_URL": url,
        "SCHULSOZIAL_TESTING": "1",
        "AXES_ENABLED": "0",
        "API_RATE": "1000000/minute",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # One connection for the whole run, also under valgrind (slow enough
        # to outlive the default 60 s): a reconnect would be counted.
        "DB_CONN_MAX_AGE": "3600",
    }


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", f"{PG_BASE}/postgres", "-q", "-c", sql], check=True, capture_output=True
    )


def prepare(db: str) -> None:
    VAR.mkdir(parents=True, exist_ok=True)
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (VAR / f"template.sqlite3{suffix}").unlink(missing_ok=True)
    else:
        _psql(f"DROP DATABASE IF EXISTS {PG_TEMPLATE}")
        _psql(f"CREATE DATABASE {PG_TEMPLATE}")
    env = {**os.environ, **_env(db, run=False)}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_entry.py"), "--prepare"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    (VAR / f"{db}.json").write_text(out.stdout.strip().splitlines()[-1])


def _copy(db: str) -> None:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (VAR / f"run.sqlite3{suffix}").unlink(missing_ok=True)
        # The prepared rows may still be in the template's write-ahead log
        # (the API token, written last, was): copy it with the database.
        for suffix in ("", "-wal"):
            if (VAR / f"template.sqlite3{suffix}").exists():
                shutil.copy(VAR / f"template.sqlite3{suffix}", VAR / f"run.sqlite3{suffix}")
    else:
        _psql(f"CREATE DATABASE {PG_RUN_NOW} TEMPLATE {PG_TEMPLATE}")


def _proc_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:  # the connection was replaced: no figure
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prepare", choices=["sqlite", "postgres"])
    parser.add_argument("--cleanup", action="store_true", help="drop the run databases")
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--path", choices=["form", "api"], default="form")
    parser.add_argument("-n", type=int, default=300, help="measured entries")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", help="write a cProfile of the measured entries here")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
        return
    if args.cleanup:
        out = subprocess.run(
            ["psql", f"{PG_BASE}/postgres", "-Atc",
             f"SELECT datname FROM pg_database WHERE datname LIKE '{PG_RUN}\\_%'"],  # noqa: S608
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        for name in out.stdout.split():
            _psql(f"DROP DATABASE IF EXISTS {name}")
        return
    _copy(args.db)
    os.environ.update(_env(args.db, run=True))
    setup = json.loads((VAR / f"{args.db}.json").read_text())

    import django

    django.setup()
    import sqlite3

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test import Client

    other = None
    if args.db == "sqlite":
        # A second connection stays open, as in a server with several workers.
        other = sqlite3.connect(VAR / "run.sqlite3")
        other.execute("select count(*) from django_session").fetchone()

    worker = setup["workers"][0]
    client = Client(HTTP_HOST="127.0.0.1")
    from bench_entry import PASSWORD, api_fields

    assert client.login(username=worker["user"], password=PASSWORD)
    page = client.get("/dokumentation/neu/")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="', 1)[1].split('"')[0]
    cookies = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    day = (django.utils.timezone.localdate() - __import__("datetime").timedelta(days=1)).isoformat()
    form_body = urlencode(
        {
            **setup["form"],
            "date": day,
            "school": worker["school"],
            "csrfmiddlewaretoken": token,
            "then": "new",
        }
    )
    fields = api_fields(worker, day)
    app = WSGIHandler()
    statuses: list[str] = []

    def start_response(status: str, headers: list, exc_info: object = None) -> None:
        statuses.append(status[:3])

    def environ() -> dict:
        if args.path == "form":
            body = f"{form_body}&client_id={uuid.uuid4()}".encode()
            extra = {
                "PATH_INFO": "/dokumentation/neu/",
                "CONTENT_TYPE": "application/x-www-form-urlencoded",
                "HTTP_COOKIE": cookies,
                "HTTP_REFERER": "http://127.0.0.1/dokumentation/neu/",
            }
        else:
            body = json.dumps({"client_id": str(uuid.uuid4()), **fields}).encode()
            extra = {
                "PATH_INFO": "/api/v1/activities/",
                "CONTENT_TYPE": "application/json",
                "HTTP_AUTHORIZATION": f"Bearer {setup['key']}",
            }
        return {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            **extra,
        }

    expected = "302" if args.path == "form" else "201"

    def one() -> None:
        response = app(environ(), start_response)
        b"".join(response)
        response.close()

    for _ in range(args.warmup):
        one()
    queries: list[str] = []

    def record(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        one()
    backend = None
    if args.db == "postgres":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("select pg_backend_pid()")
            backend = cursor.fetchone()[0]
    server_before = _proc_cpu(backend) if backend else 0.0
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        one()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    server = (_proc_cpu(backend) - server_before) if backend else 0.0
    bad = [s for s in statuses if s != expected]
    print(
        json.dumps(
            {
                "db": args.db,
                "path": args.path,
                "n": args.n,
                "queries": len(queries),
                "cpu_ms_per_entry": round(1000 * cpu / args.n, 2),
                "server_cpu_ms_per_entry": round(1000 * server / args.n, 2),
                "wall_ms_per_entry": round(1000 * wall / args.n, 2),
                "errors": len(bad),
            }
        )
    )
    if os.environ.get("PROFILE_SHOW_QUERIES"):
        for sql in queries:
            print(sql[:300])
    if other is not None:
        other.close()


if __name__ == "__main__":
    main()
