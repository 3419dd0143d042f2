"""Reads of the documentation, always scoped by accounts.permissions."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role
from schulsozial.masterdata.models import Carrier, Municipality, School, StaffMember

from .models import Activity, ApiToken, CatalogueEntry, ImportMapping


def activities_visible_to(*, user: Any) -> QuerySet[Activity]:
    """Single records: the social worker's own (see permissions.activities_visible_q)."""
    return (
        Activity.objects.filter(perms.activities_visible_q(user))
        .select_related("school__municipality", "activity_type", "target_group")
        .order_by("-date", "-id")
    )


def worker_schools(*, user: Any) -> QuerySet[School]:
    """The schools the user documents for (worker roles), in their municipality."""
    staff = StaffMember.objects.filter(user=user).only("municipality_id").first()
    if staff is None:
        return School.objects.none()
    return School.objects.filter(
        pk__in=perms.school_ids(user, Role.WORKER), municipality_id=staff.municipality_id
    ).order_by("name")


def last_school_id(*, user: Any) -> int | None:
    """The school of the user's most recent entry (preselected on the form)."""
    return (
        Activity.objects.filter(perms.activities_visible_q(user))
        .order_by("-created_at", "-id")
        .values_list("school_id", flat=True)
        .first()
    )


def catalogue(*, municipality_id: int, kind: str, usable: bool = True) -> QuerySet[CatalogueEntry]:
    entries = CatalogueEntry.objects.filter(municipality_id=municipality_id, kind=kind)
    return entries.usable() if usable else entries


def catalogue_municipalities(*, user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(pk__in=perms.catalogue_municipality_ids(user)).order_by(
        "name"
    )


def catalogue_entries_visible_to(*, user: Any) -> QuerySet[CatalogueEntry]:
    return CatalogueEntry.objects.filter(
        municipality_id__in=perms.catalogue_municipality_ids(user)
    ).select_related("municipality")


def mappings_for(*, municipality_id: int) -> dict[tuple[str, str], CatalogueEntry]:
    return {
        (m.kind, m.source_label): m.entry
        for m in ImportMapping.objects.filter(municipality_id=municipality_id).select_related(
            "entry"
        )
    }


def api_tokens_visible_to(*, user: Any) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(perms.api_tokens_visible_q(user))
        .select_related("carrier", "created_by")
        .order_by("revoked", "-created_at")
    )


def token_carriers(*, user: Any) -> QuerySet[Carrier]:
    """Carriers for which the user may create API tokens."""
    ids = perms.carrier_ids(user)
    mun = perms.municipality_ids(user, Role.COORDINATION)
    return (
        (Carrier.objects.filter(pk__in=ids) | Carrier.objects.filter(municipality_id__in=mun))
        .distinct()
        .order_by("name")
    )
