"""Reads of users, role assignments and the audit log, scoped to administration."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from schulsozial.core.models import AuditEntry

from . import permissions as perms
from .models import RoleAssignment, User


def users_visible_to(*, user: Any) -> QuerySet[User]:
    return User.objects.filter(pk__in=User.objects.filter(perms.users_visible_q(user)).values("pk"))


def role_assignments_of(*, subject: User) -> QuerySet[RoleAssignment]:
    return subject.role_assignments.select_related("municipality", "carrier", "school")


def audit_entries_visible_to(*, user: Any) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(perms.audit_visible_q(user)).select_related("actor")
