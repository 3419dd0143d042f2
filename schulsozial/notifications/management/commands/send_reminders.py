from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            if options["enqueue"]:
                result = send_reminders_task.enqueue()
                self.stdout.write(_("Enqueued reminder job %(id)s.") % {"id": result.id})
                return
            run = send_reminders()
            sent = ngettext("%(sent)s reminder sent", "%(sent)s reminders sent", run.sent) % {
                "sent": run.sent
            }
            self.stdout.write(
                ngettext(
                    "%(sent)s; %(users)s user checked.",
                    "%(sent)s; %(users)s users checked.",
                    run.users,
                )
                % {"sent": sent, "users": run.users}
            )
