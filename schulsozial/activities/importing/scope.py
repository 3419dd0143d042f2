"""Who may import what (a social worker their own rows, a carrier's manager
those of the carrier's staff), loaded once and then answered from dicts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.utils.translation import gettext as _

from schulsozial.accounts import permissions as perms
from schulsozial.masterdata.models import Position, School, StaffMember
from schulsozial.masterdata.school_file import RowError

from .. import selectors
from ..activity_file import ActivityRow
from ..services import normalise_label, worker_of
from .categories import Resolve, _resolver


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
