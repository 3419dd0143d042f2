"""What every concepts service shares: the two refusals, optimistic locking."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts.models import User
from schulsozial.core.audit import Action, audit, diff_fields

from ..models import FrameworkSection, SchoolConceptSection, Standard, StandardImplementation

# The texts edited under optimistic locking (each has a `lock_version`).
Locked = TypeVar("Locked", FrameworkSection, Standard, SchoolConceptSection, StandardImplementation)


class InvalidTransitionError(ValidationError):
    """The object is not in a state from which this step is allowed."""


class EditConflictError(ValidationError):
    """Someone else saved the text since the editor loaded it (optimistic locking)."""

    def __init__(self, *, mine: dict[str, Any], theirs: dict[str, Any], current_version: int):
        super().__init__(
            _(
                "Someone else saved this text while you were editing it. Nothing was lost: "
                "compare both versions below, merge them and save again."
            ),
            code="conflict",
        )
        self.mine = mine
        self.theirs = theirs
        self.current_version = current_version


def require(allowed: bool) -> None:
    """Refuse (403) unless the permission function said yes."""
    if not allowed:
        raise PermissionDenied


def require_state(obj: Any, allowed: Iterable[str], step: str) -> None:
    if obj.status not in allowed:
        raise InvalidTransitionError(
            _("“%(step)s” is not possible in the status “%(status)s”.")
            % {"step": step, "status": obj.get_status_display()},
            code="invalid_transition",
        )


def person(by: Any) -> User | None:
    """The user to record as the one who acted (None for SYSTEM)."""
    return by if isinstance(by, User) and by.is_authenticated else None


def today() -> datetime.date:
    return timezone.localdate()


def locked_update(
    *, instance: Locked, expected_version: int, data: dict[str, Any], by: Any
) -> Locked:
    """Save `data` on `instance` only if nobody saved since `expected_version`.

    The compare-and-set is one UPDATE … WHERE lock_version = expected, so two
    concurrent saves cannot both win, on SQLite or PostgreSQL."""
    manager = type(instance)._default_manager
    current = manager.get(pk=instance.pk)
    if current.lock_version != expected_version:
        raise EditConflictError(
            mine=data,
            theirs={k: getattr(current, k) for k in data},
            current_version=current.lock_version,
        )
    changes = diff_fields(current, data)
    updated = manager.filter(pk=instance.pk, lock_version=expected_version).update(
        **data, lock_version=F("lock_version") + 1
    )
    if not updated:  # lost the race between the read above and the update
        current = manager.get(pk=instance.pk)
        raise EditConflictError(
            mine=data,
            theirs={k: getattr(current, k) for k in data},
            current_version=current.lock_version,
        )
    instance.refresh_from_db()
    audit(actor=by, action=Action.UPDATE, obj=instance, changes=changes)
    return instance
