"""Two-factor login with time-based one-time passwords (TOTP, RFC 6238).

django-otp keeps the devices: a confirmed ``TOTPDevice`` (the authenticator
app) and a ``StaticDevice`` holding ten one-time recovery codes. This module
holds the services around them (set up, verify, recovery codes, switch off)
and the middleware that makes a session verify its second factor, or set one
up where the municipality made it mandatory, before anything else.

What a session must do is decided at login and kept in the session (no query
on an ordinary request); it is read again every TWO_FACTOR_RECHECK_SECONDS,
so a municipality that switches the requirement on reaches sessions that
are already open.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import time
from collections.abc import Callable
from typing import Any

import django_otp.middleware
import segno
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from schulsozial.core.audit import Action, audit
from schulsozial.core.net import client_ip

from . import permissions as perms
from .login_models import TwoFactorPolicy
from .models import Role

RECOVERY_CODES = 10
SETUP_KEY = "twofactor_setup_key"  # the secret offered on the setup page, until confirmed
STATE_KEY = "twofactor_state"  # {"device": bool, "required": bool, "at": epoch seconds}
SSO_KEY = "twofactor_sso"  # set when the session logged in through the OpenID provider
TOTP_RE = re.compile(r"^\d{6}$")


# --------------------------------------------------------------------------- rules


def required_for(user: Any) -> bool:
    """Must `user` log in with a second factor? Yes where the user holds a
    coordination or administration role in a municipality that switched it
    on, and for global administrators when TWO_FACTOR_REQUIRED_FOR_GLOBAL_ADMINS
    is set."""
    if perms.is_global_admin(user) and settings.TWO_FACTOR_REQUIRED_FOR_GLOBAL_ADMINS:
        return True
    ids = perms.municipality_ids(user, Role.COORDINATION, Role.ADMINISTRATION)
    return (
        bool(ids)
        and TwoFactorPolicy.objects.filter(municipality_id__in=ids, required=True).exists()
    )


def is_verified(user: Any) -> bool:
    """`user.is_verified()` of django-otp's middleware, as a function the type checker
    knows: whether a device verified this session (the user's `otp_device` is set)."""
    return bool(django_otp.middleware.is_verified(user))


def totp_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_device(user: Any) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def policy_required(municipality: Any) -> bool:
    return TwoFactorPolicy.objects.filter(municipality=municipality, required=True).exists()


# --------------------------------------------------------------------------- audit


def _ip(request: HttpRequest | None) -> str | None:
    return client_ip(request) if request is not None else None


def _municipality_of(user: Any) -> int | None:
    """The audit entries of a user's own second factor are filed under the
    first municipality the user holds a role in (as the login entries are)."""
    ids = sorted(g.municipality_id for g in perms.grants(user) if g.municipality_id)
    return ids[0] if ids else None


def _audit(request: HttpRequest | None, user: Any, action: str, event: str, **more: Any) -> None:
    audit(
        actor=user if action != Action.LOGIN_FAILED else None,
        action=action,
        obj=user,
        municipality_id=_municipality_of(user),
        changes={"two_factor": event, **more},
        ip_address=_ip(request),
    )


# --------------------------------------------------------------------------- setup


def secret_for_setup(request: HttpRequest) -> str:
    """The hex key offered on the setup page, kept in the session until the
    user confirms it with a code (no device exists before that)."""
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = random_hex(20)
    return key


def base32_secret(hex_key: str) -> str:
    """The key as the user types it into an app: base32 in groups of four."""
    text = base64.b32encode(binascii.unhexlify(hex_key)).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def provisioning_uri(user: Any, hex_key: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code
    (django-otp's own format, from an unsaved device)."""
    return TOTPDevice(user=user, key=hex_key, name="app").config_url


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG markup with presentation attributes only
    (no script, no style attribute, no external image: the CSP allows none)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        scale=5,
        border=4,
        light="#ffffff",
        title=_("QR code"),
    )
    return out.getvalue().decode("utf-8")


def _new_recovery_codes(device: StaticDevice) -> list[str]:
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def setup_confirm(*, request: HttpRequest, user: Any, token: str) -> list[str]:
    """Confirm the key offered on the setup page with a code from the app:
    create the TOTP device and ten recovery codes (returned, to be shown once),
    and count the session as verified."""
    key = request.session.get(SETUP_KEY)
    if not key:
        raise ValidationError({"token": _("The setup has expired. Please scan the new code.")})
    token = (token or "").strip().replace(" ", "")
    checker = TOTP(binascii.unhexlify(key), step=30, digits=6)
    checker.time = time.time()
    if not TOTP_RE.match(token) or not checker.verify(int(token), tolerance=1):
        _audit(request, user, Action.LOGIN_FAILED, "setup code refused")
        raise ValidationError({"token": _("The code is not correct. Please try again.")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name=_("Authenticator app"), key=key, confirmed=True, last_t=checker.t()
        )
        recovery = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
        codes = _new_recovery_codes(recovery)
    del request.session[SETUP_KEY]
    otp_login(request, device)
    remember(request, device=True, required=required_for(user))
    _audit(request, user, Action.UPDATE, "set up", recovery_codes=RECOVERY_CODES)
    return codes


# --------------------------------------------------------------------------- verification


def verify(*, request: HttpRequest, user: Any, token: str) -> bool:
    """Check a code from the app or a recovery code (each usable once); on
    success the session counts as verified. django-otp throttles failures
    (each one doubles the wait before the next try)."""
    token = (token or "").strip().replace(" ", "").lower()
    if TOTP_RE.match(token):
        device: Any = totp_device(user)
        kind = "app"
    else:
        device = recovery_device(user)
        kind = "recovery code"
    if device is not None:
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            _audit(request, user, Action.LOGIN_FAILED, "verification throttled")
            return False
    if device is None or not device.verify_token(token):
        _audit(request, user, Action.LOGIN_FAILED, f"{kind} refused")
        return False
    otp_login(request, device)
    if kind == "recovery code":
        _audit(
            request,
            user,
            Action.LOGIN,
            "recovery code used",
            recovery_codes_left=recovery_codes_left(user),
        )
    else:
        _audit(request, user, Action.LOGIN, "verified")
    return True


def _check_password_and_code(user: Any, password: str, token: str) -> bool:
    """Re-authentication: the current password and a current code (from the
    app or a recovery code)."""
    if not user.check_password(password or ""):
        return False
    token = (token or "").strip().replace(" ", "").lower()
    device: Any = totp_device(user) if TOTP_RE.match(token) else recovery_device(user)
    return device is not None and device.verify_token(token)


def disable(*, request: HttpRequest, user: Any, password: str, token: str) -> None:
    """Switch two-factor login off after re-authentication. Refused while the
    user's municipality requires it."""
    if required_for(user):
        raise ValidationError(
            _("Two-factor login is mandatory for your role and cannot be switched off.")
        )
    if not _check_password_and_code(user, password, token):
        _audit(request, user, Action.LOGIN_FAILED, "switch-off refused")
        raise ValidationError(_("The password or the code is not correct."))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    remember(request, device=False, required=False)
    _audit(request, user, Action.UPDATE, "switched off")


def renew_recovery_codes(
    *, request: HttpRequest, user: Any, password: str, token: str
) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after
    re-authentication."""
    if not _check_password_and_code(user, password, token):
        _audit(request, user, Action.LOGIN_FAILED, "recovery code renewal refused")
        raise ValidationError(_("The password or the code is not correct."))
    with transaction.atomic():
        device = recovery_device(user)
        if device is None:
            device = StaticDevice.objects.create(
                user=user, name=_("Recovery codes"), confirmed=True
            )
        codes = _new_recovery_codes(device)
    _audit(request, user, Action.UPDATE, "recovery codes renewed", recovery_codes=RECOVERY_CODES)
    return codes


def reset_by_admin(*, request: HttpRequest, subject: Any, by: Any) -> None:
    """An administrator removes a user's app and recovery codes (phone and
    codes lost); the user sets up a new app at the next login. Only for
    accounts the administrator manages as a whole (every role in its
    municipalities, perms.can_manage_account)."""
    if not perms.can_manage_account(by, subject):
        raise PermissionError
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=subject).delete()[0]
        StaticDevice.objects.filter(user=subject).delete()
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=subject,
        municipality_id=_municipality_of(subject),
        changes={"two_factor": "reset by an administrator", "devices_removed": removed},
        ip_address=_ip(request),
    )


# --------------------------------------------------------------------------- the municipality's switch


@transaction.atomic
def policy_set(*, municipality: Any, required: bool, by: Any) -> TwoFactorPolicy:
    if not perms.can_set_two_factor_policy(by, municipality):
        raise PermissionError
    policy, _created = TwoFactorPolicy.objects.select_for_update().get_or_create(
        municipality=municipality
    )
    if policy.required != required:
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=municipality,
            municipality_id=municipality.pk,
            changes={"two_factor_required": [policy.required, required]},
        )
        policy.required = required
        policy.save()
    return policy


# --------------------------------------------------------------------------- session state and middleware


def remember(request: HttpRequest, *, device: bool, required: bool) -> None:
    request.session[STATE_KEY] = {"device": device, "required": required, "at": int(time.time())}


def refresh(request: HttpRequest, user: Any) -> None:
    """Read the session's state anew (a device was removed or added elsewhere)."""
    remember(request, device=totp_device(user) is not None, required=required_for(user))


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session.pop(SETUP_KEY, None)
    remember(request, device=totp_device(user) is not None, required=required_for(user))


class OTPMiddleware(django_otp.middleware.OTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``,
    ``is_verified()``) with one lazy proxy around the user instead of two:
    django-otp wraps AuthenticationMiddleware's lazy user in a second
    SimpleLazyObject, so every attribute read on ``request.user`` (the
    permission checks of a page read it hundreds of times) went through both."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        if isinstance(user, SimpleLazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        return super()._verify_user_sync(request, user)


# Reachable before the second factor: the login, the steps themselves, the
# language switch, static files and the health check.
OPEN_URL_NAMES = (
    "accounts:login",
    "accounts:logout",
    "accounts:twofactor_setup",
    "accounts:twofactor_verify",
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "set_language",
    "dashboard:healthz",
)


class TwoFactorMiddleware:
    """Sends a logged-in session that has not passed its second factor to
    the verification (a device exists) or to the setup (mandatory, no device
    yet). Everything else answers only after that."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            paths = [reverse(name) for name in OPEN_URL_NAMES]
            self._open = tuple(paths)
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self.step_needed(request)
        if target is not None:
            path = request.path_info
            static = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
            if not path.startswith(static) and path not in self.open_paths():
                url = reverse(target)
                if request.headers.get("HX-Request") == "true":
                    # An htmx request would swap the step into a fragment: the
                    # whole page goes there (django-htmx's attribute is not set yet).
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = url
                    return response
                if request.method == "GET":
                    url += "?" + urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(url)
        return self.get_response(request)

    def step_needed(self, request: HttpRequest) -> str | None:
        session = getattr(request, "session", None)
        if session is None or not session.get("_auth_user_id"):
            return None
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        state = session.get(STATE_KEY)
        if state is None or time.time() - state.get("at", 0) > settings.TWO_FACTOR_RECHECK_SECONDS:
            refresh(request, user)
            state = session[STATE_KEY]
        if settings.OIDC_SKIPS_TWO_FACTOR and session.get(SSO_KEY):
            return None  # the provider asked for the second factor
        if state["device"]:
            return "accounts:twofactor_verify"
        if state["required"]:
            return "accounts:twofactor_setup"
        return None
