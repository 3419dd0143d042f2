"""The API tokens of a carrier: created (the key shown once, only its hash
stored), revoked, and looked up by key."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.models import Carrier

from .. import permissions as perms
from ..models import ApiToken
from ..selectors import active_api_token


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, carrier: Carrier, name: str, by: Any) -> tuple[ApiToken, str]:
    """Create a token for `carrier`; returns the token and its key, which is
    shown once and never stored (only its hash is). Raises PermissionDenied
    unless `by` may create the carrier's keys."""
    if not perms.can_create_api_token(by, carrier):
        raise PermissionDenied
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    key = "ssk_" + secrets.token_urlsafe(32)
    token = ApiToken(
        carrier=carrier,
        name=name[:100],
        prefix=key[:10],
        key_hash=_hash_key(key),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    token.full_clean()
    token.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=token,
        municipality_id=carrier.municipality_id,
        changes={"carrier": carrier.name, "name": token.name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    """Revoke a key (once; revoking again changes nothing). Raises
    PermissionDenied unless `by` may manage the carrier's keys."""
    if not perms.can_manage_api_token(by, token.carrier):
        raise PermissionDenied
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=token,
            municipality_id=token.carrier.municipality_id,
            changes={"revoked": [False, True]},
        )
    return token


def api_token_for_key(key: str) -> ApiToken | None:
    """The active token with this key (or None); notes its last use at most once a minute."""
    if not key or len(key) > 200:
        return None
    token = active_api_token(key_hash=_hash_key(key))
    if token is not None:
        now = timezone.now()
        if token.last_used is None or now - token.last_used > datetime.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
    return token
