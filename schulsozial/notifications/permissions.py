"""Who may see and do what with notifications: each user only their own.

The task list and the calendar need no rule of their own: their providers
read through the domain apps' scoped selectors and permissions.
"""

from __future__ import annotations

from typing import Any


def can_use_notifications(user: Any) -> bool:
    """The notification list, settings and calendar: every logged-in user."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_read_notification(user: Any, notification: Any) -> bool:
    return can_use_notifications(user) and notification.recipient_id == user.pk


def can_change_preference(user: Any, owner: Any) -> bool:
    """The delivery choice and the calendar feed: the user's own only."""
    return can_use_notifications(user) and owner.pk == user.pk


def feed_may_serve(owner: Any) -> bool:
    """A calendar feed answers only for an active account."""
    return bool(owner is not None and owner.is_active)
