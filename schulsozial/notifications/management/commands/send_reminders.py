from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy, ngettext

from schulsozial.core.commands import JobCommand
from schulsozial.notifications.services import send_reminders
from schulsozial.notifications.tasks import send_reminders_task


class Command(JobCommand):
    help = (
        "Remind users of their deadlines (framework and school concept reviews, consultations) "
        "at the lead times of NOTIFICATION_REMINDER_DAYS, each reminder once. Run it daily."
    )
    task = send_reminders_task
    enqueued = gettext_lazy("Enqueued reminder job %(id)s.")

    def run(self, options: dict[str, Any]) -> None:
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
