from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from schulsozial.accounts.models import User
from schulsozial.activities.importing import import_activities


class Command(BaseCommand):
    help = (
        "Import an existing Excel documentation (XLSX or CSV) for one social worker's account. "
        "All or nothing; category names must match the catalogue or a mapping saved on the web page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="User name of the social worker.")
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['user']!r}")
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        report = import_activities(
            data=path.read_bytes(), filename=path.name, by=user, dry_run=options["dry_run"]
        )
        for kind, names in report.unknown.items():
            for name in names:
                self.stderr.write(f"unknown {kind}: {name!r} (map it on the import page)")
        for error in report.errors[:200]:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError("nothing was imported")
        if options["dry_run"]:
            self.stdout.write(f"{report.rows} activities read; dry run, nothing saved.")
        else:
            self.stdout.write(report.summary())
