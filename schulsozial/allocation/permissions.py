"""Who may see and do what with distribution scenarios, over the shared
grants of accounts.permissions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    coordinates,
    has_role,
    municipality_ids,
)

from .models import Scenario


def scenarios_visible_q(user: Any) -> Q:
    """Coordination: every scenario of its municipalities. Everybody else with
    a role in the municipality: adopted (published) scenarios only."""
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(municipality_id__in=mun)
    readers = municipality_ids(user, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE)
    if readers:
        query |= Q(municipality_id__in=readers, status=Scenario.Status.ADOPTED)
    return query


def can_list_scenarios(user: Any) -> bool:
    return has_role(
        user, Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE
    )


def can_manage_scenarios(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def can_plan_in(user: Any, municipality_id: int | None) -> bool:
    """Who writes the scenarios of a municipality (create, change, recompute,
    copy, adopt: the services' check): its coordination, and the platform
    itself. What a scenario's state allows is the services' validation (an
    adopted scenario is read-only for everybody)."""
    return acting_as_system(user) or coordinates(user, municipality_id)


def can_edit_scenario(user: Any, scenario: Scenario) -> bool:
    return can_plan_in(user, scenario.municipality_id) and scenario.status == Scenario.Status.DRAFT


def can_adopt_scenario(user: Any, scenario: Scenario) -> bool:
    return can_plan_in(user, scenario.municipality_id) and scenario.status == Scenario.Status.DRAFT


def can_copy_scenario(user: Any, scenario: Scenario) -> bool:
    """A copy becomes a new draft in the scenario's municipality."""
    return can_plan_in(user, scenario.municipality_id)
