"""Users and their scoped role assignments (PRODUCT.md §2)."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when an administrator chose the password; cleared by the own change."),
    )
    # Part of the session hash: a new value ends every session of the user
    # ("log out everywhere", deactivation). Empty: the hash is Django's own.
    session_token = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    # Django's public hooks, overridden instead of its private `_get_session_auth_hash`
    # (which the type stubs leave out); `get_user` checks the first, then the fallbacks.
    def get_session_auth_hash(self) -> str:
        """Django's HMAC of the password hash, with the session token added:
        a session stays valid only while both are unchanged."""
        if not self.session_token:
            return super().get_session_auth_hash()
        return self._session_token_hash(secret=None)

    def get_session_auth_fallback_hash(self) -> Iterator[str]:
        """The same hash under each of `SECRET_KEY_FALLBACKS` (key rotation)."""
        if not self.session_token:
            yield from super().get_session_auth_fallback_hash()
            return
        for fallback_secret in settings.SECRET_KEY_FALLBACKS:
            yield self._session_token_hash(secret=fallback_secret)

    def _session_token_hash(self, *, secret: str | bytes | None) -> str:
        key_salt = "schulsozial.accounts.models.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}${self.session_token}", secret=secret, algorithm="sha256"
        ).hexdigest()


class Role(models.TextChoices):
    COORDINATION = "coordination", _("Koordination")
    CARRIER = "carrier", _("Träger")
    WORKER = "worker", _("Fachkraft")
    PRINCIPAL = "principal", _("Schulleitung")
    COMMITTEE = "committee", _("Gremium")
    ADMINISTRATION = "administration", _("Administration")


class RoleAssignment(models.Model):
    """One role of one user with its scope.

    Scope by role: coordination, committee -> a municipality; carrier -> a
    carrier (and its municipality); worker, principal -> a school (and its
    municipality); administration -> a municipality, or every municipality when
    left empty. The check constraint keeps scope and role consistent.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    carrier = models.ForeignKey(
        "masterdata.Carrier",
        verbose_name=_("carrier"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    school = models.ForeignKey(
        "masterdata.School",
        verbose_name=_("school"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                name="roleassignment_scope_matches_role",
                condition=(
                    Q(
                        role__in=["coordination", "committee"],
                        municipality__isnull=False,
                        carrier__isnull=True,
                        school__isnull=True,
                    )
                    | Q(
                        role="carrier",
                        municipality__isnull=False,
                        carrier__isnull=False,
                        school__isnull=True,
                    )
                    | Q(
                        role__in=["worker", "principal"],
                        municipality__isnull=False,
                        carrier__isnull=True,
                        school__isnull=False,
                    )
                    | Q(role="administration", carrier__isnull=True, school__isnull=True)
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.school or self.carrier or self.municipality or _("all municipalities")
        return f"{self.user}: {self.get_role_display()} ({target})"


# Two-factor login and single sign-on (accounts/login_models.py).
from .login_models import OIDCGroupMapping, OIDCIdentity, OIDCMappedRole, TwoFactorPolicy  # noqa: E402, F401
