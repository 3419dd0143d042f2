"""Every write of notifications: recording them, delivering them by e-mail
(at once or as a daily digest), reading them, the user's settings and
calendar feed, and the reminders.

`notify` runs in the caller's transaction and only records; the e-mails go
out from a background task (django-tasks) enqueued on commit, never in the
request, so a slow or absent mail server cannot fail a concept's step and a
rolled-back step notifies nobody.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from schulsozial.accounts.models import User
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_update

from . import permissions as perms
from .models import Notification, Preference, SentReminder
from .registry import deadline_providers

logger = logging.getLogger(__name__)

N = Notification.Mail
D = Preference.Delivery


def _require(allowed: bool) -> None:
    if not allowed:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied


def _preferences(user_ids: Iterable[int]) -> dict[int, str]:
    """The delivery choice of each user (the default where none was saved)."""
    found = dict(Preference.objects.filter(user_id__in=user_ids).values_list("user_id", "delivery"))
    return {pk: found.get(pk, D.IMMEDIATE) for pk in user_ids}


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    municipality_id: int | None = None,
) -> list[Notification]:
    """Record one notification per recipient (active, once each) and enqueue
    the immediate e-mails on commit. Called by the listeners inside the
    domain service's transaction; the platform decides whom to tell, so
    there is no actor to check."""
    users = {u.pk: u for u in recipients if u.is_active}
    if not users:
        return []
    delivery = _preferences(users)
    created = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            title=title[:300],
            body=body,
            url=url[:500],
            municipality_id=municipality_id,
            mail=N.PENDING if user.email and delivery[pk] != D.NONE else N.NONE,
        )
        for pk, user in users.items()
    )
    immediate = [
        n.pk for n in created if n.mail == N.PENDING and delivery[n.recipient_id] == D.IMMEDIATE
    ]
    if immediate:
        from .tasks import deliver_notifications_task

        transaction.on_commit(lambda: deliver_notifications_task.enqueue(immediate))
    return created


# --------------------------------------------------------------------------- e-mail


def absolute(url: str) -> str:
    return settings.PLATFORM_URL.rstrip("/") + url if url.startswith("/") else url


def _claim(notifications: Iterable[Notification]) -> list[Notification]:
    """Mark pending notifications as sent before sending: a second worker
    running the same task finds nothing to claim (each e-mail once)."""
    now = timezone.now()
    return [
        n
        for n in notifications
        if Notification.objects.filter(pk=n.pk, mail=N.PENDING).update(mail=N.SENT, mailed_at=now)
    ]


def _unclaim(notifications: Iterable[Notification]) -> None:
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        mail=N.PENDING, mailed_at=None
    )


def _send(user: User, subject: str, template: str, context: dict[str, Any]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"user": user, **context})
    send_mail(subject, body, None, [user.email])


def deliver_immediate(notification_ids: Iterable[int]) -> int:
    """Send each pending notification of a user who wants immediate e-mails
    (the task's work); returns the e-mails sent. A failed send puts the
    notification back to pending (the daily run tries it again)."""
    pending = (
        Notification.objects.filter(pk__in=list(notification_ids), mail=N.PENDING)
        .select_related("recipient")
        .order_by("pk")
    )
    delivery = _preferences({n.recipient_id for n in pending})
    sent = 0
    for notification in _claim(n for n in pending if delivery[n.recipient_id] == D.IMMEDIATE):
        try:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("schulsozial: %(title)s") % {"title": notification.title}
            _send(
                notification.recipient,
                subject,
                "notifications/mail/immediate.txt",
                {"n": notification, "link": absolute(notification.url)},
            )
        except Exception:
            logger.exception("notification %s could not be sent", notification.pk)
            _unclaim([notification])
            continue
        sent += 1
    return sent


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per user with a daily digest, listing every notification
    not yet sent (the daily task's work); pending notifications of immediate
    users whose task did not run are sent one by one. Returns e-mails sent."""
    now = now or timezone.now()
    pending = list(
        Notification.objects.filter(mail=N.PENDING, created_at__lte=now)
        .select_related("recipient")
        .order_by("recipient_id", "created_at", "pk")
    )
    delivery = _preferences({n.recipient_id for n in pending})
    by_user: defaultdict[int, list[Notification]] = defaultdict(list)
    stale: list[int] = []
    for n in pending:
        if delivery[n.recipient_id] == D.DAILY:
            by_user[n.recipient_id].append(n)
        elif delivery[n.recipient_id] == D.IMMEDIATE:
            stale.append(n.pk)
        else:  # chose no e-mail after it was recorded
            Notification.objects.filter(pk=n.pk, mail=N.PENDING).update(mail=N.NONE)
    sent = deliver_immediate(stale) if stale else 0
    for items in by_user.values():
        claimed = _claim(items)
        if not claimed:
            continue
        user = claimed[0].recipient
        with translation.override(settings.LANGUAGE_CODE):
            subject = translation.ngettext(
                "schulsozial: %(n)s new notification",
                "schulsozial: %(n)s new notifications",
                len(claimed),
            ) % {"n": len(claimed)}
        try:
            _send(
                user,
                subject,
                "notifications/mail/digest.txt",
                {
                    "items": [(n, absolute(n.url)) for n in claimed],
                    "count": len(claimed),
                    "link": absolute("/benachrichtigungen/"),
                },
            )
        except Exception:
            logger.exception("digest for user %s could not be sent", user.pk)
            _unclaim(claimed)
            continue
        sent += 1
    return sent


# --------------------------------------------------------------------------- reading


@transaction.atomic
def notification_mark_read(*, notification: Notification, by: Any) -> Notification:
    _require(perms.can_read_notification(by, notification))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, by: Any) -> int:
    _require(perms.can_use_notifications(by))
    return Notification.objects.filter(recipient=by, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --------------------------------------------------------------------------- settings


def _preference_for_update(user: User) -> Preference:
    preference, _created = Preference.objects.select_for_update().get_or_create(user=user)
    return preference


@transaction.atomic
def preference_set_delivery(*, user: User, delivery: str, by: Any) -> Preference:
    """The user's choice: an e-mail for each notification, a daily digest, or none."""
    _require(perms.can_change_preference(by, user))
    if delivery not in D.values:
        from django.core.exceptions import ValidationError

        raise ValidationError({"delivery": _("Choose how you want to be told.")})
    preference = _preference_for_update(user)
    return model_update(instance=preference, data={"delivery": delivery}, by=by)[0]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_token_create(*, user: User, by: Any) -> str:
    """A new secret for the user's calendar feed (an older one stops
    working). Returns the secret; only its hash is stored."""
    _require(perms.can_change_preference(by, user))
    token = secrets.token_urlsafe(32)
    preference = _preference_for_update(user)
    preference.feed_token_hash = token_hash(token)
    preference.feed_created_at = timezone.now()
    preference.save(update_fields=["feed_token_hash", "feed_created_at"])
    audit(actor=by, action=Action.CREATE, obj=preference, changes={"calendar_feed": "created"})
    return token


@transaction.atomic
def feed_token_revoke(*, user: User, by: Any) -> None:
    _require(perms.can_change_preference(by, user))
    preference = _preference_for_update(user)
    if not preference.feed_token_hash:
        return
    preference.feed_token_hash = ""
    preference.feed_created_at = None
    preference.save(update_fields=["feed_token_hash", "feed_created_at"])
    audit(actor=by, action=Action.DELETE, obj=preference, changes={"calendar_feed": "revoked"})


# --------------------------------------------------------------------------- reminders


@dataclass(frozen=True)
class ReminderRun:
    users: int
    sent: int


def lead_days(kind: str) -> list[int]:
    return sorted(settings.NOTIFICATION_REMINDER_DAYS.get(kind, ()))


def send_reminders(*, day: datetime.date | None = None) -> ReminderRun:
    """Remind every active user of their deadlines at the configured lead
    times (settings.NOTIFICATION_REMINDER_DAYS): when a deadline is at most
    L days ahead, for the smallest such L, once (SentReminder is unique).
    Each reminder is a notification, delivered like the others."""
    day = day or timezone.localdate()
    users = User.objects.filter(is_active=True, role_assignments__isnull=False).distinct()
    count = sent = 0
    for user in users.prefetch_related("role_assignments"):
        count += 1
        for provider in deadline_providers():
            for deadline in provider(user, day):
                left = (deadline.date - day).days
                leads = [lead for lead in lead_days(deadline.kind) if lead >= left]
                if not deadline.remind or left < 0 or not leads:
                    continue
                sent += _remind(user, deadline, leads[0], left)
    return ReminderRun(users=count, sent=sent)


def _remind(user: User, deadline: Any, lead: int, left: int) -> int:
    sent_before = SentReminder.objects.filter(
        key=deadline.key, due=deadline.date, lead_days=lead, recipient=user
    )
    if sent_before.exists():
        return 0
    try:
        with transaction.atomic():
            SentReminder.objects.create(
                key=deadline.key, due=deadline.date, lead_days=lead, recipient=user
            )
            with translation.override(settings.LANGUAGE_CODE):
                when = date_format(deadline.date, "SHORT_DATE_FORMAT")
                body = (
                    translation.ngettext(
                        "Due on %(date)s, in %(n)s day.", "Due on %(date)s, in %(n)s days.", left
                    )
                    % {"date": when, "n": left}
                    if left
                    else _("Due today, %(date)s.") % {"date": when}
                )
                notify(
                    recipients=[user],
                    kind=Notification.Kind.REMINDER,
                    title=_("Reminder: %(title)s") % {"title": deadline.title},
                    body=body,
                    url=deadline.url,
                    municipality_id=deadline.municipality_id,
                )
    except IntegrityError:  # sent already (a concurrent run)
        return 0
    return 1
