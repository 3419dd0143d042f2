"""Reads of the documentation, always scoped by activities.permissions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet

from schulsozial.accounts.permissions import carrier_ids
from schulsozial.masterdata.models import Carrier, Municipality, School, StaffMember

from . import permissions as perms
from .models import Activity, ApiToken, CatalogueEntry, ImportMapping


def activities_visible_to(*, user: Any) -> QuerySet[Activity]:
    """Single records: the social worker's own (see permissions.activities_visible_q)."""
    return (
        Activity.objects.filter(perms.activities_visible_q(user))
        .select_related("school__municipality", "activity_type", "target_group")
        .order_by("-date", "-id")
    )


def week_records(
    *, user: Any, days: list[datetime.date]
) -> list[tuple[datetime.date, list[Activity]]]:
    """The user's own records on each of `days` (the weekly grid's overview:
    what is recorded already), with their topics, in the order entered."""
    if not days:
        return []
    records = (
        activities_visible_to(user=user)
        .filter(date__range=(min(days), max(days)))
        .prefetch_related("topics")
        .order_by("date", "created_at", "id")
    )
    by_day: dict[datetime.date, list[Activity]] = {day: [] for day in days}
    for record in records:
        by_day.setdefault(record.date, []).append(record)
    return sorted(by_day.items())


def worker_schools(*, user: Any) -> QuerySet[School]:
    """The schools the user documents for (worker roles), in their municipality."""
    return School.objects.filter(perms.documentable_schools_q(user)).order_by("name", "id")


def school_by_number(*, school_number: str, municipality_id: int) -> School | None:
    """The school with this official number in the municipality (the API names
    schools by number; the caller has scoped the municipality)."""
    return School.objects.filter(
        school_number=school_number, municipality_id=municipality_id
    ).first()


def usable_entries_by_code(*, municipality_id: int, codes: set[str]) -> list[CatalogueEntry]:
    """The municipality's usable entries with these codes (any catalogue)."""
    if not codes:
        return []
    return list(
        CatalogueEntry.objects.usable().filter(municipality_id=municipality_id, code__in=codes)
    )


def active_api_token(*, key_hash: str) -> ApiToken | None:
    """The token (not revoked) with this key hash, its carrier and its
    creator (whom the audit of an API write names) read with it."""
    return (
        ApiToken.objects.active()
        .select_related("carrier", "created_by")
        .filter(key_hash=key_hash)
        .first()
    )


def stored_record(*, worker: StaffMember, client_id: Any) -> Activity | None:
    """The worker's record with this client id (the API's idempotency key),
    if one is stored; None for no client id. The caller has scoped the
    worker (the user's own, or a staff member of the token's carrier)."""
    if client_id is None:
        return None
    return Activity.objects.filter(worker=worker, client_id=client_id).first()


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


def has_catalogues(*, municipality_id: int) -> bool:
    """Whether the municipality has any catalogue entry (retired ones too)."""
    return CatalogueEntry.objects.filter(municipality_id=municipality_id).exists()


def catalogue_for_entry(
    *, municipality_id: int, kinds: Iterable[str], keep_ids: Iterable[int | None] = ()
) -> QuerySet[CatalogueEntry]:
    """What the entry form offers from these catalogues: the municipality's
    usable entries, and those in `keep_ids` (a corrected record's, retired
    since), in catalogue order."""
    keep = [pk for pk in keep_ids if pk]
    usable = Q(retired=False) | Q(pk__in=keep) if keep else Q(retired=False)
    return CatalogueEntry.objects.filter(
        usable, municipality_id=municipality_id, kind__in=list(kinds)
    ).order_by("kind", "sort_order", "label", "id")


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
    """Carriers for which the user may create API tokens: its own carriers
    only (permissions.can_create_api_token)."""
    return Carrier.objects.filter(pk__in=carrier_ids(user)).order_by("name")
