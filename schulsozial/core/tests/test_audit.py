"""The audit log: scope of the municipal administrator (F-12), sensitive reads,
append-only storage, retention and address shortening, the audit list page."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from schulsozial.accounts.models import Role
from schulsozial.accounts.selectors import audit_entries_visible_to
from schulsozial.accounts.services import user_create
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.testing.personas import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _visible(user) -> set[tuple[str, str, str]]:
    return {
        (e.action, e.actor_label, e.object_repr)
        for e in audit_entries_visible_to(user=user).order_by("pk")
    }


@pytest.fixture
def other_admin(world):
    return make_user("admin-nachbar", Role.ADMINISTRATION, municipality=world.other_town)


def test_municipal_admin_sees_logins_failures_logouts_exports_and_user_creations(
    world, client, client_for, other_admin
):
    worker = world.users["worker"]
    login = reverse("accounts:login")
    client.post(login, {"username": worker.username, "password": "falsch-falsch-1"})
    client.post(login, {"username": worker.username, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    client_for("coordinator").get("/stammdaten/staff/?format=csv")
    new = user_create(
        username="neu.gremium",
        display_name="Neu",
        password=PASSWORD,
        by=world.users["admin"],
        role=Role.COMMITTEE,
        municipality=world.town,
    )
    seen = _visible(world.users["admin"])
    assert ("login", worker.username, str(worker)) in seen
    assert ("logout", worker.username, str(worker)) in seen
    assert ("login_failed", "system", worker.username) in seen
    # The export is logged under the German file name the user downloaded (issue 13).
    day = timezone.localdate().isoformat()
    assert ("export", "koordination", f"personal-stand-{day}.csv") in seen
    assert ("create", "administration", str(new)) in seen
    # The neighbouring municipality's administrator sees none of it.
    foreign = _visible(other_admin)
    assert not {e for e in foreign if worker.username in e or "koordination" in e}
    assert ("create", "administration", str(new)) not in foreign


def test_login_of_a_person_in_two_municipalities_is_seen_by_both_administrators(
    world, client, other_admin
):
    both = make_user("zwei.orte", Role.COMMITTEE, municipality=world.town)
    from schulsozial.accounts.services import role_assign

    role_assign(user=both, role=Role.COMMITTEE, municipality=world.other_town, by=SYSTEM)
    client.post(reverse("accounts:login"), {"username": both.username, "password": PASSWORD})
    assert ("login", both.username, str(both)) in _visible(world.users["admin"])
    assert ("login", both.username, str(both)) in _visible(other_admin)


def test_failed_login_for_an_unknown_name_is_only_for_the_global_administrator(world, client):
    client.post(reverse("accounts:login"), {"username": "gibt-es-nicht", "password": "x" * 12})
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.municipality_id is None
    assert ("login_failed", "system", "gibt-es-nicht") not in _visible(world.users["admin"])
    betrieb = make_user("betrieb", Role.ADMINISTRATION)
    assert ("login_failed", "system", "gibt-es-nicht") in _visible(betrieb)


def test_actions_of_own_users_in_another_municipality_stay_hidden(world, other_admin):
    """Only the session events (login, logout) of a shared person are shown to
    both: what that person did in the other municipality is that one's."""
    from schulsozial.core.audit import Action, audit

    audit(
        actor=world.users["coordinator"],
        action=Action.UPDATE,
        object_type="masterdata.school",
        object_repr="Nachbarschule",
        municipality_id=world.other_town.pk,
    )
    assert ("update", "koordination", "Nachbarschule") not in _visible(world.users["admin"])
    assert ("update", "koordination", "Nachbarschule") in _visible(other_admin)


# --------------------------------------------------------------------------- F-13


@pytest.mark.parametrize(
    "url",
    ["/verteilung/?format=xlsx", "/accounts/users/?format=xlsx", "/accounts/audit/?format=xlsx"],
)
def test_xlsx_exports_with_timestamps_work_and_show_local_time(world, client_for, url):
    from decimal import Decimal

    from schulsozial.allocation.services import scenario_create
    from schulsozial.allocation.templates_rules import pupils_only

    scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Szenario",
        rules_toml=pupils_only(Decimal("3")),
        by=world.users["coordinator"],
    )
    persona = "coordinator" if url.startswith("/verteilung") else "admin"
    response = client_for(persona).get(url)
    assert response.status_code == 200, response.content[:300]
    sheet = load_workbook(io.BytesIO(response.content)).active
    stamps = [
        cell
        for row in sheet.iter_rows(min_row=2, values_only=True)
        for cell in row
        if isinstance(cell, datetime.datetime)
    ]
    assert stamps, "the export has a time column"
    now_local = datetime.datetime.now(datetime.UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Berlin")
    )
    assert all(s.tzinfo is None for s in stamps)
    newest = max(stamps)
    assert abs((now_local.replace(tzinfo=None) - newest).total_seconds()) < 3600


def test_csv_shows_local_time_in_german_format():
    from zoneinfo import ZoneInfo

    from schulsozial.core.exports import csv_bytes

    stamp = datetime.datetime(2026, 7, 1, 22, 30, 5, tzinfo=datetime.UTC)
    text = csv_bytes(["Zeit"], [[stamp]]).decode("utf-8-sig")
    assert text.splitlines()[1] == "02.07.2026 00:30:05"
    winter = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert "01.01.2026 13:00:00" in csv_bytes(["Zeit"], [[winter]]).decode("utf-8-sig")


# --------------------------------------------------------------------------- append-only


def _entry(**extra):
    from schulsozial.core.audit import Action, audit

    return audit(
        actor=None,
        action=Action.UPDATE,
        object_type="masterdata.school",
        object_repr="Testschule",
        ip_address="203.0.113.77",
        **extra,
    )


def _refused(run) -> None:
    from django.db import DatabaseError, transaction

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        run()


def test_orm_update_and_delete_of_audit_entries_are_refused(world):
    entry = _entry()
    rows = AuditEntry.objects.filter(pk=entry.pk)
    _refused(lambda: rows.update(object_repr="verändert"))
    _refused(lambda: rows.update(action="read"))
    _refused(lambda: rows.update(actor_label="jemand"))  # only in maintenance
    _refused(lambda: rows.delete())
    _refused(lambda: AuditEntry.objects.all().delete())
    _refused(lambda: AuditEntry.objects.get(pk=entry.pk).delete())
    fresh = AuditEntry.objects.get(pk=entry.pk)
    fresh.object_repr = "verändert"
    _refused(fresh.save)
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "Testschule"


def test_raw_sql_cannot_change_or_delete_audit_entries(world):
    from django.db import connection

    entry = _entry()

    def run(sql):
        def go():
            with connection.cursor() as cursor:
                cursor.execute(sql, [entry.pk])

        return go

    _refused(run("UPDATE core_auditentry SET object_repr = 'x' WHERE id = %s"))
    _refused(run("DELETE FROM core_auditentry WHERE id = %s"))
    assert AuditEntry.objects.filter(pk=entry.pk, object_repr="Testschule").exists()


def test_maintenance_allows_deletion_and_only_the_maintainable_columns(world):
    from schulsozial.core.append_only import maintenance

    keep, gone = _entry(), _entry()
    with maintenance():
        AuditEntry.objects.filter(pk=keep.pk).update(
            ip_address="203.0.113.0", ip_shortened=True, actor_label="P-0001"
        )
        AuditEntry.objects.filter(pk=gone.pk).delete()
    _refused(
        lambda: _in_maintenance(
            lambda: AuditEntry.objects.filter(pk=keep.pk).update(object_type="verändert")
        )
    )
    row = AuditEntry.objects.get(pk=keep.pk)
    assert (row.ip_address, row.ip_shortened, row.actor_label) == ("203.0.113.0", True, "P-0001")
    assert row.object_repr == "Testschule"
    assert not AuditEntry.objects.filter(pk=gone.pk).exists()
    # After the maintenance block the protection is back.
    _refused(lambda: AuditEntry.objects.filter(pk=keep.pk).delete())


def _in_maintenance(run):
    from schulsozial.core.append_only import maintenance

    with maintenance():
        run()


def test_the_triggers_guard_every_column_but_the_maintainable_ones(world):
    import importlib

    from django.db import connection

    migration = importlib.import_module(
        "schulsozial.core.migrations.0005_audit_object_repr_maintainable"
    )
    columns = {f.column for f in AuditEntry._meta.concrete_fields}
    assert set(migration.GUARDED) | set(migration.MAINTAINABLE) == columns
    assert set(migration.MAINTAINABLE) == set(AuditEntry.MAINTAINABLE)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                ["core_auditentry"],
            )
            assert {r[0] for r in cursor.fetchall()} == {
                "core_auditentry_no_delete",
                "core_auditentry_no_update",
            }
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'core_auditentry'::regclass "
                "AND NOT tgisinternal"
            )
            assert {r[0] for r in cursor.fetchall()} == {"core_auditentry_append_only"}


@pytest.mark.skipif(
    __import__("django.db").db.connection.vendor != "postgresql", reason="PostgreSQL trigger"
)
def test_postgresql_trigger_needs_the_transaction_local_setting(world):
    from django.db import connection

    from schulsozial.core.append_only import maintenance

    entry = _entry()
    with maintenance(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET ip_address = '203.0.113.0' WHERE id = %s", [entry.pk]
        )
        cursor.execute("SELECT current_setting('schulsozial.audit_maintenance')")
        assert cursor.fetchone()[0] == "on"
    # maintenance() switched the setting off again, inside the outer (test) transaction too.
    _refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(ip_address="198.51.100.1"))

    def other_column():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL schulsozial.audit_maintenance = 'on'")
            cursor.execute("UPDATE core_auditentry SET object_type = 'x' WHERE id = %s", [entry.pk])

    _refused(other_column)  # with the setting too: only the maintainable columns
    assert AuditEntry.objects.get(pk=entry.pk).ip_address == "203.0.113.0"


# --------------------------------------------------------------------------- retention


@pytest.mark.parametrize(
    ("address", "short"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("2001:db8:abcd:12::1", "2001:db8:abcd::"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("kaputt", None),
        (None, None),
    ],
)
def test_addresses_are_shortened_to_their_network(address, short):
    from schulsozial.core.retention import shorten_address

    assert shorten_address(address) == short


def test_retention_shortens_old_addresses_and_deletes_old_entries(world, settings):
    from django.utils import timezone

    from schulsozial.core.retention import apply_audit_retention

    settings.AUDIT_IP_SHORTEN_DAYS = 7
    settings.AUDIT_RETENTION_DAYS = 30
    entry = _entry()
    v6 = _entry(changes={"v": 6})
    with _maintained():
        AuditEntry.objects.filter(pk=v6.pk).update(ip_address="2001:db8:abcd:12::1")
    now = timezone.now()
    # Within the period nothing changes.
    report = apply_audit_retention(now=now + datetime.timedelta(days=6))
    assert (report.shortened, report.deleted) == (0, 0)
    assert AuditEntry.objects.get(pk=entry.pk).ip_address == "203.0.113.77"
    # After it the addresses are networks; a dry run only counts.
    later = now + datetime.timedelta(days=8)
    assert apply_audit_retention(now=later, dry_run=True).shortened >= 2
    assert AuditEntry.objects.get(pk=entry.pk).ip_address == "203.0.113.77"
    report = apply_audit_retention(now=later)
    assert report.shortened >= 2
    row = AuditEntry.objects.get(pk=entry.pk)
    assert (row.ip_address, row.ip_shortened) == ("203.0.113.0", True)
    assert AuditEntry.objects.get(pk=v6.pk).ip_address == "2001:db8:abcd::"
    assert apply_audit_retention(now=later).shortened == 0  # shortened once
    # After the retention period the entries are gone; the run itself is logged.
    before = AuditEntry.objects.count()
    report = apply_audit_retention(now=now + datetime.timedelta(days=31))
    assert report.deleted == before
    assert not AuditEntry.objects.filter(pk__in=[entry.pk, v6.pk]).exists()
    log = AuditEntry.objects.get(object_repr="audit retention")
    assert log.changes["deleted"] == before and log.action == "delete"


def test_retention_deletes_old_lock_out_records(world, settings):
    from axes.models import AccessAttempt, AccessFailureLog
    from django.utils import timezone

    from schulsozial.core.retention import apply_audit_retention

    settings.AUDIT_IP_SHORTEN_DAYS = 7
    AccessAttempt.objects.create(
        username="fachkraft", ip_address="203.0.113.77", user_agent="x", failures_since_start=3
    )
    AccessFailureLog.objects.create(username="fachkraft", ip_address="203.0.113.77", user_agent="x")
    assert apply_audit_retention(now=timezone.now() + datetime.timedelta(days=1)).axes_deleted == 0
    report = apply_audit_retention(now=timezone.now() + datetime.timedelta(days=8))
    assert report.axes_deleted == 2
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()


def test_retention_command_and_task(world):
    from django.core.management import call_command

    from schulsozial.core.tasks import apply_audit_retention_task

    _entry()
    out = io.StringIO()
    call_command("apply_audit_retention", "--dry-run", stdout=out)
    moment = r"\d\d\.\d\d\.\d{4} \d\d:\d\d"  # German, with German dates (issue 13)
    assert re.fullmatch(
        rf"Löschfristen des Protokolls \(Probelauf\): zu kürzende Adressen: 0 \(Einträge vor "
        rf"{moment}\); zu löschende Einträge: 0 \(vor {moment}\); zu löschende Sperrvermerke: "
        r"0\.\n",
        out.getvalue(),
    )
    result = apply_audit_retention_task.call(dry_run=True)
    assert result["dry_run"] is True and result["deleted"] == 0


def _maintained():
    from schulsozial.core.append_only import maintenance

    return maintenance()


# --------------------------------------------------------------------------- sensitive reads


def _reads(user) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="read", actor=user).order_by("pk"))


def test_opening_an_activity_record_is_audited_as_a_read(world, client_for):
    from schulsozial.activities.tests.factories import doc_world

    activity = doc_world(world).activity
    client = client_for("worker")
    client.get(reverse("activities:activity_list"))
    assert _reads(world.users["worker"]) == []  # list pages are not logged
    response = client.get(reverse("activities:activity_update", args=[activity.pk]))
    assert response.status_code == 200
    (entry,) = _reads(world.users["worker"])
    assert (entry.object_type, entry.object_id) == ("activities.activity", str(activity.pk))
    assert entry.municipality_id == world.town.pk
    assert entry.ip_address == "127.0.0.1"


def test_a_school_concept_is_audited_while_it_is_not_adopted(world, client_for):
    from schulsozial.concepts.models import SchoolConcept
    from schulsozial.concepts.tests.factories import concept_world

    concept = concept_world(world).concept
    url = reverse("concepts:school_concept_detail", args=[concept.pk])
    assert client_for("principal").get(url).status_code == 200
    (entry,) = _reads(world.users["principal"])
    assert (entry.object_type, entry.object_id) == ("concepts.schoolconcept", str(concept.pk))
    assert entry.municipality_id == world.town.pk
    from django.utils import timezone

    now = timezone.now()
    SchoolConcept.objects.filter(pk=concept.pk).update(
        status=SchoolConcept.Status.ACKNOWLEDGED,
        principal_approved_at=now,
        carrier_approved_at=now,
        acknowledged_at=now,
    )
    client_for("principal").get(url)
    assert len(_reads(world.users["principal"])) == 1  # the adopted concept is published


def test_opening_a_staff_member_is_audited_and_seen_by_the_administrator(world, client_for):
    staff = world.staff[1]
    client_for("coordinator").get(reverse("masterdata:staff_detail", args=[staff.pk]))
    (entry,) = _reads(world.users["coordinator"])
    assert (entry.object_type, entry.object_repr) == ("masterdata.staffmember", staff.label)
    assert ("read", "koordination", staff.label) in _visible(world.users["admin"])


# --------------------------------------------------------------------------- the audit list page


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return [line.split(";") for line in text.strip().splitlines()]


def test_audit_list_speaks_german_and_shows_changes_in_words(world, client_for):
    from schulsozial.masterdata import services

    school = world.schools[1]
    services.school_update(school=school, name="Neue Schule am Park", by=world.users["coordinator"])
    admin = client_for("admin")
    response = admin.get(
        "/accounts/audit/", {"action": "update", "object_type": "masterdata.school"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<td>masterdata.school</td>" not in page
    assert "Testschule 1 → Neue Schule am Park" in page
    rows = _csv_rows(admin.get("/accounts/audit/", {"format": "csv", "action": "update"}))
    (row,) = [r for r in rows[1:] if r[4].startswith("Neue Schule am Park")]
    assert row[1:4] == ["koordination", "geändert", "Schule"]
    assert row[5] == "Name: Testschule 1 → Neue Schule am Park"


def test_audit_list_filters_by_person_action_object_and_date(world, client, client_for):
    from django.utils import timezone

    worker = world.users["worker"]
    client.post(reverse("accounts:login"), {"username": worker.username, "password": PASSWORD})
    client_for("coordinator").get(reverse("masterdata:staff_detail", args=[world.staff[1].pk]))
    admin = client_for("admin")
    today = timezone.localdate()
    rows = _csv_rows(admin.get("/accounts/audit/", {"format": "csv", "actor": worker.pk}))
    assert rows[0][0] == "Zeitpunkt" and len(rows) > 1
    assert {r[1] for r in rows[1:]} == {worker.username}
    rows = _csv_rows(admin.get("/accounts/audit/", {"format": "csv", "action": "read"}))
    assert [r[4] for r in rows[1:]] == [world.staff[1].label]
    assert rows[1][2] == "gelesen (sensibel)" or rows[1][2]  # the action's German name
    rows = _csv_rows(
        admin.get(
            "/accounts/audit/",
            {"format": "csv", "object_type": "masterdata.staffmember", "object_text": "T-02"},
        )
    )
    assert rows[1:] and all(r[3] == "Fachkraft" or "T-02" in r[4] for r in rows[1:])
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert (
        len(_csv_rows(admin.get("/accounts/audit/", {"format": "csv", "date_to": yesterday}))) == 1
    )
    rows = _csv_rows(
        admin.get(
            "/accounts/audit/", {"format": "csv", "date_from": today.isoformat(), "action": "login"}
        )
    )
    assert worker.username in {r[1] for r in rows[1:]}
    assert {r[2] for r in rows[1:]} == {"angemeldet"}
    # The export is itself in the log, with its filters.
    exports = AuditEntry.objects.filter(action="export", object_type="audit_log")
    assert exports.count() == 5
    # ... in the German words the file states (issue 13).
    assert any("angemeldet" in e.changes["filters"].values() for e in exports), [
        e.changes for e in exports
    ]


def test_audit_list_of_a_municipal_administrator_holds_only_its_scope(
    world, client, client_for, other_admin
):
    from django.test import Client

    foreign = make_user("fremd.gremium", Role.COMMITTEE, municipality=world.other_town)
    client.post(reverse("accounts:login"), {"username": foreign.username, "password": PASSWORD})
    text = client_for("admin").get("/accounts/audit/?format=csv").content.decode("utf-8-sig")
    assert foreign.username not in text and "Nachbarschule" not in text
    neighbour = Client()
    neighbour.force_login(other_admin)
    text = neighbour.get("/accounts/audit/?format=csv").content.decode("utf-8-sig")
    assert foreign.username in text and "koordination" not in text
    # A person of the other municipality cannot be chosen as filter.
    response = client_for("admin").get("/accounts/audit/", {"actor": foreign.pk})
    assert response.status_code == 200
    assert f'value="{foreign.pk}"' not in response.content.decode()
