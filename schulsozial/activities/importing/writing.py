"""The import itself: read a file (or a kept preview), check every row and
write in batches (bulk.py) inside one transaction, all or nothing, with one
audit entry for the whole import; the rollups are written at its end
(statistics/rollups.py `Tally`)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.school_file import RowError

from ..activity_file import (
    MAX_ERRORS,
    MAX_ROWS,
    ActivityStream,
    open_activity_file,
    open_pending,
    pending_header,
)
from ..bulk import NewActivity, insert_activities
from ..hooks import Tally, rollups
from ..models import Source
from .checking import _Checker
from .scope import _Scope

PREVIEW_ROWS = 200
BATCH_ROWS = 20_000  # rows written at a time (bulk.insert_activities)
PROGRESS_ROWS = 5_000  # rows between two calls of an import's progress callback


@dataclass
class ActivityImportReport:
    parsed: ActivityStream | None
    errors: list[RowError] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=dict)  # kind -> names in the file
    preview: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    rows: int = 0
    dry_run: bool = True
    # What a web preview keeps until it is confirmed (keep_pending): the
    # mapped columns only, case codes hashed; never the upload itself.
    pending: bytes | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unknown

    def summary(self) -> str:
        return ngettext(
            "%(rows)s activity read, %(created)s recorded.",
            "%(rows)s activities read, %(created)s recorded.",
            self.rows,
        ) % {
            "rows": self.rows,
            "created": self.created,
        }


class _RollbackError(Exception):
    pass


def _write_batch(
    batch: list[NewActivity], tally: Tally, *, by: Any, now: datetime.datetime
) -> None:
    """Note one batch of checked records for the rollups (before it is
    written: `Tally.add` looks at the records already there), then write it."""
    tally.add(batch)
    insert_activities(batch, author_id=by.pk, source=Source.IMPORT, now=now)


def import_activities(
    *,
    data: bytes | BinaryIO,
    filename: str,
    by: Any,
    dry_run: bool,
    max_bytes: int | None = None,
    max_rows: int = MAX_ROWS,
    pending: bytes | None = None,
    keep_pending: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ActivityImportReport:
    """Read a documentation file (bytes or a binary file object) and record
    its rows: a social worker's own, or, for a carrier's manager and a file
    with a column "Fachkraft", those of the carrier's staff. With `dry_run`
    everything is checked and nothing written (the preview). All or nothing;
    one audit entry for the whole import.

    `keep_pending` (a web preview): the report's `pending` holds what the
    confirmation needs, the mapped columns of every row with its school
    resolved and its case code hashed; `pending` (the confirmation, or the
    preview after a mapping) reads such a copy instead of `data`.
    `progress(rows read)` is called every PROGRESS_ROWS rows and at the end."""
    if pending is not None:
        stream = open_pending(pending)
    else:
        stream = open_activity_file(
            data,
            filename=filename,
            max_bytes=max_bytes or settings.IMPORT_MAX_BYTES,
            max_rows=max_rows,
        )
    errors = stream.errors
    report = ActivityImportReport(parsed=stream, errors=errors, dry_run=dry_run)
    if errors:
        return report
    scope = _Scope(by, stream.columns, errors)
    if not scope.ok:
        return report
    checker = _Checker(scope, stream.columns, errors)
    if keep_pending:
        checker.kept = []
    now = timezone.now()
    batch: list[NewActivity] = []
    created = 0
    try:
        with transaction.atomic():
            tally = rollups().tally()
            for row in stream.rows:
                report.rows += 1
                if progress is not None and report.rows % PROGRESS_ROWS == 0:
                    progress(report.rows)
                checked = checker.check(row, preview=len(report.preview) < PREVIEW_ROWS)
                if len(errors) >= MAX_ERRORS:
                    break
                if checked is None:
                    batch = []  # nothing is written after the first problem
                    continue
                record, shown = checked
                if shown is not None:
                    report.preview.append(shown)
                created += 1
                if dry_run:
                    continue
                batch.append(record)
                if len(batch) >= BATCH_ROWS:
                    _write_batch(batch, tally, by=by, now=now)
                    batch = []
            if not dry_run and not errors and not checker.unknown:
                _write_batch(batch, tally, by=by, now=now)
            if progress is not None:
                progress(report.rows)
            report.unknown = {
                kind: sorted(names, key=str.casefold) for kind, names in checker.unknown.items()
            }
            if checker.kept is not None and not errors:
                columns = {"school": "Schulnummer", **stream.columns}
                report.pending = (pending_header(columns) + "".join(checker.kept)).encode()
            if errors or report.unknown:
                raise _RollbackError
            report.created = created
            if dry_run:
                return report
            tally.write()  # at the end: it locks the schools' rows until commit
            audit(
                actor=by,
                action=Action.IMPORT,
                object_type="activities.activity",
                object_repr=_("documentation import"),
                municipality_id=scope.municipality_id,
                changes={
                    "file": filename[:100],
                    "rows": report.rows,
                    "created": report.created,
                    "schools": sorted(checker.schools_touched),
                    "workers": len(checker.workers_touched),
                    "carrier_import": scope.carrier_mode,
                },
            )
    except _RollbackError:
        report.created = 0
        report.preview = []
    return report
