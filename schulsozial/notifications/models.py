"""Notifications (in the platform and by e-mail), each user's delivery
choice and calendar feed, and the record of reminders sent.

The task list has no table: it is computed from the domain state by the
registered providers (notifications/registry.py), so a task is gone as soon
as its work is done. A notification is a message about something that
happened; it stays until the user deletes it or marks it read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        APPROVAL_REQUESTED = "approval_requested", _("approval requested")
        CHANGES_REQUESTED = "changes_requested", _("changes requested")
        CONCEPT_APPROVED = "concept_approved", _("concept approved")
        CONCEPT_ACKNOWLEDGED = "concept_acknowledged", _("concept acknowledged")
        CONSULTATION_OPENED = "consultation_opened", _("consultation opened")
        REMINDER = "reminder", _("reminder")

    class Mail(models.TextChoices):
        PENDING = "pending", _("to be sent")
        SENT = "sent", _("sent")
        NONE = "none", _("not by e-mail")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    municipality = models.ForeignKey(
        "masterdata.Municipality",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mail = models.CharField(_("e-mail"), max_length=10, choices=Mail.choices, default=Mail.PENDING)
    mailed_at = models.DateTimeField(_("sent by e-mail at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["recipient", "created_at"],
                condition=Q(mail="pending"),
                name="notification_mail_pending",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class Preference(models.Model):
    """How one user wants to be told, and the key of the calendar feed."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("an e-mail for each notification")
        DAILY = "daily", _("one e-mail a day (digest)")
        NONE = "none", _("no e-mail, only in the platform")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
    )
    delivery = models.CharField(
        _("e-mail delivery"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    # SHA-256 of the calendar feed's secret; empty: no feed. The secret itself
    # is shown once when it is made and stored nowhere.
    feed_token_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    feed_created_at = models.DateTimeField(_("calendar feed created"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)


class SentReminder(models.Model):
    """One reminder sent: of `key` (the deadline, e.g. framework review of
    version 3 due on 2027-05-01), to one user, at one lead time. The unique
    constraint makes a second run of send_reminders send nothing twice."""

    key = models.CharField(_("deadline"), max_length=120)
    due = models.DateField(_("due"))
    lead_days = models.PositiveSmallIntegerField(_("days ahead"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["key", "due", "lead_days", "recipient"], name="reminder_sent_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.lead_days})"
