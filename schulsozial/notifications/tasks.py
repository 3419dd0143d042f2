"""Background jobs of notifications (django-tasks, database backend; the
worker is ``manage.py db_worker``). A notification's immediate e-mail is
enqueued on commit of the step that caused it; the digest and the
reminders are enqueued by ``send_digests --enqueue`` and
``send_reminders --enqueue`` from a daily timer (docs/operations.md)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def deliver_notifications_task(notification_ids: list[int]) -> int:
    """E-mail these notifications to users who want each one at once."""
    from .services import deliver_immediate

    return deliver_immediate(notification_ids)


@task()
def send_digests_task() -> int:
    """The daily digest: one e-mail per user with everything not yet sent."""
    from .services import send_digests

    return send_digests()


@task()
def send_reminders_task() -> dict[str, Any]:
    """Reminders of deadlines at the configured lead times, each once."""
    from .services import send_reminders

    run = send_reminders()
    return {"users": run.users, "sent": run.sent}
