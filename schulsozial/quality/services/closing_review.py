"""The closing review (Jahresbilanz): strengths, weaknesses and the changes
for next year, each a yearly goal of the next school year."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.concepts import services as concept_services
from schulsozial.concepts.models import YearlyGoal
from schulsozial.core import school_year as sy
from schulsozial.core.actors import SYSTEM
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create
from schulsozial.masterdata import services as masterdata_services
from schulsozial.masterdata.models import SchoolYear

from .. import permissions as perms
from ..models import (
    ClosingChange,
    ClosingReview,
    SelfEvaluation,
)
from ..selectors import settings_of
from .base import ST, _person, _require, _require_state


@dataclass(frozen=True)
class ChangeInput:
    """One change chosen in the closing review (becomes a yearly goal)."""

    goal: str
    measures: str
    responsible: str
    standard_id: int | None = None


def next_school_year(school_year: SchoolYear) -> SchoolYear:
    """The school year after `school_year` (created when missing: calendar
    data of the platform, so by SYSTEM, not by the person closing the review)."""
    start_year = school_year.start.year + 1
    return masterdata_services.school_year_get_or_create(code=sy.code(start_year), by=SYSTEM)


@transaction.atomic
def closing_review_create(
    *,
    evaluation: SelfEvaluation,
    strengths: str,
    weaknesses: str,
    changes: Sequence[ChangeInput],
    by: Any,
) -> ClosingReview:
    """The strengths-and-weaknesses review: at most `max_changes` changes,
    each created as a yearly goal of the next school year through the
    concepts services (co_signed -> closed)."""
    _require(perms.can_close_review(by, evaluation))
    _require_state(evaluation, [ST.CO_SIGNED], _("Closing review"))
    config = settings_of(evaluation.school.municipality_id)
    chosen = [c for c in changes if c.goal.strip()]
    if len(chosen) > config.max_changes:
        raise ValidationError(
            ngettext(
                "Choose at most %(n)s change for next year.",
                "Choose at most %(n)s changes for next year.",
                config.max_changes,
            )
            % {"n": config.max_changes},
            code="too_many",
        )
    if not chosen:
        raise ValidationError(_("Choose at least one change for next year."), code="none")
    standards = {s.pk: s for s in evaluation.framework_version.standards.all()}
    for change in chosen:
        if change.standard_id is not None and change.standard_id not in standards:
            raise ValidationError(_("The standard is not part of this framework version."))
        if not change.measures.strip():
            raise ValidationError(
                _("Please name the measures for “%(goal)s”.") % {"goal": change.goal.strip()}
            )
        if change.responsible not in YearlyGoal.Responsible.values:
            raise ValidationError(_("Choose who is responsible."))
    following = next_school_year(evaluation.school_year)
    review = model_create(
        model=ClosingReview,
        data={
            "evaluation": evaluation,
            "strengths": strengths.strip(),
            "weaknesses": weaknesses.strip(),
            "next_school_year": following,
            "created_by": _person(by),
        },
        changes={str(_("chosen changes")): len(chosen), "next_school_year": following.code},
        by=by,
        municipality_id=evaluation.school.municipality_id,
    )
    for position, change in enumerate(chosen):
        goal = concept_services.yearly_goal_create(
            school=evaluation.school,
            by=by,
            school_year=following,
            goal=change.goal.strip()[:300],
            measures=change.measures.strip(),
            responsible=change.responsible,
        )
        ClosingChange.objects.create(
            review=review,
            standard=standards.get(change.standard_id) if change.standard_id else None,
            goal=goal,
            position=position,
        )
    evaluation.status = ST.CLOSED
    evaluation.closed_at = timezone.now()
    evaluation.save(update_fields=["status", "closed_at", "updated_at"])
    audit(
        actor=by, action=Action.UPDATE, obj=evaluation, changes={"status": ["co_signed", "closed"]}
    )
    return review
