"""Benchmark: recording one activity through the web form and through the
API, 20 concurrent clients against gunicorn (2 workers, loopback only), on
SQLite and PostgreSQL. Each request writes the record, its topics and
participant cells, its rollup cells (statistics) and one audit entry.

    .venv/bin/python bench/bench_entry.py                 # both databases
    .venv/bin/python bench/bench_entry.py --sqlite --requests 20

Clients are closed-loop threads (each sends its next request when the last
one is answered, no think time): the hardest load 20 people could produce.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/schulsozial_bench_entry"
)
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

    from schulsozial.accounts.models import Role, User
    from schulsozial.accounts.services import role_assign
    from schulsozial.activities import services as doc
    from schulsozial.activities.models import CatalogueEntry
    from schulsozial.masterdata import services
    from schulsozial.masterdata.models import Carrier, FundingStream, Municipality, SchoolType

    call_command("migrate", verbosity=0)
    town = services.municipality_create(
        by=None, ags="05999001", name="Benchstadt", kind=Municipality.Kind.CITY
    )
    doc.catalogues_ensure_defaults(municipality=town)
    carrier = services.carrier_create(
        by=None, municipality=town, name="Träger", kind=Carrier.Kind.WELFARE
    )
    stream = services.funding_stream_create(
        by=None, municipality=town, code="FRL", name="FRL", kind=FundingStream.Kind.LAND,
        funding_share_percent=Decimal("80"),
    )  # fmt: skip
    begin = datetime.date.today() - datetime.timedelta(days=400)  # noqa: DTZ011
    workers = []
    for n in range(CLIENTS):
        school = services.school_create(
            by=None, municipality=town, school_number=f"1990{n:02d}", name=f"Schule {n}",
            school_type=SchoolType.GS,
        )  # fmt: skip
        member = services.staff_create(
            municipality=town, by=None, carrier=carrier, label=f"FK {n}",
            qualification="sw_ba", weekly_hours=Decimal("39"), contract_start=begin,
        )  # fmt: skip
        position = services.position_create(
            municipality=town, by=None, code=f"P{n}", carrier=carrier, funding_stream=stream,
            fte=member.fte, staff_member=member, valid_from=begin,
        )  # fmt: skip
        services.assignment_set(
            position=position, school=school, weekly_hours=Decimal("39"), by=None
        )
        user = User.objects.create_user(username=f"fk{n}", password=PASSWORD)
        role_assign(user=user, role=Role.WORKER, by=None, school=school)
        services.staff_update(staff=member, user=user, by=None)
        workers.append(
            {
                "user": f"fk{n}",
                "school": school.pk,
                "number": school.school_number,
                "staff": member.pk,
            }
        )
    _token, key = doc.api_token_create(carrier=carrier, name="bench", by=None)

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


def clients(base: str, setup: dict, requests_each: int) -> dict[str, dict[str, float]]:
    import datetime

    import requests

    day = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()  # noqa: DTZ011
    token_re = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    results: dict[str, list[float]] = {"form": [], "api": []}
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(CLIENTS)

    def web(worker: dict) -> None:
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
        data = {
            **setup["form"],
            "date": day,
            "school": worker["school"],
            "csrfmiddlewaretoken": token,
        }
        barrier.wait()
        for _ in range(requests_each):
            started = time.perf_counter()
            r = s.post(
                f"{base}/dokumentation/neu/",
                data={**data, "client_id": str(uuid.uuid4())},
                headers={"Referer": f"{base}/dokumentation/neu/"},
                timeout=30,
                allow_redirects=False,
            )
            elapsed = time.perf_counter() - started
            with lock:
                (
                    results["form"].append(elapsed)
                    if r.status_code == 302
                    else errors.append(f"form {r.status_code}")
                )

    def api(worker: dict) -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {setup['key']}"
        barrier.wait()
        for _ in range(requests_each):
            body = {
                "client_id": str(uuid.uuid4()), "staff_id": worker["staff"],
                "school_number": worker["number"], "date": day, "minutes": 45,
                "activity_type": "counselling_pupil", "target_group": "individual",
                "topics": ["bullying"], "contact_origin": "teacher", "case_code": "K1",
                "participants": [{"gender": "female", "grade_band": "primary", "count": 1}],
            }  # fmt: skip
            started = time.perf_counter()
            r = s.post(f"{base}/api/v1/activities/", json=body, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                (
                    results["api"].append(elapsed)
                    if r.status_code == 201
                    else errors.append(f"api {r.status_code} {r.text[:200]}")
                )

    out: dict[str, dict[str, float]] = {}
    for name, target in (("form", web), ("api", api)):
        threads = [threading.Thread(target=target, args=(w,)) for w in setup["workers"]]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        wall = time.perf_counter() - started
        values = results[name]
        if values:
            out[name] = {
                "n": len(values),
                "median_ms": statistics.median(values) * 1000,
                "p95_ms": _percentile(values, 95) * 1000,
                "per_s": len(values) / wall,
            }
    if errors:
        out["errors"] = {"n": len(errors), "first": errors[0]}  # type: ignore[dict-item]
    return out


def run(database_url: str, requests_each: int) -> dict[str, object]:
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
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        import requests

        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.2)
        return clients(base, setup, requests_each)
    finally:
        server.terminate()
        server.wait(timeout=30)


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
    parser.add_argument("--requests", type=int, default=25, help="per client and path")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare()))
        return
    backends = (
        ["sqlite"] if args.sqlite else ["postgresql"] if args.postgres else ["sqlite", "postgresql"]
    )
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(dir=ROOT / "var") as folder:
                result = run(f"sqlite:///{folder}/bench.sqlite3", args.requests)
        else:
            result = run(fresh_postgres(), args.requests)
        print(f"\n{backend}: {CLIENTS} clients x {args.requests} requests per path")
        for name, m in result.items():
            print(f"  {name}: {json.dumps(m)}")


if __name__ == "__main__":
    main()
