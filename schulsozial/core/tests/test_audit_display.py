"""The audit log in words (issue 13, AD-4): each entry as a German sentence,
with German field names, choice labels, dates and numbers, and no Python
dicts or English codes."""

from __future__ import annotations

import csv
import io

import pytest

from schulsozial.core.audit_display import describe_changes, describe_entry
from schulsozial.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Zeitpunkt")
    return [r for r in rows[start:] if r]


def _latest(**filters) -> AuditEntry:
    return AuditEntry.objects.filter(**filters).latest("id")


def test_a_change_of_school_figures_reads_as_a_sentence(world):
    from schulsozial.masterdata import services

    school, year = world.schools[1], world.year
    by = world.users["coordinator"]
    services.school_figures_set(
        school=school, school_year=year, pupils=312, social_index=3, startchancen=False, by=by
    )
    services.school_figures_set(
        school=school, school_year=year, pupils=1330, social_index=3, startchancen=True, by=by
    )
    entry = _latest(object_type="masterdata.schoolyearfigures", action="update")
    sentence = describe_entry(entry)
    assert sentence.startswith(f"Schulkennzahlen je Schuljahr „{entry.object_repr}“ geändert: ")
    assert "Schüler/innen: 312 → 1.330" in sentence
    assert "Startchancen-Schule: nein → ja" in sentence


def test_a_school_change_names_the_school_and_the_field(world):
    from schulsozial.masterdata import services

    services.school_update(
        school=world.schools[1], name="Neue Schule am Park", by=world.users["coordinator"]
    )
    entry = _latest(object_type="masterdata.school", action="update")
    assert describe_entry(entry) == (
        f"Schule „{entry.object_repr}“ geändert: Name: Testschule 1 → Neue Schule am Park"
    )
    assert entry.object_repr.startswith("Neue Schule am Park")


def test_codes_dates_and_numbers_are_shown_in_german(world):
    entry = AuditEntry(
        action=AuditEntry.Action.CREATE,
        object_type="masterdata.staffmember",
        object_repr="Fachkraft T-09",
        changes={
            "function": "social_work",
            "contract_start": "2019-08-01",
            "weekly_hours": "19.50",
            "fte": "1.0000",
            "carrier": "4",
            "is_demo": True,
        },
    )
    text = describe_changes(entry)
    assert "social_work" not in text and "2019-08-01" not in text
    assert "01.08.2019" in text
    assert "19,50" in text and "1,00" in text and "Nr. 4" in text
    assert "{" not in text and "'" not in text


def test_a_concept_step_and_a_consultation_use_their_german_names(world):
    step = AuditEntry(
        action=AuditEntry.Action.UPDATE,
        object_type="concepts.schoolconcept",
        object_repr="Konzept",
        changes={"step": "rebase", "status": ["acknowledged", "draft"], "comment": ""},
    )
    text = describe_changes(step)
    assert "rebase" not in text and "acknowledged" not in text and "draft" not in text
    assert text.startswith("Schritt: ")
    opened = AuditEntry(
        action=AuditEntry.Action.UPDATE,
        object_type="concepts.frameworkversion",
        object_repr="Rahmenkonzept (v2)",
        changes={"roles": ["carrier", "principal", "worker"], "users": [], "opens": "2026-11-23"},
    )
    text = describe_changes(opened)
    assert "Träger, Schulleitung, Fachkraft" in text and "23.11.2026" in text


def test_logins_and_exports_read_in_words(world, client_for):
    login = AuditEntry(
        action=AuditEntry.Action.LOGIN, object_type="accounts.user", object_repr="Frau Muster"
    )
    assert describe_entry(login) == "Frau Muster angemeldet"
    failed = AuditEntry(action=AuditEntry.Action.LOGIN_FAILED, object_type="accounts.user")
    assert describe_entry(failed) == "Anmeldung fehlgeschlagen"
    export = AuditEntry(
        action=AuditEntry.Action.EXPORT,
        object_type="schools",
        object_repr="schools.csv",
        changes={"filters": {}},
    )
    assert describe_entry(export) == "Liste „schools.csv“ exportiert: Filter: –"


def test_audit_page_shows_the_sentence_and_the_export_keeps_its_columns(world, client_for):
    from schulsozial.masterdata import services

    services.school_update(
        school=world.schools[1], name="Neue Schule am Park", by=world.users["coordinator"]
    )
    admin = client_for("admin")
    page = admin.get("/accounts/audit/", {"object_type": "masterdata.school"}).content.decode()
    assert "Vorgang" in page and "Details" not in page
    assert "Schule „Neue Schule am Park (" in page
    assert "“ geändert: Name: Testschule 1 → Neue Schule am Park" in page
    rows = _rows(admin.get("/accounts/audit/", {"format": "csv", "action": "update"}))
    assert rows[0][:6] == ["Zeitpunkt", "Benutzername", "Aktion", "Objekttyp", "Objekt", "Details"]
    assert rows[0][6] == "Vorgang"
    (row,) = [r for r in rows[1:] if r[4].startswith("Neue Schule am Park")]
    assert row[5] == "Name: Testschule 1 → Neue Schule am Park"
    assert row[6].startswith("Schule „Neue Schule am Park (") and "“ geändert: Name: " in row[6]


def test_an_export_entry_names_the_list_or_export_by_its_german_title(world, client_for):
    """The object type column shows 'Liste: Schulen' and 'Statistik', not the
    internal names 'Liste: schools' and 'Liste: statistics.report' (issue 13)."""
    from schulsozial.core.audit import audit

    by = world.users["coordinator"]
    for name, repr_ in (("schools", "schulen.csv"), ("statistics.report", "statistik.xlsx")):
        audit(actor=by, action=AuditEntry.Action.EXPORT, object_type=name, object_repr=repr_)
    admin = client_for("admin")
    rows = _rows(admin.get("/accounts/audit/", {"format": "csv", "action": "export"}))
    types = {r[4]: r[3] for r in rows[1:]}
    assert types["schulen.csv"] == "Liste: Schulen"
    assert types["statistik.xlsx"] == "Statistik"
    page = admin.get("/accounts/audit/", {"action": "export"}).content.decode()
    assert "Liste: Schulen" in page and "Statistik" in page
    assert "Liste: schools" not in page and "statistics.report" not in page
