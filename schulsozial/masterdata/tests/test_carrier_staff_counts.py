"""Exact staff headcounts per carrier (issue 13, GR-1): coordination and the
carrier itself see them; a committee does not (what it sees of personnel
passes disclosure control on the dashboard), neither in the list, its
sorting, its export nor on the carrier page."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from schulsozial.masterdata import permissions as perms
from schulsozial.masterdata.selectors import carriers_visible_to

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    """The table of a CSV export: from its heading row (Name; ...) on, below
    any title lines the export may carry."""
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Name")
    return [r for r in rows[start:] if r]


def test_committee_sees_no_exact_staff_count_per_carrier(world, client_for):
    committee = client_for("committee")
    page = committee.get("/stammdaten/carriers/").content.decode()
    assert world.carrier.name in page
    assert "beschäftigtes Personal" not in page
    rows = _csv(committee.get("/stammdaten/carriers/", {"format": "csv"}))
    assert "beschäftigtes Personal" not in rows[0]
    assert all(len(r) == len(rows[0]) for r in rows)
    detail = committee.get(reverse("masterdata:carrier_detail", args=[world.carrier.pk]))
    assert "beschäftigtes Personal" not in detail.content.decode()


def test_committee_cannot_sort_carriers_by_their_staff(world, client_for):
    committee = client_for("committee")
    by_name = _csv(committee.get("/stammdaten/carriers/", {"format": "csv"}))
    for sort in ("staff_count", "-staff_count"):
        rows = _csv(committee.get("/stammdaten/carriers/", {"format": "csv", "sort": sort}))
        assert rows == by_name


def test_the_selector_withholds_the_count_from_a_committee(world):
    counts = {c.pk: c.staff_count for c in carriers_visible_to(user=world.users["committee"])}
    assert counts and set(counts.values()) == {None}


def test_coordination_and_the_carrier_keep_their_exact_counts(world, client_for):
    rows = _csv(client_for("coordinator").get("/stammdaten/carriers/", {"format": "csv"}))
    column = rows[0].index("beschäftigtes Personal")
    by_name = {r[0]: r[column] for r in rows[1:]}
    assert by_name[world.carrier.name] == str(world.carrier.staff.count())
    assert by_name[world.other_carrier.name] == str(world.other_carrier.staff.count())
    page = client_for("carrier").get(reverse("masterdata:carrier_detail", args=[world.carrier.pk]))
    assert "beschäftigtes Personal" in page.content.decode()


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("coordinator", True),
        ("carrier", True),
        ("committee", False),
        ("principal", False),
        ("worker", False),
        ("admin", False),
    ],
)
def test_who_sees_carrier_staff_counts(world, persona, sees):
    assert perms.can_see_carrier_staff_counts(world.users[persona]) is sees
