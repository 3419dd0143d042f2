from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.core.commands import JobCommand
from schulsozial.core.retention import apply_audit_retention
from schulsozial.core.tasks import apply_audit_retention_task


class Command(JobCommand):
    help = (
        "Shorten client addresses in the audit log after AUDIT_IP_SHORTEN_DAYS, delete audit "
        "entries after AUDIT_RETENTION_DAYS and django-axes lock-out records after "
        "AUDIT_IP_SHORTEN_DAYS. Logged in the audit log."
    )

    task = apply_audit_retention_task
    enqueued = gettext_lazy("Enqueued audit retention job %(id)s.")

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count.")

    def task_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"dry_run": options["dry_run"]}

    def run(self, options: dict[str, Any]) -> None:
        report = apply_audit_retention(dry_run=options["dry_run"])
        if report.dry_run:
            text = _(
                "Audit retention (dry run): addresses to shorten: %(shortened)s (entries "
                "before %(shorten_before)s); entries to delete: %(deleted)s (before "
                "%(delete_before)s); lock-out records to delete: %(axes)s."
            )
        else:
            text = _(
                "Audit retention: addresses shortened: %(shortened)s (entries before "
                "%(shorten_before)s); entries deleted: %(deleted)s (before %(delete_before)s); "
                "lock-out records deleted: %(axes)s."
            )
        self.stdout.write(
            text
            % {
                "shortened": report.shortened,
                "shorten_before": _moment(report.shorten_before),
                "deleted": report.deleted,
                "delete_before": _moment(report.delete_before),
                "axes": report.axes_deleted,
            }
        )


def _moment(iso: str) -> str:
    """'2026-06-05T12:00:00+00:00' as the local '05.06.2026 14:00'."""
    moment = datetime.datetime.fromisoformat(iso)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")
