"""Benchmark: statistics reports at Land scale, rollups (ours) against ORM
aggregation over the raw records (naive), side by side in one run, on
SQLite and PostgreSQL.

    .venv/bin/python bench/bench_statistics.py                   # 10M records, both databases
    .venv/bin/python bench/bench_statistics.py --postgres        # 10M, PostgreSQL only
    .venv/bin/python bench/bench_statistics.py --rows 300000     # a quick check

Synthetic Land: 108 municipalities x 50 schools = 5,400 schools, 4,000 social
workers (1,400 serve two schools), 324 carriers, 10 school years, `--rows`
activity records with topics (default 10 million: the full Land density of about
1 million a school year). Generated straight into a fresh database as numpy
columns (binary COPY on PostgreSQL, executemany in one transaction per million
on SQLite, secondary indexes created after the load); the rollups are then
built by `rebuild_rollups` (INSERT ... SELECT ... GROUP BY per school year, the
same cells the services write one by one). Each run uses a fresh database
(PostgreSQL: BENCH_POSTGRES_URL, default ss_bench_stats).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/ss_bench_stats")
MUNICIPALITIES, SCHOOLS_PER, WORKERS, YEARS = 108, 50, 4000, 10


def _generate(rows: int, year_rows: int = 0, seed: int = 7) -> dict[str, float]:
    import numpy as np
    from django.db import connection, transaction
    from django.utils import timezone
    from trees import ensure_catalogues

    from schulsozial.activities.models import Activity, CatalogueEntry
    from schulsozial.core.school_year import start_year_of as school_year_of
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
            ensure_catalogues(m)
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
    activity_table, topic_table = "activities_activity", "activities_activity_topics"
    cols = (
        "id, school_id, worker_id, author_id, date, minutes, activity_type_id, target_group_id, "
        "contact_origin_id, partner_id, follow_up, source, participants, case_hash, client_id, "
        "created_at, updated_at"
    )
    # Look-up tables for the vectorised columns.
    day_dates = [day0 + datetime.timedelta(days=d) for d in range(days)]
    day_pg = np.array([(d - datetime.date(2000, 1, 1)).days for d in day_dates], dtype=np.int32)
    day_iso = np.array([d.isoformat() for d in day_dates], dtype=object)
    day_year_hex = np.array([f"{d.year:08x}".encode() for d in day_dates], dtype="S8")
    school_hex = np.array([f"{int(s):016x}".encode() for s in school_ids], dtype="S16")
    case_hex = np.array([f"{c:040x}".encode() for c in range(150)], dtype="S40")
    utc = datetime.UTC
    stamp_pg = int(
        (
            datetime.datetime(2026, 1, 1, tzinfo=utc) - datetime.datetime(2000, 1, 1, tzinfo=utc)
        ).total_seconds()
        * 10**6
    )
    stamp_sqlite = "2026-01-01 00:00:00"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        restore = _strip_indexes(cursor, vendor, [activity_table, topic_table])
    chunk = 1_000_000
    next_id = 1
    links_total = 0
    for offset in range(0, rows, chunk):
        n = min(chunk, rows - offset)
        ids = np.arange(next_id, next_id + n, dtype=np.int64)
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
        # The anonymous case hash: school, calendar year and case number in hex.
        parts = np.zeros(n, dtype=[("s", "S16"), ("y", "S8"), ("c", "S40")])
        parts["s"], parts["y"], parts["c"] = school_hex[si], day_year_hex[day], case_hex[case]
        case_hash = parts.view("S64")
        uuids = np.frombuffer(os.urandom(16 * n), dtype="V16")
        second = (topics_n == 2) & (topic_b != topic_a)
        link_ids = np.concatenate([ids[topics_n >= 1], ids[second]])
        link_topics = np.concatenate([topic_a[topics_n >= 1], topic_b[second]])
        links_total += len(link_ids)
        school_col, worker_col = school_ids[si], school_wk[si]
        type_col, tg_col = type_tab[mi, t], tg_tab[mi, tg]
        if vendor == "postgresql":
            data = _pg_binary(
                n,
                [
                    (">i8", ids, None),
                    (">i8", school_col, None),
                    (">i8", worker_col, None),
                    (">i8", None, np.zeros(n, dtype=bool)),  # author: NULL
                    (">i4", day_pg[day], None),
                    (">i2", minutes, None),
                    (">i8", type_col, None),
                    (">i8", tg_col, None),
                    (">i8", origin, has_origin),
                    (">i8", partner, has_partner),
                    ("u1", np.zeros(n, dtype=np.uint8), None),  # follow_up false
                    ("S4", np.full(n, b"form", dtype="S4"), None),
                    (">i4", people, None),
                    ("S64", case_hash, has_case, 0),  # '' where there is no case
                    ("V16", uuids, None),
                    (">i8", np.full(n, stamp_pg, dtype=np.int64), None),
                    (">i8", np.full(n, stamp_pg, dtype=np.int64), None),
                ],
            )
            links = _pg_binary(len(link_ids), [(">i8", link_ids, None), (">i8", link_topics, None)])
            with connection.cursor() as cursor:
                for table, columns, payload in (
                    (activity_table, cols, data),
                    (topic_table, "activity_id, catalogueentry_id", links),
                ):
                    with cursor.cursor.copy(
                        f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT binary)"
                    ) as copy:
                        copy.write(payload)
        else:
            records = list(
                zip(
                    ids.tolist(),
                    school_col.tolist(),
                    worker_col.tolist(),
                    day_iso[day].tolist(),
                    minutes.tolist(),
                    type_col.tolist(),
                    tg_col.tolist(),
                    np.where(has_origin, origin, None).tolist(),
                    np.where(has_partner, partner, None).tolist(),
                    people.tolist(),
                    np.where(has_case, case_hash.astype("U64"), "").tolist(),
                    np.frombuffer(uuids.tobytes().hex().encode(), dtype="S32")
                    .astype("U32")
                    .tolist(),
                    strict=True,
                )
            )
            marks = "%s, %s, %s, NULL, %s, %s, %s, %s, %s, %s, 0, 'form', %s, %s, %s, %s, %s"
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {activity_table} ({cols}) VALUES ({marks})",  # noqa: S608 (constants)
                    [(*r, stamp_sqlite, stamp_sqlite) for r in records],
                )
                cursor.executemany(
                    f"INSERT INTO {topic_table} (activity_id, catalogueentry_id) VALUES (%s, %s)",  # noqa: S608
                    list(zip(link_ids.tolist(), link_topics.tolist(), strict=True)),
                )
        next_id += n
        print(f"  {next_id - 1:,} records", file=sys.stderr, flush=True)
    timings["activities_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in restore:
            cursor.execute(sql)
        if vendor == "postgresql":
            cursor.execute(
                "SELECT setval('activities_activity_id_seq', (SELECT max(id) FROM activities_activity))"
            )
    timings["indexes_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # The production bulk path: set-based INSERT ... SELECT ... GROUP BY per
    # school year into every rollup table (what the services keep on write).
    from schulsozial.statistics.rollups import TABLES, rebuild_rollups

    # The rollup tables are empty: build them without their indexes, then index once.
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("SET work_mem = '256MB'")
            cursor.execute("SET maintenance_work_mem = '512MB'")
        restore = _strip_indexes(
            cursor, vendor, [_model(spec)._meta.db_table for spec in TABLES.values()]
        )
    timings["rollup_rows"] = rebuild_rollups()
    timings["rollups_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in restore:
            cursor.execute(sql)
    timings["rollup_indexes_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["rows"] = Activity.objects.count()
    timings["topic_links"] = links_total
    return timings


def _strip_indexes(cursor, vendor: str, tables: list[str]) -> list[str]:
    """Drop the secondary indexes and the foreign-key and unique constraints of
    these tables before a bulk load (as a dump restore does) and return the
    statements that put them back, which run once over the loaded rows."""
    restore: list[str] = []
    for table in tables:
        if vendor == "postgresql":
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('f', 'u')",
                [table],
            )
            constraints = cursor.fetchall()
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname "
                "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = cursor.fetchall()
            for name, _definition in constraints:
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            restore += [definition for _name, definition in indexes]
            restore += [
                f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'
                for name, definition in constraints
            ]
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f'DROP INDEX "{name}"')
                restore.append(definition)
    return restore


def _pg_binary(n: int, fields: list[tuple]) -> bytes:
    """Rows in PostgreSQL's binary COPY format, built with numpy: each field is
    (big-endian dtype, values, present mask or None[, length when absent:
    -1 = NULL, 0 = empty text]). Rows with the same pattern of absent fields
    share one packed record layout."""
    import numpy as np

    pattern = np.zeros(n, dtype=np.int64)
    bit = 0
    for field in fields:
        if field[2] is not None:
            pattern |= field[2].astype(np.int64) << bit
            bit += 1
    out = [b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") * 2]
    for p in np.unique(pattern):
        rows = np.flatnonzero(pattern == p)
        layout: list[tuple[str, str]] = [("count", ">i2")]
        fill: list[tuple[int, int, Any]] = []
        bit = 0
        for i, (dtype, values, mask, *absent) in enumerate(fields):
            present = True
            if mask is not None:
                present = bool((p >> bit) & 1)
                bit += 1
            layout.append((f"n{i}", ">i4"))
            if present:
                layout.append((f"v{i}", dtype))
                fill.append((i, np.dtype(dtype).itemsize, values))
            else:
                fill.append((i, absent[0] if absent else -1, None))
        block = np.empty(len(rows), dtype=layout)
        block["count"] = len(fields)
        for i, length, values in fill:
            block[f"n{i}"] = length
            if values is not None:
                block[f"v{i}"] = values[rows]
        out.append(block.tobytes())
    out.append((-1).to_bytes(2, "big", signed=True))
    return b"".join(out)


def _time(fn, repeat: int) -> tuple[float, Any]:
    """Median seconds of `repeat` calls, and the last call's result."""
    runs = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), result


def _model(spec: Any) -> Any:
    """A rollup table's model: TABLES holds specs (today) or tuples (older trees,
    which bench/compare.py measures with this script too)."""
    return spec.model if hasattr(spec, "model") else spec[0]


def _digest(report: Any) -> str:
    """A short fingerprint of every table of a report, to compare two trees' reports."""
    return hashlib.sha256(repr(_tables(report)).encode()).hexdigest()[:12]


def _tables(report: Any) -> list[Any]:
    return [
        (s.key, [r.values for r in s.rows], s.total.values if s.total else None)
        for s in report.sections
    ]


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
    result: dict[str, object] = {"load_start": os.getloadavg()}
    result["generate"] = _generate(rows, year_rows)
    from schulsozial.statistics.rollups import TABLES

    result["rollup_rows"] = {name: _model(spec).objects.count() for name, spec in TABLES.items()}
    print(json.dumps(result), file=sys.stderr, flush=True)
    result["load_before_measure"] = os.getloadavg()
    result["measure"] = measure()
    result["load_end"] = os.getloadavg()
    return result


def measure() -> dict[str, object]:
    from django.test import Client
    from django.utils import timezone

    from schulsozial.accounts.models import Role
    from schulsozial.core.school_year import start_year_of as school_year_of
    from schulsozial.masterdata.models import Municipality, School
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
        ours, a = _time(lambda s=scope: statistics_report(scope=s, filters=filters), repeat_ours)
        naive, b = _time(
            lambda s=scope: statistics_report(scope=s, filters=filters, source="raw"), repeat_naive
        )
        # Both sources must give identical tables (every section, totals included).
        differ = [x[0] for x, y in zip(_tables(a), _tables(b), strict=True) if x != y]
        assert not differ, f"{name}: rollups and raw records disagree in {differ}"
        out[name] = {
            "ours_s": ours,
            "naive_s": naive,
            "ratio": naive / ours,
            "suppressed": a.suppressed,
            "tables": _digest(a),
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
        # The page's query count is fixed by a test (test_statistics.py).
        out[name] = {"ours_s": _time(lambda c=client, u=url: c.get(u), 7)[0]}
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
    parser.add_argument("--rows", type=int, default=10_000_000)
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
        print(f"rollup rows per table: {json.dumps(result['rollup_rows'])}")
        print(
            "load average (1, 5, 15 min): at start {}, before measuring {}, at end {}".format(
                *(result[k] for k in ("load_start", "load_before_measure", "load_end"))
            )
        )
        print(f"{'report':<20} {'rollups (ours)':>15} {'ORM over raw':>14} {'ratio':>7}")
        for name, m in result["measure"].items():
            if "naive_s" in m:
                print(
                    f"{name:<20} {m['ours_s'] * 1000:>13.1f}ms {m['naive_s'] * 1000:>12.1f}ms"
                    f" {m['ratio']:>6.1f}x  tables {m['tables']}"
                )
            else:
                print(f"{name:<20} {m['ours_s'] * 1000:>13.1f}ms")
        if backend == "postgresql" and not os.environ.get("BENCH_KEEP"):
            base, name = PG_URL.rsplit("/", 1)
            subprocess.run(
                ["psql", base + "/postgres", "-q", "-c", f"DROP DATABASE IF EXISTS {name}"],
                check=False,
            )


if __name__ == "__main__":
    main()
