"""The committee's dashboard shows personnel figures only under disclosure control
(issue 13): small headcounts per carrier are withheld with the platform's marker, the
fixed-term share only appears with enough fixed-term contracts behind it, and no
withheld value can be worked out from the totals on the same page. Coordination keeps
the full figures."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.dashboard.selectors import coordination_figures
from schulsozial.masterdata import services
from schulsozial.masterdata.models import StaffMember
from schulsozial.statistics.selectors import SUPPRESSED

pytestmark = pytest.mark.django_db


def _table(html: str) -> str:
    match = re.search(r'data-table="staff-by-carrier".*?</table>', html, re.S)
    assert match, "no staff table"
    return match.group(0)


def _cells(table: str) -> list[list[str]]:
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def _hire(carrier, n: int, *, fixed_term: bool) -> None:
    day = timezone.localdate()
    for i in range(n):
        services.staff_create(
            municipality=carrier.municipality,
            by=SYSTEM,
            carrier=carrier,
            label=f"{carrier.name} {'befristet' if fixed_term else 'unbefristet'} {i}",
            qualification=StaffMember.Qualification.SOCIAL_WORK_BA,
            weekly_hours=Decimal("19.5"),
            contract_start=day - datetime.timedelta(days=30),
            contract_end=day + datetime.timedelta(days=700) if fixed_term else None,
        )


def test_coordination_sees_the_exact_headcount_per_carrier(world, client_for):
    # Träger A: two permanent (one of them coordination), one fixed-term; Träger B: one.
    rows = _cells(_table(client_for("coordinator").get("/").content.decode()))
    assert ["Träger A", "2", "1", "3"] in rows
    assert ["Träger B", "1", "0", "1"] in rows
    assert rows[-1][1:] == ["3", "1", "4"]


def test_committee_sees_small_headcounts_withheld_not_as_zero(world, client_for):
    html = client_for("committee").get("/").content.decode()
    rows = _cells(_table(html))
    body = {r[0]: r[1:] for r in rows[1:]}
    assert SUPPRESSED in body["Träger A"]
    # Non-zero counts below the threshold never appear, neither as a number nor as 0
    # where the true value is not 0.
    for label in ("Träger A", "Träger B"):
        assert "1" not in body[label] and "2" not in body[label] and "3" not in body[label]
    assert "withheld for data protection" in html or "Datenschutz" in html


def test_committee_totals_do_not_allow_differencing(world):
    f = coordination_figures(municipality=world.town, day=timezone.localdate(), protected=True)
    table = f.staff_table
    assert table is not None
    for row in table.rows:
        published = [v for v in (row.permanent, row.fixed_term) if v is not None]
        withheld = [v for v in (row.permanent, row.fixed_term) if v is None]
        # A row total and all but one of its cells would give the last one away.
        assert not (row.total is not None and len(withheld) == 1), row
        assert all(v == 0 or v >= 5 for v in published)
    columns = [
        ([r.permanent for r in table.rows], table.permanent),
        ([r.fixed_term for r in table.rows], table.fixed_term),
    ]
    for cells, total in columns:
        assert not (total is not None and sum(v is None for v in cells) == 1)
        assert total is None or total == 0 or total >= 5


def test_committee_does_not_see_the_fixed_term_share_of_one_contract(world, client_for):
    html = client_for("committee").get("/").content.decode()
    figure = re.search(r'data-figure="fixed-term-share">.*?</li>', html, re.S)
    assert figure
    assert SUPPRESSED in figure.group(0)
    assert "%" not in figure.group(0)
    coordination = client_for("coordinator").get("/").content.decode()
    full = re.search(r'data-figure="fixed-term-share">.*?</li>', coordination, re.S)
    assert full
    assert "18,2" in full.group(0) or "18.2" in full.group(0)


def test_committee_never_sees_the_exact_fixed_term_fte(world, client_for):
    # With enough fixed-term contracts the share is shown, but not the FTE sums
    # ("2,50 of 51,00 FTE") from which a single new contract can be read off.
    # Träger A: 7 permanent, 5 fixed-term; Träger B: 6 permanent. Nothing withheld.
    _hire(world.carrier, 5, fixed_term=False)
    _hire(world.carrier, 4, fixed_term=True)
    _hire(world.other_carrier, 5, fixed_term=False)
    html = client_for("committee").get("/").content.decode()
    figure = re.search(r'data-figure="fixed-term-share">.*?</li>', html, re.S)
    assert figure
    assert "%" in figure.group(0)
    assert not re.search(r"\d+[,.]\d\d (of|von) \d+[,.]\d\d", figure.group(0))
    coordination = client_for("coordinator").get("/").content.decode()
    full = re.search(r'data-figure="fixed-term-share">.*?</li>', coordination, re.S)
    assert full
    assert re.search(r"2[,.]50 (of|von) 9[,.]75", full.group(0)), full.group(0)
    rows = _cells(_table(html))
    assert ["Träger A", "7", "5", "12"] in rows


def test_fixed_term_share_follows_the_withheld_fixed_term_total(world):
    # Träger A: 2 permanent, 6 fixed-term; Träger B: 1 permanent. Six fixed-term contracts
    # pass the threshold, but their column total is withheld to protect the small cells
    # (with it and the published grand total the permanent staff could be worked out), so
    # the share that stands for it is withheld too.
    _hire(world.carrier, 5, fixed_term=True)
    f = coordination_figures(municipality=world.town, day=timezone.localdate(), protected=True)
    assert f.staff_table is not None
    assert f.staff_table.fixed_term is None
    assert f.fixed_term_fte is None
    assert f.fixed_term_share is None
    full = coordination_figures(municipality=world.town, day=timezone.localdate())
    assert full.staff_table is not None
    assert full.staff_table.fixed_term == 6
    assert full.fixed_term_fte == Decimal("3.00")
