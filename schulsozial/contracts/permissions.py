"""Who may see and do what with contracts (issue 15).

* Coordination of a municipality sees every contract of its staff (reads
  only: the contracts are the employer's records) and all Entfristung and
  continuity figures of its municipality; it edits the contract settings.
* A carrier sees and writes the contracts it is the employer of.
* A social worker sees their own contracts, without the pay group.
* The pay group is seen by the carrier and coordination only.
* Principals see no contract data; they see the continuity tile of their
  own school (counts and days, no contract data).
* A committee sees no contract of anybody; it sees the Entfristung figures
  of the whole municipality (shares over time, cost, path to the target),
  which is what the council asked for, but neither the breakdown per
  carrier or funding stream (a small carrier's share would reveal single
  contracts) nor the positions whose funding ends.

Reads of contract details (a person's history, a carrier's timeline) are
audited by the views (audit_read); every write by the services.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    carrier_ids,
    carrier_scope_q,
    coordinates,
    has_role,
    municipality_ids,
    school_ids,
    school_scope_q,
)

# --------------------------------------------------------------------------- visibility


def contracts_visible_q(user: Any) -> Q:
    """Filter for Contract."""
    if acting_as_system(user):
        return Q()
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(staff_member__municipality_id__in=mun)
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers)
    if has_role(user, Role.WORKER):
        query |= Q(staff_member__user=user)
    return query


def contract_staff_q(user: Any) -> Q:
    """Filter for StaffMember: whose contract history `user` may open."""
    if acting_as_system(user):
        return Q()
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(municipality_id__in=mun)
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers) | Q(contracts__carrier_id__in=carriers)
    if has_role(user, Role.WORKER):
        query |= Q(user=user)
    return query


def contract_carriers_q(user: Any) -> Q:
    """Filter for Carrier: whose contracts timeline `user` may open: the
    carriers of the municipalities it coordinates and its own carriers."""
    return carrier_scope_q(user, roles=(Role.COORDINATION, Role.CARRIER))


def entfristung_municipality_ids(user: Any) -> set[int]:
    """The municipalities whose Entfristung figures `user` sees (totals)."""
    return municipality_ids(user, Role.COORDINATION, Role.COMMITTEE)


def continuity_schools_q(user: Any) -> Q:
    """Filter for School: whose continuity indicators `user` sees:
    coordination all schools of its municipality, a carrier the schools its
    positions serve, a principal and a worker their own school. Not the
    committee: it sees the municipality's totals only."""
    return school_scope_q(
        user, roles=(Role.COORDINATION, Role.CARRIER, Role.PRINCIPAL, Role.WORKER)
    )


# --------------------------------------------------------------------------- pages


def can_use_contracts(user: Any) -> bool:
    """The contract list and histories: coordination, carriers, workers (own)."""
    return has_role(user, Role.COORDINATION, Role.CARRIER, Role.WORKER)


def can_see_carrier_timelines(user: Any) -> bool:
    return has_role(user, Role.COORDINATION, Role.CARRIER)


def can_see_entfristung(user: Any) -> bool:
    return has_role(user, Role.COORDINATION, Role.CARRIER, Role.COMMITTEE)


def can_see_entfristung_details(user: Any, municipality: Any) -> bool:
    """Breakdown per carrier and stream, the positions whose funding ends,
    the funding-rule findings: coordination of the municipality."""
    return coordinates(user, municipality.pk)


def can_see_continuity(user: Any) -> bool:
    """The continuity page of many schools: coordination and carriers."""
    return has_role(user, Role.COORDINATION, Role.CARRIER)


def can_see_school_continuity(user: Any, school: Any) -> bool:
    """The small continuity tile on a school's page."""
    return (
        coordinates(user, school.municipality_id)
        or bool(school_ids(user, Role.PRINCIPAL, Role.WORKER) & {school.pk})
        or (
            bool(carrier_ids(user))
            and school.assignments.filter(position__carrier_id__in=carrier_ids(user)).exists()
        )
    )


def can_see_pay_group(user: Any, contract: Any) -> bool:
    if acting_as_system(user):
        return True
    return coordinates(user, contract.staff_member.municipality_id) or (
        contract.carrier_id in carrier_ids(user)
    )


def can_see_pay_groups_of(user: Any, staff: Any) -> bool:
    """The pay group column on a person's history page."""
    return coordinates(user, staff.municipality_id) or staff.carrier_id in carrier_ids(user)


# --------------------------------------------------------------------------- actions


def can_record_contracts(user: Any) -> bool:
    """Creating contracts at all: the carriers (the employers)."""
    return acting_as_system(user) or has_role(user, Role.CARRIER)


def can_add_contract(user: Any, staff: Any, carrier: Any) -> bool:
    """A new contract of `staff` with employer `carrier`: the carrier itself,
    for its own staff; and the platform (demo, migration)."""
    if acting_as_system(user):
        return True
    return (
        carrier.pk in carrier_ids(user)
        and staff.carrier_id == carrier.pk
        and carrier.municipality_id == staff.municipality_id
    )


def can_edit_contract(user: Any, contract: Any) -> bool:
    """Change or extend a contract: its employer; and the platform."""
    return acting_as_system(user) or contract.carrier_id in carrier_ids(user)


# Renewal ("verlängern": a later end, or permanent, an Entfristung) is for a
# contract that still runs or ended at most this many days (three months)
# ago: an agreement reached late, when the funding decision came after the
# end. A contract that ended longer ago has a gap behind it: that is a new
# contract ("Neuer Vertrag"), and a wrong end recorded back then is
# corrected ("korrigieren"). A contract that ends later, even years ahead,
# may always be renewed: making it permanent is the Entfristung goal, and
# funding is often extended early.
RENEWAL_WINDOW_DAYS = 92


def renewal_window_passed(contract: Any, *, day: datetime.date) -> bool:
    """Whether the fixed-term `contract` ended more than RENEWAL_WINDOW_DAYS
    before `day`."""
    return contract.end is not None and (day - contract.end).days > RENEWAL_WINDOW_DAYS


def has_later_contract(contract: Any) -> bool:
    """Whether the person has a contract starting after this one (with any
    employer): that one is renewed, not this."""
    from .models import Contract

    return (
        Contract.objects.filter(staff_member_id=contract.staff_member_id, start__gt=contract.start)
        .exclude(pk=contract.pk)
        .exists()
    )


def renewal_day(user: Any, agreed_on: datetime.date) -> datetime.date:
    """The day the renewal window is measured at: today for a person (the
    day they record it, whatever agreement date they type); the agreement
    day for the platform loading history (demo, data migration)."""
    return agreed_on if acting_as_system(user) else timezone.localdate()


def can_renew_contract(user: Any, contract: Any, *, day: datetime.date) -> bool:
    """Extend a fixed-term contract or make it permanent, on `day`: its
    employer (and the platform), while the contract runs or at most
    RENEWAL_WINDOW_DAYS after its end, and not once the person has a later
    contract. The history page offers the action by this rule, the form
    refuses (403) by it, and services.contract_extend refuses the same cases
    with a message."""
    return (
        contract.end is not None
        and can_edit_contract(user, contract)
        and not renewal_window_passed(contract, day=day)
        and not has_later_contract(contract)
    )


def can_edit_contract_settings(user: Any, municipality: Any) -> bool:
    return acting_as_system(user) or coordinates(user, municipality.pk)


def is_reminded_of(user: Any, contract: Any) -> bool:
    """The 12/6/3-month reminders of a fixed-term contract go to the
    municipality's coordination and to the employing carrier."""
    return coordinates(user, contract.staff_member.municipality_id) or (
        contract.carrier_id in carrier_ids(user)
    )


def can_open_staff_page(user: Any, staff: Any) -> bool:
    """Whether the history page links to the person's masterdata page (the
    masterdata rule: coordination, the employer, the person)."""
    from schulsozial.masterdata.models import StaffMember
    from schulsozial.masterdata.permissions import staff_visible_q

    return StaffMember.objects.filter(staff_visible_q(user), pk=staff.pk).exists()
