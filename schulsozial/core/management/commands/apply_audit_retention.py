from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from schulsozial.core.retention import apply_audit_retention
from schulsozial.core.tasks import apply_audit_retention_task


class Command(BaseCommand):
    help = (
        "Shorten client addresses in the audit log after AUDIT_IP_SHORTEN_DAYS, delete audit "
        "entries after AUDIT_RETENTION_DAYS and django-axes lock-out records after "
        "AUDIT_IP_SHORTEN_DAYS. Logged in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only count.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the job to the background worker (db_worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = apply_audit_retention_task.enqueue(dry_run=options["dry_run"])
            self.stdout.write(f"Enqueued audit retention job {result.id}.")
            return
        report = apply_audit_retention(dry_run=options["dry_run"])
        verb = "would" if report.dry_run else "did"
        self.stdout.write(
            f"Audit retention ({verb}): shortened {report.shortened} addresses "
            f"(entries before {report.shorten_before}), deleted {report.deleted} entries "
            f"(before {report.delete_before}), deleted {report.axes_deleted} lock-out records."
        )
