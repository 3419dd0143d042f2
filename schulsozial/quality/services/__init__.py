"""Every write of quality management. Keyword-only, atomic, audited.

Each service receives the actor (`by`: a user, or `SYSTEM` for the demo and
commands), asks quality.permissions whether the actor may act (a refusal is
PermissionDenied) and checks the state (InvalidStepError, a readable
ValidationError):

    draft --submit (worker)--> submitted --co-sign (principal)--> co_signed
      ^                          |                                   |
      +---- return (principal) --+             closing review (worker)
                                                                     v
                                                                  closed

The school's view is written while the evaluation is submitted (before the
co-sign), the carrier's while it is submitted or co-signed.

By topic: settings; self_evaluation (ratings, submit, return, co-sign, the
carrier's view); closing_review (Jahresbilanz); dialogue; surveys.
"""

from __future__ import annotations

from .base import (
    ST,
    InvalidStepError,
)
from .closing_review import (
    ChangeInput,
    closing_review_create,
    next_school_year,
)
from .dialogue import (
    ParticipantInput,
    dialogue_create,
    dialogue_update,
)
from .self_evaluation import (
    WRITABLE_IN,
    RatingInput,
    carrier_view_submit,
    evaluation_co_sign,
    evaluation_return,
    evaluation_start,
    evaluation_submit,
    ratings_save,
)
from .settings import (
    settings_update,
)
from .surveys import (
    QuestionInput,
    survey_answer,
    survey_close,
    survey_create,
    survey_is_open,
    survey_question_set,
    survey_questions_save,
    survey_rate_exceeded,
)

__all__ = [
    "ST",
    "WRITABLE_IN",
    "ChangeInput",
    "InvalidStepError",
    "ParticipantInput",
    "QuestionInput",
    "RatingInput",
    "carrier_view_submit",
    "closing_review_create",
    "dialogue_create",
    "dialogue_update",
    "evaluation_co_sign",
    "evaluation_return",
    "evaluation_start",
    "evaluation_submit",
    "next_school_year",
    "ratings_save",
    "settings_update",
    "survey_answer",
    "survey_close",
    "survey_create",
    "survey_is_open",
    "survey_question_set",
    "survey_questions_save",
    "survey_rate_exceeded",
]
