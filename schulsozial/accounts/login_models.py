"""What two-factor login and single sign-on store (accounts/twofactor.py,
accounts/oidc.py): a municipality's two-factor switch, a user's identity at
the OpenID provider, the municipality's mapping of provider groups to roles,
and which role assignments such a mapping created."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import Role, RoleAssignment, User


class TwoFactorPolicy(models.Model):
    """A municipality's switch: coordination and administration there must
    log in with a second factor."""

    municipality = models.OneToOneField(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="two_factor_policy",
    )
    required = models.BooleanField(
        _("Two-factor login mandatory for coordination and administration"), default=False
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("two-factor policy")
        verbose_name_plural = _("two-factor policies")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.required}"


class OIDCIdentity(models.Model):
    """The account at the OpenID provider (issuer + `sub` claim) a user logs
    in with. The e-mail address may change at the provider; `sub` does not."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="oidc_identity")
    issuer = models.CharField(_("issuer"), max_length=300)
    subject = models.CharField(_("subject (sub)"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidcidentity_unique_sub")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.subject}"


class OIDCGroupMapping(models.Model):
    """A group of the provider that gives a role in one municipality. A group
    without a mapping gives nothing."""

    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.CharField(_("group at the provider"), max_length=200)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
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
        verbose_name = _("group mapping")
        verbose_name_plural = _("group mappings")
        ordering = ["municipality", "group", "role"]

    def __str__(self) -> str:
        target = self.school or self.carrier or self.municipality
        return f"{self.group} → {self.get_role_display()} ({target})"


class OIDCMappedRole(models.Model):
    """Marks a role assignment as created by a group mapping: it is removed
    when the group is gone at the user's next login or the mapping is deleted."""

    assignment = models.OneToOneField(
        RoleAssignment, on_delete=models.CASCADE, related_name="oidc_mapped"
    )
    mapping = models.ForeignKey(
        OIDCGroupMapping, null=True, on_delete=models.SET_NULL, related_name="assignments"
    )

    class Meta:
        verbose_name = _("role from a group mapping")
        verbose_name_plural = _("roles from group mappings")

    def __str__(self) -> str:
        return str(self.assignment)
