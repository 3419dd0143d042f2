"""School import: parse (school_file.py, pure), then upsert in one transaction.

All-or-nothing: any rejected row means nothing is written. Upserts by school
number, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit

from . import services
from .models import Municipality, School, SchoolType, SchoolYear, SchoolYearFigures
from .school_file import ParseResult, RowError, SchoolRecord, parse_school_file

logger = logging.getLogger(__name__)

TYPE_BY_LABEL = [
    ("grundschule", SchoolType.GS),
    ("volksschule", SchoolType.GS),
    ("hauptschule", SchoolType.HS),
    ("realschule", SchoolType.RS),
    ("sekundarschule", SchoolType.SK),
    ("gesamtschule", SchoolType.GE),
    ("gymnasium", SchoolType.GY),
    ("primus", SchoolType.PR),
    ("berufskolleg", SchoolType.BK),
    ("weiterbildungskolleg", SchoolType.WB),
    ("waldorf", SchoolType.FW),
]

SCHOOL_FIELDS = [
    "name",
    "short_name",
    "school_type",
    "school_type_label",
    "legal_status",
    "authority_number",
    "authority_name",
    "street",
    "postcode",
    "city",
    "latitude",
    "longitude",
]


def school_type_for(label: str) -> str:
    text = label.lower()
    if text.startswith("förderschule") or "förderschule" in text:
        return SchoolType.FS
    for needle, school_type in TYPE_BY_LABEL:
        if needle in text:
            return school_type
    return SchoolType.OTHER


def municipality_name_from(raw: str, ags: str) -> str:
    """'Krfr. Stadt Herne' -> 'Herne'; 'Kamen, Stadt' -> 'Kamen'."""
    name = re.sub(r"^(Krfr\.|Kreisfreie)\s+Stadt\s+", "", raw.strip())
    name = re.sub(r",\s*(Stadt|Gemeinde|Hansestadt)$", "", name)
    return name or f"AGS {ags}"


@dataclass
class ImportReport:
    parse: ParseResult
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_other_municipality: int = 0
    figures_written: int = 0
    municipalities_created: list[str] = field(default_factory=list)
    dry_run: bool = True
    changes: list[dict[str, Any]] = field(default_factory=list)  # first rows for the preview

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        return _(
            "%(total)s schools read: %(created)s new, %(updated)s changed, %(unchanged)s unchanged; "
            "%(skipped)s rows of other municipalities skipped."
        ) % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped_other_municipality,
        }


class _Rollback(Exception):  # noqa: N818  (control flow, never escapes this module)
    pass


def _school_values(record: SchoolRecord) -> dict[str, Any]:
    return {
        "name": record.name[:300],
        "short_name": record.short_name[:200],
        "school_type": school_type_for(record.school_type_label),
        "school_type_label": record.school_type_label[:100],
        "legal_status": School.LegalStatus.PRIVATE
        if record.legal_status == "private"
        else School.LegalStatus.PUBLIC,
        "authority_number": record.authority_number[:10],
        "authority_name": record.authority_name[:200],
        "street": record.street[:200],
        "postcode": record.postcode[:5],
        "city": record.city[:100],
        "latitude": Decimal(record.lat).quantize(Decimal("0.000001"))
        if record.lat is not None
        else None,
        "longitude": Decimal(record.lon).quantize(Decimal("0.000001"))
        if record.lon is not None
        else None,
    }


def import_schools(
    *,
    data: bytes,
    filename: str,
    municipality: Municipality | None,
    by: Any,
    dry_run: bool,
    max_bytes: int | None = None,
    parsed: ParseResult | None = None,
) -> ImportReport:
    """Parse and upsert a school file; with `municipality` only its rows (by
    AGS). `parsed`: records read before (a kept preview) instead of `data`."""
    if parsed is None:
        parsed = parse_school_file(
            data, filename=filename, max_bytes=max_bytes or settings.IMPORT_MAX_BYTES
        )
    report = ImportReport(parse=parsed, errors=list(parsed.errors), dry_run=dry_run)
    if report.errors:
        return report
    try:
        with transaction.atomic():
            _upsert(parsed, municipality=municipality, report=report, by=by)
            if report.errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


def _upsert(
    parsed: ParseResult, *, municipality: Municipality | None, report: ImportReport, by: Any
) -> None:
    records = parsed.records
    if municipality is not None:
        selected = [r for r in records if not r.ags or r.ags == municipality.ags]
        report.skipped_other_municipality = len(records) - len(selected)
        records = selected
    municipalities = {m.ags: m for m in Municipality.objects.all()}
    existing = {
        s.school_number: s
        for s in School.objects.filter(school_number__in=[r.school_number for r in records])
    }

    years: dict[str, SchoolYear] = {}
    for code in {
        c for r in records for c in (r.pupils_year, r.index_year, r.startchancen_year) if c
    }:
        canonical, _start, _end = SchoolYear.bounds_for(int(code[:4]))
        years[code] = services.school_year_get_or_create(code=canonical, by=by)

    to_create: list[School] = []
    to_update: list[School] = []
    target_for: dict[str, Municipality] = {}
    for record in records:
        target = municipality
        if target is None:
            if not record.ags:
                report.errors.append(
                    RowError(
                        record.row,
                        "ags",
                        _("no municipality: give --municipality or an AGS column"),
                    )
                )
                continue
            target = municipalities.get(record.ags)
            if target is None:
                # Through the service: checked (only the platform or a global
                # administrator creates municipalities) and audited.
                target = services.municipality_create(
                    by=by,
                    ags=record.ags,
                    name=municipality_name_from(record.municipality_name, record.ags),
                    kind=Municipality.Kind.CITY
                    if record.municipality_name.startswith("Krfr.")
                    else Municipality.Kind.TOWN,
                )
                municipalities[record.ags] = target
                report.municipalities_created.append(target.name)
        target_for[record.school_number] = target
        values = _school_values(record)
        school = existing.get(record.school_number)
        if school is None:
            new = School(municipality=target, school_number=record.school_number, **values)
            to_create.append(new)
            report.created += 1
            if len(report.changes) < 200:
                report.changes.append(
                    {
                        "row": record.row,
                        "school_number": record.school_number,
                        "name": new.name,
                        "change": "new",
                    }
                )
            continue
        if school.municipality_id != target.pk:
            report.errors.append(
                RowError(
                    record.row,
                    "schulnummer",
                    _("school %(number)s belongs to another municipality (%(other)s)")
                    % {"number": record.school_number, "other": school.municipality.name},
                )
            )
            continue
        changed = [name for name, value in values.items() if getattr(school, name) != value]
        if changed:
            for name in changed:
                setattr(school, name, values[name])
            to_update.append(school)
            report.updated += 1
            if len(report.changes) < 200:
                report.changes.append(
                    {
                        "row": record.row,
                        "school_number": record.school_number,
                        "name": school.name,
                        "change": ", ".join(changed),
                    }
                )
        else:
            report.unchanged += 1
    if report.errors:
        return
    School.objects.bulk_create(to_create, batch_size=1000)
    School.objects.bulk_update(to_update, SCHOOL_FIELDS, batch_size=1000)
    _upsert_figures(records, years=years, report=report)
    audit(
        actor=by,
        action=Action.IMPORT,
        object_type="masterdata.school",
        object_repr=_("school import"),
        municipality_id=municipality.pk if municipality else None,
        changes={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "figures": report.figures_written,
            "municipalities_created": report.municipalities_created,
        },
    )


def _upsert_figures(
    records: list[SchoolRecord], *, years: dict[str, SchoolYear], report: ImportReport
) -> None:
    schools = dict(
        School.objects.filter(school_number__in=[r.school_number for r in records]).values_list(
            "school_number", "pk"
        )
    )
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    for record in records:
        school_id = schools[record.school_number]
        if record.pupils_year and record.pupils is not None:
            wanted.setdefault((school_id, years[record.pupils_year].pk), {})["pupils"] = (
                record.pupils
            )
        if record.index_year:
            # An empty index in an index column means "no index" (Förderschulen, private schools).
            wanted.setdefault((school_id, years[record.index_year].pk), {})["social_index"] = (
                record.social_index
            )
        startchancen_year = record.startchancen_year or record.index_year
        if record.startchancen is not None and startchancen_year:
            year = years[startchancen_year]
            wanted.setdefault((school_id, year.pk), {})["startchancen"] = record.startchancen
    if not wanted:
        return
    current = {
        (f.school_id, f.school_year_id): f
        for f in SchoolYearFigures.objects.filter(
            school_id__in=schools.values(), school_year_id__in=[y.pk for y in years.values()]
        )
    }
    create, update = [], []
    for key, values in wanted.items():
        figures = current.get(key)
        if figures is None:
            create.append(SchoolYearFigures(school_id=key[0], school_year_id=key[1], **values))
        elif any(getattr(figures, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(figures, k, v)
            update.append(figures)
    SchoolYearFigures.objects.bulk_create(create, batch_size=1000)
    SchoolYearFigures.objects.bulk_update(
        update, ["pupils", "social_index", "startchancen"], batch_size=1000
    )
    report.figures_written = len(create) + len(update)


# --------------------------------------------------------------------------- pending uploads
#
# A preview waits for its confirmation (and, for a documentation, the
# mapping of its category names) in a file of MEDIA_ROOT/pending_imports.
# It never holds the upload: only what the importer read from the mapped
# columns, case codes already hashed (activities.importing.pending_copy; for
# schools, `pending_schools`). Each file is named by kind, owner and a random
# token, so a user reaches only their own; it is deleted on confirmation, on
# the owner's next upload of the same kind, once older than
# settings.PENDING_IMPORT_MAX_AGE_MINUTES (`purge_pending`: the job
# ``manage.py purge_pending_imports`` and every new upload), and when it is
# found expired on confirmation.

PENDING_KINDS = ("activities", "schools")
_TOKEN = re.compile(r"[0-9a-f]{32}")


class PendingExpiredError(FileNotFoundError):
    """The preview is gone: confirmed, replaced, expired or never there."""


def _pending_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "pending_imports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _pending_path(token: str, *, kind: str, owner_id: int) -> Path:
    if kind not in PENDING_KINDS or not _TOKEN.fullmatch(token or ""):
        raise PendingExpiredError(token)
    return _pending_dir() / f"{kind}-{int(owner_id)}-{token}"


def _max_age() -> datetime.timedelta:
    return datetime.timedelta(minutes=max(1, int(settings.PENDING_IMPORT_MAX_AGE_MINUTES)))


def read_upload(upload: Any) -> bytes:
    limit = settings.IMPORT_MAX_BYTES + 1
    return upload.read(limit)


def store_pending(data: bytes, *, kind: str, owner_id: int) -> str:
    """Keep a preview (already stripped to its mapped columns) for its owner;
    their earlier previews of this kind and everyone's expired ones go."""
    purge_pending()
    discard_pending_of(kind=kind, owner_id=owner_id)
    token = secrets.token_hex(16)
    path = _pending_path(token, kind=kind, owner_id=owner_id)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    return token


def load_pending(token: str, *, kind: str, owner_id: int) -> bytes:
    """The owner's preview; PendingExpiredError when it is gone or too old
    (an expired one is deleted here)."""
    path = _pending_path(token, kind=kind, owner_id=owner_id)
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError as exc:
        raise PendingExpiredError(token) from exc
    if age > _max_age().total_seconds():
        path.unlink(missing_ok=True)
        raise PendingExpiredError(token)
    return path.read_bytes()


def discard_pending(token: str, *, kind: str, owner_id: int) -> None:
    with contextlib.suppress(PendingExpiredError):
        _pending_path(token, kind=kind, owner_id=owner_id).unlink(missing_ok=True)


def discard_pending_of(*, kind: str, owner_id: int) -> int:
    """Delete every preview of this kind the owner has; returns how many."""
    removed = 0
    for path in _pending_dir().glob(f"{kind}-{int(owner_id)}-*"):
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def purge_pending(*, now: float | None = None) -> int:
    """Delete every pending file older than the maximum age, whatever its
    name (files of an older version, which held whole uploads, too). One
    file that cannot be removed is logged; the others go on."""
    limit = (now if now is not None else time.time()) - _max_age().total_seconds()
    removed = 0
    for path in _pending_dir().iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:
            logger.exception("pending import %s could not be removed", path.name)
    return removed


# --------------------------------------------------------------------------- a school list's preview


def pending_schools(parsed: ParseResult) -> bytes:
    """What a school import's preview keeps: the records the parser read
    from the recognised columns (JSON), nothing else of the file."""
    records = []
    for record in parsed.records:
        values = dataclasses.asdict(record)
        for name in ("lat", "lon"):
            if values[name] is not None:
                values[name] = str(values[name])
        records.append(values)
    return json.dumps({"format": "schools-1", "records": records}).encode()


def schools_from_pending(data: bytes) -> ParseResult:
    """The records of a kept preview, as the parser gave them."""
    content = json.loads(data)
    if content.get("format") != "schools-1":
        raise PendingExpiredError("unknown format")
    records = []
    for values in content["records"]:
        for name in ("lat", "lon"):
            if values[name] is not None:
                values[name] = Decimal(values[name])
        records.append(SchoolRecord(**values))
    return ParseResult(records=records, errors=[], encoding="", delimiter="", columns=[])
