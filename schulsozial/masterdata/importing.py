"""School import: parse (school_file, pure), then upsert in one transaction.

All-or-nothing: any rejected row means nothing is written. Upserts by school
number, so importing the same file twice changes nothing the second time.

Nothing is blanked: a column the file lacks leaves the stored value alone,
and so does an empty cell (to delete a value, edit the school). The figures
(pupils, Sozialindex, Startchancen) count for the school year the user
chooses, else the one in the column heading, else the current school year.
The report lists, per school, every field that changes with its old and new
value (German labels), and which columns were recognised or ignored.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
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
from django.core import signing
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.core.audit import Action, audit

from . import services
from .models import Municipality, School, SchoolType, SchoolYear, SchoolYearFigures
from .school_file import (
    FIELD_LABELS,
    MAPPABLE,
    Message,
    ParseResult,
    RowError,
    SchoolRecord,
    parse_school_file,
    reparse_school_rows,
)

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
FIGURE_FIELDS = ("pupils", "social_index", "startchancen")
MAX_PREVIEW = 200  # schools whose changes the preview lists


def school_type_for(label: str) -> str:
    text = label.lower().strip()
    if text.startswith("förderschule") or "förderschule" in text:
        return SchoolType.FS
    for needle, school_type in TYPE_BY_LABEL:
        if needle in text:
            return school_type
    if text.upper() in SchoolType.values:  # the short codes GS, HS, ... of an export
        return text.upper()
    return SchoolType.OTHER


def municipality_name_from(raw: str, ags: str) -> str:
    """'Krfr. Stadt Herne' -> 'Herne'; 'Kamen, Stadt' -> 'Kamen'."""
    name = re.sub(r"^(Krfr\.|Kreisfreie)\s+Stadt\s+", "", raw.strip())
    name = re.sub(r",\s*(Stadt|Gemeinde|Hansestadt)$", "", name)
    return name or f"AGS {ags}"


def current_school_year_code(day: datetime.date | None = None) -> str:
    """'2026/27' for a day in that school year (today by default)."""
    from .selectors import today

    return SchoolYear.bounds_for(SchoolYear.start_year_of(day or today()))[0]


# --------------------------------------------------------------------------- messages in German


def message_text(reason: str) -> str:
    """A parser reason in the user's language (a Message is translated)."""
    if not isinstance(reason, Message):
        return str(reason)
    args = {name: _argument(value) for name, value in reason.args.items()}
    try:
        return _(reason.msgid) % args
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return str(reason)


def _argument(value: object) -> object:
    if isinstance(value, Message):
        return message_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return number_format(value, force_grouping=True)
    return value


def error_text(error: RowError) -> str:
    """'Zeile 3, Spalte „Schülerzahl“: keine ganze Zahl: '1.80'' (or without row/column)."""
    reason = message_text(error.reason)
    if not error.row:
        return reason
    if not error.column:
        return _("row %(row)s: %(reason)s") % {"row": error.row, "reason": reason}
    return _("row %(row)s, column “%(column)s”: %(reason)s") % {
        "row": error.row,
        "column": error.column,
        "reason": reason,
    }


def field_label(name: str) -> str:
    """The German label of a parser field (``pupils`` -> 'Schüler/innen')."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def mapping_choices() -> list[tuple[str, str]]:
    """The fields an unrecognised column may be given, for the mapping form."""
    hidden = {"name_2", "name_3"}
    return [(name, field_label(name)) for name in MAPPABLE if name not in hidden]


# --------------------------------------------------------------------------- the report


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class SchoolChange:
    row: int
    school_number: str
    name: str
    new: bool
    fields: list[FieldChange]


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
    changes: list[SchoolChange] = field(default_factory=list)  # first rows for the preview
    school_year: str = ""  # chosen by the user ("" = from the headings)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    @property
    def error_lines(self) -> list[str]:
        return [error_text(error) for error in self.errors]

    @property
    def recognised(self) -> list[dict[str, str]]:
        """Each recognised column: its heading, the field's label and the figures' year."""
        years = self.parse.years
        return [
            {"heading": heading, "label": field_label(name), "year": years.get(name) or ""}
            for name, heading in self.parse.column_map.items()
        ]

    @property
    def figure_years(self) -> list[dict[str, str]]:
        return [
            {"label": field_label(name), "year": year}
            for name, year in self.parse.years.items()
            if year
        ]

    def summary(self) -> str:
        read = ngettext(
            "%(total)s school read: %(created)s new, %(updated)s changed, %(unchanged)s unchanged",
            "%(total)s schools read: %(created)s new, %(updated)s changed, %(unchanged)s unchanged",
            self.total,
        ) % {
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }
        skipped = ngettext(
            "%(skipped)s row of other municipalities skipped.",
            "%(skipped)s rows of other municipalities skipped.",
            self.skipped_other_municipality,
        ) % {"skipped": self.skipped_other_municipality}
        return f"{read}; {skipped}"


class _Rollback(Exception):  # noqa: N818  (control flow, never escapes this module)
    pass


def _coordinate(value: Decimal | None) -> Decimal | None:
    return Decimal(value).quantize(Decimal("0.000001")) if value is not None else None


def _given_values(record: SchoolRecord, school: School | None) -> dict[str, Any]:
    """The school fields the row gives a value for; an empty cell or a column
    the file lacks gives none (the stored value stays)."""
    values: dict[str, Any] = {
        "name": record.name[:300],
        "school_type_label": record.school_type_label[:100],
    }
    school_type = school_type_for(record.school_type_label)
    if school is None or school_type != SchoolType.OTHER:  # "other" never overwrites a type
        values["school_type"] = school_type
    texts = {
        "short_name": (record.short_name, 200),
        "authority_number": (record.authority_number, 10),
        "authority_name": (record.authority_name, 200),
        "street": (record.street, 200),
        "postcode": (record.postcode, 5),
        "city": (record.city, 100),
    }
    for name, (text, limit) in texts.items():
        if text:
            values[name] = text[:limit]
    if record.legal_status:
        values["legal_status"] = (
            School.LegalStatus.PRIVATE
            if record.legal_status == "private"
            else School.LegalStatus.PUBLIC
        )
    if record.lat is not None and record.lon is not None:
        values["latitude"] = _coordinate(record.lat)
        values["longitude"] = _coordinate(record.lon)
    return values


def _shown(name: str, value: Any) -> str:
    """A value as the preview shows it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "school_type":
        return str(SchoolType(value).label) if value in SchoolType.values else str(value)
    if name == "legal_status":
        return str(School.LegalStatus(value).label)
    if isinstance(value, Decimal):
        return number_format(value, decimal_pos=6)
    if isinstance(value, int):
        return number_format(value, force_grouping=True)
    return str(value)


def _school_label(name: str) -> str:
    return str(getattr(School._meta.get_field(name), "verbose_name", name))


_FIGURE_LABEL = {
    "pupils": "pupils",
    "social_index": "Sozialindex",
    "startchancen": "Startchancen",
}


def _figure_label(name: str, code: str) -> str:
    return f"{_(_FIGURE_LABEL[name])} {code}"


def _wanted_figures(record: SchoolRecord) -> dict[str, dict[str, Any]]:
    """School year code -> figure values the row gives (an empty cell gives none)."""
    wanted: dict[str, dict[str, Any]] = {}
    if record.pupils_year and record.pupils is not None:
        wanted.setdefault(record.pupils_year, {})["pupils"] = record.pupils
    if record.index_year and record.social_index is not None:
        wanted.setdefault(record.index_year, {})["social_index"] = record.social_index
    startchancen_year = record.startchancen_year or record.index_year
    if record.startchancen is not None and startchancen_year:
        wanted.setdefault(startchancen_year, {})["startchancen"] = record.startchancen
    return wanted


def import_schools(
    *,
    data: bytes,
    filename: str,
    municipality: Municipality | None,
    by: Any,
    dry_run: bool,
    max_bytes: int | None = None,
    parsed: ParseResult | None = None,
    school_year: str = "",
    mapping: dict[str, str] | None = None,
) -> ImportReport:
    """Parse and upsert a school file; with `municipality` only its rows (by
    AGS). `parsed`: records read before (a kept preview) instead of `data`.
    `school_year` ("2026/27"): the year of all figure columns; "" takes the
    year in the heading, else the current school year. `mapping`: fields for
    headings the parser does not know (heading -> field)."""
    if parsed is None:
        parsed = parse_school_file(
            data,
            filename=filename,
            max_bytes=max_bytes or settings.IMPORT_MAX_BYTES,
            default_school_year=current_school_year_code(),
            school_year=school_year or None,
            mapping=mapping,
        )
    report = ImportReport(
        parse=parsed, errors=list(parsed.errors), dry_run=dry_run, school_year=school_year
    )
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
    current_figures = {
        (f.school_id, f.school_year_id): f
        for f in SchoolYearFigures.objects.filter(
            school__in=list(existing.values()), school_year__in=list(years.values())
        )
    }

    to_create: list[School] = []
    to_update: list[School] = []
    figures_of: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        target = municipality
        if target is None:
            if not record.ags:
                report.errors.append(
                    RowError(
                        record.row,
                        "AGS",
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
        school = existing.get(record.school_number)
        values = _given_values(record, school)
        wanted = _wanted_figures(record)
        figures_of[record.school_number] = wanted
        if school is None:
            new = School(municipality=target, school_number=record.school_number, **values)
            to_create.append(new)
            report.created += 1
            shown = [
                FieldChange(_school_label(name), "–", _shown(name, getattr(new, name)))
                for name in SCHOOL_FIELDS
                if name in values and getattr(new, name) not in ("", None)
            ]
            shown += [
                FieldChange(_figure_label(name, code), "–", _shown(name, value))
                for code, given in sorted(wanted.items())
                for name, value in given.items()
            ]
            _note(report, SchoolChange(record.row, record.school_number, new.name, True, shown))
            continue
        if school.municipality_id != target.pk:
            report.errors.append(
                RowError(
                    record.row,
                    _("school number"),
                    _("school %(number)s belongs to another municipality (%(other)s)")
                    % {"number": record.school_number, "other": school.municipality.name},
                )
            )
            continue
        changed = [name for name, value in values.items() if getattr(school, name) != value]
        shown = [
            FieldChange(
                _school_label(name), _shown(name, getattr(school, name)), _shown(name, values[name])
            )
            for name in changed
        ]
        for code, given in sorted(wanted.items()):
            figures = current_figures.get((school.pk, years[code].pk))
            for name, value in given.items():
                old = getattr(figures, name) if figures is not None else None
                if old != value:
                    shown.append(
                        FieldChange(
                            _figure_label(name, code), _shown(name, old), _shown(name, value)
                        )
                    )
        if changed:
            for name in changed:
                setattr(school, name, values[name])
            to_update.append(school)
        if shown:
            report.updated += 1
            _note(report, SchoolChange(record.row, record.school_number, school.name, False, shown))
        else:
            report.unchanged += 1
    if report.errors:
        return
    School.objects.bulk_create(to_create, batch_size=1000)
    School.objects.bulk_update(to_update, SCHOOL_FIELDS, batch_size=1000)
    _upsert_figures(figures_of, years=years, report=report)
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
            # Field labels in German words, as the preview names them (issue 13).
            "columns": {field_label(k): v for k, v in parsed.column_map.items()},
            "figure_years": {field_label(k): v for k, v in parsed.years.items() if v},
            "schools": {
                change.school_number: {f.label: [f.old, f.new] for f in change.fields}
                for change in report.changes
            },
        },
    )


def _note(report: ImportReport, change: SchoolChange) -> None:
    if len(report.changes) < MAX_PREVIEW:
        report.changes.append(change)


def _upsert_figures(
    figures_of: dict[str, dict[str, dict[str, Any]]],
    *,
    years: dict[str, SchoolYear],
    report: ImportReport,
) -> None:
    schools = dict(
        School.objects.filter(school_number__in=list(figures_of)).values_list("school_number", "pk")
    )
    wanted: dict[tuple[int, int], dict[str, Any]] = {}
    for number, per_year in figures_of.items():
        for code, values in per_year.items():
            wanted.setdefault((schools[number], years[code].pk), {}).update(values)
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
    SchoolYearFigures.objects.bulk_update(update, list(FIGURE_FIELDS), batch_size=1000)
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
#
# The preview keeps on disk only the recognised (or mapped) columns of the
# file, as rows of cells, plus the chosen school year and mapping, so the
# confirmation imports exactly what the preview showed. The columns it does
# not recognise never reach the disk: the preview page carries them, signed
# and compressed, in its mapping form, and sends them back when the user
# maps one of them to a field.

_SEAL_SALT = "schulsozial.masterdata.school-import.ignored"
MAX_SEALED_CHARS = 2_000_000  # bigger than this, the mapping step is not offered


def _ignored_positions(parsed: ParseResult) -> list[int]:
    known = set(parsed.column_map.values())
    return [
        position
        for position, heading in enumerate(parsed.columns)
        if heading.strip() and heading not in known
    ]


def _split_rows(parsed: ParseResult) -> tuple[list[Any], dict[str, Any]]:
    """The rows with ignored cells blanked, and the ignored cells on their own."""
    ignored = set(_ignored_positions(parsed))
    plain, hidden = [], []
    for number, cells in parsed.rows:
        plain.append([number, [("" if i in ignored else cell) for i, cell in enumerate(cells)]])
        hidden.append([number, {str(i): cells[i] for i in ignored if i < len(cells) and cells[i]}])
    return plain, {"rows": hidden}


def pending_schools(
    parsed: ParseResult, *, school_year: str = "", mapping: dict[str, str] | None = None
) -> bytes:
    """What a school import's preview keeps: the file's rows with only the
    recognised columns (JSON), the school year and the mapping."""
    plain, _hidden = _split_rows(parsed)
    return json.dumps(
        {
            "format": "schools-2",
            "rows": plain,
            "school_year": school_year,
            "mapping": mapping or {},
        }
    ).encode()


def seal_ignored(parsed: ParseResult) -> str:
    """The ignored columns, signed and compressed for the preview's mapping form
    ("" when there are none or they are too big to carry)."""
    if not parsed.ignored:
        return ""
    _plain, hidden = _split_rows(parsed)
    sealed = signing.dumps(hidden, salt=_SEAL_SALT, compress=True)
    return sealed if len(sealed) <= MAX_SEALED_CHARS else ""


@dataclass
class PendingSchools:
    rows: list[tuple[int, list[str]]]
    school_year: str
    mapping: dict[str, str]

    def parse(
        self, *, school_year: str | None = None, mapping: dict[str, str] | None = None
    ) -> ParseResult:
        return reparse_school_rows(
            self.rows,
            default_school_year=current_school_year_code(),
            school_year=(self.school_year if school_year is None else school_year) or None,
            mapping=self.mapping if mapping is None else mapping,
        )


def schools_from_pending(data: bytes, sealed: str = "") -> PendingSchools:
    """A kept preview; with `sealed` (from the mapping form) its ignored
    columns are put back (PendingExpiredError when the form was tampered with)."""
    try:
        content = json.loads(data)
    except ValueError as exc:
        raise PendingExpiredError("unreadable") from exc
    if content.get("format") != "schools-2":
        raise PendingExpiredError("unknown format")
    rows = [(int(number), [str(cell) for cell in cells]) for number, cells in content["rows"]]
    if sealed:
        try:
            hidden = signing.loads(sealed, salt=_SEAL_SALT, max_age=_max_age())
        except signing.BadSignature as exc:
            raise PendingExpiredError("bad seal") from exc
        extra = {int(number): cells for number, cells in hidden["rows"]}
        for number, cells in rows:
            for position, cell in extra.get(number, {}).items():
                index = int(position)
                if index < len(cells):
                    cells[index] = str(cell)
    return PendingSchools(
        rows, str(content.get("school_year", "")), dict(content.get("mapping", {}))
    )


# --------------------------------------------------------------------------- the template file

TEMPLATE_HEADINGS = (
    "Schulnummer",
    "Schulname",
    "Schulform",
    "Kurzbezeichnung",
    "Rechtsform",
    "Schulträger",
    "Straße",
    "PLZ",
    "Ort",
    "Breitengrad",
    "Längengrad",
)


def template_headings(code: str) -> list[str]:
    """The headings of the import template, the figures for school year `code`."""
    return [
        *TEMPLATE_HEADINGS,
        f"Schüler/innen {code}",
        f"Sozialindex {code}",
        f"Startchancen {code}",
    ]


def template_file(file_format: str, *, code: str) -> bytes:
    """An empty school list with German headings (CSV for Excel, or XLSX)."""
    headings = template_headings(code)
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(headings)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Schools")[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(str(cell.value)) + 2)
    notes = workbook.create_sheet(_("Notes")[:31])
    for line in template_notes(code):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    out_bytes = io.BytesIO()
    workbook.save(out_bytes)
    return out_bytes.getvalue()


def template_notes(code: str) -> list[str]:
    return [
        _("One school per row; the import reads the first worksheet only."),
        _("Required: Schulnummer (6 digits), Schulname, Schulform."),
        _(
            "Columns you leave out and empty cells keep the value stored in the platform; "
            "nothing is deleted by an import."
        ),
        _(
            "Schüler/innen, Sozialindex and Startchancen count for the school year in the "
            "heading (here %(code)s); you can choose another one in the preview."
        )
        % {"code": code},
        _("Sozialindex: a whole number from 1 to 9. Startchancen: ja or nein."),
        _("Breitengrad and Längengrad: decimal numbers, e.g. 51,5383 and 7,2196."),
    ]


def parse_upload(data: bytes, *, filename: str, school_year: str = "") -> ParseResult:
    """Parse an uploaded school list; figures without a year in their heading
    count for the current school year, all of them for `school_year` if given."""
    return parse_school_file(
        data,
        filename=filename,
        max_bytes=settings.IMPORT_MAX_BYTES,
        default_school_year=current_school_year_code(),
        school_year=school_year or None,
    )
