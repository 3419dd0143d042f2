"""Demo data of the anonymous surveys (issue 16, part two): Herne switches
them on; one staff survey with enough answers to show results, one pupil
survey still below the minimum, and one closed survey of last term. The
answers are made up and plausible (most say the offer helps)."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import School

from . import services
from .models import Survey, SurveyQuestion

STAFF_TEXTS = [
    "Die offene Sprechstunde in der großen Pause hilft sehr.",
    "Mehr Zeit für Klassenprojekte wäre gut.",
    "Die Absprachen mit dem Kollegium könnten regelmäßiger sein.",
    "Bitte die Elternabende weiter begleiten.",
]
PUPIL_TEXTS = ["Mehr Angebote in der Mittagspause.", "Ein ruhiger Raum zum Reden."]


def _answers(survey: Survey, rng: random.Random, texts: list[str]) -> dict[int, Any]:
    result: dict[int, Any] = {}
    for question in survey.question_set.questions.all():
        if question.kind == SurveyQuestion.Kind.TEXT:
            result[question.pk] = rng.choice(texts) if rng.random() < 0.3 else ""
        elif question.kind == SurveyQuestion.Kind.YES_NO:
            result[question.pk] = 2 if rng.random() < 0.75 else 1
        else:
            top = question.steps
            result[question.pk] = rng.choices(
                range(1, top + 1), weights=[1, 2, 5, 4][:top] + [3] * (top - 4)
            )[0]
    return result


def build_survey_demo(*, municipality: Any, schools: list[School], stdout: Any = None) -> None:
    if len(schools) < 3 or Survey.objects.filter(school__municipality=municipality).exists():
        return
    rng = random.Random(16)  # noqa: S311 - demo data, not security
    services.settings_update(municipality=municipality, by=SYSTEM, surveys_enabled=True)
    today = timezone.localdate()
    plan = [
        (schools[0], "staff", -14, 14, 17, STAFF_TEXTS),
        (schools[1], "pupils", -7, 21, 6, PUPIL_TEXTS),
        (schools[2], "staff", -120, -90, 12, STAFF_TEXTS),
    ]
    for school, audience, start, end, count, texts in plan:
        survey = services.survey_create(
            school=school,
            audience=audience,
            opens_on=today + datetime.timedelta(days=start),
            closes_on=today + datetime.timedelta(days=max(end, start)),
            by=SYSTEM,
            is_demo=True,
        )
        if end < 0:  # answered in its period, written here directly
            survey.closes_on = today
            survey.save(update_fields=["closes_on"])
        for _i in range(count):
            services.survey_answer(survey=survey, answers=_answers(survey, rng, texts))
        if end < 0:
            survey.closes_on = today + datetime.timedelta(days=end)
            survey.save(update_fields=["closes_on"])
            services.survey_close(survey=survey, by=SYSTEM)
    if stdout is not None:
        stdout.write(f"Befragungen {municipality.name}: {len(plan)}\n")
