"""Parsed rows turned into checked records (ids only): the rules of
services.record_problems, without a query per row, every problem collected
as "row N, column C: reason"."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.masterdata.models import School, SchoolType
from schulsozial.masterdata.school_file import RowError

from .. import selectors
from ..activity_file import CATEGORY_COLUMNS, ActivityRow, pending_line
from ..bulk import NewActivity
from ..casecode import case_hash
from ..models import CatalogueEntry, CatalogueKind
from ..services import date_problem
from .categories import KIND_OF_COLUMN
from .scope import _Scope

DEFAULT_BAND: dict[str, str] = {SchoolType.GS: "primary", SchoolType.BK: "vocational"}


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
