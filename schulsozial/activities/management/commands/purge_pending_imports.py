from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.activities.tasks import purge_pending_imports_task
from schulsozial.masterdata.importing import purge_pending


class Command(BaseCommand):
    help = (
        "Delete abandoned import previews (documentation and school lists) older than "
        "PENDING_IMPORT_MAX_AGE_MINUTES (default 60). Run it from a timer, e.g. every 15 minutes."
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
                result = purge_pending_imports_task.enqueue()
                self.stdout.write(_("Enqueued cleanup job %(id)s.") % {"id": result.id})
                return
            removed = purge_pending()
            self.stdout.write(
                ngettext(
                    "%(count)s import preview older than %(minutes)s minutes deleted.",
                    "%(count)s import previews older than %(minutes)s minutes deleted.",
                    removed,
                )
                % {"count": removed, "minutes": settings.PENDING_IMPORT_MAX_AGE_MINUTES}
            )
