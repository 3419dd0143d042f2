"""Retention of the audit log and of stored client addresses.

- After settings.AUDIT_IP_SHORTEN_DAYS (default 7) an entry's address is cut
  to its network: IPv4 to /24 (203.0.113.77 -> 203.0.113.0), IPv6 to /48.
  The lock-out tables of django-axes (attempts, failure log, access log),
  which hold full addresses and user names, are deleted after the same
  period (the lock-out itself needs only AXES_COOLOFF_TIME, 15 minutes).
- After settings.AUDIT_RETENTION_DAYS (default 730, two years) entries are
  deleted.

Both run in the audit triggers' maintenance mode (core/append_only.py), the
only way to change or delete entries, and the run writes an entry of its
own. `manage.py apply_audit_retention` runs it (``--enqueue`` hands it to
the django-tasks worker, core/tasks.py); docs/operations.md has the timer.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .append_only import maintenance
from .audit import Action, audit
from .models import AuditEntry

IPV4_PREFIX = 24
IPV6_PREFIX = 48
BATCH = 2000


def retention_days() -> int:
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", 730))


def shorten_days() -> int:
    return int(getattr(settings, "AUDIT_IP_SHORTEN_DAYS", 7))


def shorten_address(address: str | None) -> str | None:
    """The network of an address: IPv4 /24, IPv6 /48 (an IPv4-mapped IPv6
    address as IPv4). None or unreadable text stays None."""
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(str(address).strip())
    except ValueError:
        return None
    mapped = getattr(parsed, "ipv4_mapped", None)
    if mapped is not None:
        parsed = mapped
    prefix = IPV4_PREFIX if parsed.version == 4 else IPV6_PREFIX
    return str(ipaddress.ip_network(f"{parsed}/{prefix}", strict=False).network_address)


@dataclass(frozen=True)
class RetentionReport:
    shortened: int
    deleted: int
    axes_deleted: int
    shorten_before: str
    delete_before: str
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _axes_models() -> list[Any]:
    try:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    except ImportError:  # axes not installed
        return []
    return [AccessAttempt, AccessFailureLog, AccessLog]


def _shorten(before: datetime.datetime) -> int:
    pending = AuditEntry.objects.filter(
        at__lt=before, ip_shortened=False, ip_address__isnull=False
    ).order_by("at", "pk")
    done = 0
    while True:
        batch = list(pending.values_list("pk", "ip_address")[:BATCH])
        if not batch:
            return done
        by_network: dict[str | None, list[int]] = {}
        for pk, address in batch:
            by_network.setdefault(shorten_address(address), []).append(pk)
        for network, pks in by_network.items():
            done += AuditEntry.objects.filter(pk__in=pks).update(
                ip_address=network, ip_shortened=True
            )


def apply_audit_retention(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> RetentionReport:
    """Shorten old addresses, delete entries and lock-out records past their
    period. `now` is for tests and for catching up after a pause."""
    now = now or timezone.now()
    shorten_before = now - datetime.timedelta(days=shorten_days())
    delete_before = now - datetime.timedelta(days=retention_days())
    old = AuditEntry.objects.filter(at__lt=delete_before)
    to_shorten = AuditEntry.objects.filter(
        Q(at__lt=shorten_before, at__gte=delete_before),
        ip_shortened=False,
        ip_address__isnull=False,
    )
    axes = [
        (model, model.objects.filter(attempt_time__lt=shorten_before)) for model in _axes_models()
    ]
    if dry_run:
        report = RetentionReport(
            shortened=to_shorten.count(),
            deleted=old.count(),
            axes_deleted=sum(q.count() for _m, q in axes),
            shorten_before=shorten_before.isoformat(),
            delete_before=delete_before.isoformat(),
            dry_run=True,
        )
        return report
    with maintenance():
        deleted, _detail = old.delete()
        shortened = _shorten(shorten_before)
        axes_deleted = 0
        for _model, query in axes:
            count, _detail = query.delete()
            axes_deleted += count
        report = RetentionReport(
            shortened=shortened,
            deleted=deleted,
            axes_deleted=axes_deleted,
            shorten_before=shorten_before.isoformat(),
            delete_before=delete_before.isoformat(),
            dry_run=False,
        )
        audit(
            actor=None,
            action=Action.DELETE,
            object_type="core.auditentry",
            object_repr="audit retention",
            changes=report.as_dict(),
        )
    return report
