"""The scenario services decide their actor's permission themselves (issue 12):
a caller that skips the views (a command, another app, a test) cannot write a
scenario the permission rules refuse, and no actor (by=None) is refused too;
the municipality's coordination and the platform (SYSTEM) may."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from schulsozial.accounts.models import Role
from schulsozial.allocation import services
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.templates_rules import pupils_only
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db

REFUSED = ["carrier", "worker", "principal", "committee", "admin", "other_coordinator", "none"]


def _actor(world, name):
    if name == "none":
        return None
    if name == "system":
        return SYSTEM
    if name == "other_coordinator":
        return make_user("nachbar", Role.COORDINATION, municipality=world.other_town)
    return world.users[name]


def _create(world, by, name="Entwurf"):
    return services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name=name,
        rules_toml=pupils_only(Decimal("4")),
        by=by,
    )


def _adopt(scenario, by):
    return services.scenario_adopt(
        scenario=scenario,
        decision_body="Jugendhilfeausschuss",
        decision_date="2026-06-30",
        decision_reference="2026/0001",
        by=by,
    )


@pytest.fixture
def draft(world):
    return _create(world, world.users["coordinator"])


def _unchanged(draft) -> None:
    draft.refresh_from_db()
    assert (draft.name, draft.status, draft.lock_version) == ("Entwurf", "draft", 0)
    assert Scenario.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="allocation.scenario").count() == 1


@pytest.mark.parametrize("name", REFUSED)
def test_scenario_create_is_refused_to_who_does_not_coordinate_the_town(world, draft, name):
    with pytest.raises(PermissionDenied):
        _create(world, _actor(world, name), name="Fremd")

    _unchanged(draft)


@pytest.mark.parametrize("name", REFUSED)
def test_scenario_update_and_recompute_are_refused_to_who_does_not_coordinate(draft, world, name):
    by = _actor(world, name)
    with pytest.raises(PermissionDenied):
        services.scenario_update(
            scenario=draft,
            rules_toml=pupils_only(Decimal("5")),
            name="Geändert",
            description="",
            expected_version=draft.lock_version,
            by=by,
        )
    with pytest.raises(PermissionDenied):
        services.scenario_recompute(scenario=draft, by=by)

    _unchanged(draft)


@pytest.mark.parametrize("name", REFUSED)
def test_scenario_copy_and_adopt_are_refused_to_who_does_not_coordinate(draft, world, name):
    by = _actor(world, name)
    with pytest.raises(PermissionDenied):
        services.scenario_copy(scenario=draft, name="Kopie", school_year=world.year, by=by)
    with pytest.raises(PermissionDenied):
        _adopt(draft, by)

    _unchanged(draft)


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_write_scenarios(world, name):
    by = _actor(world, name)
    scenario = _create(world, by)
    scenario = services.scenario_update(
        scenario=scenario,
        rules_toml=pupils_only(Decimal("5")),
        name="Geändert",
        description="",
        expected_version=scenario.lock_version,
        by=by,
    )
    scenario = services.scenario_recompute(scenario=scenario, by=by)
    copy = services.scenario_copy(scenario=scenario, name="Kopie", school_year=world.year, by=by)
    _adopt(scenario, by)

    scenario.refresh_from_db()
    assert (scenario.name, scenario.status) == ("Geändert", Scenario.Status.ADOPTED)
    assert Decimal(scenario.result["total_fte"]) == Decimal("5")
    assert Scenario.objects.get(pk=copy.pk).status == Scenario.Status.DRAFT
    assert (scenario.adopted_by, scenario.created_by) == (
        (by, by) if name == "coordinator" else (None, None)
    )
