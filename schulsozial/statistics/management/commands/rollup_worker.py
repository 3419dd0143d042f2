"""The background job that keeps the rollups up to date (rollups.catch_up).

    manage.py rollup_worker                 # run until stopped, every 2 s
    manage.py rollup_worker --once          # add what is queued now, then exit

An entry only queues its record; this worker adds the queued records to the
rollups in batches. Reports add whatever is still queued before they read,
so a stopped worker makes the first report after a busy spell slower, never
wrong. One worker is enough; a second one waits for the first's batch.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections

from schulsozial.statistics import rollups

log = logging.getLogger("schulsozial.rollups")


class Command(BaseCommand):
    help = "Add the records queued by entries to the statistics rollups, every few seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=2.0,
            help="Seconds between two rounds (default 2).",
        )
        parser.add_argument(
            "--once", action="store_true", help="Add what is queued now, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            added = rollups.catch_up()
            self.stdout.write(f"Added {added} records to the rollups.")
            return
        interval = options["interval"]
        if interval <= 0:
            self.stderr.write("--interval must be greater than 0.")
            raise SystemExit(2)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(f"Adding queued records to the rollups every {interval:g} s.")
        while not stop.is_set():
            close_old_connections()
            started = time.monotonic()
            try:
                added = rollups.catch_up()
            except DatabaseError:  # the database restarts, a lock timeout: next round
                log.exception("rollup catch-up failed; retrying in %s s", interval)
            else:
                if added:
                    log.info(
                        "added %d records to the rollups in %.0f ms",
                        added,
                        (time.monotonic() - started) * 1000,
                    )
            stop.wait(interval)
        self.stdout.write("Stopped.")
