from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy, ngettext

from schulsozial.activities.tasks import purge_pending_imports_task
from schulsozial.core.commands import JobCommand
from schulsozial.masterdata.importing import purge_pending


class Command(JobCommand):
    help = (
        "Delete abandoned import previews (documentation and school lists) older than "
        "PENDING_IMPORT_MAX_AGE_MINUTES (default 60). Run it from a timer, e.g. every 15 minutes."
    )
    task = purge_pending_imports_task
    enqueued = gettext_lazy("Enqueued cleanup job %(id)s.")

    def run(self, options: dict[str, Any]) -> None:
        removed = purge_pending()
        self.stdout.write(
            ngettext(
                "%(count)s import preview older than %(minutes)s minutes deleted.",
                "%(count)s import previews older than %(minutes)s minutes deleted.",
                removed,
            )
            % {"count": removed, "minutes": settings.PENDING_IMPORT_MAX_AGE_MINUTES}
        )
