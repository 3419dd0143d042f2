from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
        with translation.override(settings.LANGUAGE_CODE):  # the operator reads German
            if options["enqueue"]:
                result = send_digests_task.enqueue()
                self.stdout.write(_("Enqueued digest job %(id)s.") % {"id": result.id})
                return
            sent = send_digests()
            self.stdout.write(
                ngettext("%(sent)s e-mail sent.", "%(sent)s e-mails sent.", sent) % {"sent": sent}
            )
