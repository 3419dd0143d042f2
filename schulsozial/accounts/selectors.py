"""Reads of users, role assignments and the audit log, scoped to administration."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.models import Municipality

from . import permissions as perms
from .models import RoleAssignment, User


def users_visible_to(*, user: Any) -> QuerySet[User]:
    return User.objects.filter(pk__in=User.objects.filter(perms.users_visible_q(user)).values("pk"))


def role_assignments_of(*, subject: User, viewer: Any) -> QuerySet[RoleAssignment]:
    """The roles of `subject` that `viewer` administers (F-03)."""
    return subject.role_assignments.filter(perms.role_assignments_visible_q(viewer)).select_related(
        "municipality", "carrier", "school"
    )


def visible_role_assignments(*, viewer: Any) -> QuerySet[RoleAssignment]:
    """For prefetching the roles column of the user list."""
    return RoleAssignment.objects.filter(perms.role_assignments_visible_q(viewer)).select_related(
        "municipality", "carrier", "school"
    )


def administered_municipalities(*, user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(perms.administered_municipalities_q(user))


def audit_entries_visible_to(*, user: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(perms.audit_visible_q(user)).select_related("actor")


def is_locked_out(*, username: str) -> bool:
    """Whether django-axes locks this user name now (its failures within the
    cool-off time reach the limit)."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Sum
    from django.utils import timezone

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return (failures or 0) >= settings.AXES_FAILURE_LIMIT
