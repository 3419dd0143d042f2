"""The retention job: records past their municipality's retention period
are deleted; their counts stay in the rollups."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core import school_year
from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.models import Municipality

from ..hooks import rollups
from ..models import Activity, ParticipantCount
from .validation import earliest_date

logger = logging.getLogger(__name__)


def retention_cutoff(*, municipality: Municipality, today: datetime.date) -> datetime.date:
    """The first day that is still kept: the start of the school year that lies
    `activity_retention_years - 1` years before the running one."""
    start_year = school_year.start_year_of(today) - (municipality.activity_retention_years - 1)
    return school_year.bounds(start_year)[0]


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
