"""The coordination dashboard shows figures that match the database, and each
figure links to the list behind it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.dashboard.selectors import coordination_figures
from schulsozial.masterdata import services

pytestmark = pytest.mark.django_db


def test_figures_for_coordination_match_the_data(world):
    f = coordination_figures(municipality=world.town, day=timezone.localdate())
    assert f.school_count == 4
    # Positions: 1.0 + 0.5 + 0.75 FTE of social work.
    assert f.fte_total == Decimal("2.25")
    by_type = {row.school_type: row.fte for row in f.fte_by_type}
    assert by_type == {"GS": Decimal("1.00"), "GE": Decimal("1.25"), "FS": Decimal("0.00")}
    assert f.pupils_total == 240 + 180 + 950 + 120
    assert f.pupils_per_fte == Decimal("662.22")
    assert f.target_pupils_per_fte == 150
    assert f.schools_without == 1  # the Förderschule
    assert f.contracts_ending == 1  # T-02 ends in 120 days
    # Fixed-term FTE 0.5 of 2.75 employed FTE (incl. coordination 0.5).
    assert f.fixed_term_share == Decimal("18.18")
    [budget] = f.budgets
    assert budget.available == Decimal("200000")
    assert budget.planned == Decimal("157500.00")  # 2.25 FTE x 70,000


def test_target_is_configurable_per_municipality(world):
    services.municipality_update(municipality=world.town, by=SYSTEM, target_pupils_per_fte=385)
    assert (
        coordination_figures(
            municipality=world.town, day=timezone.localdate()
        ).target_pupils_per_fte
        == 385
    )


def test_dashboard_page_shows_the_figures_with_links(world, client_for):
    html = client_for("coordinator").get("/").content.decode()

    def figure(name: str) -> tuple[str, str]:
        match = re.search(
            rf'data-figure="{name}"><a href="([^"]+)">.*?figure__value">([^<]+)<', html, re.S
        )
        assert match, name
        return match.group(1), match.group(2).strip()

    assert figure("schools") == ("/stammdaten/schools/", "4")
    assert figure("schools-without") == ("/stammdaten/schools/?coverage=none", "1")
    assert figure("contracts-ending")[0] == "/stammdaten/staff/?ending_within=12"
    assert figure("contracts-ending")[1] == "1"
    assert figure("fte")[1] in {"2,25", "2.25"}
    assert figure("pupils-per-fte")[1] == "662"
    assert "Förderrichtlinie" in html


def test_each_dashboard_link_lists_what_the_figure_counts(world, client_for):
    client = client_for("coordinator")
    without = client.get("/stammdaten/schools/?coverage=none&format=csv").content.decode(
        "utf-8-sig"
    )
    assert "Testschule 3" in without and "Testschule 0" not in without
    ending = client.get("/stammdaten/staff/?ending_within=12&format=csv").content.decode(
        "utf-8-sig"
    )
    assert "Fachkraft T-02" in ending and "Fachkraft T-01" not in ending
    fixed = client.get("/stammdaten/staff/?contract=fixed&format=csv").content.decode("utf-8-sig")
    assert fixed.count("Fachkraft") == 1


def test_committee_sees_aggregates_but_no_money(world, client_for):
    html = client_for("committee").get("/").content.decode()
    assert 'data-figure="schools"' in html
    assert 'data-table="budgets"' not in html


def test_principal_sees_the_social_work_at_the_own_school(world, client_for):
    html = client_for("principal").get("/").content.decode()
    assert "Testschule 0" in html and "Testschule 2" not in html


def test_fte_school_type_and_budget_links_list_what_they_count(world, client_for):
    import csv
    import io

    client = client_for("coordinator")
    html = client.get("/").content.decode()
    fte_link = (
        re.search(r'data-figure="fte"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    )
    text = client.get(fte_link, {"format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    column = next(i for i, label in enumerate(rows[0]) if label in {"FTE", "VZÄ"})
    assert sum(Decimal(r[column].replace(",", ".")) for r in rows[1:]) == Decimal("2.25")

    type_links = re.findall(r'href="(/stammdaten/schools/\?school_type=[A-Z]+)"', html)
    assert sorted(type_links) == [
        "/stammdaten/schools/?school_type=FS",
        "/stammdaten/schools/?school_type=GE",
        "/stammdaten/schools/?school_type=GS",
    ]
    gs = client.get("/stammdaten/schools/?school_type=GS").context["paginator"].count
    assert gs == 2
    assert f'href="/stammdaten/funding/{world.stream.pk}/"' in html


def test_every_dashboard_link_opens_for_the_user_who_sees_it(world, client_for):
    for persona in ("coordinator", "committee", "carrier", "worker", "principal"):
        client = client_for(persona)
        html = client.get("/").content.decode()
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        links = set(re.findall(r'href="(/[^"#]*)"', main))
        assert links, persona
        for link in links:
            status = client.get(link.replace("&amp;", "&")).status_code
            assert status == 200, (persona, link, status)


def test_committee_view_withholds_contract_figures_about_fewer_persons_than_the_threshold(
    world, client_for
):
    day = timezone.localdate()
    # One person's contract ends and one person is on a fixed-term contract: below 5.
    protected = coordination_figures(municipality=world.town, day=day, protected=True)
    assert protected.contracts_ending is None
    assert protected.fixed_term_fte is None
    assert protected.fixed_term_share is None
    assert protected.threshold == world.town.disclosure_threshold == 5
    # Coordination sees the same municipality unprotected.
    assert coordination_figures(municipality=world.town, day=day).contracts_ending == 1
    # A threshold of 2 still withholds one person; 0 persons are never withheld.
    services.municipality_update(municipality=world.town, by=SYSTEM, disclosure_threshold=2)
    world.town.refresh_from_db()
    assert coordination_figures(municipality=world.town, day=day, protected=True).threshold == 2
    assert (
        coordination_figures(municipality=world.town, day=day, protected=True).contracts_ending
        is None
    )
    elsewhere = coordination_figures(municipality=world.other_town, day=day, protected=True)
    assert elsewhere.contracts_ending == 0


def test_committee_page_shows_the_withheld_symbol_instead_of_a_count_of_one(world, client_for):
    html = client_for("committee").get("/").content.decode()
    ending = re.search(r'data-figure="contracts-ending">.*?figure__value">([^<]+)<', html, re.S)
    share = re.search(r'data-figure="fixed-term-share">.*?figure__value">([^<]+)<', html, re.S)
    assert ending and ending.group(1).strip() == "•"
    assert share and share.group(1).strip() == "•"
    assert "18,2" not in html and "0,50 von" not in html


def test_fixed_term_share_says_it_counts_all_staff_including_coordination(world, client_for):
    # The social-work tile counts 2,25 FTE of positions, the fixed-term share
    # 2,75 FTE of employed staff (coordination's 0,5 included): the note says
    # which base it uses, so that the two figures are not read as a gap.
    html = client_for("coordinator").get("/").content.decode()
    figure = re.search(r'data-figure="fixed-term-share">.*?</li>', html, re.S)
    assert figure
    note = re.sub(r"\s+", " ", figure.group(0))
    assert "0,50 von 2,75 VZÄ aller heute Beschäftigten, Koordination eingeschlossen" in note
