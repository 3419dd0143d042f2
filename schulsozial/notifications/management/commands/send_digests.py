from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from schulsozial.notifications.services import send_digests
from schulsozial.notifications.tasks import send_digests_task


class Command(BaseCommand):
    help = (
        "Send the daily digest e-mail to every user who chose it (and any immediate e-mail "
        "whose job did not run). Run it once a day, e.g. at 6:30."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the job to the background worker (db_worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = send_digests_task.enqueue()
            self.stdout.write(f"Enqueued digest job {result.id}.")
            return
        self.stdout.write(f"{send_digests()} e-mails sent.")
