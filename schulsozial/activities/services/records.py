"""Writes to the documentation: recording, correcting and deleting activities
(within the correction window), catalogues, and the retention job."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from schulsozial.core import school_year
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create, model_update
from schulsozial.masterdata.models import Carrier, Municipality, School, StaffMember

from .. import permissions as perms
from ..casecode import case_hash
from ..catalogues import DEFAULTS
from ..hooks import facts_of, rollups
from ..models import (
    Activity,
    ApiToken,
    CatalogueEntry,
    CatalogueKind,
    ImportMapping,
    ParticipantCount,
    Source,
)
from ..selectors import active_api_token, stored_record

logger = logging.getLogger(__name__)


@transaction.atomic
def catalogues_ensure_defaults(*, municipality: Municipality, by: Any) -> int:
    """Give a municipality the default catalogues (missing entries only);
    one audit entry, in the name of `by` (a user, or `SYSTEM` for the demo,
    commands and tests), names how many were added."""
    existing = set(
        CatalogueEntry.objects.filter(municipality=municipality).values_list("kind", "code")
    )
    new = [
        CatalogueEntry(
            municipality=municipality, kind=kind, code=code, label=label, sort_order=order
        )
        for kind, entries in DEFAULTS.items()
        for order, (code, label) in enumerate(entries)
        if (kind, code) not in existing
    ]
    CatalogueEntry.objects.bulk_create(new)
    if new:
        audit(
            actor=by,
            action=Action.CREATE,
            object_type=CatalogueEntry._meta.label_lower,
            object_repr=_("default catalogues"),
            municipality_id=municipality.pk,
            changes={"entries": len(new)},
        )
    return len(new)


@transaction.atomic
def catalogue_entry_set(
    *,
    municipality: Municipality,
    kind: str,
    code: str,
    label: str,
    retired: bool,
    by: Any,
    sort_order: int = 0,
) -> CatalogueEntry:
    """Create or change an entry; retiring keeps it for history."""
    entry = CatalogueEntry.objects.filter(municipality=municipality, kind=kind, code=code).first()
    if entry is None:
        return model_create(
            model=CatalogueEntry,
            data={
                "municipality": municipality,
                "kind": kind,
                "code": code,
                "label": label,
                "retired": retired,
                "sort_order": sort_order,
            },
            by=by,
        )
    return model_update(instance=entry, data={"label": label, "retired": retired}, by=by)[0]


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


def correction_deadline(activity: Activity) -> datetime.datetime:
    days = activity.school.municipality.activity_correction_days
    return activity.created_at + datetime.timedelta(days=days)


def is_locked(activity: Activity, *, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) > correction_deadline(activity)


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


def retention_cutoff(*, municipality: Municipality, today: datetime.date) -> datetime.date:
    """The first day that is still kept: the start of the school year that lies
    `activity_retention_years - 1` years before the running one."""
    start_year = school_year.start_year_of(today) - (municipality.activity_retention_years - 1)
    return school_year.bounds(start_year)[0]


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


# --------------------------------------------------------------------------- catalogues


def _unique_code(municipality: Municipality, kind: str, label: str) -> str:
    from django.utils.text import slugify

    base = slugify(label.replace("ß", "ss"))[:34] or "entry"
    code, n = base, 1
    taken = set(
        CatalogueEntry.objects.filter(municipality=municipality, kind=kind).values_list(
            "code", flat=True
        )
    )
    while code in taken:
        n += 1
        code = f"{base}-{n}"
    return code


@transaction.atomic
def catalogue_entry_add(
    *, municipality: Municipality, kind: str, label: str, by: Any, code: str = ""
) -> CatalogueEntry:
    """Add an entry to a municipality's catalogue; the code (stable for
    statistics and the API) is derived from the label unless given."""
    if kind not in CatalogueKind.values:
        raise ValidationError({"kind": _("Unknown catalogue.")})
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": _("This field is required.")})
    if CatalogueEntry.objects.filter(
        municipality=municipality, kind=kind, label__iexact=label
    ).exists():
        raise ValidationError({"label": _("The catalogue already has an entry with this label.")})
    if (
        code
        and CatalogueEntry.objects.filter(municipality=municipality, kind=kind, code=code).exists()
    ):
        raise ValidationError({"code": _("The catalogue already has an entry with this code.")})
    last = (
        CatalogueEntry.objects.filter(municipality=municipality, kind=kind)
        .order_by("-sort_order")
        .first()
    )
    return catalogue_entry_set(
        municipality=municipality,
        kind=kind,
        code=code or _unique_code(municipality, kind, label),
        label=label,
        retired=False,
        by=by,
        sort_order=(last.sort_order + 1) if last else 0,
    )


@transaction.atomic
def catalogue_entry_update(
    *, entry: CatalogueEntry, label: str, retired: bool, by: Any
) -> CatalogueEntry:
    """Rename or retire (or reactivate) an entry. Records keep their entry:
    a retired entry is no longer offered but stays in history and statistics."""
    label = " ".join(label.split())
    if not label:
        raise ValidationError({"label": _("This field is required.")})
    clash = CatalogueEntry.objects.filter(
        municipality_id=entry.municipality_id, kind=entry.kind, label__iexact=label
    ).exclude(pk=entry.pk)
    if clash.exists():
        raise ValidationError({"label": _("The catalogue already has an entry with this label.")})
    if (
        retired
        and not entry.retired
        and entry.kind
        in (
            CatalogueKind.ACTIVITY_TYPE,
            CatalogueKind.TARGET_GROUP,
            CatalogueKind.GENDER,
            CatalogueKind.GRADE_BAND,
        )
    ):
        others = CatalogueEntry.objects.filter(
            municipality_id=entry.municipality_id, kind=entry.kind, retired=False
        ).exclude(pk=entry.pk)
        if not others.exists():
            raise ValidationError(
                {"retired": _("The last usable entry of a required catalogue cannot be retired.")}
            )
    return catalogue_entry_set(
        municipality=entry.municipality,
        kind=entry.kind,
        code=entry.code,
        label=label,
        retired=retired,
        by=by,
    )


@transaction.atomic
def import_mapping_set(
    *, municipality: Municipality, kind: str, source_label: str, entry: CatalogueEntry, by: Any
) -> ImportMapping:
    """Remember that a file's own category name means `entry` (per municipality)."""
    if entry.municipality_id != municipality.pk or entry.kind != kind:
        raise ValidationError({"entry": _("Choose an entry of the current catalogue.")})
    key = normalise_label(source_label)[:120]
    mapping, created = ImportMapping.objects.update_or_create(
        municipality=municipality, kind=kind, source_label=key, defaults={"entry": entry}
    )
    audit(
        actor=by,
        action=Action.CREATE if created else Action.UPDATE,
        obj=mapping,
        municipality_id=municipality.pk,
        changes={"kind": kind, "source": key, "entry": entry.code},
    )
    return mapping


def normalise_label(text: str) -> str:
    return " ".join(str(text).casefold().split())


# --------------------------------------------------------------------------- API tokens


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, carrier: Carrier, name: str, by: Any) -> tuple[ApiToken, str]:
    """Create a token for `carrier`; returns the token and its key, which is
    shown once and never stored (only its hash is)."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    key = "ssk_" + secrets.token_urlsafe(32)
    token = ApiToken(
        carrier=carrier,
        name=name[:100],
        prefix=key[:10],
        key_hash=_hash_key(key),
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    token.full_clean()
    token.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=token,
        municipality_id=carrier.municipality_id,
        changes={"carrier": carrier.name, "name": token.name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, by: Any) -> ApiToken:
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked"])
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=token,
            municipality_id=token.carrier.municipality_id,
            changes={"revoked": [False, True]},
        )
    return token


def api_token_for_key(key: str) -> ApiToken | None:
    """The active token with this key (or None); notes its last use at most once a minute."""
    if not key or len(key) > 200:
        return None
    token = active_api_token(key_hash=_hash_key(key))
    if token is not None:
        now = timezone.now()
        if token.last_used is None or now - token.last_used > datetime.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used=now)
            token.last_used = now
    return token


# --------------------------------------------------------------------------- retention


@dataclass
class RetentionReport:
    municipality: str
    cutoff: datetime.date
    deleted: int
    dry_run: bool
    skipped: int = 0  # past the period, but left for a person: see the log


@transaction.atomic
def retention_apply(
    *,
    municipality: Municipality,
    by: Any,
    today: datetime.date | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Delete the records whose retention period has ended; their counts stay
    in the rollups (statistics), which keep the history. One audit entry says
    what was removed."""
    cutoff = retention_cutoff(municipality=municipality, today=today or timezone.localdate())
    old = Activity.objects.filter(school__municipality=municipality, date__lt=cutoff)
    # A record no entry path accepts (dated before the floor, written past the
    # checks) has no school year: it is logged and left for a person to
    # correct, and the job goes on with the others.
    first = earliest_date()
    bad = list(old.filter(date__lt=first).values_list("pk", flat=True)[:1000])
    for pk in bad:
        logger.warning(
            "retention %s: record %s is dated before %s; left out, please correct it",
            municipality.ags,
            pk,
            first.isoformat(),
        )
    skipped = old.filter(date__lt=first).count() if len(bad) == 1000 else len(bad)
    old = old.filter(date__gte=first)
    failed: list[tuple[int, int]] = []
    if not dry_run and old.exists():
        # Every (school, school year) whose rollups cannot be recomputed is
        # logged and kept (statistics.rollups.ensure_rollups_each); the others go on.
        failed = rollups().ensure_rollups_each(old)
        for school_id, year in failed:
            start, end = school_year.bounds(year)
            kept = old.filter(school_id=school_id, date__gte=start, date__lte=end)
            skipped += kept.count()
            old = old.exclude(pk__in=kept.values("pk"))
    deleted = old.count()
    report = RetentionReport(
        municipality=municipality.name,
        cutoff=cutoff,
        deleted=deleted,
        dry_run=dry_run,
        skipped=skipped,
    )
    if dry_run:
        return report
    if deleted:
        ParticipantCount.objects.filter(activity__in=old).delete()
        Activity.topics.through.objects.filter(activity__in=old).delete()
        old.delete()
    # Only counts outlive the records: the case hashes of the school years
    # left without records become plain distinct-case counts (F-06); also
    # those an earlier retention run kept.
    forgotten = rollups().forget_cases(municipality_id=municipality.pk, before_year=cutoff.year)
    if not deleted and not forgotten:
        return report
    audit(
        actor=by,
        action=Action.DELETE,
        object_type="activities.activity",
        object_repr=_("retention: records before %(date)s") % {"date": cutoff.isoformat()},
        municipality_id=municipality.pk,
        changes={
            "cutoff": cutoff,
            "deleted": deleted,
            "retention_years": municipality.activity_retention_years,
            "case_hashes_removed": forgotten,
            "skipped": skipped,
        },
    )
    return report
