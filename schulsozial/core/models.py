"""Cross-cutting models: the audit log.

core imports nothing of the domain apps, so the audit entry keeps the
municipality as a plain id and the object as type + id + text snapshot.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        IMPORT = "import", _("imported")
        EXPORT = "export", _("exported")
        READ = "read", _("read (sensitive)")
        LOGIN = "login", _("logged in")
        LOGIN_FAILED = "login_failed", _("login failed")
        LOGOUT = "logout", _("logged out")
        LOCKOUT = "lockout", _("login locked")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    # No database constraint and no SET NULL: the table is append-only
    # (a trigger refuses UPDATE), and an entry keeps its actor's id even when
    # the account is gone (docs/operations.md, "Audit log").
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    municipality_id = models.BigIntegerField(
        _("municipality id"), null=True, blank=True, db_index=True
    )
    changes = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # Set when the address was cut to its network (IPv4 /24, IPv6 /48) after
    # settings.AUDIT_IP_SHORTEN_DAYS (core/retention.py).
    ip_shortened = models.BooleanField(_("address shortened"), default=False)

    # The only columns the maintenance mode may change: the address when it
    # is shortened (core/retention.py), the actor's label and the object's
    # text when a person is pseudonymised (privacy/services.py). The
    # triggers (migrations 0003, 0005) refuse every other change.
    MAINTAINABLE = ("ip_address", "ip_shortened", "actor_label", "object_repr")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(
                fields=["at"],
                name="core_audit_ip_pending",
                condition=models.Q(ip_shortened=False, ip_address__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
