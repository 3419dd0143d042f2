"""Writing the audit log. Services call `audit()` once per write; views call it
for exports and sensitive reads. Entries are append-only."""

from __future__ import annotations

import datetime
import decimal
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from .actors import is_system
from .models import AuditEntry
from .net import client_ip

Action = AuditEntry.Action


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


SESSION_ACTIONS = (Action.LOGIN, Action.LOGOUT, Action.LOGIN_FAILED)
USER_TYPE = settings.AUTH_USER_MODEL.lower()


def municipalities_of(user: Any) -> list[int]:
    """The municipalities a user holds roles in, first assigned first (core
    knows the role assignments only as the user's `role_assignments`; the
    request's user has them prefetched, accounts/backends.py)."""
    if user is None or getattr(user, "pk", None) is None:
        return []
    assignments = sorted(user.role_assignments.all(), key=attrgetter("pk"))
    return list(dict.fromkeys(a.municipality_id for a in assignments if a.municipality_id))


def _subject_user(obj: Any, object_type: str, object_repr: str, action: str) -> Any:
    """The account a session event (login, logout, failed login) concerns."""
    if obj is not None:
        return obj if obj._meta.label_lower == USER_TYPE else None
    if action == Action.LOGIN_FAILED and object_type == USER_TYPE and object_repr:
        return get_user_model().objects.filter(username__iexact=object_repr).first()
    return None


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
    """Append one audit entry.

    `actor` is the user who acts, `SYSTEM` (demo, commands, jobs) or, for
    an anonymous request (a failed login), None or the anonymous user; an
    entry of SYSTEM or of nobody has no user and reads "system".

    The municipality (whose administrators see the entry) is the object's;
    for an account (a login, a new user) the account's first municipality,
    else the actor's. A failed login names the account typed, if it exists."""
    user = None if is_system(actor) or not getattr(actor, "is_authenticated", False) else actor
    object_id = ""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_repr = object_repr or str(obj)[:300]
        object_id = str(obj.pk) if obj.pk is not None else ""
        if municipality_id is None:
            municipality_id = getattr(obj, "municipality_id", None)
    if municipality_id is None:
        subject = _subject_user(obj, object_type, object_repr, action)
        if subject is not None and not object_id:
            object_id = str(subject.pk)
        found = municipalities_of(subject) or municipalities_of(user)
        municipality_id = found[0] if found else None
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=user,
        actor_label=user.username if user is not None else "system",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        municipality_id=municipality_id,
        changes=_jsonable(changes or {}),
        ip_address=ip_address,
    )


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


def audit_read(
    request: Any,
    obj: models.Model,
    *,
    municipality_id: int | None = None,
    sensitive: bool = True,
    details: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Log a read of sensitive data (Action.READ): who opened which record,
    from which (client) address. Called by detail views of sensitive objects
    (an activity record, a school concept before it is adopted, a staff
    member) on GET; `sensitive=False` skips it (e.g. an adopted concept,
    which is published to its readers). List pages are not logged (noise);
    every export is (core/listing.py)."""
    if not sensitive or request is None or request.method not in ("GET", "HEAD"):
        return None
    if getattr(request, "htmx", False):  # a fragment of a page already logged
        return None
    if municipality_id is None and getattr(obj, "municipality_id", None) is None:
        # Records of a school (activities, concepts) belong to its municipality.
        municipality_id = getattr(getattr(obj, "school", None), "municipality_id", None)
    return audit(
        actor=request.user,
        action=Action.READ,
        obj=obj,
        municipality_id=municipality_id,
        changes=details,
        ip_address=client_ip(request),
    )
