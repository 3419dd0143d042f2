"""The work that comes to a user: providers registered by the domain apps.

Each app registers a function "open tasks for user" (`register_tasks`) and,
where its work has dates, "deadlines for user" (`register_deadlines`). Both
read the domain state through the app's scoped selectors, so a task is gone
as soon as its work is done, with no bookkeeping, and a user never sees what
the selectors would not show them. The concepts' providers are in
notifications/providers.py; quality management, the council or the
staffing contracts register theirs in their own ``AppConfig.ready``.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkItem:
    """One thing waiting for the user: what to do, where, until when."""

    kind: str  # stable key of the provider's kind, e.g. "approve_school_concept"
    title: str  # German, what to do ("Schulkonzept Testschule 0 freigeben")
    url: str  # where it is done
    due: datetime.date | None = None
    detail: str = ""
    municipality_id: int | None = None


@dataclass(frozen=True)
class Deadline:
    """One date in the user's calendar (consultation ends, review due)."""

    key: str  # stable and unique (the iCalendar UID and the reminder's key)
    date: datetime.date
    title: str  # German; never personal data of pupils
    url: str
    description: str = ""
    municipality_id: int | None = None
    remind: bool = False  # send reminders of it (settings.NOTIFICATION_REMINDER_DAYS)

    @property
    def kind(self) -> str:
        """The part of the key before the first colon ("framework_review")."""
        return self.key.split(":", 1)[0]


TaskProvider = Callable[[Any, datetime.date], Iterable[WorkItem]]
DeadlineProvider = Callable[[Any, datetime.date], Iterable[Deadline]]

_task_providers: list[TaskProvider] = []
_deadline_providers: list[DeadlineProvider] = []


def register_tasks(provider: TaskProvider) -> TaskProvider:
    """Register `provider(user, today)` (usable as a decorator; once)."""
    if provider not in _task_providers:
        _task_providers.append(provider)
    return provider


def register_deadlines(provider: DeadlineProvider) -> DeadlineProvider:
    """Register `provider(user, today)` (usable as a decorator; once)."""
    if provider not in _deadline_providers:
        _deadline_providers.append(provider)
    return provider


def task_providers() -> tuple[TaskProvider, ...]:
    return tuple(_task_providers)


def deadline_providers() -> tuple[DeadlineProvider, ...]:
    return tuple(_deadline_providers)
