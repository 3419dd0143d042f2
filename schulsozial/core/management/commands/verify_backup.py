"""manage.py verify_backup DIR [--restore-into DATABASE_URL] [--skip-restore] [--keep]

Restores the backup in DIR (written by manage.py backup) into a fresh
database and compares every table's row count and checksum with DIR's
manifest.json. Exits 0 if all match; otherwise names each table that
differs and exits 1.

- Without --restore-into: PostgreSQL restores with pg_restore into a new
  database on the server of DATABASE_URL (named <database>_verify_<random>)
  and drops it afterwards; SQLite copies the file to a temporary directory.
- --restore-into URL: restore into that database (PostgreSQL: created if
  missing, refused if it has tables; SQLite: a new file) and keep it.
- --skip-restore (with --restore-into): compare a database restored by hand
  (pg_restore) with the manifest, without restoring.

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
    help = "Restore a backup into a fresh database and compare row counts and checksums with its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "directory", metavar="DIR", help="directory written by manage.py backup"
        )
        parser.add_argument(
            "--restore-into",
            metavar="DATABASE_URL",
            help="restore into this database and keep it (default: a scratch database, dropped)",
        )
        parser.add_argument(
            "--skip-restore",
            action="store_true",
            help="compare the database of --restore-into as it is, without restoring",
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the scratch database and print its name"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = backup.verify(
                Path(options["directory"]),
                restore_into=options["restore_into"],
                skip_restore=options["skip_restore"],
                keep=options["keep"],
            )
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        if not result.ok:
            for difference in result.problems:
                self.stderr.write(words.table_problem(difference))
            raise CommandError(words.not_verified(result.problems))
        self.stdout.write(
            words.verified(
                table_count=len(result.restored),
                row_count=sum(t["rows"] for t in result.restored.values()),
                duration=time.perf_counter() - started,
            )
        )
        if options["keep"] or options["restore_into"]:
            self.stdout.write(words.kept(result.target["NAME"]))
