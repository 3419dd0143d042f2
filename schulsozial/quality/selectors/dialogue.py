"""Quality dialogues the user may read and the schools they may record one for."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from schulsozial.concepts.models import YearlyGoal
from schulsozial.masterdata.models import School

from .. import permissions as perms
from ..models import (
    QualityDialogue,
)

# --------------------------------------------------------------------------- dialogues


def dialogues_visible_to(*, user: Any) -> QuerySet[QualityDialogue]:
    ids = QualityDialogue.objects.filter(perms.dialogues_visible_q(user)).values("pk")
    return QualityDialogue.objects.filter(pk__in=ids).select_related("school", "school_year")


def dialogue_detail(*, user: Any, pk: int) -> QualityDialogue:
    found = dialogues_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def dialogue_schools(*, user: Any) -> QuerySet[School]:
    """Schools for which the user may record a dialogue."""
    ids = [
        s.pk
        for s in School.objects.active().filter(perms.schools_q(user)).distinct()
        if perms.can_record_dialogue(user, s)
    ]
    return School.objects.filter(pk__in=ids).order_by("name")


def goals_of_school(*, school: School) -> QuerySet[YearlyGoal]:
    return YearlyGoal.objects.filter(school=school).select_related("school_year")
