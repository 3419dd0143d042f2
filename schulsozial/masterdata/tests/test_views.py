"""Master-data pages: forms validate and save through the services, choices
and lists stay inside the user's scope, list pages use a fixed number of
queries, and the pages carry the security headers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schulsozial.accounts.models import Role
from schulsozial.accounts.services import role_assign
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import services
from schulsozial.masterdata.models import Carrier, Position, School, StaffMember

pytestmark = pytest.mark.django_db


def test_coordinator_creates_a_school_and_the_write_is_audited(world, client_for):
    client = client_for("coordinator")
    response = client.post(
        "/stammdaten/schools/new/",
        {
            "in_municipality": world.town.pk,
            "school_number": "199321",
            "name": "Neue Grundschule",
            "school_type": "GS",
            "legal_status": "public",
            "active": "on",
        },
    )
    school = School.objects.get(school_number="199321")
    assert (
        response.status_code == 302 and response["Location"] == f"/stammdaten/schools/{school.pk}/"
    )
    assert school.municipality == world.town
    entry = AuditEntry.objects.get(
        action="create", object_type="masterdata.school", object_id=str(school.pk)
    )
    assert entry.actor == world.users["coordinator"] and entry.municipality_id == world.town.pk


def test_school_form_shows_field_errors_and_saves_nothing(world, client_for):
    client = client_for("coordinator")
    response = client.post(
        "/stammdaten/schools/new/",
        {
            "in_municipality": world.town.pk,
            "school_number": "12345",
            "name": "",
            "school_type": "GS",
            "legal_status": "public",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "school_number" in errors and "name" in errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert not School.objects.filter(school_number="12345").exists()


def test_coordinator_cannot_create_a_school_in_another_municipality(world, client_for):
    response = client_for("coordinator").post(
        "/stammdaten/schools/new/",
        {
            "in_municipality": world.other_town.pk,
            "school_number": "199322",
            "name": "X",
            "school_type": "GS",
            "legal_status": "public",
        },
    )
    assert "in_municipality" in response.context["form"].errors
    assert not School.objects.filter(school_number="199322").exists()


def test_editing_a_school_records_only_the_changed_fields(world, client_for):
    school = world.schools[1]
    client = client_for("coordinator")
    data = {
        "school_number": school.school_number,
        "name": "Umbenannte Schule",
        "school_type": school.school_type,
        "legal_status": school.legal_status,
        "city": school.city,
        "active": "on",
    }
    assert client.post(f"/stammdaten/schools/{school.pk}/edit/", data).status_code == 302
    entry = AuditEntry.objects.filter(action="update", object_id=str(school.pk)).latest("at")
    assert entry.changes == {"name": ["Testschule 1", "Umbenannte Schule"]}


def test_figures_per_school_year_are_kept_per_year(world, client_for):
    school = world.schools[3]
    client = client_for("coordinator")
    client.post(
        f"/stammdaten/schools/{school.pk}/figures/",
        {"school_year": world.year.pk, "pupils": "130", "social_index": "", "startchancen": ""},
    )
    figures = school.figures.get(school_year=world.year)
    assert (figures.pupils, figures.social_index, figures.startchancen) == (130, None, False)
    response = client.post(
        f"/stammdaten/schools/{school.pk}/figures/",
        {"school_year": world.year.pk, "pupils": "130", "social_index": "12"},
    )
    assert "social_index" in response.context["form"].errors


def test_carrier_manager_creates_staff_only_for_the_own_carrier(world, client_for):
    client = client_for("carrier")
    form = client.get("/stammdaten/staff/new/").context["form"]
    assert list(form.fields["carrier"].queryset) == [world.carrier]
    response = client.post(
        "/stammdaten/staff/new/",
        {
            "label": "Fachkraft T-09",
            "carrier": world.other_carrier.pk,
            "function": "social_work",
            "qualification": "sw_ba",
            "weekly_hours": "19.5",
            "contract_start": "2025-08-01",
        },
    )
    assert "carrier" in response.context["form"].errors
    response = client.post(
        "/stammdaten/staff/new/",
        {
            "label": "Fachkraft T-09",
            "carrier": world.carrier.pk,
            "function": "social_work",
            "qualification": "sw_ba",
            "weekly_hours": "19.5",
            "contract_start": "2025-08-01",
            "contract_end": "2026-07-31",
        },
    )
    assert response.status_code == 302
    staff = StaffMember.objects.get(label="Fachkraft T-09")
    assert staff.fte == Decimal("0.5000") and staff.municipality == world.town


def test_staff_form_refuses_more_hours_than_a_full_time_week(world, client_for):
    staff = world.staff[0]
    response = client_for("carrier").post(
        f"/stammdaten/staff/{staff.pk}/edit/",
        {
            "label": staff.label,
            "carrier": world.carrier.pk,
            "function": "social_work",
            "qualification": "sw_ba",
            "weekly_hours": "45",
            "contract_start": staff.contract_start.isoformat(),
        },
    )
    assert "weekly_hours" in response.context["form"].errors
    staff.refresh_from_db()
    assert staff.weekly_hours == Decimal("39.00")


def test_position_assignment_form_refuses_hours_beyond_the_position(world, client_for):
    position = world.positions[1]
    client = client_for("coordinator")
    response = client.post(
        f"/stammdaten/positions/{position.pk}/assign/",
        {"school": world.schools[3].pk, "weekly_hours": "5"},
    )
    assert response.status_code == 200
    assert "weekly_hours" in response.context["form"].errors
    response = client.post(
        f"/stammdaten/positions/{position.pk}/assign/",
        {"school": world.other_school.pk, "weekly_hours": "1"},
    )
    assert "school" in response.context["form"].errors


def test_coordinator_creates_a_vacant_position_and_assigns_it(world, client_for):
    client = client_for("coordinator")
    response = client.post(
        "/stammdaten/positions/new/",
        {
            "code": "T-10",
            "carrier": world.carrier.pk,
            "funding_stream": world.stream.pk,
            "function": "social_work",
            "fte": "0.5",
            "valid_from": "2026-08-01",
        },
    )
    position = Position.objects.get(code="T-10")
    assert response.status_code == 302 and position.staff_member is None
    assert position.weekly_hours == Decimal("19.50")
    client.post(
        f"/stammdaten/positions/{position.pk}/assign/",
        {"school": world.schools[3].pk, "weekly_hours": "19.5"},
    )
    assert position.assignments.get().school == world.schools[3]
    vacant = client.get("/stammdaten/positions/?vacant=true&format=csv").content.decode("utf-8-sig")
    assert "T-10" in vacant and "T-01" not in vacant


def test_budget_form_sets_a_budget_per_school_year(world, client_for):
    client = client_for("coordinator")
    data = {"school_year": world.year.pk, "available_eur": "250000", "cost_per_fte_eur": "72000"}
    # 72,000 EUR lies above the stream's eligible 70,000 per FTE (issue 15): the
    # form asks to confirm the funding-rule warning before it saves.
    asked = client.post(f"/stammdaten/funding/{world.stream.pk}/budget/", data)
    assert asked.status_code == 200
    assert "70.000" in asked.content.decode()  # the warning names the cap
    assert not world.stream.budgets.filter(school_year=world.year, cost_per_fte_eur=72000).exists()
    client.post(
        f"/stammdaten/funding/{world.stream.pk}/budget/", {**data, "confirm_rule_warnings": "on"}
    )
    budget = world.stream.budgets.get(school_year=world.year)
    assert (budget.available_eur, budget.cost_per_fte_eur) == (
        Decimal("250000.00"),
        Decimal("72000.00"),
    )
    page = client.get(f"/stammdaten/funding/{world.stream.pk}/").content.decode()
    assert "162.000" in page or "162,000" in page  # 2.25 FTE x 72,000 planned


def test_school_year_runs_from_august_to_july(world, client_for):
    client = client_for("coordinator")
    client.post("/stammdaten/school-years/new/", {"start_year": "2031"})
    from schulsozial.masterdata.models import SchoolYear

    year = SchoolYear.objects.get(code="2031/32")
    assert (year.start, year.end) == (datetime.date(2031, 8, 1), datetime.date(2032, 7, 31))
    again = client.post("/stammdaten/school-years/new/", {"start_year": "2031"})
    assert "start_year" in again.context["form"].errors


def test_lists_filter_search_and_sort(world, client_for):
    client = client_for("coordinator")
    rows = client.get("/stammdaten/schools/?school_type=GS&sort=-pupils").context["rows"]
    assert [r[1][1] for r in rows] == ["Testschule 0", "Testschule 1"]
    rows = client.get("/stammdaten/schools/?q=schule 3").context["rows"]
    assert [r[1][1] for r in rows] == ["Testschule 3"]
    rows = client.get(f"/stammdaten/staff/?carrier={world.other_carrier.pk}").context["rows"]
    assert [r[0][1] for r in rows] == ["Fachkraft T-03"]


def test_htmx_filter_returns_only_the_table_fragment(world, client_for):
    html = (
        client_for("coordinator")
        .get("/stammdaten/schools/?q=Testschule", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert html.lstrip().startswith('<div id="table-region"') and "<html" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/stammdaten/schools/",
        "/stammdaten/staff/",
        "/stammdaten/positions/",
        "/stammdaten/carriers/",
        "/",
    ],
)
def test_list_pages_use_a_fixed_number_of_queries(world, client_for, url):
    client = client_for("coordinator")
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(10):
        school = services.school_create(
            by=SYSTEM,
            municipality=world.town,
            school_number=f"1985{n:02d}",
            name=f"Zusatzschule {n}",
            school_type="GS",
        )
        staff = services.staff_create(
            municipality=world.town,
            by=SYSTEM,
            carrier=world.carrier,
            label=f"Extra {n}",
            qualification="sw_ba",
            weekly_hours=Decimal("19.5"),
            contract_start=datetime.date(2024, 8, 1),
        )
        position = services.position_create(
            municipality=world.town,
            by=SYSTEM,
            code=f"X-{n}",
            carrier=world.carrier,
            funding_stream=world.stream,
            fte=Decimal("0.5"),
            staff_member=staff,
            valid_from=datetime.date(2024, 8, 1),
        )
        services.assignment_set(
            position=position, school=school, weekly_hours=Decimal("19.5"), by=SYSTEM
        )
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    # The dashboard reads one query per tile and task provider: the staffing
    # plan, the contracts ending and the quality cycle (issues 15, 16) added 5.
    assert len(large) <= (30 if url == "/" else 25)


def test_a_user_with_two_scoped_roles_sees_the_union_of_both(world, client_for):
    worker = world.users["worker"]
    role_assign(user=worker, role=Role.WORKER, school=world.schools[1], by=SYSTEM)
    names = [r[1][1] for r in client_for("worker").get("/stammdaten/schools/").context["rows"]]
    assert names == ["Testschule 0", "Testschule 1"]


def test_pages_send_a_strict_content_security_policy(world, client_for):
    response = client_for("coordinator").get("/")
    csp = response["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_user_input_is_escaped_in_pages(world, client_for):
    services.carrier_update(carrier=world.carrier, by=SYSTEM, name='<script>alert("x")</script>')
    html = client_for("coordinator").get("/stammdaten/carriers/").content.decode()
    assert '<script>alert("x")</script>' not in html and "&lt;script&gt;" in html


def test_forms_require_the_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["coordinator"])
    response = client.post(
        "/stammdaten/carriers/new/",
        {"in_municipality": world.town.pk, "name": "X", "kind": "welfare"},
    )
    assert response.status_code == 403
    assert not Carrier.objects.filter(name="X").exists()


def _master_data_lists() -> list[str]:
    """Every master-data page that is a list (TableView), from the URL conf."""
    from django.urls import URLPattern, get_resolver

    from schulsozial.core.listing import TableView

    _prefix, resolver = get_resolver().namespace_dict["masterdata"]
    return sorted(
        f"masterdata:{p.name}"
        for p in resolver.url_patterns
        if isinstance(p, URLPattern)
        and issubclass(getattr(p.callback, "view_class", object), TableView)
    )


def test_the_master_data_lists_are_the_seven_of_the_issue():
    assert _master_data_lists() == [
        "masterdata:carrier_list",
        "masterdata:funding_list",
        "masterdata:municipality_list",
        "masterdata:position_list",
        "masterdata:school_list",
        "masterdata:school_year_list",
        "masterdata:staff_list",
    ]


@pytest.mark.parametrize("name", _master_data_lists())
def test_every_master_data_list_exports_csv_and_xlsx_with_its_rows(world, client_for, name):
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    client = client_for("coordinator")
    url = reverse(name)
    page = client.get(url)
    count = page.context["paginator"].count
    assert count > 0
    header = [str(c.label) for c in page.context["columns"]]

    csv_response = client.get(url, {"format": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "attachment" in csv_response["Content-Disposition"]
    lines = csv_response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == count + 1
    assert all(label in lines[0].split(";") for label in header)

    xlsx_response = client.get(url, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == count + 1
    assert all(label in rows[0] for label in header)
    assert AuditEntry.objects.filter(action="export", actor=world.users["coordinator"]).count() == 2


def test_a_global_administrator_sees_no_link_to_the_school_list_it_may_not_open(
    world, client, client_for
):
    from schulsozial.testing.personas import make_user

    client.force_login(make_user("betrieb", Role.ADMINISTRATION))
    page = client.get(f"/stammdaten/municipalities/{world.town.pk}/")
    assert page.status_code == 200
    assert 'href="/stammdaten/schools/"' not in page.content.decode()
    assert client.get("/stammdaten/schools/").status_code == 403
    coordinator = client_for("coordinator").get(f"/stammdaten/municipalities/{world.town.pk}/")
    assert 'href="/stammdaten/schools/"' in coordinator.content.decode()
