from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from schulsozial.activities.tasks import apply_retention_task, run_retention


class Command(BaseCommand):
    help = (
        "Delete activity records whose retention period has ended (default 3 school years) "
        "(their counts stay in the statistics rollups). Logged in the audit log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument(
            "--municipality", metavar="AGS", help="Only this municipality (8-digit AGS)."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the job to the background worker (db_worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = apply_retention_task.enqueue(dry_run=options["dry_run"])
            self.stdout.write(f"Enqueued retention job {result.id}.")
            return
        failed = []
        for row in run_retention(dry_run=options["dry_run"], ags=options["municipality"]):
            if "error" in row:
                failed.append(row["municipality"])
                self.stderr.write(f"{row['municipality']}: failed: {row['error']}")
                continue
            verb = "would delete" if row["dry_run"] else "deleted"
            skipped = f"; {row['skipped']} left out, see the log" if row["skipped"] else ""
            self.stdout.write(
                f"{row['municipality']}: records before {row['cutoff']}: {verb} {row['deleted']}"
                f"{skipped}"
            )
        if failed:  # the others have run; the exit status tells the timer
            raise CommandError(f"retention failed for: {', '.join(failed)}")
