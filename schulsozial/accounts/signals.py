"""Login, logout, failed logins and lock-outs go into the audit log."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from schulsozial.core.audit import Action, audit
from schulsozial.core.net import client_ip

from .middleware import mark_login
from .models import User


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


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: Any, username: str | None, ip_address: str | None, **kwargs: Any
) -> None:
    """django-axes locked a user name or a client address. Written when the
    lock starts (a counted failure reached the limit), not for each attempt
    refused while it lasts (those are failed logins). The entry goes to each
    municipality of the account named, so its administrators see it."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    name = str(username or "")[:150]
    account = User.objects.filter(username__iexact=name).first() if name else None
    municipality_ids = sorted(
        {a.municipality_id for a in account.role_assignments.all() if a.municipality_id}
        if account is not None
        else set()
    )
    municipalities: list[int | None] = [*municipality_ids] or [None]
    for municipality_id in municipalities:
        audit(
            actor=None,
            action=Action.LOCKOUT,
            object_type="accounts.user",
            object_repr=name,
            municipality_id=municipality_id,
            changes={"failures": failures},
            ip_address=ip_address,
        )
