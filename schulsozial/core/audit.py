"""Writing the audit log. Services call `audit()` once per write; views call it
for exports and sensitive reads. Entries are append-only."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models
from django.utils import timezone

from .models import AuditEntry
from .statements import Insert

Action = AuditEntry.Action
_INSERT = Insert(
    AuditEntry,
    [f.name for f in AuditEntry._meta.concrete_fields if not f.primary_key],
    returning=["id"],
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


def audit(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    municipality_id: int | None = None,
    changes: dict[str, Any] | None = None,
    object_type: str = "",
    object_repr: str = "",
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one audit entry. `actor` may be None for system jobs and commands."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)[:300]
        if municipality_id is None:
            municipality_id = getattr(obj, "municipality_id", None)
    entry = AuditEntry(
        at=timezone.now(),
        actor=user,
        actor_label=getattr(user, "username", "") if user else "system",
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=object_repr[:300],
        municipality_id=municipality_id,
        changes=_jsonable(changes or {}),
        ip_address=ip_address,
    )
    # One prepared INSERT instead of save(): every write of the platform
    # writes an entry (core/statements.py).
    ((entry.pk,),) = _INSERT.execute([[getattr(entry, f.attname) for f in _INSERT.fields]])
    entry._state.adding = False
    entry._state.db = _INSERT.using
    return entry


def diff_fields(instance: models.Model, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Compare `data` with the instance's current values: {field: [old, new]} for changes."""
    changed: dict[str, list[Any]] = {}
    for name, new in data.items():
        old = getattr(instance, name)
        old_cmp = old.pk if isinstance(old, models.Model) else old
        new_cmp = new.pk if isinstance(new, models.Model) else new
        if old_cmp != new_cmp:
            changed[name] = [_jsonable(old_cmp), _jsonable(new_cmp)]
    return changed
