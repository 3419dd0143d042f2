"""Who may see and do what with staffing plans (every decision of the app).

* Coordination: every plan of its municipality (also the carriers' own
  plans), creates, calculates and accepts them.
* A carrier: only its own plans (carrier-scoped: its staff at the schools
  where it works or which the municipality gave it); it creates, pins and
  calculates them, and runs the school-year rollover of its own staff. Accepting a plan writes the positions, which are
  coordination's master data (masterdata.permissions.can_edit_position):
  a carrier's plan is accepted by coordination.
* Everybody else: nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    carrier_ids,
    coordinates,
    has_role,
    municipality_ids,
)

from .models import StaffingPlan


def can_use_staffing(user: Any) -> bool:
    """The plans list and the menu entry."""
    return has_role(user, Role.COORDINATION, Role.CARRIER)


def plans_visible_q(user: Any) -> Q:
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(municipality_id__in=mun)
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers)
    return query


def may_plan_for(user: Any, municipality_id: int | None, carrier_id: int | None) -> bool:
    """Create (and calculate) a plan of `municipality_id`, for all its staff
    (`carrier_id` None) or one carrier's staff."""
    if acting_as_system(user) or coordinates(user, municipality_id):
        return True
    return carrier_id is not None and carrier_id in carrier_ids(user)


def can_create_plan(user: Any) -> bool:
    """Whether the create form is offered at all (the municipality and carrier
    chosen are checked by may_plan_for)."""
    return has_role(user, Role.COORDINATION, Role.CARRIER) or acting_as_system(user)


def can_edit_plan(user: Any, plan: StaffingPlan) -> bool:
    """Pins, bans, calculating again, discarding: the plan is still open."""
    return plan.is_open and may_plan_for(user, plan.municipality_id, plan.carrier_id)


def can_accept_plan(user: Any, plan: StaffingPlan) -> bool:
    return plan.status == StaffingPlan.Status.SOLVED and (
        acting_as_system(user) or coordinates(user, plan.municipality_id)
    )


def can_rollover(user: Any, municipality_id: int | None, carrier_id: int | None = None) -> bool:
    """The school-year rollover (a plan of what continues) of `municipality_id`:
    for all staff (`carrier_id` None) coordination's; for one carrier's own
    staff also that carrier's (the plan is then scoped to its staff and their
    schools, adapter.build_scope). The caller passes a carrier of that
    municipality (services.plan_rollover checks it)."""
    if acting_as_system(user) or coordinates(user, municipality_id):
        return True
    return carrier_id is not None and carrier_id in carrier_ids(user)


def can_offer_rollover(user: Any) -> bool:
    """Whether the rollover form is shown at all: coordination, or a carrier
    (for its own staff)."""
    return has_role(user, Role.COORDINATION, Role.CARRIER) or acting_as_system(user)


def can_see_funding_checks(user: Any, plan: StaffingPlan) -> bool:
    """The funding-rule findings on the municipality's streams and budgets
    (cost rates are coordination's finance data): coordination only."""
    return acting_as_system(user) or coordinates(user, plan.municipality_id)


def can_export_plan(user: Any, plan: StaffingPlan) -> bool:
    """The open needs as a list of vacancies: whoever sees the plan."""
    return may_plan_for(user, plan.municipality_id, plan.carrier_id)


def staff_in_scope_q(plan: StaffingPlan) -> Q:
    """The staff a plan may place: the municipality's, or the carrier's own."""
    query = Q(municipality_id=plan.municipality_id)
    if plan.carrier_id is not None:
        query &= Q(carrier_id=plan.carrier_id)
    return query


def can_assign_school_carriers(user: Any, municipality_id: int | None) -> bool:
    """The municipality's assignment of its schools to carriers
    (models.SchoolCarrier): coordination of that municipality."""
    return acting_as_system(user) or coordinates(user, municipality_id)
