"""The school's yearly goals and their review at year end."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit, diff_fields
from schulsozial.core.services import model_create, model_update
from schulsozial.masterdata.models import School

from .. import permissions as perms
from ..models import YearlyGoal
from .base import require

REVIEWED = {YearlyGoal.Review.ACHIEVED, YearlyGoal.Review.PARTLY, YearlyGoal.Review.NOT_ACHIEVED}


@transaction.atomic
def yearly_goal_create(*, school: School, by: Any, **data: Any) -> YearlyGoal:
    require(perms.can_manage_yearly_goals(by, school))
    return model_create(
        model=YearlyGoal,
        data={"school": school, **data},
        municipality_id=school.municipality_id,
        changes={k: v for k, v in data.items() if k != "school_year"},
        by=by,
    )


@transaction.atomic
def yearly_goal_update(*, goal: YearlyGoal, by: Any, **data: Any) -> YearlyGoal:
    require(perms.can_manage_yearly_goals(by, goal.school))
    return model_update(instance=goal, data=data, by=by)[0]


@transaction.atomic
def yearly_goal_review(
    *, goal: YearlyGoal, review: str, review_comment: str, by: Any
) -> YearlyGoal:
    """The review at year end: achieved, partly achieved, not achieved, with a comment."""
    require(perms.can_manage_yearly_goals(by, goal.school))
    if review not in REVIEWED:
        raise ValidationError({"review": _("Choose achieved, partly achieved or not achieved.")})
    if not review_comment.strip():
        raise ValidationError({"review_comment": _("Please comment on the result.")})
    changes = diff_fields(goal, {"review": review, "review_comment": review_comment.strip()})
    goal.review, goal.review_comment = review, review_comment.strip()
    goal.reviewed_at = timezone.now()
    goal.save(update_fields=["review", "review_comment", "reviewed_at"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=goal,
        municipality_id=goal.school.municipality_id,
        changes=changes,
    )
    return goal
