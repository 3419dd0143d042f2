# SQL here is built from model table and column names only; values are parameters.
# ruff: noqa: S608
"""Reads of the documentation, always scoped by accounts.permissions."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import QuerySet

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role, User
from schulsozial.core.statements import Columns, fetch
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


_SCHOOL = Columns(School, "s")
_ENTRY = Columns(CatalogueEntry, "e")
_TOKEN = Columns(ApiToken, "t")
_CARRIER = Columns(Carrier, "c")
_CREATOR = Columns(User, "u")
_SQL: dict[tuple[str, str, int], str] = {}


def _sql(name: str, n: int = 0) -> str:
    """The hand-written reads of the entry form, built once per database
    (and number of ids): one entry costs the ORM more to compile these
    queries than the database to answer them (docs/architecture.md)."""
    key = (connection.vendor, name, n)
    sql = _SQL.get(key)
    if sql is None:
        q = connection.ops.quote_name
        if name == "schools":
            sql = (
                f"SELECT {_SCHOOL.sql} FROM {q(School._meta.db_table)} s "
                f"WHERE s.{q('id')} IN ({', '.join(['%s'] * n)}) "
                f"AND s.{q('municipality_id')} = %s ORDER BY s.{q('name')}, s.{q('id')}"
            )
        elif name == "school_number":
            sql = (
                f"SELECT {_SCHOOL.sql} FROM {q(School._meta.db_table)} s "
                f"WHERE s.{q('school_number')} = %s AND s.{q('municipality_id')} = %s"
            )
        elif name == "codes":
            sql = (
                f"SELECT {_ENTRY.sql} FROM {q(CatalogueEntry._meta.db_table)} e "
                f"WHERE e.{q('municipality_id')} = %s AND e.{q('retired')} = %s "
                f"AND e.{q('code')} IN ({', '.join(['%s'] * n)})"
            )
        elif name == "token":
            sql = (
                f"SELECT {_TOKEN.sql}, {_CARRIER.sql}, {_CREATOR.sql} "
                f"FROM {q(ApiToken._meta.db_table)} t "
                f"JOIN {q(Carrier._meta.db_table)} c ON c.{q('id')} = t.{q('carrier_id')} "
                f"LEFT JOIN {q(User._meta.db_table)} u ON u.{q('id')} = t.{q('created_by_id')} "
                f"WHERE t.{q('key_hash')} = %s AND t.{q('revoked')} = %s"
            )
        else:
            sql = (
                f"SELECT {_ENTRY.sql} FROM {q(CatalogueEntry._meta.db_table)} e "
                f"WHERE e.{q('municipality_id')} = %s AND e.{q('retired')} = %s "
                f"ORDER BY e.{q('kind')}, e.{q('sort_order')}, e.{q('label')}, e.{q('id')}"
            )
        _SQL[key] = sql
    return sql


def worker_school_list(*, user: Any, worker: StaffMember) -> list[School]:
    """`worker_schools` for the entry form, which has the user's staff member
    already: the same schools (worker grants, the worker's municipality),
    by name, read with SQL built once."""
    ids = sorted(perms.school_ids(user, Role.WORKER))
    if not ids or worker.user_id != getattr(user, "pk", None):
        return []
    return _SCHOOL.instances(fetch(_sql("schools", len(ids)), [*ids, worker.municipality_id]))


_CATALOGUES: dict[tuple[str, int], tuple[list[tuple[Any, ...]], list[CatalogueEntry]]] = {}


def usable_catalogue(*, municipality_id: int) -> list[CatalogueEntry]:
    """The municipality's usable (not retired) catalogue entries, every kind,
    in catalogue order (kind, sort order, label): what the entry form offers.

    Read on every call; when every row is what the last call of this process
    read, the instances made then are returned again (making some sixty
    model instances per form cost more than reading them). Callers treat
    catalogue entries as read-only."""
    rows = fetch(_sql("catalogue"), [municipality_id, False])
    key = (connection.alias, municipality_id)
    cached = _CATALOGUES.get(key)
    if cached is not None and cached[0] == rows:
        return list(cached[1])
    entries = _ENTRY.instances(rows)
    if len(_CATALOGUES) >= 256:
        _CATALOGUES.clear()
    _CATALOGUES[key] = (rows, entries)
    return list(entries)


def school_by_number(*, school_number: str, municipality_id: int) -> School | None:
    """The school with this official number in the municipality (the API names
    schools by number; the caller has scoped the municipality)."""
    rows = fetch(_sql("school_number"), [school_number, municipality_id])
    return _SCHOOL.instance(rows[0]) if rows else None


def usable_entries_by_code(*, municipality_id: int, codes: set[str]) -> list[CatalogueEntry]:
    """The municipality's usable entries with these codes (any catalogue)."""
    if not codes:
        return []
    return _ENTRY.instances(
        fetch(_sql("codes", len(codes)), [municipality_id, False, *sorted(codes)])
    )


def active_api_token(*, key_hash: str) -> ApiToken | None:
    """The token (not revoked) with this key hash, its carrier and its
    creator (whom the audit of an API write names) read with it."""
    rows = fetch(_sql("token"), [key_hash, False])
    if not rows:
        return None
    token = _TOKEN.instance(rows[0])
    ApiToken._meta.get_field("carrier").set_cached_value(
        token, _CARRIER.instance(rows[0], len(_TOKEN))
    )
    ApiToken._meta.get_field("created_by").set_cached_value(
        token, _CREATOR.instance(rows[0], len(_TOKEN) + len(_CARRIER))
    )
    return token


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
    return Carrier.objects.filter(pk__in=perms.carrier_ids(user)).order_by("name")
