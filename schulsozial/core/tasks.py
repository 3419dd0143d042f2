"""Background jobs of core (django-tasks, database backend): the audit
log's retention. ``manage.py apply_audit_retention --enqueue`` (e.g. from a
nightly timer) hands it to ``manage.py db_worker``."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from .retention import apply_audit_retention


@task()
def apply_audit_retention_task(dry_run: bool = False) -> dict[str, Any]:
    """Shorten old client addresses, delete audit entries and lock-out
    records past their period (core/retention.py)."""
    return apply_audit_retention(dry_run=dry_run).as_dict()
