from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            self._run(options)

    def _run(self, options: dict[str, Any]) -> None:
        if options["enqueue"]:
            result = apply_retention_task.enqueue(dry_run=options["dry_run"])
            self.stdout.write(_("Enqueued retention job %(id)s.") % {"id": result.id})
            return
        failed = []
        for row in run_retention(dry_run=options["dry_run"], ags=options["municipality"]):
            if "error" in row:
                failed.append(row["municipality"])
                self.stderr.write(
                    _("%(municipality)s: failed: %(error)s")
                    % {"municipality": row["municipality"], "error": row["error"]}
                )
                continue
            values = {
                "municipality": row["municipality"],
                "cutoff": date_format(
                    datetime.date.fromisoformat(row["cutoff"]), "SHORT_DATE_FORMAT"
                ),
                "count": row["deleted"],
            }
            if row["dry_run"]:
                line = ngettext(
                    "%(municipality)s: records before %(cutoff)s: would delete %(count)s",
                    "%(municipality)s: records before %(cutoff)s: would delete %(count)s",
                    row["deleted"],
                )
            else:
                line = ngettext(
                    "%(municipality)s: records before %(cutoff)s: deleted %(count)s",
                    "%(municipality)s: records before %(cutoff)s: deleted %(count)s",
                    row["deleted"],
                )
            line %= values
            if row["skipped"]:
                line += ngettext(
                    "; %(skipped)s left out, see the log",
                    "; %(skipped)s left out, see the log",
                    row["skipped"],
                ) % {"skipped": row["skipped"]}
            self.stdout.write(line)
        if failed:  # the others have run; the exit status tells the timer
            raise CommandError(
                _("retention failed for: %(municipalities)s")
                % {"municipalities": ", ".join(failed)}
            )
