"""The quality dialogue: date, participants by role, agreements, links."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from schulsozial.concepts.models import YearlyGoal
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create, model_update
from schulsozial.masterdata.models import School, SchoolYear

from .. import permissions as perms
from ..models import (
    STAFF_PARTICIPANT_ROLES,
    DialogueParticipant,
    QualityDialogue,
    SelfEvaluation,
)
from .base import _person, _require


@dataclass(frozen=True)
class ParticipantInput:
    role: str
    name: str = ""
    institution: str = ""
    count: int = 1


# The audit log states details in German words (issue 13): keys and values
# that are no field of the audited model are written as their labels.


def _role_words(roles: Iterable[str]) -> list[str]:
    labels = dict(DialogueParticipant.ParticipantRole.choices)
    return [str(labels.get(r, r)) for r in roles]


def _validate_participants(participants: Sequence[ParticipantInput]) -> None:
    if not participants:
        raise ValidationError({"participants": _("Name at least one participant by role.")})
    roles = set(DialogueParticipant.ParticipantRole.values)
    for p in participants:
        if p.role not in roles:
            raise ValidationError({"participants": _("Unknown role of a participant.")})
        if p.name.strip() and p.role not in STAFF_PARTICIPANT_ROLES:
            raise ValidationError(
                {"participants": _("Names are recorded for staff only, not for partners.")}
            )
        if p.count < 1:
            raise ValidationError({"participants": _("The number of persons is at least 1.")})


def _set_participants(dialogue: QualityDialogue, participants: Sequence[ParticipantInput]) -> None:
    dialogue.participants.all().delete()
    for p in participants:
        DialogueParticipant.objects.create(
            dialogue=dialogue,
            role=p.role,
            name=p.name.strip() if p.role in STAFF_PARTICIPANT_ROLES else "",
            institution=p.institution.strip(),
            count=p.count,
        )


def _check_links(
    school: School, evaluation: SelfEvaluation | None, goals: Sequence[YearlyGoal]
) -> None:
    if evaluation is not None and evaluation.school_id != school.pk:
        raise ValidationError({"evaluation": _("The self-evaluation is not this school's.")})
    if any(g.school_id != school.pk for g in goals):
        raise ValidationError({"follow_up_goals": _("Only yearly goals of this school.")})


@transaction.atomic
def dialogue_create(
    *,
    school: School,
    school_year: SchoolYear,
    date: datetime.date,
    participants: Sequence[ParticipantInput],
    agreements: str = "",
    evaluation: SelfEvaluation | None = None,
    follow_up_goals: Sequence[YearlyGoal] = (),
    by: Any,
    is_demo: bool = False,
) -> QualityDialogue:
    _require(perms.can_record_dialogue(by, school))
    _validate_participants(participants)
    _check_links(school, evaluation, follow_up_goals)
    dialogue = model_create(
        model=QualityDialogue,
        data={
            "school": school,
            "school_year": school_year,
            "date": date,
            "evaluation": evaluation,
            "agreements": agreements.strip(),
            "created_by": _person(by),
            "is_demo": is_demo,
        },
        changes={
            "date": date,
            "school_year": school_year.code,
            str(_("participants")): _role_words([p.role for p in participants]),
        },
        by=by,
        municipality_id=school.municipality_id,
    )
    _set_participants(dialogue, participants)
    dialogue.follow_up_goals.set(follow_up_goals)
    return dialogue


@transaction.atomic
def dialogue_update(
    *,
    dialogue: QualityDialogue,
    date: datetime.date,
    participants: Sequence[ParticipantInput],
    agreements: str,
    evaluation: SelfEvaluation | None,
    follow_up_goals: Sequence[YearlyGoal],
    by: Any,
) -> QualityDialogue:
    _require(perms.can_record_dialogue(by, dialogue.school))
    _validate_participants(participants)
    _check_links(dialogue.school, evaluation, follow_up_goals)
    model_update(
        instance=dialogue,
        data={"date": date, "agreements": agreements.strip(), "evaluation": evaluation},
        by=by,
    )
    before = _role_words(sorted(dialogue.participants.values_list("role", flat=True)))
    _set_participants(dialogue, participants)
    dialogue.follow_up_goals.set(follow_up_goals)
    after = _role_words(sorted(p.role for p in participants))
    if before != after:
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=dialogue,
            changes={str(_("participants")): [", ".join(before), ", ".join(after)]},
        )
    return dialogue
