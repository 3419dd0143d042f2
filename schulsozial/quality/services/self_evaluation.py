"""The self-evaluation: ratings per perspective, submit, return, co-sign
and the carrier's view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.concepts.models import FrameworkVersion
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create
from schulsozial.masterdata.models import School, SchoolYear

from .. import permissions as perms
from ..models import (
    EvaluationPerspective,
    Perspective,
    Rating,
    SelfEvaluation,
)
from ..selectors import settings_of, wanted_perspectives
from .base import ST, InvalidStepError, _person, _require, _require_state

# In which states each perspective's ratings may be written.
WRITABLE_IN: dict[str, tuple[str, ...]] = {
    Perspective.WORKER: (ST.DRAFT,),
    Perspective.SCHOOL: (ST.SUBMITTED,),
    Perspective.CARRIER: (ST.SUBMITTED, ST.CO_SIGNED),
}


@dataclass(frozen=True)
class RatingInput:
    """One standard's entry in a perspective's form."""

    standard_id: int
    value: int | None = None
    not_applicable: bool = False
    not_applicable_reason: str = ""
    evidence: str = ""
    strengths: str = ""
    next_steps: str = ""
    level: str = ""


# The audit log states details in German words (issue 13): keys and values
# that are no field of the audited model are written as their labels.


def _perspective_key() -> str:
    return str(_("perspective"))


def _rating_word(value: Any, not_applicable: Any) -> Any:
    return str(_("not applicable")) if not_applicable else value


@transaction.atomic
def evaluation_start(
    *, school: School, school_year: SchoolYear, by: Any, is_demo: bool = False
) -> SelfEvaluation:
    """The school's self-evaluation of the year against the adopted framework
    version, with one perspective record per perspective the municipality wants."""
    _require(perms.can_start_evaluation(by, school))
    if SelfEvaluation.objects.filter(school=school, school_year=school_year).exists():
        raise ValidationError(
            _("%(school)s already has a self-evaluation for %(year)s.")
            % {"school": school.name, "year": school_year.code},
            code="exists",
        )
    version = FrameworkVersion.objects.filter(
        municipality_id=school.municipality_id, status=FrameworkVersion.Status.ADOPTED
    ).first()
    if version is None:
        raise ValidationError(
            _("There is no adopted framework concept yet: its standards are what is evaluated."),
            code="no_framework",
        )
    config = settings_of(school.municipality_id)
    evaluation = model_create(
        model=SelfEvaluation,
        data={
            "school": school,
            "school_year": school_year,
            "framework_version": version,
            "scale_steps": config.scale_steps,
            "is_demo": is_demo,
        },
        changes={"school_year": school_year.code, "framework_version": str(version)},
        by=by,
        municipality_id=school.municipality_id,
    )
    for perspective in wanted_perspectives(config):
        EvaluationPerspective.objects.create(evaluation=evaluation, perspective=perspective)
    return evaluation


def _record(evaluation: SelfEvaluation, perspective: str) -> EvaluationPerspective:
    record = evaluation.perspectives.filter(perspective=perspective).first()
    if record is None:
        raise ValidationError(
            _("The municipality does not ask for this perspective."), code="not_wanted"
        )
    return record


def _validate_entry(entry: RatingInput, steps: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if entry.not_applicable:
        if not entry.not_applicable_reason.strip():
            errors["not_applicable_reason"] = _("Please give the reason why it does not apply.")
    elif entry.value is not None and not 1 <= entry.value <= steps:
        errors["value"] = _("Choose a step from 1 to %(n)s.") % {"n": steps}
    if entry.level not in Rating.Level.values:
        errors["level"] = _("Unknown mark.")
    return errors


@transaction.atomic
def ratings_save(
    *,
    evaluation: SelfEvaluation,
    perspective: str,
    entries: Sequence[RatingInput],
    summary: str | None = None,
    by: Any,
) -> list[Rating]:
    """Save a perspective's ratings (a partial form is fine: unanswered
    standards stay open until submission). One audit entry for the changes."""
    _require(perms.can_write_perspective(by, evaluation, perspective))
    _require_state(evaluation, WRITABLE_IN[perspective], _("Save ratings"))
    record = _record(evaluation, perspective)
    if record.submitted_at is not None:
        raise InvalidStepError(_("This perspective is already submitted."), code="submitted")
    standards = {s.pk: s for s in evaluation.framework_version.standards.all()}
    errors: dict[str, list[str]] = {}
    for entry in entries:
        if entry.standard_id not in standards:
            raise ValidationError(_("The standard is not part of this framework version."))
        for field, message in _validate_entry(entry, evaluation.scale_steps).items():
            errors.setdefault(f"{standards[entry.standard_id].code}: {field}", []).append(message)
    if errors:
        raise ValidationError(errors)
    existing = {r.standard_id: r for r in evaluation.ratings.filter(perspective=perspective)}
    changes: dict[str, list[Any]] = {}
    saved: list[Rating] = []
    for entry in entries:
        values = {
            "value": None if entry.not_applicable else entry.value,
            "not_applicable": entry.not_applicable,
            "not_applicable_reason": entry.not_applicable_reason.strip()
            if entry.not_applicable
            else "",
            "evidence": entry.evidence.strip(),
            "strengths": entry.strengths.strip(),
            "next_steps": entry.next_steps.strip(),
            "level": entry.level,
        }
        rating = existing.get(entry.standard_id)
        code = standards[entry.standard_id].code
        if rating is None:
            rating = Rating(
                evaluation=evaluation,
                perspective=perspective,
                standard=standards[entry.standard_id],
                **values,
            )
            rating.full_clean()
            rating.save()
            changes[code] = [None, _rating_word(values["value"], entry.not_applicable)]
        else:
            before = {k: getattr(rating, k) for k in values}
            if before != values:
                for k, v in values.items():
                    setattr(rating, k, v)
                rating.full_clean()
                rating.save()
                changes[code] = [
                    _rating_word(before["value"], before["not_applicable"]),
                    _rating_word(values["value"], values["not_applicable"]),
                ]
        saved.append(rating)
    if summary is not None and summary.strip() != record.summary:
        changes[str(_("overall assessment"))] = [record.summary, summary.strip()]
        record.summary = summary.strip()
    if record.author_id is None and _person(by) is not None:
        record.author = _person(by)
    record.save()
    if changes:
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=evaluation,
            changes={_perspective_key(): str(Perspective(perspective).label), **changes},
        )
    return saved


def _missing(evaluation: SelfEvaluation, perspective: str) -> list[str]:
    answered = {
        r.standard_id for r in evaluation.ratings.filter(perspective=perspective) if r.is_answered
    }
    return [s.code for s in evaluation.framework_version.standards.all() if s.pk not in answered]


def _require_complete(evaluation: SelfEvaluation, perspective: str) -> None:
    missing = _missing(evaluation, perspective)
    if missing:
        raise ValidationError(
            ngettext(
                "Rate every standard first (or mark it not applicable with a reason); "
                "open: %(codes)s.",
                "Rate every standard first (or mark them not applicable with a reason); "
                "open: %(codes)s.",
                len(missing),
            )
            % {"codes": ", ".join(missing)},
            code="incomplete",
        )


@transaction.atomic
def evaluation_submit(*, evaluation: SelfEvaluation, by: Any) -> SelfEvaluation:
    """The social workers submit their perspective: draft -> submitted."""
    _require(perms.can_write_perspective(by, evaluation, Perspective.WORKER))
    _require_state(evaluation, [ST.DRAFT], _("Submit"))
    _require_complete(evaluation, Perspective.WORKER)
    record = _record(evaluation, Perspective.WORKER)
    record.submitted_at = timezone.now()
    record.author = record.author or _person(by)
    record.save(update_fields=["submitted_at", "author", "updated_at"])
    evaluation.status = ST.SUBMITTED
    evaluation.save(update_fields=["status", "updated_at"])
    audit(
        actor=by, action=Action.UPDATE, obj=evaluation, changes={"status": ["draft", "submitted"]}
    )
    return evaluation


@transaction.atomic
def evaluation_return(*, evaluation: SelfEvaluation, comment: str, by: Any) -> SelfEvaluation:
    """Back to draft before the co-sign (the principal asks for changes, or the
    workers want to correct): submitted -> draft."""
    _require(perms.can_return_evaluation(by, evaluation))
    _require_state(evaluation, [ST.SUBMITTED], _("Return to draft"))
    if not comment.strip():
        raise ValidationError({"comment": _("Please say what should change.")})
    record = _record(evaluation, Perspective.WORKER)
    record.submitted_at = None
    record.save(update_fields=["submitted_at", "updated_at"])
    evaluation.status = ST.DRAFT
    evaluation.save(update_fields=["status", "updated_at"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=evaluation,
        changes={"status": ["submitted", "draft"], "comment": comment.strip()},
    )
    return evaluation


@transaction.atomic
def evaluation_co_sign(
    *, evaluation: SelfEvaluation, by: Any, summary: str | None = None
) -> SelfEvaluation:
    """The principal co-signs (with the school's view, where the municipality
    wants it): submitted -> co_signed."""
    _require(perms.can_co_sign(by, evaluation))
    _require_state(evaluation, [ST.SUBMITTED], _("Co-sign"))
    record = evaluation.perspectives.filter(perspective=Perspective.SCHOOL).first()
    now = timezone.now()
    if record is not None:
        _require_complete(evaluation, Perspective.SCHOOL)
        if summary is not None:
            record.summary = summary.strip()
    else:
        # The municipality wants no school view: the co-sign alone is recorded.
        record = EvaluationPerspective(evaluation=evaluation, perspective=Perspective.SCHOOL)
    record.author = record.author or _person(by)
    record.submitted_at = record.submitted_at or now
    record.signed_at = now
    record.signed_by = _person(by)
    record.save()
    evaluation.status = ST.CO_SIGNED
    evaluation.save(update_fields=["status", "updated_at"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=evaluation,
        changes={"status": ["submitted", "co_signed"]},
    )
    return evaluation


@transaction.atomic
def carrier_view_submit(*, evaluation: SelfEvaluation, by: Any) -> EvaluationPerspective:
    """The carrier submits its view (while submitted or co-signed)."""
    _require(perms.can_write_perspective(by, evaluation, Perspective.CARRIER))
    _require_state(evaluation, WRITABLE_IN[Perspective.CARRIER], _("Submit the carrier's view"))
    record = _record(evaluation, Perspective.CARRIER)
    if record.submitted_at is not None:
        raise InvalidStepError(_("This perspective is already submitted."), code="submitted")
    _require_complete(evaluation, Perspective.CARRIER)
    record.submitted_at = timezone.now()
    record.author = record.author or _person(by)
    record.save(update_fields=["submitted_at", "author", "updated_at"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=evaluation,
        changes={
            _perspective_key(): str(Perspective.CARRIER.label),
            str(_("submitted at")): timezone.localdate().isoformat(),
        },
    )
    return record
