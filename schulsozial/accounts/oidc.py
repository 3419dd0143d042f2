"""Single sign-on by OpenID Connect (authorization code flow with PKCE),
through mozilla-django-oidc.

Off unless the provider's client id and endpoints are configured
(settings.OIDC_ENABLED); local login keeps working either way.

* A user is found by the provider's ``sub`` claim (with the issuer, stored in
  OIDCIdentity), never by the e-mail address alone; a new ``sub`` creates an
  account without a usable local password.
* The id token must be signed with the configured algorithm (RS256 through
  the provider's JWKS), be addressed to this client (``aud``) and come from
  the configured issuer (``iss``); mozilla-django-oidc checks neither of
  the last two.
* The provider's groups (claim OIDC_GROUPS_CLAIM, default ``groups``) give
  roles only where a municipality mapped the group (OIDCGroupMapping); an
  unmapped group gives nothing. Roles created by a mapping are marked
  (OIDCMappedRole) and removed at the next login without the group.
* A login that would leave the account without any role is refused with a
  message on the login page and audited: no account is created when none of
  the groups is mapped, and an existing account whose last role went with
  its group is not logged in (such an account would be lost: only the
  global administrator sees users without a role).
* Logging out of a session that logged in through the provider ends at the
  provider's end_session endpoint (OIDC_OP_LOGOUT_URL_METHOD,
  provider_logout_url) with the id token as id_token_hint.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_out
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from schulsozial.core.actors import SYSTEM
from schulsozial.core.audit import Action, audit
from schulsozial.core.net import client_ip

from . import permissions as perms
from .backends import ModelBackendWithScope
from .login_models import OIDCGroupMapping, OIDCIdentity, OIDCMappedRole
from .models import Role, RoleAssignment, User
from .services import role_assign, role_remove
from .twofactor import SSO_KEY

LOGGER = logging.getLogger(__name__)
USERNAME_RE = re.compile(r"^[\w.@+-]{1,150}$")
NO_ROLE_MESSAGE = gettext_lazy(
    "No role in schulsozial is assigned to your account. Please contact the administration "
    "of your municipality."
)


def enabled() -> bool:
    return bool(getattr(settings, "OIDC_ENABLED", False))


# --------------------------------------------------------------------------- group mappings


def _scope_key(role: str, municipality_id: Any, carrier_id: Any, school_id: Any) -> tuple:
    return (role, municipality_id, carrier_id, school_id)


@transaction.atomic
def mapping_create(
    *,
    municipality: Any,
    group: str,
    role: str,
    by: Any,
    carrier: Any = None,
    school: Any = None,
) -> OIDCGroupMapping:
    """Map a provider group to a role in `municipality`. The scope must fit
    the role as for role assignments, inside the municipality."""
    if not perms.can_manage_oidc_mappings(by, municipality):
        raise PermissionError
    group = (group or "").strip()
    errors: dict[str, str] = {}
    if not group:
        errors["group"] = _("Enter the name of the group at the provider.")
    if role == Role.CARRIER:
        school = None
        if carrier is None:
            errors["carrier"] = _("A carrier role needs a carrier.")
        elif carrier.municipality_id != municipality.pk:
            errors["carrier"] = _("The carrier belongs to another municipality.")
    elif role in (Role.WORKER, Role.PRINCIPAL):
        carrier = None
        if school is None:
            errors["school"] = _("This role needs a school.")
        elif school.municipality_id != municipality.pk:
            errors["school"] = _("The school belongs to another municipality.")
    else:
        carrier = school = None
    if errors:
        raise ValidationError(errors)
    if OIDCGroupMapping.objects.filter(
        municipality=municipality, group=group, role=role, carrier=carrier, school=school
    ).exists():
        raise ValidationError(_("This group is mapped to this role already."))
    mapping = OIDCGroupMapping.objects.create(
        municipality=municipality, group=group, role=role, carrier=carrier, school=school
    )
    audit(
        actor=by,
        action=Action.CREATE,
        obj=mapping,
        municipality_id=municipality.pk,
        changes={"group": group, "role": role, "scope": str(school or carrier or municipality)},
    )
    return mapping


@transaction.atomic
def mapping_remove(*, mapping: OIDCGroupMapping, by: Any) -> None:
    """Delete a mapping and the roles it gave (now, not at the next login)."""
    if not perms.can_manage_oidc_mappings(by, mapping.municipality):
        raise PermissionError
    for marked in OIDCMappedRole.objects.filter(mapping=mapping).select_related("assignment__user"):
        role_remove(assignment=marked.assignment, by=by)
    audit(
        actor=by,
        action=Action.DELETE,
        obj=mapping,
        municipality_id=mapping.municipality_id,
        changes={"group": mapping.group, "role": mapping.role},
    )
    mapping.delete()


def groups_of(claims: dict[str, Any]) -> set[str]:
    value = claims.get(settings.OIDC_GROUPS_CLAIM, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return set()
    return {str(g) for g in value if isinstance(g, str | int)}


@transaction.atomic
def sync_roles(*, user: User, groups: set[str]) -> None:
    """Make the user's mapped roles those its groups map to: add the missing
    ones (marked), remove marked ones whose group is gone. Roles given by
    hand are neither duplicated nor removed."""
    wanted: dict[tuple, OIDCGroupMapping] = {}
    for mapping in OIDCGroupMapping.objects.filter(group__in=groups).select_related(
        "municipality", "carrier", "school"
    ):
        key = _scope_key(
            mapping.role, mapping.municipality_id, mapping.carrier_id, mapping.school_id
        )
        wanted.setdefault(key, mapping)
    for marked in OIDCMappedRole.objects.filter(assignment__user=user).select_related("assignment"):
        a = marked.assignment
        key = _scope_key(a.role, a.municipality_id, a.carrier_id, a.school_id)
        if key in wanted:
            wanted.pop(key)
        else:
            role_remove(assignment=a, by=SYSTEM)
    held = {
        _scope_key(a.role, a.municipality_id, a.carrier_id, a.school_id)
        for a in RoleAssignment.objects.filter(user=user)
    }
    for key, mapping in wanted.items():
        if key in held:
            continue  # given by hand: stays a manual role
        assignment = role_assign(
            user=user,
            role=mapping.role,
            by=SYSTEM,
            municipality=mapping.municipality,
            carrier=mapping.carrier,
            school=mapping.school,
        )
        OIDCMappedRole.objects.create(assignment=assignment, mapping=mapping)
    perms.forget_grants(user)


# --------------------------------------------------------------------------- authentication backend


def _username_for(claims: dict[str, Any], issuer: str, subject: str) -> str:
    wanted = str(claims.get("preferred_username") or "")
    if USERNAME_RE.match(wanted) and not User.objects.filter(username__iexact=wanted).exists():
        return wanted
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:16]
    return f"sso-{digest}"


class SchulsozialOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, finding users by `sub`, checking the id
    token's audience and issuer, and mapping groups to roles. Inert for
    every other authentication (password login)."""

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        if not enabled() or "nonce" not in kwargs or "password" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (
            requests.RequestException,
            SuspiciousOperation,
            jwt.PyJWTError,
            ValueError,
        ) as error:
            # A refused token request (wrong PKCE verifier, expired code), an
            # unreachable provider or an invalid token: the login fails, no 500.
            LOGGER.warning("single sign-on refused: %s", error)
            audit(
                actor=None,
                action=Action.LOGIN_FAILED,
                object_type="accounts.user",
                object_repr="single sign-on",
                changes={"reason": str(error)[:300]},
                ip_address=client_ip(request) if request is not None else None,
            )
            return None

    def get_user(self, user_id: Any) -> Any:
        # The request's user with its grants and staff member, as for a password login.
        return ModelBackendWithScope().get_user(user_id)

    def verify_token(self, token: Any, **kwargs: Any) -> Any:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The id token is not addressed to this client.")
        if settings.OIDC_OP_ISSUER and payload.get("iss") != settings.OIDC_OP_ISSUER:
            raise SuspiciousOperation("The id token comes from another issuer.")
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token: Any, id_token: Any, payload: Any) -> Any:
        info = self.get_userinfo(access_token, id_token, payload)
        subject = str(payload.get("sub") or "")
        if not subject or str(info.get("sub") or "") != subject:
            # OpenID Connect Core 5.3.2: the userinfo `sub` must match the id token's.
            raise SuspiciousOperation("The userinfo sub does not match the id token.")
        claims = {**payload, **info}
        issuer = str(payload.get("iss") or settings.OIDC_OP_ISSUER)
        groups = groups_of(claims)
        with transaction.atomic():
            identity = (
                OIDCIdentity.objects.select_related("user")
                .filter(issuer=issuer, subject=subject)
                .first()
            )
            if identity is not None:
                user = self.update_user(identity.user, claims)
            elif not settings.OIDC_CREATE_USER:
                return None
            elif not OIDCGroupMapping.objects.filter(group__in=groups).exists():
                # No mapped group: the account would have no role, and only the
                # global administrator could see it (issue 13). None is created.
                return self._refuse_without_role(
                    None, subject, groups, reason="no role: none of the groups is mapped"
                )
            else:
                user = self.create_user_for(claims, issuer, subject)
            if user.is_active:
                held = RoleAssignment.objects.filter(user=user)
                # Where the roles were: that administration sees the refusal.
                towns = [t for t in held.values_list("municipality_id", flat=True) if t]
                sync_roles(user=user, groups=groups)
                if not user.is_superuser and not held.exists():
                    # Its last mapped group is gone and no role was given by hand.
                    return self._refuse_without_role(
                        user,
                        subject,
                        groups,
                        reason="no role left: no mapped group, none by hand",
                        municipality_id=min(towns, default=None),
                    )
        return user

    def _refuse_without_role(
        self,
        user: User | None,
        subject: str,
        groups: set[str],
        *,
        reason: str,
        municipality_id: int | None = None,
    ) -> None:
        """Refuse the login of an account without a role, audited; the
        callback then says why on the login page (NO_ROLE_MESSAGE)."""
        request = getattr(self, "request", None)
        if request is not None:
            request._sso_without_role = True
        audit(
            actor=None,
            action=Action.LOGIN_FAILED,
            obj=user,
            municipality_id=municipality_id,
            object_type="" if user else "accounts.user",
            object_repr="" if user else "single sign-on",
            changes={
                "reason": reason,
                "single_sign_on": subject[:64],
                "groups": sorted(groups)[:20],
            },
            ip_address=client_ip(request) if request is not None else None,
        )

    def create_user_for(self, claims: dict[str, Any], issuer: str, subject: str) -> User:
        user = User(
            username=_username_for(claims, issuer, subject),
            email=str(claims.get("email") or "")[:254],
            display_name=str(claims.get("name") or "")[:150],
        )
        user.set_unusable_password()
        user.save()
        OIDCIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        audit(
            actor=SYSTEM,
            action=Action.CREATE,
            obj=user,
            changes={"username": user.username, "single_sign_on": subject[:64]},
        )
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        name = str(claims.get("name") or "")[:150]
        email = str(claims.get("email") or "")[:254]
        values = {"display_name": name, "email": email}
        changed = [f for f, value in values.items() if value and getattr(user, f) != value]
        for field in changed:
            setattr(user, field, values[field])
        if changed:
            user.save(update_fields=changed)
        return user


# --------------------------------------------------------------------------- views


class _RequestView(OIDCAuthenticationRequestView):
    pass


class _CallbackView(OIDCAuthenticationCallbackView):
    @property
    def failure_url(self) -> str:
        return resolve_url(settings.LOGIN_REDIRECT_URL_FAILURE)

    def login_failure(self) -> HttpResponse:
        if getattr(self.request, "_sso_without_role", False):
            messages.error(self.request, str(NO_ROLE_MESSAGE))
            return super().login_failure()
        messages.error(
            self.request,
            _(
                "The login through single sign-on failed. Please try again or log in with your password."
            ),
        )
        return super().login_failure()

    def login_success(self) -> HttpResponse:
        response = super().login_success()
        self.request.session[SSO_KEY] = True
        return response


def _only_when_enabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not enabled():
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


login_view = _only_when_enabled(lambda request: _RequestView.as_view()(request))
callback_view = _only_when_enabled(lambda request: _CallbackView.as_view()(request))


# --------------------------------------------------------------------------- logout at the provider


def provider_logout_url(request: HttpRequest) -> str:
    """The provider's end_session address (OpenID Connect RP-Initiated
    Logout) with the id token as hint and the login page as the way back."""
    end = settings.OIDC_OP_END_SESSION_ENDPOINT
    back = resolve_url(settings.LOGOUT_REDIRECT_URL)
    if not end:
        return back
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(back),
    }
    id_token = request.session.get("oidc_id_token")
    if id_token:
        params["id_token_hint"] = id_token
    return f"{end}?{urlencode(params)}"


@receiver(user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Before the session is flushed: remember where the logout must end."""
    if request is None or not enabled() or not request.session.get(SSO_KEY):
        return
    request._provider_logout_url = import_string(settings.OIDC_OP_LOGOUT_URL_METHOD)(request)


class ProviderLogoutMiddleware:
    """After the local logout of a session that came through the provider,
    send the browser to the provider's end_session address instead of the
    login page (whichever logout view ran)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        url = getattr(request, "_provider_logout_url", None)
        if url and response.status_code in (301, 302, 303):
            response["Location"] = url
        return response


def login_link() -> str | None:
    return reverse("accounts:oidc_login") if enabled() else None
