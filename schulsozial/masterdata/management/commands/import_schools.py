"""manage.py import_schools PATH [--municipality AGS] [--dry-run]

Imports the official NRW school list or a typical Excel export. All or
nothing: on any bad row it prints every error as "row N, column C: reason",
writes nothing and exits non-zero.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, no_translations

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.importing import import_schools
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

    @no_translations
    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"file not found: {path}")
        if path.stat().st_size > settings.IMPORT_MAX_BYTES:
            raise CommandError(
                f"{path.name} is {path.stat().st_size} bytes, more than the limit of "
                f"{settings.IMPORT_MAX_BYTES} bytes (IMPORT_MAX_BYTES)"
            )
        municipality = None
        if options["municipality"]:
            municipality = Municipality.objects.filter(ags=options["municipality"]).first()
            if municipality is None:
                raise CommandError(f"no municipality with AGS {options['municipality']}")
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
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} error(s); nothing was imported")
        elapsed = time.perf_counter() - started
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{report.summary()} ({elapsed:.1f} s)")
        if report.municipalities_created:
            verb = "would be created" if options["dry_run"] else "created"
            self.stdout.write(f"{len(report.municipalities_created)} municipalities {verb}.")
