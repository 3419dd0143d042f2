from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from schulsozial.notifications.services import send_reminders
from schulsozial.notifications.tasks import send_reminders_task


class Command(BaseCommand):
    help = (
        "Remind users of their deadlines (framework and school concept reviews, consultations) "
        "at the lead times of NOTIFICATION_REMINDER_DAYS, each reminder once. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the job to the background worker (db_worker).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = send_reminders_task.enqueue()
            self.stdout.write(f"Enqueued reminder job {result.id}.")
            return
        run = send_reminders()
        self.stdout.write(f"{run.sent} reminders sent to {run.users} users checked.")
