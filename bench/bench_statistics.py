"""Benchmark: statistics reports at Land scale, rollups (ours) against ORM
aggregation over the raw records (naive), side by side in one run, on
SQLite and PostgreSQL.

    .venv/bin/python bench/bench_statistics.py                   # 1M rows, both databases
    .venv/bin/python bench/bench_statistics.py --rows 10000000 --postgres

Synthetic Land: 108 municipalities x 50 schools = 5,400 schools, 4,000 social
workers (1,400 serve two schools), 324 carriers, 10 school years, `--rows`
activity records with topics. Generated straight into a fresh database
(COPY on PostgreSQL, executemany in big transactions on SQLite); the rollups
are then built in bulk with INSERT ... SELECT ... GROUP BY (the same cells
apply_activity writes one by one). Each run uses a fresh database.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/schulsozial_bench_stats"
)
MUNICIPALITIES, SCHOOLS_PER, WORKERS, YEARS = 108, 50, 4000, 10


def _generate(rows: int, year_rows: int = 0, seed: int = 7) -> dict[str, float]:
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone

    from schulsozial.activities.models import Activity, CatalogueEntry
    from schulsozial.activities.services import catalogues_ensure_defaults
    from schulsozial.masterdata.models import (
        Carrier,
        FundingStream,
        Municipality,
        Position,
        PositionAssignment,
        School,
        SchoolType,
        SchoolYear,
        SchoolYearFigures,
        StaffMember,
    )
    from schulsozial.statistics.rollups import school_year_of

    rng = np.random.default_rng(seed)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    current = school_year_of(timezone.localdate())
    first_year = current - YEARS + 1
    with transaction.atomic():
        years = [
            SchoolYear(code=c, start=s, end=e)
            for c, s, e in (SchoolYear.bounds_for(y) for y in range(first_year, current + 1))
        ]
        SchoolYear.objects.bulk_create(years)
        years = list(SchoolYear.objects.order_by("start"))
        muns = Municipality.objects.bulk_create(
            [Municipality(ags=f"05{i:06d}", name=f"Stadt {i:03d}") for i in range(MUNICIPALITIES)]
        )
        muns = list(Municipality.objects.order_by("pk"))
        types = [SchoolType.GS] * 5 + [
            SchoolType.GY,
            SchoolType.RS,
            SchoolType.GE,
            SchoolType.HS,
            SchoolType.FS,
        ]
        School.objects.bulk_create(
            [
                School(
                    municipality=m,
                    school_number=f"{100000 + i * SCHOOLS_PER + j}",
                    name=f"Schule {i:03d}-{j:02d}",
                    school_type=types[j % len(types)],
                )
                for i, m in enumerate(muns)
                for j in range(SCHOOLS_PER)
            ],
            batch_size=2000,
        )
        schools = list(School.objects.order_by("pk").values_list("pk", "municipality_id"))
        SchoolYearFigures.objects.bulk_create(
            [
                SchoolYearFigures(school_id=s, school_year=years[0], pupils=int(p))
                for (s, _m), p in zip(schools, rng.integers(120, 1300, len(schools)), strict=True)
            ],
            batch_size=2000,
        )
        carriers = Carrier.objects.bulk_create(
            [
                Carrier(municipality=m, name=f"Träger {k}", kind=Carrier.Kind.WELFARE)
                for m in muns
                for k in range(3)
            ]
        )
        carriers = list(Carrier.objects.order_by("pk").values_list("pk", "municipality_id"))
        streams = FundingStream.objects.bulk_create(
            [
                FundingStream(municipality=m, code="FRL", name="FRL", kind=FundingStream.Kind.LAND)
                for m in muns
            ]
        )
        stream_of = {s.municipality_id: s.pk for s in FundingStream.objects.all()}
        del streams
        # Workers: every school has one; 1,400 workers serve two schools of a municipality.
        carrier_by_mun: dict[int, list[int]] = {}
        for c, m in carriers:
            carrier_by_mun.setdefault(m, []).append(c)
        school_worker: dict[int, int] = {}
        plan: list[tuple[int, int, list[int]]] = []  # (municipality, carrier, schools)
        queue = list(schools)
        two = len(schools) - WORKERS
        k = 0
        while queue:
            s, m = queue.pop(0)
            served = [s]
            if k < two and queue and queue[0][1] == m:
                served.append(queue.pop(0)[0])
            plan.append((m, carrier_by_mun[m][k % 3], served))
            k += 1
        start = datetime.date(first_year, 8, 1)
        StaffMember.objects.bulk_create(
            [
                StaffMember(
                    municipality_id=m,
                    carrier_id=c,
                    label=f"FK-{n:05d}",
                    weekly_hours=39 if len(served) == 2 else 19.5,
                    fte=1 if len(served) == 2 else 0.5,
                    contract_start=start,
                )
                for n, (m, c, served) in enumerate(plan)
            ],
            batch_size=2000,
        )
        staff = list(StaffMember.objects.order_by("pk").values_list("pk", flat=True))
        Position.objects.bulk_create(
            [
                Position(
                    municipality_id=m,
                    code=f"P-{n:05d}",
                    carrier_id=c,
                    funding_stream_id=stream_of[m],
                    fte=1 if len(served) == 2 else 0.5,
                    weekly_hours=39 if len(served) == 2 else 19.5,
                    staff_member_id=staff[n],
                    valid_from=start,
                )
                for n, (m, c, served) in enumerate(plan)
            ],
            batch_size=2000,
        )
        positions = list(Position.objects.order_by("pk").values_list("pk", flat=True))
        PositionAssignment.objects.bulk_create(
            [
                PositionAssignment(position_id=positions[n], school_id=s, weekly_hours=19.5)
                for n, (_m, _c, served) in enumerate(plan)
                for s in served
            ],
            batch_size=2000,
        )
        for n, (_m, _c, served) in enumerate(plan):
            for s in served:
                school_worker[s] = staff[n]
        for m in muns:
            catalogues_ensure_defaults(municipality=m)
    timings["masterdata_s"] = time.perf_counter() - started

    # Catalogue ids per municipality, in the default order.
    entries: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for mid, kind, code, pk in CatalogueEntry.objects.order_by(
        "municipality_id", "kind", "sort_order"
    ).values_list("municipality_id", "kind", "code", "pk"):
        entries.setdefault((mid, kind), []).append((code, pk))
    mun_ids = [m.pk for m in muns]
    mun_index = {m: i for i, m in enumerate(mun_ids)}

    def table(kind: str) -> np.ndarray:
        return np.array([[pk for _c, pk in entries[(m, kind)]] for m in mun_ids], dtype=np.int64)

    type_tab, topic_tab = table("activity_type"), table("topic")
    origin_tab, partner_tab, tg_tab = (
        table("contact_origin"),
        table("partner"),
        table("target_group"),
    )
    type_codes = [c for c, _pk in entries[(mun_ids[0], "activity_type")]]
    tg_codes = [c for c, _pk in entries[(mun_ids[0], "target_group")]]
    tg_for_type = {
        "counselling_pupil": "individual", "counselling_parents": "parents", "counselling_staff": "staff",
        "group_offer": "group", "class_project": "class", "open_offer": "group", "crisis": "individual",
        "child_protection": "individual", "case_conference": "network", "home_visit": "parents",
        "but": "parents", "transition": "individual", "parents_evening": "parents",
        "network": "network", "administration": "school",
    }  # fmt: skip
    type_to_tg = np.array([tg_codes.index(tg_for_type.get(c, "individual")) for c in type_codes])
    type_weights = np.array([30, 10, 10, 8, 6, 5, 3, 0.5, 3, 1.5, 3, 4, 1, 8, 7], dtype=float)[
        : len(type_codes)
    ]
    type_weights /= type_weights.sum()
    people_lo = {
        "individual": 1,
        "group": 4,
        "class": 18,
        "parents": 1,
        "staff": 1,
        "school": 0,
        "network": 0,
    }
    people_hi = {
        "individual": 2,
        "group": 12,
        "class": 30,
        "parents": 3,
        "staff": 4,
        "school": 0,
        "network": 0,
    }
    lo = np.array([people_lo[tg_codes[t]] for t in range(len(tg_codes))])
    hi = np.array([people_hi[tg_codes[t]] for t in range(len(tg_codes))])

    school_ids = np.array([s for s, _m in schools], dtype=np.int64)
    school_mun = np.array([mun_index[m] for _s, m in schools], dtype=np.int64)
    school_wk = np.array([school_worker[s] for s, _m in schools], dtype=np.int64)
    # Bigger schools document more: a skewed weight per school.
    weight = rng.gamma(2.0, 1.0, len(schools))
    weight /= weight.sum()
    day0 = datetime.date(first_year, 8, 1)
    days = (datetime.date(current, 7, 31) - day0).days + 1
    vendor = connection.vendor
    cols = (
        "id, school_id, worker_id, author_id, date, minutes, activity_type_id, target_group_id, "
        "contact_origin_id, partner_id, follow_up, source, participants, case_hash, client_id, "
        "created_at, updated_at"
    )
    stamp = "2026-01-01 00:00:00+00"
    started = time.perf_counter()
    chunk = 250_000
    next_id = 1
    for offset in range(0, rows, chunk):
        n = min(chunk, rows - offset)
        si = rng.choice(len(schools), n, p=weight)
        mi = school_mun[si]
        t = rng.choice(len(type_codes), n, p=type_weights)
        tg = type_to_tg[t]
        day = rng.integers(0, days, n)
        if year_rows:
            # The measured school year (the last complete one) at full Land density.
            focus = rng.random(n) < year_rows / rows
            first = (datetime.date(current - 1, 8, 1) - day0).days
            day = np.where(focus, rng.integers(first, first + 365, n), day)
        minutes = rng.choice(
            np.array([15, 30, 45, 60, 90, 120]), n, p=[0.15, 0.3, 0.25, 0.2, 0.06, 0.04]
        )
        people = rng.integers(lo[tg], hi[tg] + 1)
        has_origin = rng.random(n) < 0.7
        origin = origin_tab[mi, rng.integers(0, origin_tab.shape[1], n)]
        has_partner = rng.random(n) < 0.15
        partner = partner_tab[mi, rng.integers(0, partner_tab.shape[1], n)]
        has_case = (tg_codes.index("individual") == tg) & (rng.random(n) < 0.6)
        case = rng.integers(0, 150, n)
        topics_n = (rng.random(n) < 0.8).astype(int) + (rng.random(n) < 0.25).astype(int)
        topic_a = topic_tab[mi, rng.integers(0, topic_tab.shape[1], n)]
        topic_b = topic_tab[mi, rng.integers(0, topic_tab.shape[1], n)]
        uuids = os.urandom(16 * n).hex()
        records = []
        links = []
        for r in range(n):
            pk = next_id + r
            d = day0 + datetime.timedelta(days=int(day[r]))
            s = int(school_ids[si[r]])
            records.append(
                (
                    pk, s, int(school_wk[si[r]]), None, d.isoformat(), int(minutes[r]),
                    int(type_tab[mi[r], t[r]]), int(tg_tab[mi[r], tg[r]]),
                    int(origin[r]) if has_origin[r] else None,
                    int(partner[r]) if has_partner[r] else None,
                    False, "form", int(people[r]),
                    f"{s:016x}{d.year:08x}{int(case[r]):040x}" if has_case[r] else "",
                    uuids[32 * r : 32 * r + 32], stamp, stamp,
                )
            )  # fmt: skip
            if topics_n[r] >= 1:
                links.append((pk, int(topic_a[r])))
            if topics_n[r] == 2 and topic_b[r] != topic_a[r]:
                links.append((pk, int(topic_b[r])))
        next_id += n
        if vendor == "postgresql":
            _copy(connection, "activities_activity", cols, records)
            _copy(connection, "activities_activity_topics", "activity_id, catalogueentry_id", links)
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                marks = ", ".join(["%s"] * 17)
                cursor.executemany(
                    f"INSERT INTO activities_activity ({cols}) VALUES ({marks})",  # noqa: S608 (constants)
                    records,
                )
                cursor.executemany(
                    "INSERT INTO activities_activity_topics (activity_id, catalogueentry_id) VALUES (%s, %s)",
                    links,
                )
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval('activities_activity_id_seq', (SELECT max(id) FROM activities_activity))"
            )
    timings["activities_s"] = time.perf_counter() - started
    started = time.perf_counter()
    bulk_rollups(connection)
    timings["rollups_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["rows"] = Activity.objects.count()
    from schulsozial.statistics.models import ActivityRollup, CaseRollup, DimensionRollup

    timings["rollup_rows"] = sum(
        m.objects.count() for m in (ActivityRollup, DimensionRollup, CaseRollup)
    )
    return timings


def _copy(connection, table: str, cols: str, records: list[tuple]) -> None:
    buffer = io.StringIO()
    for rec in records:
        buffer.write(
            "\t".join("\\N" if v is None else ("f" if v is False else str(v)) for v in rec)
        )
        buffer.write("\n")
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
    ):
        copy.write(buffer.getvalue())


def bulk_rollups(connection) -> None:
    """The rollup cells of every record, in bulk (what apply_activity writes one by one)."""
    if connection.vendor == "postgresql":
        year = "CAST(EXTRACT(YEAR FROM a.date) AS INTEGER)"
        month = "CAST(EXTRACT(MONTH FROM a.date) AS INTEGER)"
    else:
        year = "CAST(strftime('%Y', a.date) AS INTEGER)"
        month = "CAST(strftime('%m', a.date) AS INTEGER)"
    sy = f"(CASE WHEN {month} >= 8 THEN {year} ELSE {year} - 1 END)"
    joins = (
        "FROM activities_activity a JOIN masterdata_school s ON s.id = a.school_id "
        "JOIN masterdata_staffmember w ON w.id = a.worker_id"
    )
    base = "s.municipality_id, a.school_id, w.carrier_id, a.worker_id"
    statements = []
    for m in (month, "0"):
        statements.append(
            "INSERT INTO statistics_activityrollup (school_year, month, municipality_id, school_id, carrier_id, "
            "worker_id, activity_type_id, target_group_id, count, minutes, participants) "
            f"SELECT {sy}, {m}, {base}, a.activity_type_id, a.target_group_id, COUNT(*), SUM(a.minutes), "
            f"SUM(a.participants) {joins} GROUP BY {sy}, {m + ', ' if m != '0' else ''}{base}, "
            "a.activity_type_id, a.target_group_id"
        )
    for field, kind in (("a.contact_origin_id", "contact_origin"), ("a.partner_id", "partner")):
        statements.append(
            "INSERT INTO statistics_dimensionrollup (school_year, month, municipality_id, school_id, carrier_id, "
            f"worker_id, kind, entry_id, count, minutes) SELECT {sy}, 0, {base}, '{kind}', {field}, COUNT(*), "
            f"SUM(a.minutes) {joins} WHERE {field} IS NOT NULL GROUP BY {sy}, {base}, {field}"
        )
    statements.append(
        "INSERT INTO statistics_dimensionrollup (school_year, month, municipality_id, school_id, carrier_id, "
        f"worker_id, kind, entry_id, count, minutes) SELECT {sy}, 0, {base}, 'topic', t.catalogueentry_id, "
        f"COUNT(*), SUM(a.minutes) {joins} JOIN activities_activity_topics t ON t.activity_id = a.id "
        f"GROUP BY {sy}, {base}, t.catalogueentry_id"
    )
    statements.append(
        "INSERT INTO statistics_caserollup (school_year, month, municipality_id, school_id, carrier_id, "
        f"worker_id, case_hash, count) SELECT {sy}, 0, {base}, a.case_hash, COUNT(*) {joins} "
        f"WHERE a.case_hash <> '' GROUP BY {sy}, {base}, a.case_hash"
    )
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _time(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def child(rows: int, year_rows: int) -> dict[str, object]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-400000")
    result: dict[str, object] = {"generate": _generate(rows, year_rows)}
    result["measure"] = measure()
    return result


def measure() -> dict[str, object]:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from schulsozial.accounts.models import Role
    from schulsozial.masterdata.models import Municipality, School
    from schulsozial.statistics.rollups import school_year_of
    from schulsozial.statistics.selectors import Filters, Scope, land_scope, statistics_report
    from schulsozial.testing.personas import make_user

    year = school_year_of(timezone.localdate()) - 1
    filters = Filters(school_year=year)
    mun = Municipality.objects.order_by("pk")[MUNICIPALITIES // 2]
    school = School.objects.filter(municipality=mun).order_by("pk")[7]
    school_scope = Scope(
        key="principal", kind="principal", label="", municipality_ids=frozenset({mun.pk}),
        school_ids=frozenset({school.pk}),
    )  # fmt: skip
    mun_scope = Scope(
        key="committee", kind="committee", label="", municipality_ids=frozenset({mun.pk})
    )
    land = land_scope()
    out: dict[str, object] = {}
    for name, scope, repeat_ours, repeat_naive in (
        ("school", school_scope, 9, 5),
        ("municipality", mun_scope, 9, 3),
        ("land", land, 3, 1),
    ):
        ours = _time(lambda s=scope: statistics_report(scope=s, filters=filters), repeat_ours)
        naive = _time(
            lambda s=scope: statistics_report(scope=s, filters=filters, source="raw"), repeat_naive
        )
        a = statistics_report(scope=scope, filters=filters)
        if name != "land":
            b = statistics_report(scope=scope, filters=filters, source="raw")
            assert [(s.key, [r.values for r in s.rows]) for s in a.sections] == [
                (s.key, [r.values for r in s.rows]) for s in b.sections
            ], f"{name}: rollups and raw records disagree"
        out[name] = {
            "ours_s": ours,
            "naive_s": naive,
            "ratio": naive / ours,
            "suppressed": a.suppressed,
        }
        print(name, json.dumps(out[name]), file=sys.stderr, flush=True)
    # Whole pages through Django's test client (session, template, charts).
    principal = make_user("bench-principal", Role.PRINCIPAL, school=school)
    coordinator = make_user("bench-coordination", Role.COORDINATION, municipality=mun)
    for name, user in (("school_page", principal), ("municipality_page", coordinator)):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        url = f"/statistik/?school_year={year}"
        assert client.get(url).status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        reset_queries()
        out[name] = {
            "ours_s": _time(lambda c=client, u=url: c.get(u), 7),
            "queries": len(ctx.captured_queries),
        }
    return out


def run(database_url: str, rows: int, year_rows: int) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SCHULSOZIAL_TESTING": "1",
        "DB_CONN_MAX_AGE": "0",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(rows), "--year-rows", str(year_rows)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        sys.exit(out.stderr[-4000:])
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
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--year-rows",
        type=int,
        default=0,
        help="put this many of the rows into the measured school year (full Land density"
        " is 1,000,000 a year) when --rows is below the 10 million of ten years",
    )
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(int(args.child), args.year_rows)))
        return
    backends = (
        ["sqlite"] if args.sqlite else ["postgresql"] if args.postgres else ["sqlite", "postgresql"]
    )
    for backend in backends:
        if backend == "sqlite":
            with tempfile.TemporaryDirectory(dir=ROOT / "var") as folder:
                result = run(f"sqlite:///{folder}/bench.sqlite3", args.rows, args.year_rows)
        else:
            result = run(fresh_postgres(), args.rows, args.year_rows)
        print(f"\n{backend}, {args.rows:,} rows: {json.dumps(result['generate'])}")
        print(f"{'report':<20} {'rollups (ours)':>15} {'ORM over raw':>14} {'ratio':>7}")
        for name, m in result["measure"].items():
            if "naive_s" in m:
                print(
                    f"{name:<20} {m['ours_s'] * 1000:>13.1f}ms {m['naive_s'] * 1000:>12.1f}ms {m['ratio']:>6.1f}x"
                )
            else:
                print(f"{name:<20} {m['ours_s'] * 1000:>13.1f}ms  ({m['queries']} queries)")
        if backend == "postgresql":
            base, name = PG_URL.rsplit("/", 1)
            subprocess.run(
                ["psql", base + "/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {name}"],
                check=False,
            )


if __name__ == "__main__":
    main()
