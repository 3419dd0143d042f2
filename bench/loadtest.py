"""Load test: 50 simulated users against gunicorn on 127.0.0.1 with PostgreSQL
and the demo, for 5 minutes (make loadtest; not part of the unit tests).

    .venv/bin/python bench/loadtest.py                         # 50 users, 300 s
    .venv/bin/python bench/loadtest.py --duration 60 --users 20

It creates a fresh PostgreSQL database (BENCH_POSTGRES_URL's server, database
ss_loadtest), runs migrate and load_demo, adds load-test accounts in Herne,
starts gunicorn as docs/operations.md configures it (3 sync workers) on a
free port of 127.0.0.1 with production settings (DJANGO_DEBUG=0, real
password hashing, lock-out on; only the Secure cookie flag is off, as there
is no TLS on the loopback) and the rollup worker beside it, and then runs
the users, each an asyncio task with its own httpx client and session:

- social workers (form): log in, open the entry form, wait, send it with the
  CSRF token (302 = saved), again and again;
- specialist software (API): POST /api/v1/activities/ with a carrier's
  token (201 = saved);
- social workers (concept): open a section of their school's draft concept,
  wait, save a new text (302 = saved);
- coordination: the statistics page with and without filters, CSV and XLSX
  exports of its sections;
- committee (a protected role): the statistics page and CSV exports of what
  it links to.

Every user waits 1-3 s between steps (--think scales it): about ten times
the pace of people. Only 127.0.0.1 is contacted; the run stops after
--duration seconds or --max-requests requests, whichever comes first.

Afterwards it checks that every acknowledged write is in the database: each
entry answered 302/201 by its client id, each concept save by the marker in
the text it wrote last. It reports errors (anything but the expected status,
timeouts, refused connections: must be 0), p50/p95/p99 per kind of request,
throughput, CPU of gunicorn and of this client, and the load average before
and after. Exit status 1 if there was an error or a write is missing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import random
import re
import secrets
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import bench_entry
from bench_entry import (
    ROOT,
    _cpu_seconds,
    _free_port,
    _machine_ticks,
    _percentile,
    _queue_and_records,
    api_fields,
    machine_busy,
    wait_until_quiet,
)

PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ss_loadtest")
PASSWORD = "last-test-" + "passwort-2026"
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LOCK_RE = re.compile(r'name="lock_version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="lock_version"')
# Shares of the 50 users (the rest are form workers).
MIX = {"api": 8, "concept": 4, "coordination": 7, "committee": 5}


# --------------------------------------------------------------------------- preparation


def prepare(users: int) -> dict:
    """Runs in a subprocess with DATABASE_URL set: migrate, the demo, accounts."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from trees import platform_actor

    from schulsozial.accounts.models import Role, User
    from schulsozial.accounts.services import role_assign
    from schulsozial.activities import services as doc
    from schulsozial.activities.models import CatalogueEntry
    from schulsozial.concepts.models import SchoolConcept
    from schulsozial.masterdata import services
    from schulsozial.masterdata.models import Municipality, PositionAssignment

    ACTOR = platform_actor()  # noqa: N806
    call_command("migrate", verbosity=0)
    call_command("load_demo", quiet_logins=True, verbosity=0)
    town = Municipality.objects.get(name="Herne")
    counts = mix(users)
    day = datetime.date.today() - datetime.timedelta(days=1)  # noqa: DTZ011

    def account(name: str, role: str, **scope: object) -> str:
        user = User.objects.create_user(username=name, password=PASSWORD, display_name=name)
        role_assign(user=user, role=role, by=ACTOR, **scope)
        return name

    # Staff members of Herne with a position assigned to a school yesterday.
    assignments = list(
        PositionAssignment.objects.filter(
            position__municipality=town,
            position__staff_member__isnull=False,
            position__valid_from__lte=day,
        )
        .exclude(position__valid_to__lt=day)
        .select_related("position__staff_member", "position__carrier", "school")
        .order_by("position__staff_member_id", "school_id")
    )
    seen, pairs = set(), []
    for a in assignments:
        if a.position.staff_member_id not in seen:
            seen.add(a.position.staff_member_id)
            pairs.append(a)
    free = [a for a in pairs if a.position.staff_member.user_id is None]
    if len(free) < counts["form"]:
        raise SystemExit(f"the demo has {len(free)} free staff members, {counts['form']} needed")
    workers = []
    for n, a in enumerate(free[: counts["form"]]):
        name = account(f"last.fk{n:02d}", Role.WORKER, school=a.school)
        services.staff_update(
            staff=a.position.staff_member, user=User.objects.get(username=name), by=ACTOR
        )
        workers.append({"user": name, "school": a.school.pk})

    # API: one token per client (each carrier's software), staff of that carrier.
    api = []
    for n in range(counts["api"]):
        a = pairs[(n * 7) % len(pairs)]
        _token, key = doc.api_token_create(
            carrier=a.position.carrier, name=f"Fachsoftware Lasttest {n}", by=ACTOR
        )
        api.append(
            {"key": key, "staff": a.position.staff_member_id, "number": a.school.school_number}
        )

    # Concept editors: one per editable school concept (no two edit the same).
    concepts = [
        c
        for c in SchoolConcept.objects.filter(school__municipality=town).select_related("school")
        if c.is_editable
    ][: counts["concept"]]
    editors = []
    for n, concept in enumerate(concepts):
        name = account(f"last.konzept{n}", Role.WORKER, school=concept.school)
        editors.append(
            {
                "user": name,
                "concept": concept.pk,
                "sections": [s.pk for s in concept.sections.all()],
            }
        )
    coordination = [
        account(f"last.koord{n}", Role.COORDINATION, municipality=town)
        for n in range(counts["coordination"])
    ]
    committee = [
        account(f"last.gremium{n}", Role.COMMITTEE, municipality=town)
        for n in range(counts["committee"])
    ]

    def pk(kind: str, code: str) -> int:
        return CatalogueEntry.objects.get(municipality=town, kind=kind, code=code).pk

    form = {
        "date": day.isoformat(),
        "activity_type": pk("activity_type", "counselling_pupil"),
        "target_group": pk("target_group", "individual"),
        "topics": pk("topic", "bullying"),
        "contact_origin": pk("contact_origin", "teacher"),
        f"p_{pk('gender', 'female')}_{pk('grade_band', 'primary')}": "1",
        "then": "new",
    }
    return {
        "day": day.isoformat(),
        "workers": workers,
        "api": api,
        "editors": editors,
        "coordination": coordination,
        "committee": committee,
        "form": form,
    }


def mix(users: int) -> dict[str, int]:
    """How many users of each kind: MIX scaled to `users`, the rest form workers."""
    scaled = {k: max(1, round(v * users / 50)) for k, v in MIX.items()}
    scaled["form"] = max(1, users - sum(scaled.values()))
    return scaled


# --------------------------------------------------------------------------- the users


class Run:
    """Shared state of one run: timings per kind, errors, acknowledged writes."""

    def __init__(self, base: str, *, duration: float, max_requests: int, think: float) -> None:
        self.base = base
        self.deadline = time.monotonic() + duration
        self.max_requests = max_requests
        self.think = think
        self.sent = 0
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.acked_entries: set[str] = set()
        self.acked_concepts: dict[int, str] = {}  # section pk -> marker of the last save
        self.concept_saves = 0
        self.started = self.finished = time.monotonic()

    def running(self) -> bool:
        return time.monotonic() < self.deadline and self.sent < self.max_requests

    async def pause(self, low: float = 1.0, high: float = 3.0) -> None:
        await asyncio.sleep(random.uniform(low, high) * self.think)

    async def request(self, client, kind: str, method: str, url: str, expect: int, **kw):
        """One request; None when it failed (counted as an error of `kind`)."""
        import httpx

        if not self.running():
            return None
        self.sent += 1
        began = time.monotonic()
        try:
            response = await client.request(method, url, **kw)
        except httpx.HTTPError as error:
            self.errors[kind].append(f"{type(error).__name__}: {error}"[:200])
            return None
        self.latencies[kind].append(time.monotonic() - began)
        if response.status_code != expect:
            self.errors[kind].append(f"{response.status_code} {method} {url}"[:200])
            return None
        return response


def _client(run: Run, **kw):
    import httpx

    return httpx.AsyncClient(
        base_url=run.base, timeout=60, follow_redirects=False, trust_env=False, **kw
    )


async def login(run: Run, client, user: str) -> bool:
    page = await run.request(client, "login (GET)", "GET", "/accounts/login/", 200)
    if page is None:
        return False
    token = TOKEN_RE.search(page.text).group(1)
    done = await run.request(
        client, "login (POST)", "POST", "/accounts/login/", 302,
        data={"username": user, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )  # fmt: skip
    return done is not None


async def form_worker(run: Run, setup: dict, worker: dict) -> None:
    async with _client(run) as client:
        if not await login(run, client, worker["user"]):
            return
        while run.running():
            page = await run.request(client, "entry form (GET)", "GET", "/dokumentation/neu/", 200)
            if page is None:
                await run.pause()
                continue
            token = TOKEN_RE.search(page.text).group(1)
            await run.pause(2, 5)  # filling the form in
            client_id = str(uuid.uuid4())
            data = {
                **setup["form"],
                "school": worker["school"],
                "minutes": str(random.choice([15, 30, 45, 60, 90])),
                "case_code": f"K{random.randint(1, 40)}",
                "client_id": client_id,
                "csrfmiddlewaretoken": token,
            }
            saved = await run.request(
                client, "entry form (POST)", "POST", "/dokumentation/neu/", 302, data=data
            )
            if saved is not None:
                run.acked_entries.add(client_id)
            await run.pause()


async def api_client(run: Run, setup: dict, api: dict) -> None:
    headers = {"Authorization": f"Bearer {api['key']}"}
    async with _client(run, headers=headers) as client:
        while run.running():
            client_id = str(uuid.uuid4())
            body = {"client_id": client_id, **api_fields(api, setup["day"])}
            body["case_code"] = f"A{random.randint(1, 40)}"
            saved = await run.request(
                client, "API entry (POST)", "POST", "/api/v1/activities/", 201, json=body
            )
            if saved is not None:
                run.acked_entries.add(client_id)
            await run.pause()


async def concept_editor(run: Run, editor: dict) -> None:
    async with _client(run) as client:
        if not await login(run, client, editor["user"]):
            return
        n = 0
        while run.running():
            section = editor["sections"][n % len(editor["sections"])]
            n += 1
            url = f"/konzepte/school-concepts/{editor['concept']}/sections/{section}/edit/"
            page = await run.request(client, "concept section (GET)", "GET", url, 200)
            if page is None:
                await run.pause()
                continue
            token = TOKEN_RE.search(page.text).group(1)
            lock = LOCK_RE.search(page.text)
            await run.pause(3, 6)  # writing
            marker = f"[Lasttest {uuid.uuid4()}]"
            text = (
                "Die Schulsozialarbeit berät Schülerinnen und Schüler, Eltern und Lehrkräfte. "
                f"Stand {marker}"
            )
            data = {"text": text, "csrfmiddlewaretoken": token}
            if lock:
                data["lock_version"] = lock.group(1) or lock.group(2)
            saved = await run.request(client, "concept section (POST)", "POST", url, 302, data=data)
            if saved is not None:
                run.acked_concepts[section] = marker
                run.concept_saves += 1
            await run.pause()


EXPORT_RE = re.compile(r'href="(/statistik/export/[^"]+\.(csv|xlsx)[^"]*)"')


async def viewer(run: Run, user: str, *, filters: list[str], formats: tuple[str, ...]) -> None:
    """Coordination or committee: statistics pages and the exports they link to."""
    async with _client(run) as client:
        if not await login(run, client, user):
            return
        while run.running():
            query = random.choice(filters)
            page = await run.request(client, "statistics page", "GET", f"/statistik/{query}", 200)
            await run.pause()
            if page is None:
                continue
            links = [
                (href.replace("&amp;", "&"), fmt)
                for href, fmt in EXPORT_RE.findall(page.text)
                if fmt in formats
            ]
            if links and random.random() < 0.5:
                href, fmt = random.choice(links)
                await run.request(client, f"export {fmt.upper()}", "GET", href, 200)
                await run.pause()


async def drive(base: str, setup: dict, *, duration: float, max_requests: int, think: float) -> Run:
    run = Run(base, duration=duration, max_requests=max_requests, think=think)
    coordination_filters = ["", "?month_from=8&month_to=10", "?school_type=GS", "?school_type=GE"]
    tasks = [form_worker(run, setup, w) for w in setup["workers"]]
    tasks += [api_client(run, setup, a) for a in setup["api"]]
    tasks += [concept_editor(run, e) for e in setup["editors"]]
    tasks += [
        viewer(run, u, filters=coordination_filters, formats=("csv", "xlsx"))
        for u in setup["coordination"]
    ]
    tasks += [viewer(run, u, filters=[""], formats=("csv",)) for u in setup["committee"]]

    async def staggered(n: int, coroutine) -> None:
        await asyncio.sleep(n * 0.2)  # log in one after the other over 10 s
        await coroutine

    everyone = asyncio.gather(*(staggered(n, t) for n, t in enumerate(tasks)))
    try:
        # A hard stop: the duration plus time for the last requests.
        await asyncio.wait_for(everyone, timeout=duration + 90)
    except TimeoutError:
        run.errors["run"].append("users still busy 90 s after the end: cancelled")
    run.finished = time.monotonic()
    return run


# --------------------------------------------------------------------------- checks


def missing_writes(database_url: str, run: Run) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        found = {
            str(row[0])
            for row in db.execute(
                "SELECT client_id FROM activities_activity WHERE client_id = ANY(%s::uuid[])",
                [list(run.acked_entries)],
            )
        }
        concepts = 0
        for section, marker in run.acked_concepts.items():
            text = db.execute(
                "SELECT text FROM concepts_schoolconceptsection WHERE id = %s", [section]
            ).fetchone()
            if text is None or marker not in text[0]:
                concepts += 1
    return {"entries": len(run.acked_entries - found), "concept sections": concepts}


def wait_for_rollups(database_url: str, seconds: float = 30) -> tuple[int, int]:
    """(records still queued, records not in the rollups) once the worker is done."""
    end = time.monotonic() + seconds
    while True:
        queued, records, rolled = _queue_and_records(database_url)
        if (queued == 0 and records == rolled) or time.monotonic() > end:
            return queued, records - rolled
        time.sleep(1)


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=300, help="seconds (default 300)")
    parser.add_argument("--max-requests", type=int, default=200_000, help="hard cap")
    parser.add_argument("--think", type=float, default=1.0, help="scale of the pauses")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--quiet",
        type=float,
        default=None,
        metavar="PERCENT",
        help="first wait (up to --wait s) until the machine is at most this busy",
    )
    parser.add_argument("--wait", type=float, default=900)
    args = parser.parse_args()
    if args.prepare:
        print(json.dumps(prepare(args.users)))
        return
    if not 1 <= args.users <= 500 or args.duration > 3600:
        sys.exit("--users 1..500, --duration at most 3600 s")

    bench_entry.PG_URL = PG_URL
    database_url = bench_entry.fresh_postgres()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback: cookies without the Secure flag. Every
        # other production setting stays (no HTTPS redirect without a proxy).
        "SECURE_COOKIES": "0",
        "BEHIND_TLS_PROXY": "0",
        "LOG_LEVEL": "ERROR",
    }
    for name in ("SCHULSOZIAL_TESTING", "AXES_ENABLED", "API_RATE"):
        env.pop(name, None)
    print(f"preparing {database_url} (migrate, load_demo, {args.users} accounts) ...", flush=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare", "--users", str(args.users)],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if prepared.returncode:
        sys.exit(prepared.stderr[-3000:])
    setup = json.loads(prepared.stdout.strip().splitlines()[-1])
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True)

    port = _free_port()
    while port == 8000:
        port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--workers", str(args.workers),
         "--timeout", "60", "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    # Older code kept the rollups with a worker of its own; today each write does.
    worker = (
        subprocess.Popen([*manage, "rollup_worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
        if (ROOT / "schulsozial/statistics/management/commands/rollup_worker.py").exists()
        else None
    )
    try:
        import httpx

        for _ in range(150):
            try:
                httpx.get(f"{base}/healthz", timeout=5, trust_env=False)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        if args.quiet is not None:
            wait_until_quiet(args.quiet, args.wait)
        counts = {
            k: len(setup[k]) for k in ("workers", "api", "editors", "coordination", "committee")
        }
        load_before, busy_before = os.getloadavg(), machine_busy()
        print(
            f"{sum(counts.values())} users {counts} for {args.duration:g} s against {base} "
            f"(gunicorn {args.workers} sync workers); load average {load_before[0]:.2f}, "
            f"machine {busy_before:.0f} % busy",
            flush=True,
        )
        cpu_client, cpu_server = time.process_time(), _cpu_seconds(server.pid)
        cpu_rollups, machine = _cpu_seconds(worker.pid) if worker else 0.0, _machine_ticks()
        run = asyncio.run(
            drive(
                base,
                setup,
                duration=args.duration,
                max_requests=args.max_requests,
                think=args.think,
            )
        )
        wall = run.finished - run.started
        cpu_client = time.process_time() - cpu_client
        cpu_server = _cpu_seconds(server.pid) - cpu_server
        cpu_rollups = (_cpu_seconds(worker.pid) if worker else 0.0) - cpu_rollups
        busy, total = _machine_ticks()
        load_after = os.getloadavg()
        queued, not_rolled = wait_for_rollups(database_url)
        missing = missing_writes(database_url, run)
    finally:
        server.terminate()
        server.wait(timeout=30)
        if worker:
            worker.terminate()
            worker.wait(timeout=30)

    cores = os.cpu_count() or 1
    answered = sum(len(v) for v in run.latencies.values())
    errors = sum(len(v) for v in run.errors.values())
    kinds = {}
    for kind in sorted(set(run.latencies) | set(run.errors)):
        values = run.latencies.get(kind, [])
        kinds[kind] = {
            "n": len(values),
            "errors": len(run.errors.get(kind, [])),
            **(
                {
                    "p50_ms": round(_percentile(values, 50) * 1000),
                    "p95_ms": round(_percentile(values, 95) * 1000),
                    "p99_ms": round(_percentile(values, 99) * 1000),
                    "max_ms": round(max(values) * 1000),
                }
                if values
                else {}
            ),
            **({"first_error": run.errors[kind][0]} if run.errors.get(kind) else {}),
        }
    result = {
        "users": counts,
        "duration_s": round(wall, 1),
        "requests": answered,
        "requests_per_s": round(answered / wall, 1),
        "writes_acknowledged": {
            "entries": len(run.acked_entries),
            "concept saves": run.concept_saves,
            "concept sections": len(run.acked_concepts),
        },
        "entries_per_s": round(len(run.acked_entries) / wall, 2),
        "errors": errors,
        "missing_writes": missing,
        "rollups_after": {"queued": queued, "records_not_in_rollups": not_rolled},
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in load_after],
        "machine_busy_before_pct": round(busy_before),
        "machine_cpu_pct": round(100 * (busy - machine[0]) / max(1, total - machine[1])),
        "gunicorn_cpu_pct": round(100 * cpu_server / wall / cores, 1),
        "rollup_worker_cpu_pct": round(100 * cpu_rollups / wall / cores, 1),
        "client_cpu_pct": round(100 * cpu_client / wall / cores, 1),
        "kinds": kinds,
    }
    print(
        f"\n{'request':<26}{'n':>7}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}"
    )
    for kind, k in kinds.items():
        print(
            f"{kind:<26}{k['n']:>7}{k['errors']:>8}{k.get('p50_ms', '-'):>8}"
            f"{k.get('p95_ms', '-'):>8}{k.get('p99_ms', '-'):>8}{k.get('max_ms', '-'):>8}"
        )
    print(json.dumps({k: v for k, v in result.items() if k != "kinds"}, indent=1))
    for kind, messages in run.errors.items():
        for message in messages[:3]:
            print(f"  error {kind}: {message}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    if errors or any(missing.values()) or queued or not_rolled:
        sys.exit(1)


if __name__ == "__main__":
    main()
