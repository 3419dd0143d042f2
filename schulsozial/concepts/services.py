"""Every write to concepts. Keyword-only, atomic, audited once per write.

Each lifecycle step is a service that checks the user's role (through
accounts.permissions) and the allowed source state (the tables below):

framework version:  draft --open_consultation--> consultation
                    consultation --close_consultation--> draft
                    consultation --adopt--> adopted  (the adopted one before -> superseded)
school concept:     draft | changes_requested --submit--> submitted   (completeness check)
                    submitted --approve_principal / approve_carrier--> submitted | approved
                    submitted | approved --request_changes--> changes_requested
                    approved --acknowledge--> acknowledged
                    acknowledged --reopen--> draft
                    any --rebase--> draft  (only when a newer framework version is adopted)

A refused role raises PermissionDenied; a wrong source state raises
InvalidTransitionError (a ValidationError with a readable message). Adopted and
superseded framework versions never change: every write to a version's
texts checks `is_editable` first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.accounts import permissions as perms
from schulsozial.core.audit import Action, audit, diff_fields

from . import selectors
from .models import (
    DEFAULT_SECTIONS,
    FRAMEWORK_REVIEW_YEARS,
    ConceptStep,
    ConsultationComment,
    ConsultationInvitation,
    FrameworkSection,
    FrameworkVersion,
    Idea,
    LinkedConcept,
    SchoolConcept,
    SchoolConceptSection,
    Standard,
    StandardImplementation,
    YearlyGoal,
    add_years,
)

FV = FrameworkVersion.Status
SC = SchoolConcept.Status

# Sections a school concept must contain by default.
DEFAULT_REQUIRED_FOR_SCHOOL = {"goals", "target_groups", "tasks", "cooperation", "quality"}


class InvalidTransitionError(ValidationError):
    """The object is not in a state from which this step is allowed."""


class EditConflictError(ValidationError):
    """Someone else saved the text since the editor loaded it (optimistic locking)."""

    def __init__(self, *, mine: dict[str, Any], theirs: dict[str, Any], current_version: int):
        super().__init__(
            _(
                "Someone else saved this text while you were editing it. Nothing was lost: "
                "compare both versions below, merge them and save again."
            ),
            code="conflict",
        )
        self.mine = mine
        self.theirs = theirs
        self.current_version = current_version


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_state(obj: Any, allowed: Iterable[str], step: str) -> None:
    if obj.status not in allowed:
        raise InvalidTransitionError(
            _("“%(step)s” is not possible in the status “%(status)s”.")
            % {"step": step, "status": obj.get_status_display()},
            code="invalid_transition",
        )


def _today() -> datetime.date:
    return timezone.localdate()


def locked_update(
    *, instance: Model, expected_version: int, data: dict[str, Any], by: Any
) -> Model:
    """Save `data` on `instance` only if nobody saved since `expected_version`.

    The compare-and-set is one UPDATE … WHERE lock_version = expected, so two
    concurrent saves cannot both win, on SQLite or PostgreSQL."""
    model = type(instance)
    current = model.objects.get(pk=instance.pk)  # type: ignore[attr-defined]
    if current.lock_version != expected_version:
        raise EditConflictError(
            mine=data,
            theirs={k: getattr(current, k) for k in data},
            current_version=current.lock_version,
        )
    changes = diff_fields(current, data)
    updated = model.objects.filter(  # type: ignore[attr-defined]
        pk=instance.pk, lock_version=expected_version
    ).update(**data, lock_version=F("lock_version") + 1)
    if not updated:  # lost the race between the read above and the update
        current = model.objects.get(pk=instance.pk)  # type: ignore[attr-defined]
        raise EditConflictError(
            mine=data,
            theirs={k: getattr(current, k) for k in data},
            current_version=current.lock_version,
        )
    instance.refresh_from_db()
    audit(actor=by, action=Action.UPDATE, obj=instance, changes=changes)
    return instance


# =========================================================================== framework


def _check_editable(version: FrameworkVersion) -> None:
    if not version.is_editable:
        raise InvalidTransitionError(
            _("An adopted or superseded framework version never changes. Start a new version."),
            code="immutable",
        )


@transaction.atomic
def framework_create(
    *, municipality: Any, title: str, by: Any, is_demo: bool = False
) -> FrameworkVersion:
    """The first version of a municipality's framework concept, with the default sections."""
    _require(by is None or perms.can_manage_framework(by, municipality.pk))
    if FrameworkVersion.objects.filter(municipality=municipality).exists():
        raise ValidationError(
            _("This municipality has a framework concept already; start a new version of it.")
        )
    version = FrameworkVersion.objects.create(
        municipality=municipality, number=1, title=title, is_demo=is_demo
    )
    FrameworkSection.objects.bulk_create(
        FrameworkSection(
            version=version,
            key=key,
            title=section_title,
            position=(i + 1) * 10,
            required_for_school=key in DEFAULT_REQUIRED_FOR_SCHOOL,
        )
        for i, (key, section_title) in enumerate(DEFAULT_SECTIONS)
    )
    audit(actor=by, action=Action.CREATE, obj=version, changes={"title": title, "number": 1})
    return version


@transaction.atomic
def framework_new_version(
    *, previous: FrameworkVersion, by: Any, title: str = ""
) -> FrameworkVersion:
    """A new draft that starts as a copy of the adopted version."""
    _require(by is None or perms.can_manage_framework(by, previous.municipality_id))
    if previous.status != FV.ADOPTED:
        raise InvalidTransitionError(_("A new version starts from the adopted version."))
    if FrameworkVersion.objects.filter(
        municipality_id=previous.municipality_id, status__in=FrameworkVersion.EDITABLE
    ).exists():
        raise InvalidTransitionError(_("A draft or a version in consultation exists already."))
    number = (
        FrameworkVersion.objects.filter(municipality_id=previous.municipality_id).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    version = FrameworkVersion.objects.create(
        municipality_id=previous.municipality_id,
        number=number,
        title=title or previous.title,
        based_on=previous,
        is_demo=previous.is_demo,
    )
    for section in previous.sections.prefetch_related("linked_concepts"):
        copy = FrameworkSection.objects.create(
            version=version,
            key=section.key,
            title=section.title,
            position=section.position,
            text=section.text,
            required_for_school=section.required_for_school,
        )
        copy.linked_concepts.set(section.linked_concepts.all())
    Standard.objects.bulk_create(
        Standard(
            version=version,
            code=s.code,
            title=s.title,
            description=s.description,
            dimension=s.dimension,
            indicators=s.indicators,
            binding=s.binding,
            position=s.position,
        )
        for s in previous.standards.all()
    )
    audit(
        actor=by,
        action=Action.CREATE,
        obj=version,
        changes={"number": number, "based_on": previous.pk},
    )
    return version


@transaction.atomic
def framework_section_add(
    *,
    version: FrameworkVersion,
    key: str,
    title: str,
    by: Any,
    required_for_school: bool = False,
    text: str = "",
) -> FrameworkSection:
    _require(by is None or perms.can_edit_framework_version(by, version))
    _check_editable(version)
    if version.sections.filter(key=key).exists():
        raise ValidationError({"key": _("A section with this key exists already.")})
    position = (version.sections.aggregate(p=Max("position"))["p"] or 0) + 10
    section = FrameworkSection(
        version=version,
        key=key,
        title=title,
        position=position,
        text=text,
        required_for_school=required_for_school,
    )
    section.full_clean()
    section.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=section,
        municipality_id=version.municipality_id,
        changes={"key": key, "title": title},
    )
    return section


@transaction.atomic
def framework_section_update(
    *,
    section: FrameworkSection,
    expected_version: int,
    by: Any,
    linked_concepts: Iterable[LinkedConcept] | None = None,
    **data: Any,
) -> FrameworkSection:
    """Change a section's title, text or flag (optimistic locking on the text)."""
    version = FrameworkVersion.objects.get(pk=section.version_id)  # fresh status
    _require(by is None or perms.can_edit_framework_version(by, version))
    _check_editable(version)
    section = locked_update(instance=section, expected_version=expected_version, data=data, by=by)  # type: ignore[assignment]
    if linked_concepts is not None:
        allowed = [c for c in linked_concepts if c.municipality_id == version.municipality_id]
        section.linked_concepts.set(allowed)
    return section


@transaction.atomic
def framework_section_remove(*, section: FrameworkSection, by: Any) -> None:
    version = FrameworkVersion.objects.get(pk=section.version_id)
    _require(by is None or perms.can_edit_framework_version(by, version))
    _check_editable(version)
    audit(
        actor=by,
        action=Action.DELETE,
        obj=section,
        municipality_id=section.version.municipality_id,
        changes={"key": section.key, "title": section.title},
    )
    section.delete()


@transaction.atomic
def standard_add(*, version: FrameworkVersion, by: Any, **data: Any) -> Standard:
    _require(by is None or perms.can_edit_framework_version(by, version))
    _check_editable(version)
    if version.standards.filter(code=data.get("code")).exists():
        raise ValidationError({"code": _("A standard with this id exists already.")})
    data.setdefault("position", (version.standards.aggregate(p=Max("position"))["p"] or 0) + 10)
    standard = Standard(version=version, **data)
    standard.full_clean()
    standard.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=standard,
        municipality_id=version.municipality_id,
        changes=data,
    )
    return standard


@transaction.atomic
def standard_update(*, standard: Standard, expected_version: int, by: Any, **data: Any) -> Standard:
    version = FrameworkVersion.objects.get(pk=standard.version_id)  # fresh status
    _require(by is None or perms.can_edit_framework_version(by, version))
    _check_editable(version)
    if "code" in data and (
        standard.version.standards.exclude(pk=standard.pk).filter(code=data["code"]).exists()
    ):
        raise ValidationError({"code": _("A standard with this id exists already.")})
    return locked_update(instance=standard, expected_version=expected_version, data=data, by=by)  # type: ignore[return-value]


@transaction.atomic
def standard_remove(*, standard: Standard, by: Any) -> None:
    version = FrameworkVersion.objects.get(pk=standard.version_id)  # fresh status
    _require(by is None or perms.can_edit_framework_version(by, version))
    _check_editable(version)
    audit(
        actor=by,
        action=Action.DELETE,
        obj=standard,
        municipality_id=standard.version.municipality_id,
        changes={"code": standard.code},
    )
    standard.delete()


# --------------------------------------------------------------------------- lifecycle


@transaction.atomic
def framework_open_consultation(
    *,
    version: FrameworkVersion,
    opens: datetime.date,
    closes: datetime.date,
    by: Any,
    users: Iterable[Any] = (),
    roles: Iterable[str] = (),
) -> FrameworkVersion:
    """draft -> consultation: invite persons and/or roles for a period."""
    _require(by is None or perms.can_manage_framework(by, version.municipality_id))
    _require_state(version, [FV.DRAFT], _("open the consultation"))
    users, roles = list(users), list(roles)
    if closes < opens:
        raise ValidationError({"closes": _("The consultation must close after it opens.")})
    if not users and not roles:
        raise ValidationError(_("Invite at least one person or role."))
    bad = [r for r in roles if r not in ConsultationInvitation.INVITABLE_ROLES]
    if bad:
        raise ValidationError({"roles": _("These roles cannot be invited: %s") % ", ".join(bad)})
    version.invitations.all().delete()
    ConsultationInvitation.objects.bulk_create(
        [ConsultationInvitation(version=version, user=u) for u in users]
        + [ConsultationInvitation(version=version, role=r) for r in roles]
    )
    old = version.status
    version.status = FV.CONSULTATION
    version.consultation_opens, version.consultation_closes = opens, closes
    version.save(update_fields=["status", "consultation_opens", "consultation_closes"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=version,
        changes={
            "status": [old, version.status],
            "opens": opens,
            "closes": closes,
            "users": [u.pk for u in users],
            "roles": roles,
        },
    )
    return version


@transaction.atomic
def framework_close_consultation(*, version: FrameworkVersion, by: Any) -> FrameworkVersion:
    """consultation -> draft (comments and answers are kept)."""
    _require(by is None or perms.can_manage_framework(by, version.municipality_id))
    _require_state(version, [FV.CONSULTATION], _("close the consultation"))
    version.status = FV.DRAFT
    version.save(update_fields=["status"])
    audit(
        actor=by, action=Action.UPDATE, obj=version, changes={"status": ["consultation", "draft"]}
    )
    return version


@transaction.atomic
def framework_adopt(
    *,
    version: FrameworkVersion,
    decision_body: str,
    decision_date: datetime.date,
    paper_number: str,
    by: Any,
    review_due: datetime.date | None = None,
) -> FrameworkVersion:
    """consultation -> adopted. Records the council decision; the version
    adopted before is superseded and every school concept derived from an
    older version is marked "framework changed"."""
    _require(by is None or perms.can_manage_framework(by, version.municipality_id))
    _require_state(version, [FV.CONSULTATION], _("adopt"))
    open_comments = version.comments.filter(answer=ConsultationComment.Answer.OPEN).count()
    if open_comments:
        raise InvalidTransitionError(
            _("%(n)s consultation comments are not answered yet. Answer every comment first.")
            % {"n": open_comments}
        )
    if not decision_body.strip() or not paper_number.strip():
        raise ValidationError(_("Record the deciding body and the council paper number."))
    now = timezone.now()
    previous = list(
        FrameworkVersion.objects.select_for_update().filter(
            municipality_id=version.municipality_id, status=FV.ADOPTED
        )
    )
    for old in previous:
        old.status = FV.SUPERSEDED
        old.superseded_at = now
        old.save(update_fields=["status", "superseded_at"])
    version.status = FV.ADOPTED
    version.decision_body = decision_body.strip()
    version.decision_date = decision_date
    version.paper_number = paper_number.strip()
    version.review_due = review_due or add_years(decision_date, FRAMEWORK_REVIEW_YEARS)
    version.adopted_at = now
    version.save(
        update_fields=[
            "status",
            "decision_body",
            "decision_date",
            "paper_number",
            "review_due",
            "adopted_at",
        ]
    )
    marked = (
        SchoolConcept.objects.filter(school__municipality_id=version.municipality_id)
        .exclude(framework_version=version)
        .update(framework_changed=True)
    )
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=version,
        changes={
            "status": ["consultation", "adopted"],
            "decision_body": version.decision_body,
            "decision_date": decision_date,
            "paper_number": version.paper_number,
            "review_due": version.review_due,
            "superseded": [v.pk for v in previous],
            "school_concepts_marked": marked,
        },
    )
    return version


# --------------------------------------------------------------------------- consultation


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
    _require(perms.can_comment_on_framework(by, version))
    _require_state(version, [FV.CONSULTATION], _("comment"))
    today = _today()
    if not (version.consultation_opens <= today <= version.consultation_closes):  # type: ignore[operator]
        raise InvalidTransitionError(_("The consultation period is not running."))
    if (section is None) == (standard is None):
        raise ValidationError(_("Comment on exactly one section or one standard."))
    target = section or standard
    if target.version_id != version.pk:  # type: ignore[union-attr]
        raise ValidationError(_("This belongs to another version."))
    if not text.strip():
        raise ValidationError({"text": _("Please write a comment.")})
    comment = ConsultationComment.objects.create(
        version=version, section=section, standard=standard, author=by, text=text.strip()
    )
    audit(
        actor=by,
        action=Action.CREATE,
        obj=comment,
        municipality_id=version.municipality_id,
        changes={"on": str(target)},
    )
    return comment


@transaction.atomic
def comment_answer(
    *, comment: ConsultationComment, answer: str, reason: str, by: Any
) -> ConsultationComment:
    """Coordination answers a comment: accepted, partly accepted or rejected, with a reason."""
    _require(by is None or perms.can_answer_comment(by, comment))
    _require_state(comment.version, FrameworkVersion.EDITABLE, _("answer"))
    if answer not in {a for a, _label in ConsultationComment.Answer.choices} - {"open"}:
        raise ValidationError({"answer": _("Choose accepted, partly accepted or rejected.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Every answer needs a reason.")})
    changes = diff_fields(comment, {"answer": answer, "answer_reason": reason.strip()})
    comment.answer = answer
    comment.answer_reason = reason.strip()
    comment.answered_by = by if getattr(by, "is_authenticated", False) else None
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
    *, municipality: Any, text: str, cornerstone: str, by: Any, section_key: str = ""
) -> Idea:
    """Any actor hands in an idea or expectation, tagged to a cornerstone."""
    _require(by is None or municipality.pk in perms.idea_municipality_ids(by))
    role = next(
        (g.role for g in perms.grants(by) if g.municipality_id == municipality.pk),
        "",
    )
    idea = Idea(
        municipality=municipality,
        text=text.strip(),
        cornerstone=cornerstone,
        section_key=section_key,
        author=by if getattr(by, "is_authenticated", False) else None,
        author_role=role,
    )
    idea.full_clean()
    idea.save()
    audit(actor=by, action=Action.CREATE, obj=idea, changes={"cornerstone": cornerstone})
    return idea


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
    _require(by is None or perms.can_convert_idea(by, idea))
    version = FrameworkVersion.objects.get(pk=section.version_id)
    if version.municipality_id != idea.municipality_id:
        raise ValidationError(_("This section belongs to another municipality."))
    if idea.status != Idea.Status.NEW:
        raise InvalidTransitionError(_("This idea has been taken up already."))
    if into == "comment":
        _require_state(version, [FV.CONSULTATION], _("take up as a comment"))
        idea.comment = ConsultationComment.objects.create(
            version=version, section=section, author=idea.author, text=idea.text
        )
        idea.status = Idea.Status.COMMENT
    elif into == "change":
        _check_editable(version)
        addition = _("Idea from the participation process: %(text)s") % {"text": idea.text}
        FrameworkSection.objects.filter(pk=section.pk).update(
            text=(section.text.rstrip() + "\n\n" + addition).strip(),
            lock_version=F("lock_version") + 1,
        )
        idea.status = Idea.Status.CHANGE
    else:
        raise ValidationError({"into": _("Choose comment or change.")})
    idea.section_key = section.key
    idea.handled_by = by if getattr(by, "is_authenticated", False) else None
    idea.save(update_fields=["status", "comment", "section_key", "handled_by"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=idea,
        changes={"status": ["new", idea.status], "section": section.pk},
    )
    return idea


# --------------------------------------------------------------------------- linked concepts


@transaction.atomic
def linked_concept_create(*, municipality: Any, by: Any, **data: Any) -> LinkedConcept:
    _require(by is None or perms.can_manage_linked_concepts(by, municipality.pk))
    concept = LinkedConcept(municipality=municipality, **data)
    concept.full_clean()
    concept.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=concept,
        changes={k: str(v) for k, v in data.items()},
    )
    return concept


@transaction.atomic
def linked_concept_update(*, concept: LinkedConcept, by: Any, **data: Any) -> LinkedConcept:
    _require(by is None or perms.can_manage_linked_concepts(by, concept.municipality_id))
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


# =========================================================================== school concepts


def _step(
    concept: SchoolConcept, *, action: str, by: Any, comment: str = "", old_status: str = ""
) -> None:
    ConceptStep.objects.create(
        concept=concept,
        action=action,
        by=by if getattr(by, "is_authenticated", False) else None,
        comment=comment,
        status_after=concept.status,
    )
    audit(
        actor=by,
        action=Action.CREATE if action == ConceptStep.Action.CREATE else Action.UPDATE,
        obj=concept,
        municipality_id=concept.school.municipality_id,
        changes={"step": action, "status": [old_status, concept.status], "comment": comment},
    )


def _derive_parts(concept: SchoolConcept, version: FrameworkVersion) -> None:
    """Add a section for every required framework section and an entry for
    every binding standard that the concept does not have yet."""
    have_sections = set(concept.sections.values_list("key", flat=True))
    SchoolConceptSection.objects.bulk_create(
        SchoolConceptSection(
            concept=concept, key=s.key, title=s.title, position=s.position, required=True
        )
        for s in version.sections.filter(required_for_school=True)
        if s.key not in have_sections
    )
    concept.sections.filter(
        key__in=version.sections.filter(required_for_school=True).values("key")
    ).update(required=True)
    have_entries = set(concept.implementations.values_list("standard_code", flat=True))
    binding = list(version.standards.filter(binding=True))
    StandardImplementation.objects.bulk_create(
        StandardImplementation(
            concept=concept, standard_code=s.code, title=s.title, position=s.position
        )
        for s in binding
        if s.code not in have_entries
    )
    for s in binding:
        concept.implementations.filter(standard_code=s.code).exclude(title=s.title).update(
            title=s.title
        )


@transaction.atomic
def school_concept_create(*, school: Any, by: Any, is_demo: bool = False) -> SchoolConcept:
    """Create the school's concept from the currently adopted framework version."""
    _require(by is None or perms.can_draft_school_concept(by, school))
    version = selectors.adopted_version(municipality_id=school.municipality_id)
    if version is None:
        raise ValidationError(_("There is no adopted framework concept yet."))
    if SchoolConcept.objects.filter(school=school).exists():
        raise ValidationError(_("This school has a concept already."))
    concept = SchoolConcept.objects.create(
        school=school, framework_version=version, is_demo=is_demo
    )
    _derive_parts(concept, version)
    _step(concept, action=ConceptStep.Action.CREATE, by=by)
    return concept


def _check_concept_editable(concept: SchoolConcept) -> None:
    if not concept.is_editable:
        raise InvalidTransitionError(
            _("The concept can only be edited as a draft or after changes were requested."),
            code="not_editable",
        )


@transaction.atomic
def school_section_update(
    *, section: SchoolConceptSection, text: str, expected_version: int, by: Any
) -> SchoolConceptSection:
    concept = SchoolConcept.objects.select_related("school").get(pk=section.concept_id)
    _require(by is None or perms.can_draft_school_concept(by, concept.school))
    _check_concept_editable(concept)
    return locked_update(  # type: ignore[return-value]
        instance=section, expected_version=expected_version, data={"text": text}, by=by
    )


@transaction.atomic
def implementation_update(
    *,
    entry: StandardImplementation,
    text: str,
    deviation: bool,
    deviation_reason: str,
    expected_version: int,
    by: Any,
) -> StandardImplementation:
    """How the school implements a binding standard; a local deviation needs a reason."""
    concept = SchoolConcept.objects.select_related("school").get(pk=entry.concept_id)
    _require(by is None or perms.can_draft_school_concept(by, concept.school))
    _check_concept_editable(concept)
    if deviation and not deviation_reason.strip():
        raise ValidationError({"deviation_reason": _("A local deviation needs a reason.")})
    return locked_update(  # type: ignore[return-value]
        instance=entry,
        expected_version=expected_version,
        data={
            "text": text,
            "deviation": deviation,
            "deviation_reason": deviation_reason.strip() if deviation else "",
        },
        by=by,
    )


# The transition table: action -> (allowed source states, role check).
SCHOOL_TRANSITIONS: dict[str, tuple[tuple[str, ...], Any]] = {
    "submit": (
        (SC.DRAFT, SC.CHANGES_REQUESTED),
        lambda user, c: perms.can_draft_school_concept(user, c.school),
    ),
    "approve_principal": ((SC.SUBMITTED,), perms.can_approve_school_concept_as_principal),
    "approve_carrier": ((SC.SUBMITTED,), perms.can_approve_school_concept_as_carrier),
    "request_changes": ((SC.SUBMITTED, SC.APPROVED), perms.can_request_school_concept_changes),
    "acknowledge": ((SC.APPROVED,), perms.can_acknowledge_school_concept),
    "reopen": ((SC.ACKNOWLEDGED,), perms.can_revise_school_concept),
    "rebase": (tuple(SC.values), perms.can_revise_school_concept),
}


def transition_allowed(*, concept: SchoolConcept, action: str, user: Any) -> bool:
    """Would `action` pass the role and state checks (for showing buttons)?"""
    if action not in SCHOOL_TRANSITIONS:
        return False
    states, role_ok = SCHOOL_TRANSITIONS[action]
    if concept.status not in states or not role_ok(user, concept):
        return False
    if action == "approve_principal":
        return concept.principal_approved_at is None
    if action == "approve_carrier":
        return concept.carrier_approved_at is None
    if action == "rebase":
        adopted = selectors.adopted_version(municipality_id=concept.school.municipality_id)
        return adopted is not None and adopted.pk != concept.framework_version_id
    return True


def _check_transition(concept: SchoolConcept, action: str, by: Any) -> None:
    states, role_ok = SCHOOL_TRANSITIONS[action]
    _require(by is None or role_ok(by, concept))
    label = ConceptStep.Action(action).label if action in ConceptStep.Action.values else action
    _require_state(concept, states, str(label))


def _clear_approvals(concept: SchoolConcept) -> None:
    concept.principal_approved_by = concept.carrier_approved_by = None
    concept.principal_approved_at = concept.carrier_approved_at = None


APPROVAL_FIELDS = [
    "status",
    "principal_approved_by",
    "principal_approved_at",
    "carrier_approved_by",
    "carrier_approved_at",
    "acknowledged_at",
    "review_due",
    "framework_changed",
    "framework_version",
    "updated_at",
]


@transaction.atomic
def school_concept_submit(*, concept: SchoolConcept, by: Any, comment: str = "") -> SchoolConcept:
    """The drafters submit; refused while the completeness check lists gaps."""
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    _check_transition(concept, "submit", by)
    missing = selectors.completeness(concept=concept)
    if missing:
        raise InvalidTransitionError(
            [_("The concept is not complete yet:")] + [m.message for m in missing],
            code="incomplete",
        )
    old = concept.status
    concept.status = SC.SUBMITTED
    _clear_approvals(concept)
    concept.save(update_fields=APPROVAL_FIELDS)
    _step(concept, action=ConceptStep.Action.SUBMIT, by=by, comment=comment, old_status=old)
    return concept


def _approve(concept: SchoolConcept, *, as_role: str, by: Any, comment: str) -> SchoolConcept:
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    action = f"approve_{as_role}"
    _check_transition(concept, action, by)
    now = timezone.now()
    user = by if getattr(by, "is_authenticated", False) else None
    if as_role == "principal":
        if concept.principal_approved_at:
            raise InvalidTransitionError(_("The principal has approved this concept already."))
        concept.principal_approved_by, concept.principal_approved_at = user, now
    else:
        if concept.carrier_approved_at:
            raise InvalidTransitionError(_("The carrier has approved this concept already."))
        concept.carrier_approved_by, concept.carrier_approved_at = user, now
    old = concept.status
    if concept.principal_approved_at and concept.carrier_approved_at:
        concept.status = SC.APPROVED
    concept.save(update_fields=APPROVAL_FIELDS)
    _step(concept, action=action, by=by, comment=comment, old_status=old)
    return concept


@transaction.atomic
def school_concept_approve_as_principal(
    *, concept: SchoolConcept, by: Any, comment: str = ""
) -> SchoolConcept:
    return _approve(concept, as_role="principal", by=by, comment=comment)


@transaction.atomic
def school_concept_approve_as_carrier(
    *, concept: SchoolConcept, by: Any, comment: str = ""
) -> SchoolConcept:
    return _approve(concept, as_role="carrier", by=by, comment=comment)


@transaction.atomic
def school_concept_request_changes(
    *, concept: SchoolConcept, by: Any, comment: str = ""
) -> SchoolConcept:
    """Back to the drafters, with a comment saying what to change."""
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    _check_transition(concept, "request_changes", by)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what should be changed.")})
    old = concept.status
    concept.status = SC.CHANGES_REQUESTED
    _clear_approvals(concept)
    concept.save(update_fields=APPROVAL_FIELDS)
    _step(
        concept, action=ConceptStep.Action.REQUEST_CHANGES, by=by, comment=comment, old_status=old
    )
    return concept


@transaction.atomic
def school_concept_acknowledge(
    *, concept: SchoolConcept, by: Any, comment: str = ""
) -> SchoolConcept:
    """Coordination acknowledges an approved concept; the review clock starts."""
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    _check_transition(concept, "acknowledge", by)
    old = concept.status
    concept.status = SC.ACKNOWLEDGED
    concept.acknowledged_at = timezone.now()
    concept.review_due = add_years(_today(), concept.review_interval_years)
    concept.save(update_fields=APPROVAL_FIELDS)
    _step(concept, action=ConceptStep.Action.ACKNOWLEDGE, by=by, comment=comment, old_status=old)
    return concept


@transaction.atomic
def school_concept_reopen(*, concept: SchoolConcept, by: Any, comment: str = "") -> SchoolConcept:
    """Start the revision of an acknowledged concept (review)."""
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    _check_transition(concept, "reopen", by)
    old = concept.status
    concept.status = SC.DRAFT
    _clear_approvals(concept)
    concept.save(update_fields=APPROVAL_FIELDS)
    _step(concept, action=ConceptStep.Action.REOPEN, by=by, comment=comment, old_status=old)
    return concept


@transaction.atomic
def school_concept_rebase(*, concept: SchoolConcept, by: Any, comment: str = "") -> SchoolConcept:
    """Move the concept to the adopted framework version: new required
    sections and binding standards are added (texts are kept), the concept
    goes back to draft for the drafters to update and submit again."""
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    _check_transition(concept, "rebase", by)
    adopted = selectors.adopted_version(municipality_id=concept.school.municipality_id)
    if adopted is None or adopted.pk == concept.framework_version_id:
        raise InvalidTransitionError(
            _("The concept is based on the adopted framework version already.")
        )
    old = concept.status
    concept.framework_version = adopted
    concept.framework_changed = False
    concept.status = SC.DRAFT
    _clear_approvals(concept)
    concept.save(update_fields=APPROVAL_FIELDS)
    _derive_parts(concept, adopted)
    _step(concept, action=ConceptStep.Action.REBASE, by=by, comment=comment, old_status=old)
    return concept


STEP_LABELS = {
    "submit": gettext_lazy("Submit"),
    "approve_principal": gettext_lazy("Approve as principal"),
    "approve_carrier": gettext_lazy("Approve as carrier"),
    "request_changes": gettext_lazy("Request changes"),
    "acknowledge": gettext_lazy("Acknowledge"),
    "reopen": gettext_lazy("Start a revision"),
    "rebase": gettext_lazy("Move to the adopted framework version"),
}

TRANSITION_SERVICES = {
    "submit": school_concept_submit,
    "approve_principal": school_concept_approve_as_principal,
    "approve_carrier": school_concept_approve_as_carrier,
    "request_changes": school_concept_request_changes,
    "acknowledge": school_concept_acknowledge,
    "reopen": school_concept_reopen,
    "rebase": school_concept_rebase,
}


def school_concept_transition(
    *, concept: SchoolConcept, action: str, by: Any, comment: str = ""
) -> SchoolConcept:
    service = TRANSITION_SERVICES.get(action)
    if service is None:
        raise InvalidTransitionError(_("Unknown step."))
    return service(concept=concept, by=by, comment=comment)


@transaction.atomic
def school_concept_set_review_interval(
    *, concept: SchoolConcept, years: int, by: Any
) -> SchoolConcept:
    _require(by is None or perms.can_acknowledge_school_concept(by, concept))
    changes = diff_fields(concept, {"review_interval_years": years})
    concept.review_interval_years = years
    if concept.acknowledged_at:
        concept.review_due = add_years(timezone.localdate(concept.acknowledged_at), years)
    concept.full_clean()
    concept.save(update_fields=["review_interval_years", "review_due", "updated_at"])
    audit(actor=by, action=Action.UPDATE, obj=concept, changes=changes)
    return concept


# --------------------------------------------------------------------------- yearly goals


@transaction.atomic
def yearly_goal_create(*, school: Any, by: Any, **data: Any) -> YearlyGoal:
    _require(by is None or perms.can_manage_yearly_goals(by, school))
    goal = YearlyGoal(school=school, **data)
    goal.full_clean()
    goal.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=goal,
        municipality_id=school.municipality_id,
        changes={k: v for k, v in data.items() if k != "school_year"},
    )
    return goal


@transaction.atomic
def yearly_goal_update(*, goal: YearlyGoal, by: Any, **data: Any) -> YearlyGoal:
    _require(by is None or perms.can_manage_yearly_goals(by, goal.school))
    changes = diff_fields(goal, data)
    for name, value in data.items():
        setattr(goal, name, value)
    goal.full_clean()
    if changes:
        goal.save(update_fields=list(changes))
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=goal,
            municipality_id=goal.school.municipality_id,
            changes=changes,
        )
    return goal


@transaction.atomic
def yearly_goal_review(
    *, goal: YearlyGoal, review: str, review_comment: str, by: Any
) -> YearlyGoal:
    """The review at year end: achieved, partly achieved, not achieved, with a comment."""
    _require(by is None or perms.can_manage_yearly_goals(by, goal.school))
    if review not in {
        YearlyGoal.Review.ACHIEVED,
        YearlyGoal.Review.PARTLY,
        YearlyGoal.Review.NOT_ACHIEVED,
    }:
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
