"""The per-row import as it was before the bulk path (kept verbatim apart
from imports): parse into a list, then record every row through
``services.activity_record`` (via ``activities_record_many``), one audit entry
and one rollup upsert per row. The reference the bulk path is compared with
in the tests and the naive side of bench/bench_activity_import.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.activities import selectors
from schulsozial.activities.activity_file import CATEGORY_COLUMNS, ParsedFile, parse_activity_file
from schulsozial.activities.models import CatalogueEntry, CatalogueKind, Source
from schulsozial.activities.services import (
    ActivityInput,
    RowsInvalid,
    activities_record_many,
    normalise_label,
    worker_of,
)
from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.models import SchoolType
from schulsozial.masterdata.school_file import RowError

KIND_OF_COLUMN = {
    "activity_type": CatalogueKind.ACTIVITY_TYPE,
    "target_group": CatalogueKind.TARGET_GROUP,
    "topics": CatalogueKind.TOPIC,
    "contact_origin": CatalogueKind.CONTACT_ORIGIN,
    "partner": CatalogueKind.PARTNER,
    "grade_band": CatalogueKind.GRADE_BAND,
}
DEFAULT_BAND: dict[str, str] = {SchoolType.GS: "primary", SchoolType.BK: "vocational"}
PREVIEW_ROWS = 200


@dataclass
class ActivityImportReport:
    parsed: ParsedFile | None
    errors: list[RowError] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=dict)  # kind -> names in the file
    preview: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    rows: int = 0
    dry_run: bool = True

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


def _resolver(municipality_id: int) -> Any:
    """(kind, name in the file) -> entry: remembered mapping, then label, then code."""
    remembered = selectors.mappings_for(municipality_id=municipality_id)
    by_label: dict[tuple[str, str], CatalogueEntry] = {}
    for entry in CatalogueEntry.objects.filter(municipality_id=municipality_id).usable():
        by_label.setdefault((entry.kind, normalise_label(entry.code)), entry)
        by_label[(entry.kind, normalise_label(entry.label))] = entry

    def resolve(kind: str, name: str) -> CatalogueEntry | None:
        key = (kind, normalise_label(name))
        entry = remembered.get(key) or by_label.get(key)
        return entry if entry is not None and not entry.retired else None

    return resolve


def import_activities_per_row(
    *, data: bytes, filename: str, by: Any, dry_run: bool, max_bytes: int | None = None
) -> ActivityImportReport:
    """Read a documentation file and record its rows for the social worker
    `by`. With `dry_run` everything is checked and rolled back (the preview)."""
    parsed = parse_activity_file(
        data, filename=filename, max_bytes=max_bytes or settings.IMPORT_MAX_BYTES
    )
    report = ActivityImportReport(parsed=parsed, errors=list(parsed.errors), dry_run=dry_run)
    if report.errors:
        return report
    worker = worker_of(by)
    schools = list(selectors.worker_schools(user=by)) if worker else []
    if worker is None or not schools:
        report.errors.append(
            RowError(0, "", _("Your account is not linked to a social worker with a school."))
        )
        return report
    by_number = {s.school_number: s for s in schools}
    resolve = _resolver(worker.municipality_id)
    genders = {
        e.code: e
        for e in selectors.catalogue(
            municipality_id=worker.municipality_id, kind=CatalogueKind.GENDER
        )
    }
    unknown: dict[str, set[str]] = defaultdict(set)
    inputs: list[tuple[int, ActivityInput]] = []
    school_column = parsed.columns.get("school", "")
    for row in parsed.rows:
        if row.school:
            school = by_number.get(row.school)
            if school is None:
                report.errors.append(
                    RowError(
                        row.row,
                        school_column,
                        _("school %(number)s is not one of your schools") % {"number": row.school},
                    )
                )
                continue
        elif len(schools) == 1:
            school = schools[0]
        else:
            report.errors.append(
                RowError(
                    row.row,
                    "schulnummer",
                    _("you work at several schools: add a column 'Schulnummer'"),
                )
            )
            continue
        entries: dict[str, Any] = {}
        for column in CATEGORY_COLUMNS:
            kind = KIND_OF_COLUMN[column]
            names = row.topics if column == "topics" else [getattr(row, column)]
            found = []
            for name in names:
                if not name:
                    continue
                entry = resolve(kind, name)
                if entry is None:
                    unknown[kind].add(name)
                else:
                    found.append(entry)
            entries[column] = found
        band = entries["grade_band"][0] if entries["grade_band"] else None
        counts = dict(row.by_gender)
        if row.participants is not None and row.participants > sum(counts.values()):
            counts["not_stated"] = (
                counts.get("not_stated", 0) + row.participants - sum(counts.values())
            )
        participants = {}
        if any(counts.values()):
            if band is None and not row.grade_band:
                band = resolve(
                    CatalogueKind.GRADE_BAND,
                    DEFAULT_BAND.get(school.school_type, "lower_secondary"),
                )
            if band is None:
                if not row.grade_band:
                    report.errors.append(
                        RowError(
                            row.row,
                            parsed.columns.get("grade_band", "stufe"),
                            _("no grade band for the participants"),
                        )
                    )
                continue
            for code, count in counts.items():
                if code not in genders:
                    report.errors.append(
                        RowError(
                            row.row,
                            parsed.columns.get(code, code),
                            _("the gender catalogue has no entry %(code)s") % {"code": code},
                        )
                    )
                    continue
                if count:
                    participants[(genders[code], band)] = count
        if unknown or report.errors:
            continue
        inputs.append(
            (
                row.row,
                ActivityInput(
                    date=row.date,
                    school=school,
                    minutes=row.minutes,
                    activity_type=entries["activity_type"][0],
                    target_group=entries["target_group"][0],
                    topics=tuple(dict.fromkeys(entries["topics"])),
                    contact_origin=(entries["contact_origin"] or [None])[0],
                    partner=(entries["partner"] or [None])[0],
                    follow_up=row.follow_up,
                    participants=participants,
                    case_code=row.case_code,
                ),
            )
        )
    report.rows = len(parsed.rows)
    report.unknown = {kind: sorted(names, key=str.casefold) for kind, names in unknown.items()}
    if report.errors or report.unknown:
        return report
    for number, item in inputs[:PREVIEW_ROWS]:
        report.preview.append(
            {
                "row": number,
                "date": item.date,
                "school": item.school.school_number,
                "minutes": item.minutes,
                "activity_type": item.activity_type.label,
                "target_group": item.target_group.label,
                "topics": ", ".join(t.label for t in item.topics),
                "participants": sum((item.participants or {}).values()),
            }
        )
    column_of = {
        "date": parsed.columns.get("date", ""),
        "minutes": parsed.columns.get("minutes") or parsed.columns.get("hours", ""),
        "school": school_column,
        "participants": parsed.columns.get("participants", ""),
        **{name: parsed.columns.get(name, "") for name in CATEGORY_COLUMNS},
    }
    try:
        with transaction.atomic():
            created = activities_record_many(rows=inputs, by=by, source=Source.IMPORT)
            report.created = len(created)
            audit(
                actor=by,
                action=Action.IMPORT,
                object_type="activities.activity",
                object_repr=_("documentation import"),
                municipality_id=worker.municipality_id,
                changes={"file": filename[:100], "rows": report.rows, "created": report.created},
            )
            if dry_run:
                raise _RollbackError
    except _RollbackError:
        pass
    except RowsInvalid as invalid:
        report.created = 0
        report.errors.extend(
            RowError(row, column_of.get(name, name), reason)
            for row, name, reason in invalid.problems
        )
    except ValidationError as error:  # defensive: a service check outside the rows
        report.created = 0
        report.errors.extend(RowError(0, "", m) for m in error.messages)
    return report
