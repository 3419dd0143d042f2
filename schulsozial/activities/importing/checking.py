"""Import of existing Excel documentation: parse (activity_file.py, pure,
row by row), resolve the file's own category names to catalogue entries (by
label, code or a remembered mapping of the municipality), check every row
against schools, catalogues and positions loaded once into dicts, and write
in batches (bulk.py, ``bulk_create``) inside one transaction, single-threaded. All or nothing: any bad row, or
any category name without an entry, rolls everything back; every bad row is
reported as "row N, column C: reason".

Two kinds of importer:

* a social worker imports their own documentation (the web page and the
  command): rows at their own schools;
* a carrier's manager migrates the documentation of its staff (the command):
  the file names the staff member in a column "Fachkraft" (as the carrier's
  staff list names them); each row must name one of the carrier's own staff
  and a school where that person holds a position on that date (the rule the
  carrier's API follows, accounts/permissions.py).

The checks are those of ``services.activity_record`` (school, date between
``services.earliest_date()`` and today, minutes, current catalogue entries, participant counts); the fields
mean the same. One audit entry records the whole import.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts import permissions as perms
from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.importing import PendingExpiredError, discard_pending, load_pending
from schulsozial.masterdata.models import Position, School, SchoolType, StaffMember
from schulsozial.masterdata.school_file import RowError

from .. import selectors
from ..activity_file import (
    CATEGORY_COLUMNS,
    MAX_ERRORS,
    MAX_ROWS,
    ActivityRow,
    ActivityStream,
    open_activity_file,
    open_pending,
    pending_header,
    pending_line,
)
from ..bulk import NewActivity, insert_activities
from ..casecode import case_hash
from ..hooks import Tally, rollups
from ..models import ActivityImport, CatalogueEntry, CatalogueKind, Source
from ..permissions import can_import_activities
from ..services import date_problem, normalise_label, worker_of

KIND_OF_COLUMN = {
    "activity_type": CatalogueKind.ACTIVITY_TYPE,
    "target_group": CatalogueKind.TARGET_GROUP,
    "topics": CatalogueKind.TOPIC,
    "contact_origin": CatalogueKind.CONTACT_ORIGIN,
    "partner": CatalogueKind.PARTNER,
    "grade_band": CatalogueKind.GRADE_BAND,
}
DEFAULT_BAND: dict[str, str] = {SchoolType.GS: "primary", SchoolType.BK: "vocational"}
logger = logging.getLogger(__name__)
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
        return _("%(rows)s activities read, %(created)s recorded.") % {
            "rows": self.rows,
            "created": self.created,
        }


class _RollbackError(Exception):
    pass


Resolve = Callable[[str, str], CatalogueEntry | None]


def _resolver(municipality_id: int) -> Resolve:
    """(kind, name in the file) -> entry: remembered mapping, then label, then
    code. Two queries; every distinct name is looked up once."""
    remembered = selectors.mappings_for(municipality_id=municipality_id)
    by_label: dict[tuple[str, str], CatalogueEntry] = {}
    for entry in CatalogueEntry.objects.filter(municipality_id=municipality_id).usable():
        by_label.setdefault((entry.kind, normalise_label(entry.code)), entry)
        by_label[(entry.kind, normalise_label(entry.label))] = entry
    seen: dict[tuple[str, str], CatalogueEntry | None] = {}

    def resolve(kind: str, name: str) -> CatalogueEntry | None:
        found = seen.get((kind, name), False)
        if found is False:
            key = (kind, normalise_label(name))
            entry = remembered.get(key) or by_label.get(key)
            found = seen[(kind, name)] = entry if entry is not None and not entry.retired else None
        return found  # type: ignore[return-value]

    return resolve


class _Scope:
    """Who may import what: loaded once, then answered from dicts."""

    def __init__(self, by: Any, columns: dict[str, str], errors: list[RowError]) -> None:
        self.errors = errors
        self.columns = columns
        self.school_column = columns.get("school", "")
        self.staff_column = columns.get("staff", "")
        self.worker = worker_of(by)
        self.carrier_mode = bool("staff" in columns and perms.carrier_ids(by))
        self.ok = True
        self.resolvers: dict[int, Resolve] = {}
        self.places: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
        if self.carrier_mode:
            self._load_carrier(by)
        else:
            self._load_worker(by)

    # -- a social worker's own documentation

    def _load_worker(self, by: Any) -> None:
        schools = list(selectors.worker_schools(user=by)) if self.worker else []
        if self.worker is None or not schools:
            self.errors.append(
                RowError(0, "", _("Your account is not linked to a social worker with a school."))
            )
            self.ok = False
            return
        self.schools = schools
        self.by_number = {s.school_number: s for s in schools}
        self.own_label = normalise_label(self.worker.label)

    def _worker_place(self, row: ActivityRow) -> tuple[School, StaffMember] | None:
        worker: StaffMember = self.worker  # type: ignore[assignment]  # set when ok
        if row.staff and normalise_label(row.staff) != self.own_label:
            self.errors.append(
                RowError(
                    row.row,
                    self.staff_column,
                    _("you can only import your own records, not those of %(name)s")
                    % {"name": row.staff},
                )
            )
            return None
        if row.school:
            school = self.by_number.get(row.school)
            if school is None:
                self.errors.append(
                    RowError(
                        row.row,
                        self.school_column,
                        _("school %(number)s is not one of your schools") % {"number": row.school},
                    )
                )
                return None
        elif len(self.schools) == 1:
            school = self.schools[0]
        else:
            self.errors.append(
                RowError(
                    row.row,
                    "schulnummer",
                    _("you work at several schools: add a column 'Schulnummer'"),
                )
            )
            return None
        return school, worker

    # -- a carrier's migration of its staff's documentation

    def _load_carrier(self, by: Any) -> None:
        staff = list(StaffMember.objects.filter(carrier_id__in=perms.carrier_ids(by)))
        self.staff: dict[str, StaffMember | None] = {}  # None: two people of that name
        for member in staff:
            key = normalise_label(member.label)
            self.staff[key] = None if key in self.staff else member  # None: named twice
        spans: dict[int, dict[int, list[tuple[datetime.date, datetime.date | None]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        school_ids: set[int] = set()
        for staff_id, school_id, valid_from, valid_to in Position.objects.filter(
            staff_member__in=staff, assignments__school__isnull=False
        ).values_list("staff_member_id", "assignments__school_id", "valid_from", "valid_to"):
            spans[staff_id][school_id].append((valid_from, valid_to))
            school_ids.add(school_id)
        self.spans = spans
        self.schools_by_pk = {s.pk: s for s in School.objects.filter(pk__in=school_ids)}
        self.by_number = {s.school_number: s for s in self.schools_by_pk.values()}

    def _carrier_lookup(self, row: ActivityRow) -> tuple[Any, Any, Any]:
        """(worker, school, position spans) of a row's staff and school
        cells, or (None, column, reason) when they name no one of the carrier."""
        if not row.staff:
            return None, self.staff_column, _("the cell is empty")
        key = normalise_label(row.staff)
        if key not in self.staff:
            reason = _("%(name)s is not on your carrier's staff list") % {"name": row.staff}
            return None, self.staff_column, reason
        worker = self.staff[key]
        if worker is None:
            reason = _("your staff list names two people %(name)s; tell them apart there first") % {
                "name": row.staff
            }
            return None, self.staff_column, reason
        schools = self.spans.get(worker.pk, {})
        if row.school:
            school = self.by_number.get(row.school)
        elif len(schools) == 1:
            school = self.schools_by_pk[next(iter(schools))]
        else:
            reason = _("%(name)s works at several schools: add a column 'Schulnummer'") % {
                "name": row.staff
            }
            return None, "schulnummer", reason
        if school is None or school.municipality_id != worker.municipality_id:
            return worker, school, ()
        return worker, school, tuple(schools.get(school.pk, ()))

    def _carrier_place(self, row: ActivityRow) -> tuple[School, StaffMember] | None:
        key = (row.staff, row.school)
        found = self.places.get(key)
        if found is None:
            found = self._carrier_lookup(row)
            if len(self.places) < 100_000:
                self.places[key] = found
        worker, school, spans = found
        if worker is None:
            self.errors.append(RowError(row.row, school, spans))
            return None
        day = row.date
        for start, end in spans:
            if start <= day and (end is None or day <= end):
                return school, worker
        self.errors.append(
            RowError(
                row.row,
                self.school_column or "schulnummer",
                _("%(name)s holds no position at school %(number)s on this date")
                % {"name": row.staff, "number": row.school or "?"},
            )
        )
        return None

    def place(self, row: ActivityRow) -> tuple[School, StaffMember] | None:
        return self._carrier_place(row) if self.carrier_mode else self._worker_place(row)

    def resolver(self, municipality_id: int) -> Resolve:
        resolve = self.resolvers.get(municipality_id)
        if resolve is None:
            resolve = self.resolvers[municipality_id] = _resolver(municipality_id)
        return resolve

    @property
    def municipality_id(self) -> int | None:
        if self.carrier_mode or self.worker is None:
            return next(iter(self.resolvers), None)
        return self.worker.municipality_id


@dataclass(frozen=True, slots=True)
class _Names:
    """A resolved combination of category names."""

    missing: bool
    activity_type: CatalogueEntry | None
    target_group: CatalogueEntry | None
    topic_ids: tuple[int, ...]
    topic_labels: str
    contact_origin_id: int | None
    partner_id: int | None
    band: CatalogueEntry | None


def _first(entries: list[CatalogueEntry]) -> CatalogueEntry | None:
    return entries[0] if entries else None


# A row's participant counts: ((gender id, band id, count) cells, problems
# as (field, column, reason)).
_Counted = tuple[tuple[tuple[int, int, int], ...], list[tuple[str, str, str]]]


class _Checker:
    """Turns parsed rows into checked records (ids only), collecting every
    problem; the checks of services._validate, without a query per row."""

    def __init__(self, scope: _Scope, columns: dict[str, str], errors: list[RowError]) -> None:
        self.scope = scope
        self.columns = columns
        self.errors = errors
        self.unknown: dict[str, set[str]] = defaultdict(set)
        self.today = timezone.localdate()
        self.dates: dict[datetime.date, str] = {}  # day -> why it cannot be a record's date
        self.genders: dict[int, dict[str, CatalogueEntry]] = {}
        self.hashes: dict[tuple[int, str], str] = {}
        self.schools_touched: set[str] = set()
        self.workers_touched: set[int] = set()
        self.combinations: dict[tuple[Any, ...], _Names] = {}
        self.counted: dict[tuple[Any, ...], _Counted | None] = {}
        self.kept: list[str] | None = None  # the lines of a preview to keep (pending_line)

    def _case_hash(self, school: School, row: ActivityRow) -> str:
        """The row's case code hashed for its school (a kept preview's row
        carries the hash already)."""
        if row.case_hash or not row.case_code:
            return row.case_hash
        key = (school.id, row.case_code)
        code = self.hashes.get(key, "")
        if not code:
            code = case_hash(school_id=school.id, code=row.case_code)
            if len(self.hashes) < 100_000:
                self.hashes[key] = code
        return code

    def _genders(self, municipality_id: int) -> dict[str, CatalogueEntry]:
        genders = self.genders.get(municipality_id)
        if genders is None:
            genders = self.genders[municipality_id] = self._load_genders(municipality_id)
        return genders

    @staticmethod
    def _load_genders(municipality_id: int) -> dict[str, CatalogueEntry]:
        return {
            e.code: e
            for e in selectors.catalogue(municipality_id=municipality_id, kind=CatalogueKind.GENDER)
        }

    def _error(self, row: ActivityRow, name: str, default: str, reason: str) -> None:
        self.errors.append(RowError(row.row, self.columns.get(name, default), reason))

    def _entries(self, municipality_id: int, row: ActivityRow) -> _Names:
        """The catalogue entries a row names. Rows repeat the same few
        combinations: each is resolved once."""
        key = (
            municipality_id,
            row.activity_type,
            row.target_group,
            tuple(row.topics),
            row.contact_origin,
            row.partner,
            row.grade_band,
        )
        known = self.combinations.get(key)
        if known is not None:
            return known
        resolve = self.scope.resolver(municipality_id)
        entries: dict[str, list[CatalogueEntry]] = {}
        missing = False
        for column in CATEGORY_COLUMNS:
            kind = KIND_OF_COLUMN[column]
            labels = row.topics if column == "topics" else [getattr(row, column)]
            found: list[CatalogueEntry] = []
            for name in labels:
                if not name:
                    continue
                entry = resolve(kind, name)
                if entry is None:
                    self.unknown[kind].add(name)
                    missing = True
                else:
                    found.append(entry)
            entries[column] = found
        topics = {t.id: t for t in entries["topics"]}  # once each, in the file's order
        contact = _first(entries["contact_origin"])
        partner = _first(entries["partner"])
        names = _Names(
            missing=missing,
            activity_type=_first(entries["activity_type"]),
            target_group=_first(entries["target_group"]),
            topic_ids=tuple(topics),
            topic_labels=", ".join(t.label for t in topics.values()),
            contact_origin_id=contact.id if contact else None,
            partner_id=partner.id if partner else None,
            band=_first(entries["grade_band"]),
        )
        if len(self.combinations) < 200_000:
            self.combinations[key] = names
        return names

    def _participants(
        self, row: ActivityRow, school: School, band: CatalogueEntry | None
    ) -> _Counted | None:
        """((gender id, band id, count) cells, problems as (field, column, reason));
        None when the grade band is an unknown name (reported as unknown)."""
        key = (
            school.municipality_id,
            school.school_type,
            band.id if band is not None else None,
            bool(row.grade_band),
            tuple(row.by_gender.items()),
            row.participants,
        )
        if key in self.counted:
            return self.counted[key]
        counts = dict(row.by_gender)
        if row.participants is not None and row.participants > sum(counts.values()):
            counts["not_stated"] = (
                counts.get("not_stated", 0) + row.participants - sum(counts.values())
            )
        cells: dict[tuple[int, int], int] = {}
        problems: list[tuple[str, str, str]] = []
        result: _Counted | None
        if any(counts.values()):
            if band is None and not row.grade_band:
                band = self.scope.resolver(school.municipality_id)(
                    CatalogueKind.GRADE_BAND,
                    DEFAULT_BAND.get(school.school_type, "lower_secondary"),
                )
            if band is None:
                if row.grade_band:
                    result = None
                else:
                    problems.append(
                        ("grade_band", "stufe", _("no grade band for the participants"))
                    )
                    result = ((), problems)
                self.counted[key] = result
                return result
            genders = self._genders(school.municipality_id)
            for code, count in counts.items():
                if code not in genders:
                    problems.append(
                        (
                            code,
                            code,
                            _("the gender catalogue has no entry %(code)s") % {"code": code},
                        )
                    )
                    continue
                if not 0 <= count <= 2000:
                    problems.append((code, code, _("A participant count lies between 0 and 2000.")))
                if count:
                    cells[(genders[code].id, band.id)] = count
        result = (tuple((g, b, n) for (g, b), n in cells.items() if n), problems)
        if len(self.counted) < 100_000:
            self.counted[key] = result
        return result

    def check(
        self, row: ActivityRow, *, preview: bool = True
    ) -> tuple[NewActivity, dict[str, Any] | None] | None:
        place = self.scope.place(row)
        if place is None:
            return None
        school, worker = place
        if self.kept is not None:
            self.kept.append(
                pending_line(
                    row, school=school.school_number, case_hash=self._case_hash(school, row)
                )
            )
        names = self._entries(school.municipality_id, row)
        counted = self._participants(row, school, names.band)
        if counted is None:
            return None
        cells, problems = counted
        failed = False
        for name, default, reason in problems:
            self._error(row, name, default, reason)
            failed = True
        if problems and problems[0][0] == "grade_band":
            return None
        # services._validate: the same rules, the same messages
        problem = self.dates.get(row.date)
        if problem is None:
            problem = self.dates[row.date] = date_problem(row.date, today=self.today)
        if problem:
            self._error(row, "date", "datum", problem)
            failed = True
        if not 1 <= row.minutes <= 720:
            self._error(row, "minutes", "minuten", _("Minutes must be between 1 and 720."))
            failed = True
        if failed or names.missing or self.unknown or self.errors:
            return None
        code = self._case_hash(school, row)
        self.schools_touched.add(school.school_number)
        self.workers_touched.add(worker.id)
        total = 0
        for _g, _b, n in cells:
            total += n
        record = NewActivity(
            school.id,
            worker.id,
            school.municipality_id,
            worker.carrier_id,
            row.date,
            row.minutes,
            names.activity_type.id,  # type: ignore[union-attr]  # required, not missing
            names.target_group.id,  # type: ignore[union-attr]
            names.contact_origin_id,
            names.partner_id,
            row.follow_up,
            names.topic_ids,
            cells,
            total,
            code,
        )
        if not preview:
            return record, None
        shown = {
            "row": row.row,
            "date": row.date,
            "school": school.school_number,
            "minutes": row.minutes,
            "activity_type": names.activity_type.label,  # type: ignore[union-attr]
            "target_group": names.target_group.label,  # type: ignore[union-attr]
            "topics": names.topic_labels,
            "participants": total,
        }
        return record, shown


def _write_batch(
    batch: list[NewActivity], tally: Tally, *, by: Any, now: datetime.datetime
) -> None:
    """Write one batch of checked records and sum their rollup cells."""
    insert_activities(batch, author_id=by.pk, source=Source.IMPORT, now=now)
    tally.add(batch)


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


# --------------------------------------------------------------------------- the background import


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
