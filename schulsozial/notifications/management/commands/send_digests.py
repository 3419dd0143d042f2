from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy, ngettext

from schulsozial.core.commands import JobCommand
from schulsozial.notifications.services import send_digests
from schulsozial.notifications.tasks import send_digests_task


class Command(JobCommand):
    help = (
        "Send the daily digest e-mail to every user who chose it (and any immediate e-mail "
        "whose job did not run). Run it once a day, e.g. at 6:30."
    )
    task = send_digests_task
    enqueued = gettext_lazy("Enqueued digest job %(id)s.")

    def run(self, options: dict[str, Any]) -> None:
        sent = send_digests()
        self.stdout.write(
            ngettext("%(sent)s e-mail sent.", "%(sent)s e-mails sent.", sent) % {"sent": sent}
        )
