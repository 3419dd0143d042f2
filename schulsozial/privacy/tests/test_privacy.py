"""Data subject rights of staff (Art. 15 / 17 DSGVO): export and pseudonymisation."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from schulsozial.accounts.models import User
from schulsozial.activities.models import Activity
from schulsozial.activities.tests.factories import doc_world
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.models import StaffMember
from schulsozial.privacy.services import staff_data_export, staff_pseudonymise
from schulsozial.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db


def _archive(body: bytes) -> tuple[dict, object]:
    archive = zipfile.ZipFile(io.BytesIO(body))
    names = set(archive.namelist())
    assert names == {"Daten.json", "Daten.xlsx"}, names
    data = json.loads(archive.read("Daten.json"))
    workbook = load_workbook(io.BytesIO(archive.read("Daten.xlsx")))
    return data["sections"], workbook


def test_the_export_holds_the_persons_data_and_only_counts_of_records(world, client_for):
    dw = doc_world(world)
    staff = world.staff[0]
    worker = world.users["worker"]
    client_for("worker").get(reverse("activities:activity_update", args=[dw.activity.pk]))
    response = client_for("coordinator").get(reverse("privacy:staff_data_export", args=[staff.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"Datenauskunft_{staff.pk}_" in response["Content-Disposition"]
    sections, workbook = _archive(response.content)
    facts = dict(sections["Mitarbeiter/in"]["rows"])
    assert facts["Name oder Kürzel"] == staff.label
    assert [r[0] for r in sections["Stellen"]["rows"]] == [world.positions[0].code]
    schools = {r[1] for r in sections["Schulzuordnungen"]["rows"]}
    assert str(world.schools[0]) in schools and str(world.schools[1]) in schools
    account = dict(sections["Benutzerkonto"]["rows"])
    assert account["Benutzername"] == worker.username
    assert [r[0] for r in sections["Rollen"]["rows"]] == ["Fachkraft"]
    actions = {r[1] for r in sections["Protokolleinträge als Handelnde/r"]["rows"]}
    assert "gelesen (sensibel)" in actions
    months = sections["Dokumentationen je Monat"]["rows"]
    assert sum(r[1] for r in months) == Activity.objects.filter(worker=staff).count() >= 1
    # Nothing of another person; the workbook has the same sections.
    assert "Fachkraft T-02" not in response.content.decode("latin-1")
    assert "Stellen" in workbook.sheetnames and workbook.worksheets[0]["B2"].value == staff.label
    entry = AuditEntry.objects.get(action="export", object_type="masterdata.staffmember")
    assert entry.object_id == str(staff.pk) and entry.actor == world.users["coordinator"]
    assert entry.municipality_id == world.town.pk


def test_only_coordination_and_the_employing_carrier_exercise_the_rights(world, client_for):
    staff, other = world.staff[0], world.staff[2]  # carrier A, carrier B
    url = reverse("privacy:staff_data_export", args=[staff.pk])
    assert client_for("carrier").get(url).status_code == 200
    assert client_for("carrier").get(
        reverse("privacy:staff_data_export", args=[other.pk])
    ).status_code in (403, 404)
    assert client_for("worker").get(url).status_code == 403  # own record, not the body
    assert client_for("admin").get(url).status_code == 404
    foreign = reverse("privacy:staff_pseudonymise", args=[world.foreign_staff.pk])
    assert client_for("coordinator").post(foreign, {"confirm": "Fachkraft N-01"}).status_code == 404
    assert StaffMember.objects.get(pk=world.foreign_staff.pk).label == "Fachkraft N-01"


def test_pseudonymisation_erases_the_identity_and_keeps_the_records(world, client_for):
    doc_world(world)
    staff, worker = world.staff[0], world.users["worker"]
    old_label, old_name = staff.label, worker.username
    client_for("worker").get(reverse("masterdata:staff_detail", args=[staff.pk]))
    acted = AuditEntry.objects.filter(actor_id=worker.pk).count()
    records = Activity.objects.filter(worker=staff).count()
    url = reverse("privacy:staff_pseudonymise", args=[staff.pk])
    coordinator = client_for("coordinator")
    page = coordinator.get(url).content.decode()
    assert "kann nicht rückgängig gemacht werden" in page
    wrong = coordinator.post(url, {"confirm": "falsch"})
    assert (
        wrong.status_code == 200 and "ist nicht der Name oder das Kürzel" in wrong.content.decode()
    )
    assert coordinator.post(url, {"confirm": old_label}).status_code == 302

    staff.refresh_from_db()
    worker = User.objects.get(pk=worker.pk)
    code = staff.label
    assert code.startswith("Pseudonym ") and code != old_label
    assert worker.username != old_name and worker.display_name == code
    assert (worker.email, worker.first_name, worker.last_name) == ("", "", "")
    assert not worker.is_active and not worker.has_usable_password()
    assert not worker.role_assignments.exists()
    stranger = Client()
    stranger.post(reverse("accounts:login"), {"username": old_name, "password": PASSWORD})
    assert "_auth_user_id" not in stranger.session
    # Kept: the records, the positions, the audit entries with the actor's id.
    assert Activity.objects.filter(worker=staff).count() == records
    assert staff.positions.count() == 1
    assert AuditEntry.objects.filter(actor_id=worker.pk).count() >= acted
    assert not AuditEntry.objects.filter(actor_id=worker.pk, actor_label=old_name).exists()
    assert set(
        AuditEntry.objects.filter(actor_id=worker.pk).values_list("actor_label", flat=True)
    ) == {code}
    erasure = AuditEntry.objects.get(action="update", changes__pseudonymised=True)
    assert erasure.actor == world.users["coordinator"] and erasure.object_repr == code
    assert old_label not in json.dumps(erasure.changes) and old_name not in json.dumps(
        erasure.changes
    )
    # A second request changes nothing; the export now holds only the code.
    assert coordinator.post(url, {"confirm": code}).status_code == 200
    body = coordinator.get(reverse("privacy:staff_data_export", args=[staff.pk])).content
    sections, _workbook = _archive(body)
    assert dict(sections["Mitarbeiter/in"]["rows"])["Name oder Kürzel"] == code
    assert old_name not in json.dumps(sections)


def test_pseudonymisation_is_one_transaction(world, monkeypatch):
    from schulsozial.privacy import services as privacy

    staff = world.staff[0]

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(privacy, "audit", broken)
    with pytest.raises(RuntimeError):
        staff_pseudonymise(staff=staff, by=world.users["coordinator"])
    staff.refresh_from_db()
    assert staff.label == "Fachkraft T-01"
    assert User.objects.get(pk=world.users["worker"].pk).is_active


def test_a_staff_member_without_account_is_exported_and_pseudonymised(world):
    staff = world.staff[1]
    name, body = staff_data_export(
        staff=staff, by=world.users["coordinator"], with_audit_trail=True
    )
    sections, _workbook = _archive(body)
    assert sections["Benutzerkonto"]["rows"] == [] and name.endswith(".zip")
    code = staff_pseudonymise(staff=staff, by=world.users["coordinator"])
    assert StaffMember.objects.get(pk=staff.pk).label == code


def test_the_carriers_export_holds_no_audit_trail_of_its_employee(world, client_for):
    """Found by the crawler: the employing carrier's export listed every audit
    entry of the worker with its object text (comments, ideas, concept drafts
    the carrier may not read), a timeline of the employee's work. The carrier
    gets the number of entries; coordination, which runs the platform for the
    municipality, gets the entries of that municipality."""
    staff = world.staff[0]
    worker = world.users["worker"]
    AuditEntry.objects.create(
        actor=worker,
        actor_label=worker.username,
        action="create",
        object_type="concepts.idea",
        object_id="1",
        object_repr="Geheime Idee 4711",
        municipality_id=world.town.pk,
    )
    AuditEntry.objects.create(
        actor=worker,
        actor_label=worker.username,
        action="create",
        object_type="concepts.idea",
        object_id="2",
        object_repr="Idee der anderen Kommune 0815",
        municipality_id=world.other_town.pk,
    )
    by_carrier = client_for("carrier").get(reverse("privacy:staff_data_export", args=[staff.pk]))
    assert by_carrier.status_code == 200
    sections, workbook = _archive(by_carrier.content)
    trail = sections["Protokolleinträge als Handelnde/r"]
    text = json.dumps(trail, ensure_ascii=False)
    assert "Geheime Idee 4711" not in text and "0815" not in text
    assert "Administration" in text  # where the person gets the entries
    cells = [c.value for ws in workbook.worksheets for row in ws.iter_rows() for c in row]
    assert not any("Geheime Idee" in str(v) for v in cells)

    by_coordination = client_for("coordinator").get(
        reverse("privacy:staff_data_export", args=[staff.pk])
    )
    sections, _ = _archive(by_coordination.content)
    objects = {r[3] for r in sections["Protokolleinträge als Handelnde/r"]["rows"]}
    assert "Geheime Idee 4711" in objects
    assert "Idee der anderen Kommune 0815" not in objects


def test_the_workbook_holds_numbers_and_dates_not_english_number_text(world, client_for):
    """Issue 13: the workbook's cells are numbers and dates that the reader's
    Excel shows in German (39,00); text like "39.00" would stay English. The
    JSON keeps its plain strings."""
    staff = world.staff[0]
    response = client_for("coordinator").get(reverse("privacy:staff_data_export", args=[staff.pk]))
    sections, workbook = _archive(response.content)
    facts = dict(sections["Mitarbeiter/in"]["rows"])
    assert (
        facts["Wochenstunden"] == "39.00" == str(StaffMember.objects.get(pk=staff.pk).weekly_hours)
    )
    sheet = workbook["Mitarbeiter/in"] if "Mitarbeiter/in" in workbook.sheetnames else None
    sheet = sheet or workbook.worksheets[0]
    cells = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert cells["Wochenstunden"] == float(staff.weekly_hours)
    positions = workbook["Stellen"]
    row = next(positions.iter_rows(min_row=2, values_only=True))
    assert isinstance(row[3], int | float) and not isinstance(row[3], str)
    assert hasattr(row[4], "year")  # valid from: a date cell
