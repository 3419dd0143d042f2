"""The background import: a confirmed preview becomes an ActivityImport row
and a django-tasks task, which writes it (writing.import_activities) and
stores the result; its progress is read from a small file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.masterdata.importing import PendingExpiredError, discard_pending, load_pending
from schulsozial.masterdata.school_file import RowError

from ..activity_file import MAX_ERRORS
from ..models import ActivityImport, CatalogueKind
from ..permissions import can_import_activities
from .writing import ActivityImportReport, import_activities

logger = logging.getLogger(__name__)


def imports_visible_to(*, user: Any) -> QuerySet[ActivityImport]:
    """The imports a user may follow: the ones they started, while they may import."""
    if not can_import_activities(user):
        return ActivityImport.objects.none()
    return ActivityImport.objects.filter(owner_id=user.pk)


def _progress_path(import_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "import_progress" / str(int(import_id))


def _write_progress(import_id: int, rows: int) -> None:
    """The rows an import has read, in a small file: the import writes in
    one transaction, and on SQLite that transaction holds the database's
    only write lock, so no progress row could be committed beside it."""
    path = _progress_path(import_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(".part")
    partial.write_text(str(int(rows)))
    partial.replace(path)  # atomic: a reader sees the old or the new count


def import_progress_of(job: ActivityImport) -> int:
    """Rows read so far by a running import (0 before it starts)."""
    try:
        return int(_progress_path(job.pk).read_text() or 0)
    except (OSError, ValueError):
        return 0


def import_start(*, token: str, filename: str, by: Any) -> ActivityImport:
    """Confirm a kept preview: the import's row and its background task,
    in one transaction (the worker sees the task only with its row). Raises
    PendingExpiredError when the preview is gone."""
    from ..tasks import import_activities_task

    data = load_pending(token, kind="activities", owner_id=by.pk)
    with transaction.atomic():
        job = ActivityImport.objects.create(
            owner=by, filename=filename[:200], token=token, rows_total=max(0, data.count(b"\n") - 1)
        )
        import_activities_task.enqueue(job.pk)
    job.refresh_from_db()  # a backend that runs tasks at once has finished it
    return job


def import_run(import_id: int) -> ActivityImport:
    """The task's work: write the confirmed preview of an import, all or
    nothing (import_activities), then store the result on its row and delete
    the preview. Progress goes to import_progress_of while it reads."""
    job = ActivityImport.objects.select_related("owner").get(pk=import_id)
    if job.finished:
        return job
    ActivityImport.objects.filter(pk=job.pk).update(status=ActivityImport.Status.RUNNING)
    _write_progress(job.pk, 0)
    errors: list[RowError]
    try:
        data = load_pending(job.token, kind="activities", owner_id=job.owner_id)
    except PendingExpiredError:
        errors = [RowError(0, "", _("The preview has expired. Please upload the file again."))]
        created = 0
    else:
        try:
            report = import_activities(
                data=b"",
                pending=data,
                filename=job.filename,
                by=job.owner,
                dry_run=False,
                progress=lambda rows: _write_progress(job.pk, rows),
            )
        except Exception:
            logger.exception("import %s failed", job.pk)
            report = ActivityImportReport(
                parsed=None,
                errors=[RowError(0, "", _("The import failed; nothing was imported."))],
            )
        errors = list(report.errors) + [
            RowError(
                0,
                "",
                _("%(catalogue)s: '%(name)s' is not in the catalogue")
                % {"catalogue": CatalogueKind(kind).label, "name": name},
            )
            for kind, names in report.unknown.items()
            for name in names
        ]
        created = report.created
    finally:
        discard_pending(job.token, kind="activities", owner_id=job.owner_id)
        _progress_path(job.pk).unlink(missing_ok=True)
    job.status = ActivityImport.Status.FAILED if errors else ActivityImport.Status.DONE
    job.created = 0 if errors else created
    job.errors = [[e.row, e.column, str(e.reason)] for e in errors[:MAX_ERRORS]]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "created", "errors", "finished_at"])
    return job


def import_errors(job: ActivityImport) -> list[RowError]:
    """An import's errors as RowError ("row N, column C: reason")."""
    return [RowError(int(row), str(column), str(reason)) for row, column, reason in job.errors]
