"""Login, logout and failed logins go into the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from schulsozial.core.audit import Action, audit
from schulsozial.core.net import client_ip

from .middleware import mark_login


def _ip(request: Any) -> str | None:
    """The client's address, behind a trusted proxy its forwarded one (F-09)."""
    return client_ip(request)


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None:
        mark_login(request)
    audit(actor=user, action=Action.LOGIN, obj=user, ip_address=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit(actor=user, action=Action.LOGOUT, obj=user, ip_address=_ip(request))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    audit(
        actor=None,
        action=Action.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:150],
        ip_address=_ip(request),
    )
