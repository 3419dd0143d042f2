"""manage.py import_schools PATH [--municipality AGS] [--dry-run]

Imports the official NRW school list or a typical Excel export. All or
nothing: on any bad row it prints every error as "Zeile N, Spalte C: Grund",
writes nothing and exits non-zero. It speaks German (LANGUAGE_CODE), as the
web pages do.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.importing import error_text, import_schools
from schulsozial.masterdata.models import Municipality


class Command(BaseCommand):
    help = "Import schools from the NRW school list (CSV) or an Excel export (CSV/XLSX)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="CSV or XLSX file")
        parser.add_argument(
            "--municipality",
            metavar="AGS",
            help="import only this municipality's schools (8-digit AGS)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("file not found: %(path)s") % {"path": path})
        size = path.stat().st_size
        if size > settings.IMPORT_MAX_BYTES:
            raise CommandError(
                _(
                    "%(name)s has %(size)s bytes, more than the limit of %(limit)s (IMPORT_MAX_BYTES)"
                )
                % {
                    "name": path.name,
                    "size": number_format(size, force_grouping=True),
                    "limit": number_format(settings.IMPORT_MAX_BYTES, force_grouping=True),
                }
            )
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(ags=options["municipality"]).first()
            if municipality is None:
                raise CommandError(
                    _("no municipality with AGS %(ags)s") % {"ags": options["municipality"]}
                )
        started = time.perf_counter()
        report = import_schools(
            data=path.read_bytes(),
            filename=path.name,
            municipality=municipality,
            by=SYSTEM,
            dry_run=options["dry_run"],
        )
        if not report.ok:
            for error in report.errors:
                self.stderr.write(error_text(error))
            count = len(report.errors)
            raise CommandError(
                ngettext(
                    "%(count)s error; nothing was imported",
                    "%(count)s errors; nothing was imported",
                    count,
                )
                % {"count": count}
            )
        elapsed = number_format(time.perf_counter() - started, decimal_pos=1)
        summary = report.summary()
        if options["dry_run"]:
            line = _("Dry run, nothing written: %(summary)s (%(seconds)s s)")
        else:
            line = _("%(summary)s (%(seconds)s s)")
        self.stdout.write(line % {"summary": summary, "seconds": elapsed})
        created = len(report.municipalities_created)
        if created:
            if options["dry_run"]:
                text = ngettext(
                    "%(count)s municipality would be created.",
                    "%(count)s municipalities would be created.",
                    created,
                )
            else:
                text = ngettext(
                    "%(count)s municipality created.", "%(count)s municipalities created.", created
                )
            self.stdout.write(text % {"count": created})
