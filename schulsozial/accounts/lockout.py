"""Login lock-out: django-axes' database handler with two limits.

django-axes compares the failures of every lock-out parameter (user name,
client address) with one limit. With the limit of five wrong passwords per
user name, five colleagues behind one office address who each mistype once
would lock every user of that address. So a user name is locked after
AXES_FAILURE_LIMIT failures (from any address), and an address only after
AXES_ADDRESS_FAILURE_LIMIT failures over any names (password spraying).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

USER_NAME = "username"
ADDRESS = "ip_address"


def failures_by_parameter(
    handler: AxesDatabaseHandler, request: HttpRequest, credentials: Any
) -> dict[str, int]:
    """Failures within the cool-off time, per lock-out parameter."""
    parameters = get_lockout_parameters(request, credentials)
    attempts_list = handler.get_user_attempts(request, credentials)
    counts: dict[str, int] = {}
    for parameter, attempts in zip(parameters, attempts_list, strict=True):
        key = parameter if isinstance(parameter, str) else "+".join(parameter)
        total = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        counts[key] = total
    return counts


def lock_reason(request: HttpRequest, credentials: Any) -> str | None:
    """USER_NAME, ADDRESS or None: which limit the request has reached."""
    counts = failures_by_parameter(LockoutHandler(), request, credentials)
    if counts.get(USER_NAME, 0) >= get_failure_limit(request, credentials):
        return USER_NAME
    if counts.get(ADDRESS, 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
        return ADDRESS
    return None


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: Any = None) -> int:
        """The user name's failures; the limit itself once the address has
        reached its own, higher limit (axes locks at failures >= limit)."""
        counts = failures_by_parameter(self, request, credentials)
        user_failures = max((count for key, count in counts.items() if key != ADDRESS), default=0)
        if counts.get(ADDRESS, 0) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(user_failures, get_failure_limit(request, credentials))
        return user_failures
