"""Anonymous surveys: the user's surveys, results under disclosure control
and the pooled free-text answers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from schulsozial.masterdata.models import School

from .. import permissions as perms
from ..models import (
    SurveyQuestionSet,
)
from .base import settings_of

# --------------------------------------------------------------------------- anonymous surveys


def surveys_visible_to(*, user: Any) -> QuerySet[Any]:
    from ..models import Survey

    return (
        Survey.objects.filter(perms.surveys_visible_q(user))
        .select_related("school", "question_set")
        .annotate(answers=Count("responses"))
    )


def survey_detail(*, user: Any, pk: int) -> Any:
    found = surveys_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def question_set_of(*, municipality: Any, audience: str) -> SurveyQuestionSet | None:
    """The municipality's own question set for an audience, None while it
    uses the shipped default (the caller has checked the user may manage it)."""
    return SurveyQuestionSet.objects.filter(municipality=municipality, audience=audience).first()


def survey_by_token(token: str) -> Any:
    """The survey of an answer link (anybody holding the link)."""
    from ..models import Survey

    found = Survey.objects.select_related("school", "question_set").filter(token=token).first()
    if found is None:
        raise Http404
    return found


def survey_schools(*, user: Any) -> QuerySet[School]:
    ids = [
        s.pk
        for s in School.objects.active().filter(perms.schools_q(user)).distinct()
        if perms.can_run_survey_at(user, s)
    ]
    return School.objects.filter(pk__in=ids).order_by("name")


@dataclass
class QuestionResult:
    text: str
    kind: str
    labels: list[str]
    counts: list[int | None]  # published (None: withheld by disclosure control)
    answered: int | None
    mean: Decimal | None


@dataclass
class SurveyResults:
    responses: int
    minimum: int
    threshold: int
    shown: bool
    questions: list[QuestionResult]


def _disclosure_threshold(municipality_id: int) -> int:
    from schulsozial.masterdata.models import Municipality

    found = Municipality.objects.filter(pk=municipality_id).values_list(
        "disclosure_threshold", flat=True
    )
    return int(found[0]) if found and found[0] else 5


def survey_results(*, survey: Any) -> SurveyResults:
    """Counts per answer step, shown only when at least the municipality's
    minimum of responses arrived; each question's counts then go through the
    statistics' disclosure control (statistics.disclosure.protect with the
    municipality's threshold): small counts and what would reveal them are
    withheld. The mean is shown only when no count is withheld (else it
    would narrow the withheld ones down), and not for yes/no questions."""
    from schulsozial.statistics.disclosure import protect

    from ..models import SurveyAnswer, SurveyQuestion
    from ..survey_defaults import SCALE_WORDS

    config = settings_of(survey.school.municipality_id)
    threshold = _disclosure_threshold(survey.school.municipality_id)
    responses = survey.responses.count()
    shown = responses >= config.survey_min_answers
    questions: list[QuestionResult] = []
    if shown:
        for question in survey.question_set.questions.exclude(kind=SurveyQuestion.Kind.TEXT):
            steps = question.steps
            raw = dict(
                SurveyAnswer.objects.filter(
                    response__survey=survey, question=question, value__isnull=False
                )
                .values_list("value")
                .annotate(n=Count("pk"))
                .values_list("value", "n")
            )
            counts = [int(raw.get(step, 0)) for step in range(1, steps + 1)]
            table = protect([counts], threshold=threshold, grand_total="keep")
            total = sum(counts)
            mean = (
                (Decimal(sum(step * n for step, n in enumerate(counts, 1))) / total).quantize(
                    Decimal("0.01")
                )
                if total
                else None
            )
            labels = SCALE_WORDS.get(steps, [str(i) for i in range(1, steps + 1)])
            questions.append(
                QuestionResult(
                    text=question.text,
                    kind=question.kind,
                    labels=list(labels),
                    counts=list(table.cells[0]),
                    answered=table.grand_total,
                    # The mean with a withheld count would narrow it down: shown
                    # only when every count is published; none for yes/no.
                    mean=mean
                    if None not in table.cells[0]
                    and table.grand_total is not None
                    and question.kind != SurveyQuestion.Kind.YES_NO
                    else None,
                )
            )
    return SurveyResults(
        responses=responses,
        minimum=config.survey_min_answers,
        threshold=threshold,
        shown=shown,
        questions=questions,
    )


@dataclass
class PooledTexts:
    audience: str
    label: str
    responses: int
    shown: bool
    texts: list[tuple[str, list[str]]]  # (question, answers sorted)


def survey_texts(*, user: Any) -> list[PooledTexts]:
    """Free-text answers pooled over all surveys of the user's municipality per
    audience, without school or time, sorted alphabetically (so neither the
    order of arrival nor the school can be read off); shown only when the
    pool holds at least the municipality's minimum of responses."""
    from ..models import SurveyAnswer, SurveyAudience, SurveyQuestion, SurveyResponse

    visible = surveys_visible_to(user=user).values("pk")
    result = []
    minimum = min(
        (settings_of(mid).survey_min_answers for mid in perms.survey_municipality_ids(user)),
        default=10,
    )
    for audience, label in SurveyAudience.choices:
        responses = SurveyResponse.objects.filter(
            survey__in=visible, survey__question_set__audience=audience
        ).count()
        shown = responses >= minimum
        texts: list[tuple[str, list[str]]] = []
        if shown:
            by_question: dict[str, list[str]] = {}
            for question, text in SurveyAnswer.objects.filter(
                response__survey__in=visible,
                response__survey__question_set__audience=audience,
                question__kind=SurveyQuestion.Kind.TEXT,
            ).values_list("question__text", "text"):
                if text:
                    by_question.setdefault(question, []).append(text)
            texts = [(q, sorted(answers, key=str.casefold)) for q, answers in by_question.items()]
        result.append(PooledTexts(audience, str(label), responses, shown, texts))
    return result
