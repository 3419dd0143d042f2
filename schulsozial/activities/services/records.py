"""Writes of the records: recording, correcting and deleting activities
(within the correction window), and many at once (weekly grid, import)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.models import StaffMember

from ..casecode import case_hash
from ..hooks import facts_of, rollups
from ..models import Activity, CatalogueEntry, ParticipantCount, Source
from ..selectors import stored_record
from .validation import ActivityInput, record_problems, worker_of


def correction_deadline(activity: Activity) -> datetime.datetime:
    days = activity.school.municipality.activity_correction_days
    return activity.created_at + datetime.timedelta(days=days)


def is_locked(activity: Activity, *, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) > correction_deadline(activity)


def _validate(
    data: ActivityInput, *, worker: StaffMember, user: Any, via_api: bool = False
) -> None:
    errors = record_problems(data, worker=worker, user=user, via_api=via_api)
    if errors:
        raise ValidationError(errors)


def _participants_total(
    participants: Mapping[tuple[CatalogueEntry, CatalogueEntry], int] | None,
) -> int:
    """The record's `participants` column, set before the record is saved."""
    return sum(count for count in (participants or {}).values() if count)


def _write_participants(
    activity: Activity,
    participants: Mapping[tuple[CatalogueEntry, CatalogueEntry], int] | None,
    *,
    replace: bool = True,
) -> None:
    """Store the participant cells of a saved record (replacing the old ones
    on a correction); `activity.participants` holds their total already."""
    if replace:
        activity.participant_counts.all().delete()
    rows = [
        ParticipantCount(activity=activity, gender=gender, grade_band=band, count=count)
        for (gender, band), count in (participants or {}).items()
        if count
    ]
    if rows:
        ParticipantCount.objects.bulk_create(rows)


# Checked by record_problems (scope, catalogue kind and municipality) or by
# the database (foreign keys, the unique client id, the minutes range):
# full_clean would read every foreign key's row again, one query each.
_CHECKED_ELSEWHERE = [
    "topics",
    "school",
    "worker",
    "author",
    "activity_type",
    "target_group",
    "contact_origin",
    "partner",
]


@transaction.atomic
def activity_record(
    *,
    data: ActivityInput,
    by: Any,
    worker: StaffMember | None = None,
    source: str = Source.FORM,
    audit_details: Mapping[str, Any] | None = None,
    audit_actor: Any = None,
) -> tuple[Activity, bool]:
    """Record one activity for the social worker `by` (web), or, from the API,
    for the explicit `worker` (the caller has checked the token's carrier
    scope; the school must be one where the worker holds a position). With a
    client id the call is idempotent: the same id returns the existing record
    (created=False), even if the data given would no longer be valid.
    `audit_actor` is whom the audit entry names when it is not `by` (the
    API: the person who created the token)."""
    via_api = worker is not None
    if worker is None:
        worker = worker_of(by)
    if worker is None:
        raise ValidationError(_("Your account is not linked to a social worker."))
    existing = stored_record(worker=worker, client_id=data.client_id)
    if existing is not None:
        return existing, False
    _validate(data, worker=worker, user=by, via_api=via_api)
    now = timezone.now()
    activity = Activity(
        school=data.school,
        worker=worker,
        author=by if getattr(by, "is_authenticated", False) else None,
        date=data.date,
        minutes=data.minutes,
        activity_type=data.activity_type,
        target_group=data.target_group,
        contact_origin=data.contact_origin,
        partner=data.partner,
        follow_up=data.follow_up,
        source=source,
        case_hash=case_hash(school_id=data.school.pk, code=data.case_code)
        if data.case_code
        else "",
        client_id=data.client_id or uuid.uuid4(),
        participants=_participants_total(data.participants),
        created_at=now,
        updated_at=now,
    )
    activity.full_clean(exclude=_CHECKED_ELSEWHERE, validate_constraints=False)
    activity.save(force_insert=True)
    topics = tuple(dict.fromkeys(data.topics))
    Activity.topics.through.objects.bulk_create(
        [Activity.topics.through(activity=activity, catalogueentry=topic) for topic in topics]
    )
    _write_participants(activity, data.participants, replace=False)
    rollups().change(added=[facts_of(activity)])
    audit(
        actor=audit_actor if audit_actor is not None else by,
        action=Action.CREATE,
        obj=activity,
        municipality_id=data.school.municipality_id,
        changes={
            "school": data.school.school_number,
            "date": data.date,
            "minutes": data.minutes,
            "source": source,
            **(audit_details or {}),
        },
    )
    return activity, True


@transaction.atomic
def activity_correct(*, activity: Activity, data: ActivityInput, by: Any) -> Activity:
    """Correct a record within the correction window; afterwards it is locked."""
    # The record's row only: locking the joined school and municipality too
    # would make every entry and rollup write at that school wait (their
    # foreign keys share-lock the school row).
    activity = (
        Activity.objects.select_for_update(of=("self",), no_key=True)
        .select_related("school__municipality")
        .get(pk=activity.pk)
    )
    if activity.author_id != getattr(by, "pk", None):
        raise ValidationError(_("Only the author can correct a record."))
    if is_locked(activity):
        raise ValidationError(_("This record is locked: the correction window has ended."))
    worker = worker_of(by)
    if worker is None:
        raise ValidationError(_("Your account is not linked to a social worker."))
    _validate(data, worker=worker, user=by)
    before = {
        "date": activity.date,
        "minutes": activity.minutes,
        "school": activity.school.school_number,
    }
    as_it_was = facts_of(activity)
    activity.school, activity.date, activity.minutes = data.school, data.date, data.minutes
    activity.activity_type, activity.target_group = data.activity_type, data.target_group
    activity.contact_origin, activity.partner, activity.follow_up = (
        data.contact_origin,
        data.partner,
        data.follow_up,
    )
    if data.case_code:
        activity.case_hash = case_hash(school_id=data.school.pk, code=data.case_code)
    activity.participants = _participants_total(data.participants)
    activity.full_clean(exclude=["topics"])
    activity.save()
    activity.topics.set(data.topics)
    _write_participants(activity, data.participants)
    rollups().change(added=[facts_of(activity)], removed=[as_it_was])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=activity,
        municipality_id=data.school.municipality_id,
        changes={
            "before": before,
            "after": {
                "date": data.date,
                "minutes": data.minutes,
                "school": data.school.school_number,
            },
        },
    )
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, by: Any) -> None:
    activity = (
        Activity.objects.select_for_update(of=("self",))  # the record only (activity_correct)
        .select_related("school__municipality")
        .get(pk=activity.pk)
    )
    if activity.author_id != getattr(by, "pk", None):
        raise ValidationError(_("Only the author can delete a record."))
    if is_locked(activity):
        raise ValidationError(_("This record is locked: the correction window has ended."))
    audit(
        actor=by,
        action=Action.DELETE,
        obj=activity,
        municipality_id=activity.school.municipality_id,
        changes={
            "school": activity.school.school_number,
            "date": activity.date,
            "minutes": activity.minutes,
        },
    )
    rollups().change(removed=[facts_of(activity)])
    activity.delete()


# --------------------------------------------------------------------------- many at once


class RowsInvalid(ValidationError):  # noqa: N818  (a ValidationError, named like one)
    """Rows of a many-at-once write that failed: (row, field, reason) each."""

    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        self.problems = problems
        super().__init__(
            [
                _("row %(row)s, %(field)s: %(reason)s") % {"row": r, "field": f, "reason": m}
                for r, f, m in problems
            ]
        )


@transaction.atomic
def activities_record_many(
    *, rows: list[tuple[int, ActivityInput]], by: Any, source: str
) -> list[Activity]:
    """Record many activities (weekly grid, import): all or nothing. `rows`
    pairs each input with the row number an error message names; a failure
    raises RowsInvalid listing every failed row."""
    created: list[Activity] = []
    problems: list[tuple[int, str, str]] = []
    for number, data in rows:
        try:
            activity, _new = activity_record(data=data, by=by, source=source)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, messages in error.message_dict.items():
                    problems.extend(
                        (number, name if name != "__all__" else "", m) for m in messages
                    )
            else:
                problems.extend((number, "", m) for m in error.messages)
        else:
            created.append(activity)
    if problems:
        raise RowsInvalid(problems)
    return created
