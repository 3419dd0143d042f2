"""List pages in German usage (issue 13): every filter's empty choice reads
"alle", yes/no filters offer "alle / ja / nein", figures carry German digit
grouping, and school numbers and years stay without a dot."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from schulsozial.core.listing import Column, TableView
from schulsozial.masterdata import services
from schulsozial.masterdata.models import School, SchoolYear

pytestmark = pytest.mark.django_db

LISTS_WITH_FILTERS = [
    ("masterdata:school_list", "coordinator"),
    ("masterdata:carrier_list", "coordinator"),
    ("masterdata:staff_list", "coordinator"),
    ("masterdata:funding_list", "coordinator"),
    ("masterdata:position_list", "coordinator"),
    ("accounts:audit_list", "admin"),
]


def filter_form(html: str) -> str:
    match = re.search(r'<form method="get" class="filter-form".*?</form>', html, re.S)
    assert match, "the list page has a filter form"
    return match.group(0)


@pytest.mark.parametrize(("name", "persona_name"), LISTS_WITH_FILTERS)
def test_every_list_filter_offers_alle_and_never_unbekannt_or_dashes(
    name, persona_name, world, client_for
):
    response = client_for(persona_name).get(reverse(name))
    assert response.status_code == 200
    form = filter_form(response.content.decode())
    assert "Unbekannt" not in form
    assert "---------" not in form
    assert '<option value="" selected>alle</option>' in form


def test_boolean_filters_offer_alle_ja_nein(world, client_for):
    form = filter_form(client_for("coordinator").get(reverse("masterdata:school_list")).text)
    active = re.search(r'<select name="active".*?</select>', form, re.S)
    assert active
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', active.group(0))
    assert options == [("", "alle"), ("true", "ja"), ("false", "nein")]


def test_a_chosen_boolean_filter_stays_selected_and_filters(world, client_for):
    School.objects.filter(pk=world.schools[0].pk).update(active=False)
    response = client_for("coordinator").get(reverse("masterdata:school_list"), {"active": "false"})
    html = response.content.decode()
    assert '<option value="false" selected>nein</option>' in html
    assert world.schools[0].name in html and world.schools[1].name not in html


def test_a_figure_of_a_thousand_or_more_shows_a_thousands_dot(world, client_for):
    services.school_figures_set(
        school=world.schools[2],
        school_year=world.year,
        pupils=1234,
        social_index=6,
        startchancen=False,
        by=world.users["coordinator"],
    )
    html = client_for("coordinator").get(reverse("masterdata:school_list")).content.decode()
    assert ">1.234<" in html
    assert ">1234<" not in html


def test_school_numbers_and_years_get_no_dot(world, client_for):
    html = client_for("coordinator").get(reverse("masterdata:school_list")).content.decode()
    assert world.schools[0].school_number in html  # "199000", not "199.000"
    assert "199.000" not in html
    years = client_for("coordinator").get(reverse("masterdata:school_year_list")).content.decode()
    assert world.year.code in years
    assert not re.search(r"\b2\.0\d\d\b", years)


def test_the_school_list_heads_its_figures_with_their_school_year(world, client_for):
    html = client_for("coordinator").get(reverse("masterdata:school_list")).content.decode()
    assert f"Schüler/innen {world.year.code}" in html


class _YearList(TableView):
    columns = [
        Column("code", "Jahr"),
        Column("start_year", "Beginn", value=lambda o: o.start.year),
        Column("pk", "Schüler/innen", value=lambda o: 1234, per_year=True, numeric=True),
    ]

    def get_queryset(self):
        return SchoolYear.objects.all()

    def figures_year(self):
        return "2025/26"


def test_a_per_year_column_names_the_year_and_other_columns_do_not(world, rf):
    request = rf.get("/")
    request.user = world.users["coordinator"]
    request.htmx = False
    html = _YearList.as_view()(request).content.decode()
    assert "Schüler/innen 2025/26" in html
    assert "Beginn 2025/26" not in html
    assert ">1.234<" in html
    assert f">{world.year.start.year}<" in html  # a year as a number: no dot
