"""Who may see and do what with master data: municipalities, school years,
schools, carriers, staff, positions and funding streams.

Built on the grants of `accounts.permissions` (role + scope). Visibility
rules are ``*_visible_q(user)`` filters that the selectors apply (a row
outside the scope gives 404); action rules are ``can_<verb>_<thing>(user, obj)``
predicates that views check after loading (403). Nothing else in the code
base decides these questions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    carrier_ids,
    carrier_scope_q,
    coordinates,
    grants,
    has_role,
    is_global_admin,
    municipality_ids,
    school_ids,
    school_scope_q,
)

# --------------------------------------------------------------------------- visibility


def municipalities_visible_q(user: Any) -> Q:
    if is_global_admin(user):
        return Q()
    ids = {g.municipality_id for g in grants(user) if g.municipality_id}
    return Q(pk__in=ids) if ids else NOTHING


def schools_visible_q(user: Any) -> Q:
    """Coordination and committee: all schools of the municipality (public
    master data); carrier: schools its positions serve; worker and principal:
    their own schools."""
    return school_scope_q(
        user,
        roles=(Role.COORDINATION, Role.COMMITTEE, Role.CARRIER, Role.WORKER, Role.PRINCIPAL),
    )


def carriers_visible_q(user: Any) -> Q:
    """Coordination and committee: all carriers of the municipality; carrier:
    itself; worker: its employer; principal: the carriers serving its school."""
    query = carrier_scope_q(user, roles=(Role.COORDINATION, Role.COMMITTEE, Role.CARRIER))
    if has_role(user, Role.WORKER):
        query |= Q(staff__user=user)
    principal_schools = school_ids(user, Role.PRINCIPAL)
    if principal_schools:
        query |= Q(positions__assignments__school_id__in=principal_schools)
    return query


def staff_visible_q(user: Any) -> Q:
    """Coordination: the municipality's staff; carrier: its own employees;
    worker: their own record. Principals and committees see no staff list."""
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(municipality_id__in=mun)
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers)
    if has_role(user, Role.WORKER):
        query |= Q(user=user)
    return query


def positions_visible_q(user: Any) -> Q:
    query = NOTHING
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(municipality_id__in=mun)
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers)
    if has_role(user, Role.WORKER):
        query |= Q(staff_member__user=user)
    principal_schools = school_ids(user, Role.PRINCIPAL)
    if principal_schools:
        query |= Q(assignments__school_id__in=principal_schools)
    return query


def funding_visible_q(user: Any) -> Q:
    mun = municipality_ids(user, Role.COORDINATION)
    return Q(municipality_id__in=mun) if mun else NOTHING


def staff_carriers_q(user: Any) -> Q:
    """Filter for Carrier: the employers `user` may give a staff member: the
    carriers of the municipalities it coordinates and its own carriers."""
    return carrier_scope_q(user, roles=(Role.COORDINATION, Role.CARRIER))


def carrier_staff_counted_q(user: Any) -> Q:
    """Filter for Carrier: the carriers whose exact staff headcount `user`
    sees (carrier list and page): coordination those of its municipality, a
    carrier itself. A committee, a principal and a social worker see none: a
    headcount per carrier is a personnel figure, and what a committee sees of
    it passes disclosure control (the dashboard's protected staff-per-carrier
    table), which a sortable, filterable list of exact counts would undo.
    The same carriers as those it may give a staff member."""
    return staff_carriers_q(user)


def can_see_carrier_staff_counts(user: Any) -> bool:
    """Whether the carrier list has a staff column at all (see
    `carrier_staff_counted_q` for the rows that fill it)."""
    return has_role(user, Role.COORDINATION, Role.CARRIER)


# --------------------------------------------------------------------------- pages


def can_use_masterdata(user: Any) -> bool:
    """Any content role; administration has no content by default."""
    return has_role(
        user, Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE
    )


def can_list_staff(user: Any) -> bool:
    return has_role(user, Role.COORDINATION, Role.CARRIER, Role.WORKER)


def can_list_positions(user: Any) -> bool:
    return has_role(user, Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL)


def can_list_funding(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def can_see_municipalities(user: Any) -> bool:
    """The municipality list and pages: any content role, and a global administrator."""
    return can_use_masterdata(user) or is_global_admin(user)


def can_see_school_years(user: Any) -> bool:
    """Every user with a role sees the school years."""
    return bool(grants(user))


# --------------------------------------------------------------------------- actions


# The services ask the same rules as the views (the views ask first, for the
# 403 before a form is bound); the platform itself (SYSTEM) may do what a
# command line may do.


def can_create_municipality(user: Any) -> bool:
    return acting_as_system(user) or is_global_admin(user)


def can_edit_municipality(user: Any, municipality: Any) -> bool:
    return acting_as_system(user) or coordinates(user, municipality.pk) or is_global_admin(user)


def can_manage_school_years(user: Any) -> bool:
    return acting_as_system(user) or has_role(user, Role.COORDINATION, Role.ADMINISTRATION)


def can_create_in_municipality(user: Any) -> bool:
    """Creating schools, carriers, positions and funding streams is coordination's."""
    return has_role(user, Role.COORDINATION)


def can_create_in(user: Any, municipality: Any) -> bool:
    """A new school, carrier, position or funding stream of `municipality`
    (the services' check; the forms offer only the municipalities coordinated):
    its coordination, and the platform itself."""
    if acting_as_system(user):
        return True
    return (
        municipality is not None
        and can_create_in_municipality(user)
        and coordinates(user, municipality.pk)
    )


def can_edit_school(user: Any, school: Any) -> bool:
    return acting_as_system(user) or coordinates(user, school.municipality_id)


def can_import_schools(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def can_edit_carrier(user: Any, carrier: Any) -> bool:
    return acting_as_system(user) or coordinates(user, carrier.municipality_id)


def can_create_staff(user: Any) -> bool:
    return has_role(user, Role.COORDINATION, Role.CARRIER)


def can_edit_staff(user: Any, staff: Any) -> bool:
    return coordinates(user, staff.municipality_id) or staff.carrier_id in carrier_ids(user)


def can_edit_position(user: Any, position: Any) -> bool:
    """Also the hours it gives its schools (assignments)."""
    return acting_as_system(user) or coordinates(user, position.municipality_id)


def can_edit_funding(user: Any, stream: Any) -> bool:
    """Also the stream's budgets per school year."""
    return acting_as_system(user) or coordinates(user, stream.municipality_id)


def can_view_funding_rules(user: Any, municipality: Any) -> bool:
    """The NRW rule warnings concern steering: coordination and carriers."""
    return coordinates(user, municipality.pk) or has_role(user, Role.CARRIER)


def can_view_coordination_warnings(user: Any, municipality: Any) -> bool:
    """The municipality-wide coordination ratio counts every carrier's
    workers: only the municipality's coordination reads that warning."""
    return coordinates(user, municipality.pk)


def can_employ_at(user: Any, carrier: Any) -> bool:
    """A staff member employed by `carrier` (new, or moved there):
    coordination of the carrier's municipality, or the carrier itself."""
    return can_edit_carrier(user, carrier) or carrier.pk in carrier_ids(user)


def can_move_staff_to(user: Any, staff: Any, carrier: Any) -> bool:
    """A staff member's employer changes only within the staff member's own
    municipality (the record never moves between municipalities)."""
    return bool(carrier.municipality_id == staff.municipality_id)


def can_create_staff_at(user: Any, carrier: Any) -> bool:
    """A new staff member employed by `carrier` (the staff services' check):
    a role that creates staff and may employ there; and the platform itself."""
    if acting_as_system(user):
        return True
    return carrier is not None and can_create_staff(user) and can_employ_at(user, carrier)


def can_update_staff(user: Any, staff: Any, carrier: Any) -> bool:
    """A change of `staff`, employed by `carrier` afterwards (the staff
    services' check): who may edit the staff member, within its
    municipality; and the platform itself."""
    if acting_as_system(user):
        return True
    return can_edit_staff(user, staff) and can_move_staff_to(user, staff, carrier)


# --------------------------------------------------------------------------- data subject rights


def can_exercise_data_rights(user: Any, staff: Any) -> bool:
    """Art. 15/17 DSGVO for a staff member (data export, pseudonymisation):
    coordination of the staff member's municipality or the employing carrier,
    the two bodies that hold the person's data here."""
    return coordinates(user, staff.municipality_id) or staff.carrier_id in carrier_ids(user)


def can_read_audit_trail_in_data_export(user: Any, staff: Any) -> bool:
    """The audit entries a staff member wrote (with their object texts: comments,
    ideas, concept drafts) go into an Art. 15 export only for coordination of
    the municipality, which runs the platform there; the employing carrier would
    otherwise get a timeline of its employee's work and texts it may not read."""
    return coordinates(user, staff.municipality_id)
