"""F-04: the funding-rule warnings show each viewer only the staff it may see.

A carrier must not learn, through a warning, the label, FTE or school count of
another carrier's employee; the municipality-wide coordination ratio counts
every carrier's workers and is shown to the municipality's coordination only.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import selectors, services
from schulsozial.masterdata.models import StaffMember

pytestmark = pytest.mark.django_db


def _overload_other_carriers_worker(world) -> StaffMember:
    """Fachkraft T-03 (Träger B, 0.75 FTE) now serves four schools."""
    position = world.positions[2]
    services.assignment_set(
        position=position, school=world.schools[2], weekly_hours=Decimal("20"), by=SYSTEM
    )
    for school in (world.schools[0], world.schools[1], world.schools[3]):
        services.assignment_set(
            position=position, school=school, weekly_hours=Decimal("2"), by=SYSTEM
        )
    return world.staff[2]


def _overload_own_worker(world) -> StaffMember:
    """Fachkraft T-02 (Träger A, 0.5 FTE) now serves two schools."""
    position = world.positions[1]
    services.assignment_set(
        position=position, school=world.schools[2], weekly_hours=Decimal("10"), by=SYSTEM
    )
    services.assignment_set(
        position=position, school=world.schools[3], weekly_hours=Decimal("5"), by=SYSTEM
    )
    return world.staff[1]


def _starve_coordination(world) -> None:
    """One coordinator per worker: the town's 0.5 coordination FTE fall short."""
    services.municipality_update(municipality=world.town, by=SYSTEM, rule_workers_per_coordinator=1)


def test_carrier_does_not_see_another_carriers_overloaded_worker_on_the_municipality_page(
    world, client_for
):
    foreign = _overload_other_carriers_worker(world)
    own = _overload_own_worker(world)
    # The warning exists: coordination sees both.
    coordination = client_for("coordinator").get(
        reverse("masterdata:municipality_detail", args=[world.town.pk])
    )
    assert foreign.label in coordination.content.decode()
    assert own.label in coordination.content.decode()

    response = client_for("carrier").get(
        reverse("masterdata:municipality_detail", args=[world.town.pk])
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert own.label in body
    assert foreign.label not in body
    assert reverse("masterdata:staff_detail", args=[foreign.pk]) not in body
    assert 'data-warnings="1"' in body


def test_the_scoped_selector_filters_by_the_viewers_staff_scope(world):
    foreign = _overload_other_carriers_worker(world)
    own = _overload_own_worker(world)
    _starve_coordination(world)
    everything = {w.staff_id for w in selectors.rule_warnings(municipality=world.town)}
    assert {foreign.pk, own.pk, None} <= everything

    def seen(name: str) -> set[int | None]:
        return {
            w.staff_id
            for w in selectors.rule_warnings_visible_to(
                user=world.users[name], municipality=world.town
            )
        }

    assert seen("coordinator") == everything
    assert seen("carrier") == {own.pk}
    # Roles without the funding-rule view see nothing at all.
    for name in ("worker", "worker2", "principal", "committee", "admin"):
        assert seen(name) == set(), name


def test_coordination_ratio_warning_is_shown_to_coordination_only(world, client_for):
    _starve_coordination(world)
    url = reverse("masterdata:municipality_detail", args=[world.town.pk])
    assert "data-warnings" in client_for("coordinator").get(url).content.decode()
    body = client_for("carrier").get(url).content.decode()
    assert "data-warnings" not in body


def test_committee_dashboard_carries_no_staff_warnings(world, client_for):
    foreign = _overload_other_carriers_worker(world)
    response = client_for("committee").get(reverse("dashboard:home"))
    assert response.status_code == 200
    for figures in response.context["committee"]:
        assert figures.warnings == []
    assert foreign.label not in response.content.decode()


def test_carrier_dashboard_lists_only_its_own_staff_warnings(world, client_for):
    foreign = _overload_other_carriers_worker(world)
    own = _overload_own_worker(world)
    body = client_for("carrier").get(reverse("dashboard:home")).content.decode()
    assert own.label in body
    assert foreign.label not in body
