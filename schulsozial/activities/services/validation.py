"""The rules of a record, for every entry path (form, weekly grid, API,
import): what a social worker records and what is wrong with it."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schulsozial.masterdata.models import School, StaffMember

from .. import permissions as perms
from ..models import CatalogueEntry, CatalogueKind


@dataclass(frozen=True)
class ActivityInput:
    """What a social worker records; catalogue fields are entries (or codes via the API)."""

    date: datetime.date
    school: School
    minutes: int
    activity_type: CatalogueEntry
    target_group: CatalogueEntry
    topics: tuple[CatalogueEntry, ...] = ()
    contact_origin: CatalogueEntry | None = None
    partner: CatalogueEntry | None = None
    follow_up: bool = False
    participants: Mapping[tuple[CatalogueEntry, CatalogueEntry], int] | None = (
        None  # (gender, grade band) -> n
    )
    case_code: str = ""
    client_id: uuid.UUID | None = None


def worker_of(user: Any) -> StaffMember | None:
    """The staff member linked to `user`, or None. The one-to-one is cached on
    the user object, so the permission check (`can_document`) and the services
    of one request read it once."""
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "staff_member", None)


def earliest_date() -> datetime.date:
    """The first day an activity may be dated (settings.ACTIVITY_EARLIEST_DATE,
    2000-01-01 by default): every entry path refuses an earlier date, so no
    record can fall outside the school years the rollups and retention know."""
    try:
        return datetime.date.fromisoformat(settings.ACTIVITY_EARLIEST_DATE)
    except (AttributeError, TypeError, ValueError):
        return datetime.date(2000, 1, 1)


def date_problem(day: datetime.date, *, today: datetime.date | None = None) -> str:
    """Why `day` cannot be an activity's date ("" when it can): not before
    `earliest_date()`, not in the future."""
    if day > (today or timezone.localdate()):
        return _("The date lies in the future.")
    first = earliest_date()
    if day < first:
        return _("The date lies before %(day)s; no activity can be dated earlier.") % {
            "day": formats.date_format(first, "SHORT_DATE_FORMAT")
        }
    return ""


def record_problems(
    data: ActivityInput, *, worker: StaffMember, user: Any, via_api: bool = False
) -> dict[str, str]:
    """What is wrong with a record, by field ({} when nothing is): the one
    place of the record rules, for every entry path (form, weekly grid, API,
    import). A person records at their own schools; the API, for the worker,
    at a school of one of the worker's positions on that day."""
    errors: dict[str, str] = {}
    school = data.school
    if via_api:
        if not perms.api_may_record_at(worker=worker, school=school, day=data.date):
            errors["school"] = _("The social worker holds no position at this school on this date.")
    elif not perms.can_record_at(user, school):
        errors["school"] = _("You can only document activities at your own schools.")
    if school.municipality_id != worker.municipality_id:
        errors["school"] = _("The school belongs to another municipality.")
    problem = date_problem(data.date)
    if problem:
        errors["date"] = problem
    if not 1 <= data.minutes <= 720:
        errors["minutes"] = _("Minutes must be between 1 and 720.")
    expected = {
        "activity_type": (data.activity_type, CatalogueKind.ACTIVITY_TYPE),
        "target_group": (data.target_group, CatalogueKind.TARGET_GROUP),
        "contact_origin": (data.contact_origin, CatalogueKind.CONTACT_ORIGIN),
        "partner": (data.partner, CatalogueKind.PARTNER),
    }
    for field, (entry, kind) in expected.items():
        if entry is not None and (
            entry.kind != kind or entry.municipality_id != school.municipality_id or entry.retired
        ):
            errors[field] = _("Choose an entry of the current catalogue.")
    for topic in data.topics:
        if (
            topic.kind != CatalogueKind.TOPIC
            or topic.municipality_id != school.municipality_id
            or topic.retired
        ):
            errors["topics"] = _("Choose topics of the current catalogue.")
    for (gender, band), count in (data.participants or {}).items():
        if gender.kind != CatalogueKind.GENDER or band.kind != CatalogueKind.GRADE_BAND:
            errors["participants"] = _("Participants are counted by gender and grade band.")
        if not 0 <= count <= 2000:
            errors["participants"] = _("A participant count lies between 0 and 2000.")
    return errors
