from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.accounts.models import User
from schulsozial.activities.importing import import_activities
from schulsozial.activities.models import CatalogueKind
from schulsozial.masterdata.importing import error_text

COMMAND_MAX_BYTES = 2 * 1024**3  # a carrier's migration of years of documentation
COMMAND_MAX_ROWS = 5_000_000


class Command(BaseCommand):
    help = (
        "Import an existing Excel documentation (XLSX or CSV): a social worker's own records, "
        "or, for a carrier's manager and a file with a column 'Fachkraft', the records of the "
        "carrier's staff at schools where they hold positions. All or nothing; category names "
        "must match the catalogue or a mapping saved on the web page. The file is read row by "
        "row; the limits are larger than the web upload's (IMPORT_MAX_BYTES)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--user", required=True, help="User name of the social worker or carrier manager."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--max-bytes",
            type=int,
            default=max(COMMAND_MAX_BYTES, settings.IMPORT_MAX_BYTES),
            help="Largest file accepted (default 2 GiB; the web upload keeps IMPORT_MAX_BYTES).",
        )
        parser.add_argument(
            "--max-rows",
            type=int,
            default=COMMAND_MAX_ROWS,
            help="Most rows accepted (default 5,000,000; the web upload keeps 50,000).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(_("no active user %(user)s") % {"user": repr(options["user"])})
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("file not found: %(path)s") % {"path": path})
        with path.open("rb") as handle:
            report = import_activities(
                data=handle,
                filename=path.name,
                by=user,
                dry_run=options["dry_run"],
                max_bytes=options["max_bytes"],
                max_rows=options["max_rows"],
            )
        for kind, names in report.unknown.items():
            for name in names:
                self.stderr.write(
                    _(
                        "%(catalogue)s: '%(name)s' is not in the catalogue (map it on the import page)"
                    )
                    % {"catalogue": CatalogueKind(kind).label, "name": name}
                )
        for error in report.errors[:200]:
            self.stderr.write(error_text(error))
        if not report.ok:
            raise CommandError(_("nothing was imported"))
        if options["dry_run"]:
            self.stdout.write(
                ngettext(
                    "%(rows)s activity read; dry run, nothing saved.",
                    "%(rows)s activities read; dry run, nothing saved.",
                    report.rows,
                )
                % {"rows": number_format(report.rows, force_grouping=True)}
            )
        else:
            self.stdout.write(report.summary())
