"""Anonymous surveys: question sets, creating, closing and answering."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.models import Municipality, School

from .. import permissions as perms
from ..models import (
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyQuestion,
    SurveyQuestionSet,
    SurveyRateWindow,
    SurveyResponse,
)
from ..selectors import settings_of
from .base import _person, _require

# --------------------------------------------------------------------------- anonymous surveys
# (issue 16, part two). Creating and closing a survey is audited; an answer
# is not: an audit entry would keep the moment of the answer (and the log
# keeps addresses for other entries). A response row has no user, no address
# and no time stamp.


def survey_question_set(
    *, municipality: Municipality, audience: str, by: Any, copy_questions: bool = True
) -> SurveyQuestionSet:
    """The municipality's question set for an audience; the shipped default is
    copied the first time (without its questions if `copy_questions` is off:
    the question page saves the defaults as the user edited them)."""
    from ..survey_defaults import DEFAULT_SETS

    if audience not in DEFAULT_SETS:
        raise ValidationError(_("Unknown audience."))
    found = SurveyQuestionSet.objects.filter(municipality=municipality, audience=audience).first()
    if found is not None:
        return found
    default = DEFAULT_SETS[audience]
    with transaction.atomic():
        created = SurveyQuestionSet.objects.create(
            municipality=municipality,
            audience=audience,
            title=str(default["title"]),
            intro=str(default["intro"]),
        )
        questions = default["questions"] if copy_questions else []
        assert isinstance(questions, list)  # noqa: S101 - shipped data
        for position, (text, kind) in enumerate(questions, start=1):
            SurveyQuestion.objects.create(
                question_set=created, position=position, text=text, kind=kind
            )
        audit(actor=by, action=Action.CREATE, obj=created, municipality_id=municipality.pk)
    return created


def survey_create(
    *,
    school: School,
    audience: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    by: Any,
    is_demo: bool = False,
) -> Survey:
    import secrets

    _require(perms.can_run_survey_at(by, school))
    if not settings_of(school.municipality_id).surveys_enabled:
        raise ValidationError(_("Anonymous surveys are switched off in the quality settings."))
    if closes_on < opens_on:
        raise ValidationError(_("The survey cannot end before it starts."))
    question_set = survey_question_set(municipality=school.municipality, audience=audience, by=by)
    with transaction.atomic():
        survey = Survey.objects.create(
            school=school,
            question_set=question_set,
            token=secrets.token_urlsafe(24),
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=_person(by),
            is_demo=is_demo,
        )
        audit(
            actor=by,
            action=Action.CREATE,
            obj=survey,
            changes={
                "audience": str(SurveyAudience(audience).label),
                "period": f"{opens_on:%d.%m.%Y} – {closes_on:%d.%m.%Y}",
            },
        )
    return survey


def survey_close(*, survey: Survey, by: Any) -> Survey:
    _require(perms.can_run_survey_at(by, survey.school))
    if survey.closed_at is None:
        with transaction.atomic():
            survey.closed_at = timezone.now()
            survey.save(update_fields=["closed_at"])
            audit(actor=by, action=Action.UPDATE, obj=survey, changes={"closed": True})
    return survey


def survey_is_open(survey: Survey, day: datetime.date) -> bool:
    return (
        survey.closed_at is None
        and survey.opens_on <= day <= survey.closes_on
        and settings_of(survey.school.municipality_id).surveys_enabled
    )


def survey_answer(
    *, survey: Survey, answers: dict[int, Any], day: datetime.date | None = None
) -> SurveyResponse:
    """Store one anonymous response. `answers`: question id -> step (int) or
    free text (str); every scale and yes/no question must be answered."""
    day = day or timezone.localdate()
    if not survey_is_open(survey, day):
        raise ValidationError(_("This survey is closed."), code="closed")
    questions = list(survey.question_set.questions.all())
    rows = []
    for question in questions:
        given = answers.get(question.pk)
        if question.kind == SurveyQuestion.Kind.TEXT:
            text = str(given or "").strip()[:2000]
            if text:
                rows.append(SurveyAnswer(question=question, text=text))
            continue
        if not isinstance(given, int) or not 1 <= given <= question.steps:
            raise ValidationError(_("Please answer every question."), code="unanswered")
        rows.append(SurveyAnswer(question=question, value=given))
    with transaction.atomic():
        response = SurveyResponse.objects.create(survey=survey)
        for row in rows:
            row.response = response
        SurveyAnswer.objects.bulk_create(rows)
    return response


def survey_rate_exceeded(
    *, survey: Survey, limit: int, now: datetime.datetime | None = None
) -> bool:
    """Count one answer attempt on the survey's link in the current minute and
    say whether it is beyond `limit`. The count lives in the database (shared
    by every worker, as the login lock-out of django-axes); a new minute
    starts from one, and the rows of earlier minutes are deleted (of any
    link), so the table never tells when answers came."""
    window = (now or timezone.now()).replace(second=0, microsecond=0)
    with transaction.atomic():
        SurveyRateWindow.objects.filter(window__lt=window).delete()
        counted = SurveyRateWindow.objects.filter(survey=survey, window=window).update(
            count=F("count") + 1
        )
        if not counted:
            SurveyRateWindow.objects.update_or_create(
                survey=survey, defaults={"window": window, "count": 1}
            )
        count = (
            SurveyRateWindow.objects.filter(survey=survey).values_list("count", flat=True).first()
        )
    return (count or 0) > limit


@dataclass(frozen=True)
class QuestionInput:
    pk: int | None
    text: str
    kind: str
    position: int
    delete: bool = False


def survey_questions_save(
    *, question_set: SurveyQuestionSet, rows: Sequence[QuestionInput], by: Any
) -> SurveyQuestionSet:
    """Edit a municipality's question set: change, add and remove questions. A
    question that has answers keeps its kind and cannot be removed (its
    answers would change meaning or be lost)."""
    _require(perms.can_manage_settings(by, question_set.municipality_id))
    kinds = set(SurveyQuestion.Kind.values)
    existing = {q.pk: q for q in question_set.questions.all()}
    answered = set(
        SurveyAnswer.objects.filter(question__in=existing.values())
        .values_list("question_id", flat=True)
        .distinct()
    )
    changes: dict[str, Any] = {}
    with transaction.atomic():
        for row in rows:
            if row.kind not in kinds:
                raise ValidationError(_("Unknown kind of answer."))
            question = existing.get(row.pk) if row.pk else None
            if row.pk and question is None:
                raise ValidationError(_("Unknown question."))
            if (
                question is not None
                and question.pk in answered
                and (row.delete or row.kind != question.kind)
            ):
                raise ValidationError(
                    _("A question with answers keeps its kind and cannot be removed.")
                )
            if row.delete:
                if question is not None:
                    question.delete()
                    changes.setdefault("removed", []).append(question.text)
                continue
            text = row.text.strip()
            if not text:
                continue
            if question is None:
                SurveyQuestion.objects.create(
                    question_set=question_set, text=text, kind=row.kind, position=row.position
                )
                changes.setdefault("added", []).append(text)
            elif (question.text, question.kind, question.position) != (
                text,
                row.kind,
                row.position,
            ):
                question.text, question.kind, question.position = text, row.kind, row.position
                question.save(update_fields=["text", "kind", "position"])
                changes.setdefault("changed", []).append(text)
        if changes:
            audit(
                actor=by,
                action=Action.UPDATE,
                obj=question_set,
                municipality_id=question_set.municipality_id,
                changes=changes,
            )
    return question_set
