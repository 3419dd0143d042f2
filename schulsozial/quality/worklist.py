"""The work of the quality cycle in the task lists and calendars
(notifications.registry), registered from QualityConfig.ready().

Every read goes through quality.selectors (scoped) and every "may this user
do it" through quality.permissions, so a task shows only what the quality
pages would offer the user, and is gone as soon as the step is done:

- social workers: start and submit the year's self-evaluation (due on the
  municipality's date), write the closing review (due at the school year's end);
- principal: co-sign (due `cosign_days` after the submission);
- carrier: add its view (the same date);
- coordination: hold the quality dialogue of a co-signed evaluation (due at
  the school year's end).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.masterdata.models import SchoolYear
from schulsozial.notifications.registry import Deadline, WorkItem

from . import permissions as perms
from . import selectors
from .models import Perspective, QualityDialogue, SelfEvaluation

ST = SelfEvaluation.Status


def submit_due(evaluation_or_school: Any, school_year: Any) -> datetime.date:
    """The municipality's submission date inside the school year."""
    municipality_id = (
        evaluation_or_school.school.municipality_id
        if hasattr(evaluation_or_school, "school")
        else evaluation_or_school.municipality_id
    )
    config = selectors.settings_of(municipality_id)
    month = config.submit_due_month
    year = school_year.start.year if month >= school_year.start.month else school_year.end.year
    day = min(config.submit_due_day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def cosign_due(evaluation: SelfEvaluation, submitted_at: datetime.datetime) -> datetime.date:
    config = selectors.settings_of(evaluation.school.municipality_id)
    return timezone.localdate(submitted_at) + datetime.timedelta(days=config.cosign_days)


def _url(evaluation: SelfEvaluation) -> str:
    return reverse("quality:evaluation_detail", args=[evaluation.pk])


def quality_tasks(user: Any, day: datetime.date) -> Iterator[WorkItem]:
    if not perms.can_use_quality(user):
        return
    year = SchoolYear.objects.containing(day).first()
    if year is not None:
        for school in selectors.schools_to_start(user=user, school_year=year):
            yield WorkItem(
                "start_self_evaluation",
                _("Start the self-evaluation %(year)s of %(school)s")
                % {"year": year.code, "school": school.name},
                reverse("quality:home"),
                due=submit_due(school, year),
                municipality_id=school.municipality_id,
            )
    open_states = [ST.DRAFT, ST.SUBMITTED, ST.CO_SIGNED]
    evaluations = (
        selectors.evaluations_visible_to(user=user)
        .filter(status__in=open_states)
        .prefetch_related("perspectives")
        .order_by("school__name")
    )
    for evaluation in evaluations:
        name, mun = evaluation.school.name, evaluation.school.municipality_id
        records = {p.perspective: p for p in evaluation.perspectives.all()}
        worker = records.get(Perspective.WORKER)
        args = {"school": name, "year": evaluation.school_year.code}
        if evaluation.status == ST.DRAFT and perms.can_write_perspective(
            user, evaluation, Perspective.WORKER
        ):
            yield WorkItem(
                "submit_self_evaluation",
                _("Complete and submit the self-evaluation %(year)s of %(school)s") % args,
                _url(evaluation),
                due=submit_due(evaluation, evaluation.school_year),
                municipality_id=mun,
            )
        submitted_at = worker.submitted_at if worker else None
        if (
            evaluation.status == ST.SUBMITTED
            and submitted_at
            and perms.can_co_sign(user, evaluation)
        ):
            yield WorkItem(
                "co_sign_self_evaluation",
                _("Add the school's view and co-sign the self-evaluation %(year)s of %(school)s")
                % args,
                _url(evaluation),
                due=cosign_due(evaluation, submitted_at),
                municipality_id=mun,
            )
        carrier = records.get(Perspective.CARRIER)
        if (
            carrier is not None
            and carrier.submitted_at is None
            and submitted_at
            and evaluation.status in (ST.SUBMITTED, ST.CO_SIGNED)
            and perms.can_write_perspective(user, evaluation, Perspective.CARRIER)
        ):
            yield WorkItem(
                "carrier_view_self_evaluation",
                _("Add the carrier's view to the self-evaluation %(year)s of %(school)s") % args,
                _url(evaluation),
                due=cosign_due(evaluation, submitted_at),
                municipality_id=mun,
            )
        if evaluation.status == ST.CO_SIGNED:
            if perms.can_close_review(user, evaluation):
                yield WorkItem(
                    "closing_review",
                    _("Write the closing review %(year)s of %(school)s") % args,
                    reverse("quality:closing_review", args=[evaluation.pk]),
                    due=evaluation.school_year.end,
                    municipality_id=mun,
                )
            held = QualityDialogue.objects.filter(
                school_id=evaluation.school_id, school_year_id=evaluation.school_year_id
            ).exists()
            if not held and perms.coordinates_school(user, evaluation.school):
                yield WorkItem(
                    "quality_dialogue",
                    _("Hold the quality dialogue %(year)s with %(school)s") % args,
                    reverse("quality:dialogue_create") + f"?school={evaluation.school_id}",
                    due=evaluation.school_year.end,
                    municipality_id=mun,
                )


def quality_deadlines(user: Any, day: datetime.date) -> Iterator[Deadline]:
    """The submission date of each open self-evaluation the user writes."""
    if not perms.can_use_quality(user):
        return
    for evaluation in selectors.evaluations_visible_to(user=user).filter(status=ST.DRAFT):
        if perms.can_write_perspective(user, evaluation, Perspective.WORKER):
            yield Deadline(
                key=f"self_evaluation_submit:{evaluation.pk}",
                date=submit_due(evaluation, evaluation.school_year),
                title=_("Self-evaluation %(year)s of %(school)s due")
                % {"year": evaluation.school_year.code, "school": evaluation.school.name},
                url=_url(evaluation),
                municipality_id=evaluation.school.municipality_id,
                remind=True,
            )


def register() -> None:
    from schulsozial.notifications.registry import register_deadlines, register_tasks

    register_tasks(quality_tasks)
    register_deadlines(quality_deadlines)
