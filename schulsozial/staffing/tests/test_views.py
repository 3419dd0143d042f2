"""The plan page and its export as a coordinator reads them: the status line
of the last calculation, hints on very small assignments, the open needs as
CSV and XLSX in German formats."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.staffing import services
from schulsozial.staffing.checks import SMALL_ASSIGNMENT_FTE
from schulsozial.staffing.models import StaffingPlan

from .helpers import adopted_scenario

pytestmark = pytest.mark.django_db


def _solved(world):
    plan = services.plan_create(scenario=adopted_scenario(world), by=SYSTEM)
    return services.plan_solve(plan=plan, by=SYSTEM)


def _solved_at(plan, result):
    moment = datetime.datetime(2026, 12, 7, 21, 40, tzinfo=timezone.get_current_timezone())
    StaffingPlan.objects.filter(pk=plan.pk).update(result=result, solved_at=moment)


def test_the_status_line_says_when_and_that_the_plan_is_optimal(world, client_for):
    plan = _solved(world)
    _solved_at(plan, plan.result)
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    line = html.split('data-plan="solver-status"')[1].split("</p>")[0]
    assert (
        "Zuletzt berechnet am 7. Dezember 2026, 21:40 Uhr: bestmöglicher Plan (bewiesen)." in line
    )


def test_the_status_line_of_a_stopped_calculation_gives_seconds_and_gap(world, client_for):
    plan = _solved(world)
    result = {
        **plan.result,
        "status": "time_limit",
        "objective": 3.1,
        "bound": 3.0,
        "seconds": 60.2,
    }
    _solved_at(plan, result)
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    line = html.split('data-plan="solver-status"')[1].split("</p>")[0]
    assert (
        "Zuletzt berechnet am 7. Dezember 2026, 21:40 Uhr: Berechnung nach 60 Sekunden beendet; "
        "höchstens 3,2 % vom bestmöglichen Plan entfernt." in line
    )


def test_the_status_line_of_a_rollover_says_it_is_not_calculated(world, client_for):
    plan = services.plan_rollover(
        municipality=world.town, school_year=_solved(world).school_year, by=SYSTEM
    )
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    line = html.split('data-plan="solver-status"')[1].split("</p>")[0]
    assert "Aus den heutigen Einsätzen fortgeschrieben; noch nicht berechnet." in line
    assert "Zuletzt berechnet" not in line


def test_a_solve_keeps_the_seconds_it_took(world):
    plan = _solved(world)
    assert isinstance(plan.result["seconds"], float)


def test_a_very_small_assignment_is_a_hint_on_the_row_and_in_the_checks(world, client_for):
    plan = _solved(world)
    row = plan.assignments.select_related("staff", "school").first()
    plan.assignments.filter(pk=row.pk).update(fte=Decimal("0.05"))
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    person = html.split(f'data-assignment="{row.staff.label}"')[1].split("</li>")[0]
    assert "sehr kleiner Einsatz: 0,05 VZÄ" in person
    checks = html.split('data-list="checks"')[1].split("</ul>\n")[0]
    assert 'data-hint="small"' in checks
    assert f"{row.staff.label} an {row.school.school_number}: 0,05 VZÄ" in checks
    assert "Hinweis" in checks and "unter 0,25 VZÄ" in checks
    # A hint, not a broken rule.
    assert checks.count('data-holds="no"') == 0
    assert Decimal("0.25") == SMALL_ASSIGNMENT_FTE


def test_no_hint_when_every_assignment_is_large_enough(world, client_for):
    plan = _solved(world)
    plan.assignments.filter(fte__lt=SMALL_ASSIGNMENT_FTE).delete()
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    assert "sehr kleiner Einsatz" not in html
    assert 'data-hint="small"' not in html


def test_a_fixed_small_assignment_is_not_flagged(world, client_for):
    plan = services.plan_create(scenario=adopted_scenario(world), by=SYSTEM)
    services.pin_set(
        plan=plan, staff=world.staff[2], school=world.schools[3], fte=Decimal("0.05"), by=SYSTEM
    )
    plan = services.plan_solve(plan=plan, by=SYSTEM)
    assert plan.assignments.get(staff=world.staff[2], school=world.schools[3]).fte == Decimal(
        "0.05"
    )
    html = client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    person = html.split(f'data-school="{world.schools[3].school_number}"')[1].split("</tr>")[0]
    assert "sehr kleiner Einsatz" not in person


def test_the_open_needs_export_gives_fte_two_decimals_in_german(world, client_for):
    plan = _solved(world)
    unfilled = [*plan.result["unfilled"], {"school": world.schools[0].school_number, "fte": 1}]
    StaffingPlan.objects.filter(pk=plan.pk).update(result={**plan.result, "unfilled": unfilled})
    client = client_for("coordinator")
    response = client.get(reverse("staffing:unfilled_export", args=[plan.pk, "csv"]))
    assert 'filename="offene-bedarfe-2027-28-stand-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header == [
        "Schulnummer",
        "Schule",
        "Schulform",
        "offener Bedarf (VZÄ)",
        "Wochenstunden",
        "Schuljahr",
        "Bedarf ab",
    ]
    by_number = {row[0]: row for row in body}
    assert by_number[world.schools[0].school_number][3] == "1,00"
    assert by_number["199002"][3:5] == ["0,75", "29,25"]
    assert by_number["199002"][6] == "01.08.2027"
    response = client.get(reverse("staffing:unfilled_export", args=[plan.pk, "xlsx"]))
    assert 'filename="offene-bedarfe-2027-28-stand-' in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Offene Bedarfe"]
    assert [c.value for c in sheet[1]] == header
    fte = list(sheet["D"][1:])
    assert sorted(c.value for c in fte) == [0.25, 0.75, 1]
    assert {c.number_format for c in fte} == {"#,##0.00"}
    assert {c.number_format for c in sheet["E"][1:]} == {"#,##0.00"}
    assert "Hinweise" in book.sheetnames
