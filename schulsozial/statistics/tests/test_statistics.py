"""Statistics: scopes, rollups kept on write, disclosure control, exports."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from schulsozial.activities import hooks, services
from schulsozial.activities.models import Activity
from schulsozial.activities.tests.factories import activity_input, doc_world, entry
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.core.school_year import start_year_of as school_year_of
from schulsozial.statistics import rollups
from schulsozial.statistics.models import SchoolCaseRollup, SchoolRollup
from schulsozial.statistics.selectors import Filters, scopes_for, statistics_report
from schulsozial.statistics.tests.rollup_checks import assert_rollups_hold_the_records, stored_cells

pytestmark = pytest.mark.django_db


def year() -> int:
    return school_year_of(timezone.localdate() - datetime.timedelta(days=1))


def record(world, who: str, school, n: int = 1, **overrides):
    out = []
    for _ in range(n):
        activity, _created = services.activity_record(
            data=activity_input(world.town, school, **overrides), by=world.users[who]
        )
        out.append(activity)
    return out


def report_for(world, who: str, kind: str | None = None, **filters):
    scopes = scopes_for(user=world.users[who])
    scope = next(s for s in scopes if kind is None or s.kind == kind)
    return statistics_report(scope=scope, filters=Filters(school_year=year(), **filters))


def count(report, section: str = "activity_type"):
    return report.section(section).total.values[0]


def test_worker_never_sees_another_schools_records(world):
    doc_world(world)  # one record of worker at school 0
    record(world, "worker2", world.schools[2], n=7)
    mine = report_for(world, "worker")
    assert count(mine) == 1
    assert {r.key for r in mine.section("school").rows} == {world.schools[0].pk}
    theirs = report_for(world, "worker2")
    assert count(theirs) == 7
    assert {r.key for r in theirs.section("school").rows} == {world.schools[2].pk}


def test_carrier_sees_only_its_own_staffs_records(world):
    doc_world(world)
    record(world, "worker", world.schools[0], n=9)  # staff[0]: carrier A
    record(world, "worker2", world.schools[2], n=6)  # staff[2]: carrier B
    report = report_for(world, "carrier")
    assert report.protected
    assert count(report) == 10
    assert {r.label for r in report.section("carrier").rows} == {world.carrier.name}
    coordination = report_for(world, "coordinator")
    assert count(coordination) == 16


def test_principal_sees_only_protected_aggregates_of_own_school(world):
    doc_world(world)
    record(world, "worker", world.schools[0], n=8)
    crisis = entry(world.town, "activity_type", "crisis")
    record(world, "worker", world.schools[0], n=2, activity_type=crisis)
    record(world, "worker2", world.schools[2], n=20)
    principal = report_for(world, "principal")
    coordination = report_for(world, "coordinator")
    assert principal.protected and not coordination.protected
    assert {r.key for r in principal.section("school").rows} == {world.schools[0].pk}
    rows = {r.key: r.values[0] for r in principal.section("activity_type").rows}
    assert rows[crisis.pk] is None  # 2 < 5: withheld for the principal
    visible = {r.key: r.values[0] for r in coordination.section("activity_type").rows}
    assert visible[crisis.pk] == 2  # coordination sees the small cell


def test_committee_sees_protected_municipality(world):
    doc_world(world)
    record(world, "worker2", world.schools[2], n=3)
    report = report_for(world, "committee")
    assert report.protected
    assert report.section("school").total.values[0] in (None, 4)
    assert all(r.values[0] is None for r in report.section("school").rows)


def test_foreign_municipality_is_never_in_scope(world):
    doc_world(world)
    for who in ("coordinator", "committee", "carrier"):
        for scope in scopes_for(user=world.users[who]):
            assert world.other_town.pk not in scope.municipality_ids


def test_report_from_rollups_equals_report_from_raw_records(world):
    doc_world(world)
    record(world, "worker", world.schools[0], n=6, case_code="A1")
    record(world, "worker", world.schools[0], n=3, case_code="B2",
           contact_origin=entry(world.town, "contact_origin", "teacher"),
           partner=entry(world.town, "partner", "asd"))  # fmt: skip
    record(world, "worker2", world.schools[2], n=5,
           target_group=entry(world.town, "target_group", "class"))  # fmt: skip
    scope = scopes_for(user=world.users["coordinator"])[0]
    filters = Filters(school_year=year())
    a = statistics_report(scope=scope, filters=filters)
    b = statistics_report(scope=scope, filters=filters, source="raw")
    for left, right in zip(a.sections, b.sections, strict=True):
        assert [r.values for r in left.rows] == [r.values for r in right.rows], left.key
    assert a.section("cases").total.values == [3]  # K17, A1, B2
    reach = {r.key: r.values for r in a.section("reach").rows}
    assert reach[world.schools[2].pk][1] == 5  # class level participants (1 each)


def test_statistics_page_runs_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries
):
    doc_world(world)
    record(world, "worker", world.schools[0], n=3)
    client = client_for("coordinator")
    client.get(reverse("statistics:report"))
    # The session, the user, its grants, and 17 reads of the report; a report
    # only reads.
    with django_assert_num_queries(20):
        response = client.get(reverse("statistics:report"))
    assert response.status_code == 200
    # The same number of statements whether 4 or 40 more records are counted.
    counts = []
    for n in (4, 40):
        record(world, "worker2", world.schools[2], n=n, case_code="Q1")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("statistics:report"))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == 20, counts
    _stored_equals_recomputed()


def test_page_marks_withheld_cells_and_never_prints_reasons(world, client_for):
    doc_world(world)
    record(world, "worker", world.schools[0], n=8)
    body = client_for("principal").get(reverse("statistics:report")).content.decode()
    assert "•" in body and "suppression-legend" in body
    for reason in (">primary<", ">secondary<", "primär", "sekundär"):
        assert reason not in body
    assert "<svg" in body and "<table" in body


def test_exports_are_protected_and_audited(world, client_for):
    doc_world(world)
    record(world, "worker", world.schools[0], n=8)
    record(world, "worker", world.schools[0], n=2,
           activity_type=entry(world.town, "activity_type", "crisis"))  # fmt: skip
    client = client_for("coordinator")
    before = AuditEntry.objects.filter(action="export").count()
    response = client.get(reverse("statistics:export", args=["activity_type", "csv"]))
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Activity type" or rows[0][0]
    assert any("•" in row for row in rows)  # the 2 is withheld even for coordination
    response = client.get(reverse("statistics:export", args=["activity_type", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "•" in values
    response = client.get(
        reverse("statistics:export", args=["activity_type", "xlsx"]) + "?unprotected=1"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "•" not in [c.value for row in sheet.iter_rows() for c in row]
    # A protected scope cannot ask for unprotected figures.
    response = client_for("principal").get(
        reverse("statistics:export", args=["activity_type", "csv"]) + "?unprotected=1"
    )
    assert "•" in response.content.decode("utf-8-sig")
    assert AuditEntry.objects.filter(action="export").count() == before + 4


def test_export_of_unknown_section_is_404(world, client_for):
    response = client_for("coordinator").get(reverse("statistics:export", args=["nope", "csv"]))
    assert response.status_code == 404


# --------------------------------------------------------------------------- rollups


def _stored_equals_recomputed():
    """The rollups hold exactly the stored records."""
    assert_rollups_hold_the_records()


OPS = st.lists(
    st.tuples(
        st.sampled_from(["record", "correct", "delete"]),
        st.integers(0, 0),  # school (the worker documents at school 0)
        st.integers(1, 200),  # days back
        st.sampled_from(["counselling_pupil", "group_offer", "crisis"]),
        st.sampled_from(["", "K1", "K2"]),
        st.integers(0, 3),  # topics
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPS)
def test_rollups_equal_recomputation_after_any_sequence_of_writes(world, ops):
    services.catalogues_ensure_defaults(municipality=world.town, by=SYSTEM)
    user = world.users["worker"]
    mine = []
    topics = list(
        __import__(
            "schulsozial.activities.models", fromlist=["CatalogueEntry"]
        ).CatalogueEntry.objects.filter(municipality=world.town, kind="topic")[:3]
    )
    for op, school, days, type_code, code, n_topics in ops:
        data = activity_input(
            world.town,
            world.schools[school],
            date=timezone.localdate() - datetime.timedelta(days=days),
            activity_type=entry(world.town, "activity_type", type_code),
            case_code=code,
            topics=tuple(topics[:n_topics]),
        )
        if op == "record" or not mine:
            mine.append(services.activity_record(data=data, by=user)[0])
        elif op == "correct":
            services.activity_correct(activity=mine[-1], data=data, by=user)
        else:
            services.activity_delete(activity=mine.pop(), by=user)
        # After every write the rollups hold exactly the stored records.
        _stored_equals_recomputed()
    _stored_equals_recomputed()
    Activity.objects.all().delete()  # keep examples independent (same test DB)
    for model in rollups.TABLES.values():
        model.model.objects.all().delete()


def test_rebuild_and_ensure_restore_rollups_after_a_bulk_load(world):
    doc_world(world)
    record(world, "worker", world.schools[0], n=4, case_code="Z9")
    for model in rollups.TABLES.values():
        model.model.objects.all().delete()
    rollups.ensure_rollups_for(Activity.objects.all())
    _stored_equals_recomputed()
    rollups.rebuild_rollups(municipality=world.town)
    _stored_equals_recomputed()


def test_rollups_stay_when_retention_deletes_records(world):
    doc_world(world)
    old_day = datetime.date(year() - 3, 10, 1)
    record(world, "worker", world.schools[0], n=6, date=old_day)
    scope = scopes_for(user=world.users["coordinator"])[0]
    filters = Filters(school_year=year() - 3)
    before = statistics_report(scope=scope, filters=filters).section("activity_type").total.values
    world.town.activity_retention_years = 2
    world.town.save()
    services.retention_apply(municipality=world.town, by=SYSTEM)
    assert not Activity.objects.filter(date=old_day).exists()
    after = statistics_report(scope=scope, filters=filters).section("activity_type").total.values
    assert before == after == [6, before[1]]


WORKER_OPS = st.lists(
    st.tuples(
        st.sampled_from([1, -1]),  # add or take out
        st.integers(0, 1),  # worker
        st.sampled_from(["", "K1", "K2", "K3"]),
        st.integers(0, 2),  # months back: two school years touched around August
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=WORKER_OPS)
def test_distinct_case_counter_equals_a_recount_when_workers_share_case_codes(world, ops):
    """Two workers at one school write the same case codes in any order (also
    through the bulk entry point `add_many`, as an import does): the
    counter kept on write equals the number of live case cells."""
    services.catalogues_ensure_defaults(municipality=world.town, by=SYSTEM)
    school = world.schools[0]
    live: list[hooks.Facts] = []
    for sign, worker, code, back in ops:
        facts = hooks.Facts(
            date=datetime.date(2024, 8, 1) - datetime.timedelta(days=31 * back),
            municipality_id=world.town.pk,
            school_id=school.pk,
            carrier_id=world.staff[worker].carrier_id,
            worker_id=world.staff[worker].pk,
            activity_type_id=entry(world.town, "activity_type", "crisis").pk,
            target_group_id=entry(world.town, "target_group", "individual").pk,
            minutes=30,
            participant_total=1,
            topic_ids=(),
            contact_origin_id=None,
            partner_id=None,
            case_hash=f"h-{code}" if code else "",
        )
        if sign < 0 and facts not in live:
            continue  # only what was written can be taken out
        if sign > 0:
            live.append(facts)
        else:
            live.remove(facts)
        rollups.add_many([facts, facts] if sign > 0 and back == 2 else [facts], sign=sign)
        if sign > 0 and back == 2:
            live.append(facts)
        expected: dict[int, int] = {}
        for year in {school_year_of(f.date) for f in live}:
            expected[year] = len(
                {f.case_hash for f in live if f.case_hash and school_year_of(f.date) == year}
            )
        stored = dict(
            SchoolRollup.objects.filter(school=school, month=0).values_list("school_year", "cases")
        )
        assert {y: n for y, n in stored.items() if n} == {y: n for y, n in expected.items() if n}
    for model in rollups.TABLES.values():
        model.model.objects.all().delete()


def test_wide_and_narrow_reads_give_the_same_figures(world):
    """The per-school totals (wide reads) agree with the finer rollups: a
    carrier's own schools, read both ways, and the month filter."""
    doc_world(world)
    record(world, "worker", world.schools[0], n=6, case_code="A1")
    record(world, "worker2", world.schools[2], n=5, case_code="A1")
    coordination = report_for(world, "coordinator")
    carrier = statistics_report(
        scope=next(s for s in scopes_for(user=world.users["carrier"])),
        filters=Filters(school_year=year()),
        protected=False,
    )
    wide = {r.key: r.values[:3] for r in coordination.section("school").rows}
    narrow = {r.key: r.values[:3] for r in carrier.section("school").rows}
    assert narrow.items() <= wide.items()
    assert coordination.section("cases").total.values == [3]  # K17, A1 at 0, A1 at 2
    assert count(coordination) == 12
    month = (timezone.localdate() - datetime.timedelta(days=1)).month
    one_month = report_for(world, "coordinator", month_from=month, month_to=month)
    assert one_month.section("school").total.values[0] == 12


def test_migration_fills_school_rollups_from_the_finer_rollups(world):
    """Existing installations get the new tables from their rollups (also for
    years whose raw records retention has deleted)."""
    import importlib

    from django.db import connection

    doc_world(world)
    record(world, "worker", world.schools[0], n=3, case_code="B7")
    record(world, "worker2", world.schools[2], n=2, case_code="B7")
    expected = stored_cells()
    SchoolRollup.objects.all().delete()
    SchoolCaseRollup.objects.all().delete()
    migration = importlib.import_module("schulsozial.statistics.migrations.0002_school_rollups")
    from django.apps import apps

    migration.fill_from_finer_rollups(apps, connection.schema_editor())
    stored = stored_cells()
    for table in ("school", "school_case"):
        assert stored[table] == expected[table], table


def test_set_based_rebuild_equals_recomputation_in_the_orm(world):
    """rebuild_rollups and ensure_rollups_for write with INSERT ... SELECT;
    the ORM recomputation is the independent reference."""
    doc_world(world)
    record(world, "worker", world.schools[0], n=3, case_code="A1",
           contact_origin=entry(world.town, "contact_origin", "teacher"),
           partner=entry(world.town, "partner", "asd"))  # fmt: skip
    record(world, "worker", world.schools[0], n=2, case_code="A1",
           date=datetime.date(year() - 1, 9, 3))  # fmt: skip
    record(world, "worker2", world.schools[2], n=4, case_code="A1",
           topics=(entry(world.town, "topic", "bullying"), entry(world.town, "topic", "truancy")))  # fmt: skip
    record(world, "worker2", world.schools[2], n=1, case_code="C3")
    for model in rollups.TABLES.values():
        model.model.objects.all().delete()
    written = rollups.rebuild_rollups()
    _stored_equals_recomputed()
    assert written == sum(len(rows) for rows in stored_cells().values())
    # A correction after the rebuild goes on from the rebuilt cells.
    record(world, "worker2", world.schools[2], n=1, case_code="C4")
    _stored_equals_recomputed()
    rollups.rebuild_rollups(municipality=world.other_town)  # nothing there: nothing changes
    _stored_equals_recomputed()
    # The demo loader rebuilds the cells of the records it wrote.
    for model in rollups.TABLES.values():
        model.model.objects.all().delete()
    rollups.ensure_rollups_for(Activity.objects.all())
    _stored_equals_recomputed()
