"""Distribution scenarios in the platform: computed from master data,
edited with optimistic locking, adopted once per year and then read-only,
explained per school, compared, exported (files read back)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import load_workbook

from schulsozial.allocation import services
from schulsozial.allocation.adapter import cost_per_fte, school_rows
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.selectors import comparison
from schulsozial.allocation.templates_rules import base_index_startchancen, pupils_only
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def scenario(world):
    return services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Index",
        rules_toml=base_index_startchancen(Decimal("4")),
        by=world.users["coordinator"],
    )


def test_inputs_come_from_the_master_data(world):
    rows = {
        r.school.school_number: r
        for r in school_rows(municipality=world.town, school_year=world.year)
    }
    assert set(rows) == {"199000", "199001", "199002", "199003"}
    assert rows["199000"].school.pupils == 240 and rows["199000"].school.social_index == 7
    assert rows["199000"].current_fte == Decimal("0.50")  # 19.5 of 39 hours of T-01
    assert rows["199002"].current_fte == Decimal("1.25")
    assert rows["199003"].current_fte == Decimal("0.00")


def test_scenario_meets_the_total_and_explains_each_school(scenario):
    result = scenario.result
    assert Decimal(result["total_fte"]) == Decimal("4")
    assert sum(Decimal(r["fte"]) for r in result["schools"]) == Decimal("4")
    for row in result["schools"]:
        assert Decimal(row["fte"]) % Decimal("0.25") == 0
        assert Decimal(row["fte"]) >= Decimal("0.25")  # the minimum of the template
        layer = row["explanation"]["layers"][0]
        parts = Decimal(layer["base_fte"]) + sum(
            Decimal(c["contribution_fte"]) for c in layer["criteria"]
        )
        parts += (
            Decimal(layer["even_split_fte"])
            + Decimal(layer["bound_fte"])
            + Decimal(layer["rounding_fte"])
        )
        assert parts == Decimal(layer["fte"])
    # The Förderschule has no Sozialindex: the missing rule is visible.
    fs = next(r for r in result["schools"] if r["number"] == "199003")
    index = next(
        c for c in fs["explanation"]["layers"][0]["criteria"] if c["name"] == "sozialindex"
    )
    assert index["missing"] == "median"
    assert result["sensitivity"]["samples"] == 1000


def test_infeasible_rules_are_a_clear_error_and_nothing_is_saved(world):
    rules = pupils_only(Decimal("4")).replace("min_fte = 0", "min_fte = 2")
    with pytest.raises(ValidationError) as error:
        services.scenario_create(
            municipality=world.town, school_year=world.year, name="X", rules_toml=rules, by=SYSTEM
        )
    assert "8" in str(error.value) or "minimum" in str(error.value).lower()
    assert not Scenario.objects.exists()


def test_second_save_with_an_old_version_is_refused(scenario, world):
    version = scenario.lock_version
    services.scenario_update(
        scenario=scenario,
        rules_toml=pupils_only(Decimal("4")),
        name="A",
        description="",
        expected_version=version,
        by=SYSTEM,
    )
    with translation.override("en"), pytest.raises(ValidationError, match="meantime"):
        services.scenario_update(
            scenario=scenario,
            rules_toml=pupils_only(Decimal("5")),
            name="B",
            description="",
            expected_version=version,
            by=SYSTEM,
        )
    scenario.refresh_from_db()
    assert scenario.name == "A" and Decimal(scenario.result["total_fte"]) == Decimal("4")


def test_adopted_scenario_is_read_only_and_supersedes_the_previous_one(scenario, world):
    services.scenario_adopt(
        scenario=scenario,
        decision_body="JHA",
        decision_date="2026-06-30",
        decision_reference="2026/0001",
        by=world.users["coordinator"],
    )
    with pytest.raises(ValidationError):
        services.scenario_update(
            scenario=scenario,
            rules_toml=pupils_only(Decimal("4")),
            name="x",
            description="",
            expected_version=scenario.lock_version,
            by=SYSTEM,
        )
    second = services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Neu",
        rules_toml=pupils_only(Decimal("4")),
        by=SYSTEM,
    )
    services.scenario_adopt(
        scenario=second,
        decision_body="JHA",
        decision_date="2026-09-30",
        decision_reference="2026/0002",
        by=SYSTEM,
    )
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.SUPERSEDED
    assert Scenario.objects.adopted().get() == second
    assert (
        AuditEntry.objects.filter(object_type="allocation.scenario", action="update").count() >= 3
    )


def test_committee_sees_only_adopted_scenarios(scenario, world, client_for):
    client = client_for("committee")
    assert client.get(f"/verteilung/{scenario.pk}/").status_code == 404
    services.scenario_adopt(
        scenario=scenario,
        decision_body="JHA",
        decision_date="2026-06-30",
        decision_reference="2026/0001",
        by=SYSTEM,
    )
    page = client.get(f"/verteilung/{scenario.pk}/").content.decode()
    assert "2026/0001" in page and "Regeln bearbeiten" not in page


def test_detail_page_shows_results_charts_and_tables(scenario, client_for):
    page = client_for("coordinator").get(f"/verteilung/{scenario.pk}/").content.decode()
    assert page.count('data-school="') == 4
    # sorted FTE, ideal against allocated, sensitivity band, dot map
    assert page.count("<svg") == 4
    assert page.count("data-point=") == 4  # one dot per school in the scatter
    assert "<script" not in page.split("<main", 1)[1]


def test_explanation_page_lists_every_part(scenario, client_for):
    with translation.override("de"):
        page = (
            client_for("coordinator")
            .get(f"/verteilung/{scenario.pk}/schools/199000/")
            .content.decode()
        )
    rows = re.findall(r'<th scope="row" class="kern-table__cell">([^<(]+)', page)
    labels = [label.strip() for label in rows]
    assert labels[:4] == ["Sockel", "Schüler/innen", "Sozialindex", "Startchancen"]
    assert "pupils" not in page and "sozialindex (" not in page
    assert "Unter- oder Obergrenze" in labels and "Rundung auf die Schrittweite" in labels


def test_a_criterion_with_its_own_name_keeps_it_in_the_explanation(world, client_for):
    rules = pupils_only(Decimal("4")).replace('name = "pupils"', 'name = "Schülerzahl 2024"')
    scenario = services.scenario_create(
        municipality=world.town, school_year=world.year, name="Eigen", rules_toml=rules, by=SYSTEM
    )
    page = client_for("coordinator").get(f"/verteilung/{scenario.pk}/schools/199000/")
    assert "Schülerzahl 2024 (" in page.content.decode()


def test_cost_per_fte_comes_from_the_budgets_weighted_by_the_fte_they_fund(world):
    from schulsozial.masterdata import services as md
    from schulsozial.masterdata.models import FundingStream, SchoolYear

    assert cost_per_fte(municipality=world.town, school_year=world.year) == Decimal("70000")
    # A stream that funds no position yet does not change the rate ...
    extra = md.funding_stream_create(
        by=SYSTEM,
        municipality=world.town,
        code="KOM",
        name="Kommunal",
        kind=FundingStream.Kind.MUNICIPAL,
    )
    md.budget_set(
        stream=extra,
        school_year=world.year,
        available_eur=Decimal("10000"),
        cost_per_fte_eur=Decimal("50000"),
        by=SYSTEM,
    )
    assert cost_per_fte(municipality=world.town, school_year=world.year) == Decimal("70000")
    # ... and a year without budgets has no rate.
    later = SchoolYear.objects.create(
        code="2040/41",
        start=world.year.start.replace(year=2040),
        end=world.year.end.replace(year=2041),
    )
    assert cost_per_fte(municipality=world.town, school_year=later) is None


def test_new_scenario_starts_with_the_cost_rate_and_explains_the_money(world, client_for):
    client = client_for("coordinator")
    form = client.get("/verteilung/new/").content.decode()
    assert 'name="cost_per_fte_eur"' in form and 'value="70000' in form
    response = client.post(
        "/verteilung/new/",
        {
            "name": "Mit Geld",
            "school_year": world.year.pk,
            "template": "index",
            "total_fte": "4",
            "cost_per_fte_eur": "70000",
        },
    )
    created = Scenario.objects.get(name="Mit Geld")
    assert response.status_code == 302 and "cost_per_fte_eur = 70000" in created.rules_toml
    row = next(r for r in created.result["schools"] if r["number"] == "199000")
    assert Decimal(row["money"]) == Decimal(row["fte"]) * 70000
    with translation.override("de"):
        page = client.get(f"/verteilung/{created.pk}/schools/199000/").content.decode()
    money = page.split('data-fact="money">', 1)[1].split("<", 1)[0]
    assert money.replace(".", "").startswith(f"{Decimal(row['fte']) * 70000:.0f}")


def test_rules_form_previews_live_and_saves(scenario, client_for):
    client = client_for("coordinator")
    form_page = client.get(f"/verteilung/{scenario.pk}/rules/")
    data = {
        "name": "Index neu",
        "description": "",
        "total_fte": "5",
        "budget_eur": "",
        "cost_per_fte_eur": "",
        "granularity": "0.25",
        "base_fte": "0.25",
        "min_fte": "0.25",
        "max_fte": "3",
        "max_change": "",
        "method": "min-deviation",
        "samples": "200",
        "spread": "0.2",
        "lock_version": str(scenario.lock_version),
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "1",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "6",
        "c-0-indicator": "pupils",
        "c-0-weight": "1",
        "c-0-transform": "linear",
        "c-0-table": "",
        "c-0-combine": "add",
        "c-0-missing": "median",
        "c-0-missing_value": "",
    }
    assert form_page.status_code == 200
    preview = client.post(
        f"/verteilung/{scenario.pk}/rules/", data, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-preview-total="5.00"' in preview
    scenario.refresh_from_db()
    assert Decimal(scenario.result["total_fte"]) == Decimal("4")  # a preview saves nothing
    response = client.post(f"/verteilung/{scenario.pk}/rules/", data)
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.name == "Index neu" and Decimal(scenario.result["total_fte"]) == Decimal("5")


def test_rules_form_shows_engine_errors_in_the_preview(scenario, client_for):
    data = {
        "name": "X",
        "total_fte": "1",
        "granularity": "0.25",
        "base_fte": "0",
        "min_fte": "1",
        "method": "min-deviation",
        "samples": "0",
        "spread": "0.2",
        "lock_version": "0",
        "c-TOTAL_FORMS": "0",
        "c-INITIAL_FORMS": "0",
        "c-MIN_NUM_FORMS": "0",
        "c-MAX_NUM_FORMS": "6",
    }
    html = (
        client_for("coordinator")
        .post(f"/verteilung/{scenario.pk}/rules/", data, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "data-preview-error" in html


def test_comparison_highlights_differences_per_school_type_and_carrier(scenario, world):
    other = services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Schüler",
        rules_toml=pupils_only(Decimal("4")),
        by=SYSTEM,
    )
    table = comparison([scenario, other])
    assert len(table["schools"]) == 4
    assert table["totals"]["fte"] == [Decimal("4"), Decimal("4")]
    assert any(r["differs"] for r in table["schools"])
    carriers = {g["key"]: g for g in table["carriers"]}
    assert set(carriers) == {"Träger A", "Träger B", "–"}
    assert sum(g["current"] for g in table["carriers"]) == table["totals"]["current"]


def test_compare_page_needs_two_to_four_scenarios(scenario, world, client_for):
    other = services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Schüler",
        rules_toml=pupils_only(Decimal("4")),
        by=SYSTEM,
    )
    client = client_for("coordinator")
    one = client.get("/verteilung/compare/", {"scenarios": [scenario.pk]})
    assert "scenarios" in one.context["form"].errors
    two = client.get(
        "/verteilung/compare/", {"scenarios": [scenario.pk, other.pk]}
    ).content.decode()
    assert 'data-table="compare-schools"' in two and 'data-table="compare-carriers"' in two


def test_exports_read_back(scenario, client_for):
    client = client_for("coordinator")
    sheet = load_workbook(
        io.BytesIO(client.get(f"/verteilung/{scenario.pk}/export.xlsx").content)
    ).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 4 and sum(Decimal(str(r[8])) for r in rows) == Decimal("4")
    csv = client.get(f"/verteilung/{scenario.pk}/export.csv").content.decode("utf-8-sig")
    assert csv.splitlines()[0].startswith("Schulnummer;Name;Schulform;")
    from pypdf import PdfReader

    pdf = PdfReader(io.BytesIO(client.get(f"/verteilung/{scenario.pk}/export.pdf").content))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "Testschule 0" in text and "Index" in text
    assert "Datenlizenz Deutschland" in " ".join(text.split())  # the open-data attribution
    assert (
        AuditEntry.objects.filter(action="export", object_type="allocation.scenario").count() == 3
    )


def test_pdf_export_escapes_markup_in_names_and_formats_the_decision_date(world, client_for):
    from pypdf import PdfReader

    scenario = services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Sockel <b> & Index",
        rules_toml=pupils_only(Decimal("4")),
        description="Schulen < 100 Schüler & <script>alert(1)</script>",
        by=SYSTEM,
    )
    services.scenario_adopt(
        scenario=scenario,
        decision_body="JHA <i>",
        decision_date="2026-06-30",
        decision_reference="2026/0001",
        by=SYSTEM,
    )
    with translation.override("de"):
        response = client_for("coordinator").get(f"/verteilung/{scenario.pk}/export.pdf")
    assert response.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Sockel <b> & Index" in text
    assert "Schulen < 100 Schüler & <script>alert(1)</script>" in text
    assert "JHA <i>" in text and "30.06.2026" in text


def test_scenario_list_links_to_the_comparison_and_shows_the_decision_date(scenario, client_for):
    services.scenario_adopt(
        scenario=scenario,
        decision_body="JHA",
        decision_date="2026-06-30",
        decision_reference="2026/0001",
        by=SYSTEM,
    )
    with translation.override("de"):
        page = client_for("committee").get("/verteilung/").content.decode()
    assert 'href="/verteilung/compare/"' in page
    assert "JHA, 30.06.2026, Vorlage 2026/0001" in page


def test_a_coordinator_of_two_municipalities_chooses_where_the_scenario_belongs(world, client_for):
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.services import role_assign

    coordinator = world.users["coordinator"]
    role_assign(user=coordinator, role=Role.COORDINATION, municipality=world.other_town, by=SYSTEM)
    client = client_for("coordinator")
    form = client.get("/verteilung/new/").content.decode()
    assert f'<option value="{world.other_town.pk}"' in form
    response = client.post(
        "/verteilung/new/",
        {
            "municipality": world.other_town.pk,
            "name": "Nachbarstadt",
            "school_year": world.year.pk,
            "template": "pupils",
            "total_fte": "1",
            "cost_per_fte_eur": "",
        },
    )
    assert response.status_code == 302
    scenario = Scenario.objects.get(name="Nachbarstadt")
    assert scenario.municipality == world.other_town
    assert {r["number"] for r in scenario.result["schools"]} == {world.other_school.school_number}


def test_new_scenario_form_opens_without_figures_when_no_municipality_is_coordinated(
    world, client_for
):
    """A coordination grant whose municipalities are all gone leaves no first municipality:
    the form then starts at 0 FTE and no cost rate instead of failing."""
    from unittest import mock

    from schulsozial.masterdata.models import Municipality

    with mock.patch(
        "schulsozial.allocation.views.coordinated_municipalities",
        return_value=Municipality.objects.none(),
    ):
        response = client_for("coordinator").get("/verteilung/new/")
    form = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'name="total_fte"[^>]*value="0"', form)
    assert 'name="cost_per_fte_eur"' in form and 'value="70000' not in form


def test_the_pdf_has_a_german_descriptive_file_name_like_the_tables(world, client_for):
    """verteilung-<name>-<school year>-stand-<day>.pdf, not verteilung-<pk>.pdf (issue 13)."""
    import datetime

    from schulsozial.allocation.models import Scenario
    from schulsozial.core.exports import slug

    scenario = services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Größe & Bedarf",
        rules_toml=pupils_only(Decimal("4")),
        by=SYSTEM,
    )
    # 23:30 UTC on 31 March is 1 April in Berlin: the file names the local day.
    late = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=datetime.UTC)
    Scenario.objects.filter(pk=scenario.pk).update(computed_at=late)
    client = client_for("coordinator")
    with translation.override("de"):
        pdf = client.get(f"/verteilung/{scenario.pk}/export.pdf")["Content-Disposition"]
        csv = client.get(f"/verteilung/{scenario.pk}/export.csv")["Content-Disposition"]
    year = slug(str(world.year))
    expected = f"verteilung-groesse-bedarf-{year}-stand-2026-04-01"
    assert pdf == f'attachment; filename="{expected}.pdf"'
    assert csv == f'attachment; filename="{expected}.csv"'
