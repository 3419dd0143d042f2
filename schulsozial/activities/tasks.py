"""Background jobs of the documentation (django-tasks, database backend).

Enqueue with ``apply_retention --enqueue`` or ``purge_pending_imports
--enqueue`` (e.g. from a timer); a confirmed import enqueues its own task;
the worker (``manage.py db_worker``) runs them. The commands without ``--enqueue`` run the same code at once."""

from __future__ import annotations

import logging
from typing import Any

from django_tasks import task

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import Municipality

from .services import retention_apply

logger = logging.getLogger(__name__)


def run_retention(*, dry_run: bool = False, ags: str | None = None) -> list[dict[str, Any]]:
    municipalities = Municipality.objects.order_by("name")
    if ags:
        municipalities = municipalities.filter(ags=ags)
    results = []
    for municipality in municipalities:
        # One municipality's failure (its run is rolled back) is logged and
        # reported; the others go on.
        try:
            report = retention_apply(municipality=municipality, by=SYSTEM, dry_run=dry_run)
        except Exception as exc:
            logger.exception("retention of %s (%s) failed", municipality.name, municipality.ags)
            results.append(
                {
                    "municipality": municipality.name,
                    "error": f"{type(exc).__name__}: {exc}"[:500],
                    "dry_run": dry_run,
                }
            )
            continue
        results.append(
            {
                "municipality": report.municipality,
                "cutoff": report.cutoff.isoformat(),
                "deleted": report.deleted,
                "skipped": report.skipped,
                "dry_run": report.dry_run,
            }
        )
    return results


@task()
def apply_retention_task(dry_run: bool = False) -> list[dict[str, Any]]:
    """Delete records past their retention period in every municipality,
    whose counts stay in the rollups; each municipality's run is in the audit log."""
    return run_retention(dry_run=dry_run)


@task()
def import_activities_task(import_id: int) -> dict[str, Any]:
    """Write a confirmed documentation import (importing.import_run): all or
    nothing, its progress and result on the import's page."""
    from .importing import import_run

    job = import_run(import_id)
    return {"status": job.status, "created": job.created, "errors": len(job.errors)}


@task()
def purge_pending_imports_task() -> int:
    """Delete import previews (documentation and school lists) older than
    settings.PENDING_IMPORT_MAX_AGE_MINUTES; returns how many."""
    from schulsozial.masterdata.importing import purge_pending

    return purge_pending()
