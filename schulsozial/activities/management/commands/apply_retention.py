from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from schulsozial.activities.tasks import apply_retention_task, run_retention
from schulsozial.core.commands import JobCommand


class Command(JobCommand):
    help = (
        "Delete activity records whose retention period has ended (default 3 school years) "
        "(their counts stay in the statistics rollups). Logged in the audit log."
    )

    task = apply_retention_task
    enqueued = gettext_lazy("Enqueued retention job %(id)s.")

    def add_job_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count what would be deleted."
        )
        parser.add_argument(
            "--municipality", metavar="AGS", help="Only this municipality (8-digit AGS)."
        )

    def task_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"dry_run": options["dry_run"]}

    def run(self, options: dict[str, Any]) -> None:
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
