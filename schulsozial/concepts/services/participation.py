"""The participation around the framework: consultation comments and their
answers, ideas and expectations, linked concepts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit, diff_fields
from schulsozial.core.services import model_create
from schulsozial.masterdata.models import Municipality

from .. import permissions as perms
from ..models import (
    ConsultationComment,
    FrameworkSection,
    FrameworkVersion,
    Idea,
    LinkedConcept,
    Standard,
)
from .base import InvalidTransitionError, person, require, require_state, today
from .framework import check_editable

FV = FrameworkVersion.Status


@transaction.atomic
def comment_create(
    *,
    version: FrameworkVersion,
    text: str,
    by: Any,
    section: FrameworkSection | None = None,
    standard: Standard | None = None,
) -> ConsultationComment:
    """An invitee comments on one section or one standard during the period."""
    require(perms.can_comment_on_framework(by, version))
    require_state(version, [FV.CONSULTATION], _("comment"))
    day = today()
    opens, closes = version.consultation_opens, version.consultation_closes
    if opens is None or closes is None or not (opens <= day <= closes):
        raise InvalidTransitionError(_("The consultation period is not running."))
    target: FrameworkSection | Standard
    if section is not None and standard is None:
        target = section
    elif standard is not None and section is None:
        target = standard
    else:
        raise ValidationError(_("Comment on exactly one section or one standard."))
    if target.version_id != version.pk:
        raise ValidationError(_("This belongs to another version."))
    if not text.strip():
        raise ValidationError({"text": _("Please write a comment.")})
    return model_create(
        model=ConsultationComment,
        data={
            "version": version,
            "section": section,
            "standard": standard,
            "author": by,
            "text": text.strip(),
        },
        municipality_id=version.municipality_id,
        changes={"on": str(target)},
        by=by,
    )


@transaction.atomic
def comment_answer(
    *, comment: ConsultationComment, answer: str, reason: str, by: Any
) -> ConsultationComment:
    """Coordination answers a comment: accepted, partly accepted or rejected, with a reason."""
    require(perms.can_answer_comment(by, comment))
    require_state(comment.version, FrameworkVersion.EDITABLE, _("answer"))
    if answer not in set(ConsultationComment.Answer.values) - {ConsultationComment.Answer.OPEN}:
        raise ValidationError({"answer": _("Choose accepted, partly accepted or rejected.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Every answer needs a reason.")})
    changes = diff_fields(comment, {"answer": answer, "answer_reason": reason.strip()})
    comment.answer = answer
    comment.answer_reason = reason.strip()
    comment.answered_by = person(by)
    comment.answered_at = timezone.now()
    comment.save(update_fields=["answer", "answer_reason", "answered_by", "answered_at"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=comment,
        municipality_id=comment.version.municipality_id,
        changes=changes,
    )
    return comment


# --------------------------------------------------------------------------- ideas


@transaction.atomic
def idea_create(
    *, municipality: Municipality, text: str, cornerstone: str, by: Any, section_key: str = ""
) -> Idea:
    """Any actor hands in an idea or expectation, tagged to a cornerstone."""
    require(perms.can_hand_in_idea(by, municipality.pk))
    return model_create(
        model=Idea,
        data={
            "municipality": municipality,
            "text": text.strip(),
            "cornerstone": cornerstone,
            "section_key": section_key,
            "author": person(by),
            "author_role": perms.role_in_municipality(by, municipality.pk),
        },
        changes={"cornerstone": cornerstone},
        by=by,
    )


@transaction.atomic
def idea_convert(
    *,
    idea: Idea,
    into: str,
    section: FrameworkSection,
    by: Any,
) -> Idea:
    """Coordination takes an idea up: as a consultation comment on a section of
    a version in consultation (authored by the idea's author, so they see the
    answer), or as a change appended to a draft section's text."""
    require(perms.can_convert_idea(by, idea))
    version = FrameworkVersion.objects.get(pk=section.version_id)
    if version.municipality_id != idea.municipality_id:
        raise ValidationError(_("This section belongs to another municipality."))
    if idea.status != Idea.Status.NEW:
        raise InvalidTransitionError(_("This idea has been taken up already."))
    if into == "comment":
        require_state(version, [FV.CONSULTATION], _("take up as a comment"))
        idea.comment = ConsultationComment.objects.create(
            version=version, section=section, author=idea.author, text=idea.text
        )
        idea.status = Idea.Status.COMMENT
    elif into == "change":
        check_editable(version)
        addition = _("Idea from the participation process: %(text)s") % {"text": idea.text}
        FrameworkSection.objects.filter(pk=section.pk).update(
            text=(section.text.rstrip() + "\n\n" + addition).strip(),
            lock_version=F("lock_version") + 1,
        )
        idea.status = Idea.Status.CHANGE
    else:
        raise ValidationError({"into": _("Choose comment or change.")})
    idea.section_key = section.key
    idea.handled_by = person(by)
    idea.save(update_fields=["status", "comment", "section_key", "handled_by"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=idea,
        changes={"status": [Idea.Status.NEW, idea.status], "section": section.pk},
    )
    return idea


# --------------------------------------------------------------------------- linked concepts


@transaction.atomic
def linked_concept_create(*, municipality: Municipality, by: Any, **data: Any) -> LinkedConcept:
    require(perms.can_manage_linked_concepts(by, municipality.pk))
    return model_create(
        model=LinkedConcept,
        data={"municipality": municipality, **data},
        changes={k: str(v) for k, v in data.items()},
        by=by,
    )


@transaction.atomic
def linked_concept_update(*, concept: LinkedConcept, by: Any, **data: Any) -> LinkedConcept:
    """Change a linked concept; a new file replaces the old one (an empty
    file field keeps it), recorded by name since an upload is no field value."""
    require(perms.can_manage_linked_concepts(by, concept.municipality_id))
    file = data.pop("file", None)
    changes = diff_fields(concept, data)
    for name, value in data.items():
        setattr(concept, name, value)
    fields = list(changes)
    if file:
        concept.file = file
        fields.append("file")
        changes["file"] = ["", str(file)]
    concept.full_clean()
    if fields:
        concept.save(update_fields=fields)
        audit(actor=by, action=Action.UPDATE, obj=concept, changes=changes)
    return concept
