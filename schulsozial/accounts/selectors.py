"""Reads of users, role assignments and the audit log, scoped to administration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from schulsozial.core.models import AuditEntry

from . import permissions as perms
from .models import RoleAssignment, User

if TYPE_CHECKING:
    from schulsozial.masterdata.models import Carrier, Municipality, School


def _scope_model(field: str) -> Any:
    """The master-data model a role's scope names (municipality, carrier,
    school), found through the role assignment's foreign key: masterdata
    imports accounts (its rules build on accounts.permissions), so accounts
    does not import masterdata."""
    return RoleAssignment._meta.get_field(field).related_model


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
    found: QuerySet[Municipality] = _scope_model("municipality")._default_manager.filter(
        perms.administered_municipalities_q(user)
    )
    return found


def municipalities_among(ids: set[int] | None) -> QuerySet[Municipality]:
    """The municipalities `ids` (None: every one), by name: the choices of
    the two-factor policy and the single sign-on mapping pages."""
    found: QuerySet[Municipality] = _scope_model("municipality")._default_manager.all()
    return (found if ids is None else found.filter(pk__in=ids)).order_by("name")


def carriers_in(municipalities: QuerySet[Municipality]) -> QuerySet[Carrier]:
    found: QuerySet[Carrier] = _scope_model("carrier")._default_manager.filter(
        municipality__in=municipalities
    )
    return found


def schools_in(municipalities: QuerySet[Municipality]) -> QuerySet[School]:
    found: QuerySet[School] = _scope_model("school")._default_manager.filter(
        municipality__in=municipalities
    )
    return found


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
