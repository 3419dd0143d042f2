"""Who may see and do what with the documentation: records, the entry
paths (form, weekly grid, import, API), catalogues and API tokens.

Built on the grants of `accounts.permissions` (role + scope). Visibility
rules are ``*_visible_q(user)`` filters that the selectors apply (a row
outside the scope gives 404); action rules are ``can_<verb>_<thing>(user, obj)``
predicates that views and services check (403 or a validation error).
Nothing else in the code base decides these questions.
"""

from __future__ import annotations

import datetime
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
    school_ids,
)
from schulsozial.masterdata.models import Position, School, StaffMember

# --------------------------------------------------------------------------- records


def activities_visible_q(user: Any) -> Q:
    """Single records are the social worker's own only (the author's records
    at the schools they hold a worker role for). Carriers, coordination,
    principals and committees see statistics, never records."""
    if not has_role(user, Role.WORKER):
        return NOTHING
    return Q(worker__user=user, school_id__in=school_ids(user, Role.WORKER))


def can_document(user: Any) -> bool:
    return has_role(user, Role.WORKER) and getattr(user, "staff_member", None) is not None


def documentable_schools_q(user: Any) -> Q:
    """The schools a social worker records activities at: those of their
    worker grants, in their own municipality."""
    worker = getattr(user, "staff_member", None) if can_document(user) else None
    if worker is None:
        return NOTHING
    return Q(pk__in=school_ids(user, Role.WORKER), municipality_id=worker.municipality_id)


def can_record_at(user: Any, school: School) -> bool:
    """A person records at a school of their own worker grants."""
    return school.pk in school_ids(user, Role.WORKER)


def can_import_activities(user: Any) -> bool:
    return can_document(user)


def can_map_import_labels(user: Any, municipality_id: int | None) -> bool:
    """Who remembers what an import file's own category names mean in a
    municipality's catalogue (import_mapping_set): the social worker who
    imports there (the preview asks them), and the platform itself."""
    if acting_as_system(user):
        return True
    worker = getattr(user, "staff_member", None) if can_import_activities(user) else None
    return (
        worker is not None
        and municipality_id is not None
        and worker.municipality_id == municipality_id
    )


def can_correct_activity(user: Any, activity: Any) -> bool:
    """Only the author, at a school they still document for; the correction
    window (services.is_locked) is checked by the service as well."""
    return bool(
        can_document(user)
        and activity.author_id == user.pk
        and activity.school_id in school_ids(user, Role.WORKER)
    )


def can_use_documentation(user: Any) -> bool:
    """The "Documentation" menu: social workers record, coordination keeps
    the catalogues, carriers (and coordination) manage API access."""
    return can_document(user) or can_manage_catalogues(user) or can_use_api_tokens(user)


# --------------------------------------------------------------------------- catalogues


def can_manage_catalogues(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def catalogue_municipality_ids(user: Any) -> set[int]:
    return municipality_ids(user, Role.COORDINATION)


def can_keep_catalogues_of(user: Any, municipality_id: int | None) -> bool:
    """Who writes a municipality's catalogues (the defaults, entries added,
    renamed or retired: the services' check): its coordination, and the
    platform itself (demo, commands)."""
    return acting_as_system(user) or coordinates(user, municipality_id)


def can_edit_catalogue_entry(user: Any, entry: Any) -> bool:
    return can_keep_catalogues_of(user, entry.municipality_id)


# --------------------------------------------------------------------------- API tokens


def can_use_api_tokens(user: Any) -> bool:
    return has_role(user, Role.CARRIER, Role.COORDINATION)


def api_tokens_visible_q(user: Any) -> Q:
    """Carrier managers: their carrier's tokens; coordination: every token of
    the carriers in its municipalities."""
    query = NOTHING
    carriers = carrier_ids(user)
    if carriers:
        query |= Q(carrier_id__in=carriers)
    mun = municipality_ids(user, Role.COORDINATION)
    if mun:
        query |= Q(carrier__municipality_id__in=mun)
    return query


def can_manage_api_token(user: Any, carrier: Any) -> bool:
    """Revoke a key: the carrier, coordination (to stop a misused key), and
    the platform itself."""
    return (
        acting_as_system(user)
        or carrier.pk in carrier_ids(user)
        or coordinates(user, carrier.municipality_id)
    )


def can_create_api_token(user: Any, carrier: Any) -> bool:
    """Only a carrier creates keys, for itself: a key submits records in its
    social workers' names, which coordination (the steering role) must not.
    The platform itself (demo, commands) creates keys too."""
    return acting_as_system(user) or carrier.pk in carrier_ids(user)


def api_staff_q(carrier_id: int) -> Q:
    """Whose records a carrier's API token may submit: its own social workers."""
    return Q(carrier_id=carrier_id)


def api_staff_member(*, carrier_id: int, staff_id: int) -> StaffMember | None:
    """The staff member `staff_id` if a token of `carrier_id` may submit its
    records (api_staff_q: the carrier's own social workers), else None."""
    return StaffMember.objects.filter(api_staff_q(carrier_id), pk=staff_id).first()


def api_may_record_at(*, worker: StaffMember, school: School, day: datetime.date) -> bool:
    """A record submitted through the API must name a school where one of the
    worker's positions is assigned on that day (Position.active_on)."""
    return (
        Position.objects.active_on(day)
        .filter(staff_member=worker, assignments__school=school)
        .exists()
    )
