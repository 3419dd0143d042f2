"""Every read of notifications, scoped to the user: their notifications,
their open tasks and deadlines (from the registered providers)."""

from __future__ import annotations

import datetime
import hmac
from typing import Any

from django.db.models import QuerySet

from schulsozial.accounts.models import User

from . import permissions as perms
from .models import Notification, Preference
from .registry import Deadline, WorkItem, deadline_providers, task_providers

FAR = datetime.date.max


def notifications_of(*, user: Any) -> QuerySet[Notification]:
    if not perms.can_use_notifications(user):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def unread_count(*, user: Any) -> int:
    return notifications_of(user=user).filter(read_at__isnull=True).count()


def open_tasks(*, user: Any, day: datetime.date) -> list[WorkItem]:
    """What waits for the user now, soonest due first (undated after)."""
    if not perms.can_use_notifications(user):
        return []
    items = [item for provider in task_providers() for item in provider(user, day)]
    return sorted(items, key=lambda i: (i.due or FAR, i.title))


def deadlines_of(
    *, user: Any, day: datetime.date, start: datetime.date, end: datetime.date
) -> list[Deadline]:
    """The user's deadlines from `start` to `end` (both included), by date."""
    if not perms.feed_may_serve(user):
        return []
    found = [
        d
        for provider in deadline_providers()
        for d in provider(user, day)
        if start <= d.date <= end
    ]
    return sorted(found, key=lambda d: (d.date, d.title))


def preference_of(*, user: Any) -> Preference:
    """The user's settings (the defaults, unsaved, before the first change)."""
    return Preference.objects.filter(user_id=user.pk).first() or Preference(user=user)


def feed_owner(*, user_id: int, token: str) -> User | None:
    """The account whose calendar feed `token` opens: the token must be the
    current one of exactly this user (another user's token, an old or a
    revoked one opens nothing)."""
    from .services import token_hash

    preference = (
        Preference.objects.select_related("user")
        .filter(user_id=user_id)
        .exclude(feed_token_hash="")
        .first()
    )
    if preference is None or not hmac.compare_digest(preference.feed_token_hash, token_hash(token)):
        return None
    return preference.user if perms.feed_may_serve(preference.user) else None
