"""The base of the management commands that a timer runs and that can hand
their work to the background worker instead (`--enqueue`, db_worker).

A subclass names its `task` (a django-tasks task) and the German line that
confirms the enqueued job, puts its own options into `add_job_arguments` and
its work into `run`; `task_kwargs` says which options the task receives. The
command speaks LANGUAGE_CODE: the operator reads German.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class JobCommand(BaseCommand):
    task: Any  # the django-tasks task that runs the same job in db_worker
    enqueued: StrOrPromise  # gettext_lazy text with %(id)s: "Enqueued cleanup job %(id)s."

    def add_arguments(self, parser: CommandParser) -> None:
        self.add_job_arguments(parser)
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the job to the background worker (db_worker).",
        )

    def add_job_arguments(self, parser: CommandParser) -> None:
        """The command's own options (none by default)."""

    def task_kwargs(self, options: dict[str, Any]) -> dict[str, Any]:
        """The options the task receives when enqueued (none by default)."""
        return {}

    def handle(self, *args: Any, **options: Any) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            if options["enqueue"]:
                result = self.task.enqueue(**self.task_kwargs(options))
                self.stdout.write(str(self.enqueued) % {"id": result.id})
                return
            self.run(options)

    def run(self, options: dict[str, Any]) -> None:
        raise NotImplementedError
