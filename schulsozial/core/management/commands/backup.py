"""manage.py backup --out DIR

Writes a dump of the database into DIR (PostgreSQL: pg_dump custom format,
database.dump; SQLite: online backup, database.sqlite3) and manifest.json
with every table's row count and SHA-256 checksum, read in the same snapshot
as the dump. DIR is created with mode 0700 and must not hold a backup yet.
Check the backup with manage.py verify_backup DIR (docs/operations.md).
The output is German, or English when English is the active language.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from schulsozial.core import backup
from schulsozial.core.management import backup_messages as words


class Command(BaseCommand):
    help = "Back up the database (pg_dump -Fc or SQLite online backup) with a manifest of row counts and checksums."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, metavar="DIR", help="new backup directory")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = backup.backup(Path(options["out"]))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            words.written(
                result.directory / manifest["dump"],
                dump_bytes=manifest["dump_bytes"],
                table_count=len(manifest["tables"]),
                row_count=result.total_rows,
                duration=time.perf_counter() - started,
            )
        )
