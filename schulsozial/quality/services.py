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
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.accounts.models import User
from schulsozial.concepts import services as concept_services
from schulsozial.concepts.models import FrameworkVersion, Standard, YearlyGoal
from schulsozial.core import school_year as sy
from schulsozial.core.actors import SYSTEM
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create, model_update
from schulsozial.masterdata import services as masterdata_services
from schulsozial.masterdata.models import Municipality, School, SchoolYear

from . import permissions as perms
from .models import (
    STAFF_PARTICIPANT_ROLES,
    ClosingChange,
    ClosingReview,
    DialogueParticipant,
    EvaluationPerspective,
    Perspective,
    QualityDialogue,
    QualitySettings,
    Rating,
    SelfEvaluation,
    Survey,
    SurveyAnswer,
    SurveyAudience,
    SurveyQuestion,
    SurveyQuestionSet,
    SurveyResponse,
)
from .selectors import settings_of, wanted_perspectives

ST = SelfEvaluation.Status

# In which states each perspective's ratings may be written.
WRITABLE_IN: dict[str, tuple[str, ...]] = {
    Perspective.WORKER: (ST.DRAFT,),
    Perspective.SCHOOL: (ST.SUBMITTED,),
    Perspective.CARRIER: (ST.SUBMITTED, ST.CO_SIGNED),
}


class InvalidStepError(ValidationError):
    """The self-evaluation is not in a state in which this step is possible."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_state(evaluation: SelfEvaluation, allowed: Iterable[str], step: str) -> None:
    if evaluation.status not in allowed:
        raise InvalidStepError(
            _("“%(step)s” is not possible in the status “%(status)s”.")
            % {"step": step, "status": evaluation.get_status_display()},
            code="invalid_step",
        )


def _person(by: Any) -> User | None:
    return by if isinstance(by, User) and by.is_authenticated else None


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


@dataclass(frozen=True)
class ChangeInput:
    """One change chosen in the closing review (becomes a yearly goal)."""

    goal: str
    measures: str
    responsible: str
    standard_id: int | None = None


@dataclass(frozen=True)
class ParticipantInput:
    role: str
    name: str = ""
    institution: str = ""
    count: int = 1


# The audit log states details in German words (issue 13): keys and values
# that are no field of the audited model are written as their labels.


def _perspective_key() -> str:
    return str(_("perspective"))


def _rating_word(value: Any, not_applicable: Any) -> Any:
    return str(_("not applicable")) if not_applicable else value


def _role_words(roles: Iterable[str]) -> list[str]:
    labels = dict(DialogueParticipant.ParticipantRole.choices)
    return [str(labels.get(r, r)) for r in roles]


# --------------------------------------------------------------------------- settings


@transaction.atomic
def settings_update(*, municipality: Municipality, by: Any, **data: Any) -> QualitySettings:
    _require(perms.can_manage_settings(by, municipality.pk))
    current = QualitySettings.objects.filter(municipality=municipality).first()
    if current is None:
        return model_create(
            model=QualitySettings,
            data={"municipality": municipality, **data},
            by=by,
            municipality_id=municipality.pk,
        )
    return model_update(instance=current, data=data, by=by)[0]


# --------------------------------------------------------------------------- self-evaluation


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


# --------------------------------------------------------------------------- quality dialogue


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


__all__ = [
    "ChangeInput",
    "InvalidStepError",
    "ParticipantInput",
    "RatingInput",
    "Standard",
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
]


# --------------------------------------------------------------------------- anonymous surveys
# (issue 16, part two). Creating and closing a survey is audited; an answer
# is not: an audit entry would keep the moment of the answer (and the log
# keeps addresses for other entries). A response row has no user, no address
# and no time stamp.


def survey_question_set(
    *, municipality: Municipality, audience: str, by: Any, copy_questions: bool = True
) -> SurveyQuestionSet:
    """The municipality's question set for an audience; the shipped default is
    copied the first time (without its questions if `copy_questions` is off:
    the question page saves the defaults as the user edited them)."""
    from .survey_defaults import DEFAULT_SETS

    if audience not in DEFAULT_SETS:
        raise ValidationError(_("Unknown audience."))
    found = SurveyQuestionSet.objects.filter(municipality=municipality, audience=audience).first()
    if found is not None:
        return found
    default = DEFAULT_SETS[audience]
    with transaction.atomic():
        created = SurveyQuestionSet.objects.create(
            municipality=municipality,
            audience=audience,
            title=str(default["title"]),
            intro=str(default["intro"]),
        )
        questions = default["questions"] if copy_questions else []
        assert isinstance(questions, list)  # noqa: S101 - shipped data
        for position, (text, kind) in enumerate(questions, start=1):
            SurveyQuestion.objects.create(
                question_set=created, position=position, text=text, kind=kind
            )
        audit(actor=by, action=Action.CREATE, obj=created, municipality_id=municipality.pk)
    return created


def survey_create(
    *,
    school: School,
    audience: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    by: Any,
    is_demo: bool = False,
) -> Survey:
    import secrets

    _require(perms.can_run_survey_at(by, school))
    if not settings_of(school.municipality_id).surveys_enabled:
        raise ValidationError(_("Anonymous surveys are switched off in the quality settings."))
    if closes_on < opens_on:
        raise ValidationError(_("The survey cannot end before it starts."))
    question_set = survey_question_set(municipality=school.municipality, audience=audience, by=by)
    with transaction.atomic():
        survey = Survey.objects.create(
            school=school,
            question_set=question_set,
            token=secrets.token_urlsafe(24),
            opens_on=opens_on,
            closes_on=closes_on,
            created_by=_person(by),
            is_demo=is_demo,
        )
        audit(
            actor=by,
            action=Action.CREATE,
            obj=survey,
            changes={
                "audience": str(SurveyAudience(audience).label),
                "period": f"{opens_on:%d.%m.%Y} – {closes_on:%d.%m.%Y}",
            },
        )
    return survey


def survey_close(*, survey: Survey, by: Any) -> Survey:
    _require(perms.can_run_survey_at(by, survey.school))
    if survey.closed_at is None:
        with transaction.atomic():
            survey.closed_at = timezone.now()
            survey.save(update_fields=["closed_at"])
            audit(actor=by, action=Action.UPDATE, obj=survey, changes={"closed": True})
    return survey


def survey_is_open(survey: Survey, day: datetime.date) -> bool:
    return (
        survey.closed_at is None
        and survey.opens_on <= day <= survey.closes_on
        and settings_of(survey.school.municipality_id).surveys_enabled
    )


def survey_answer(
    *, survey: Survey, answers: dict[int, Any], day: datetime.date | None = None
) -> SurveyResponse:
    """Store one anonymous response. `answers`: question id -> step (int) or
    free text (str); every scale and yes/no question must be answered."""
    day = day or timezone.localdate()
    if not survey_is_open(survey, day):
        raise ValidationError(_("This survey is closed."))
    questions = list(survey.question_set.questions.all())
    rows = []
    for question in questions:
        given = answers.get(question.pk)
        if question.kind == SurveyQuestion.Kind.TEXT:
            text = str(given or "").strip()[:2000]
            if text:
                rows.append(SurveyAnswer(question=question, text=text))
            continue
        if not isinstance(given, int) or not 1 <= given <= question.steps:
            raise ValidationError(_("Please answer every question."))
        rows.append(SurveyAnswer(question=question, value=given))
    with transaction.atomic():
        response = SurveyResponse.objects.create(survey=survey)
        for row in rows:
            row.response = response
        SurveyAnswer.objects.bulk_create(rows)
    return response


@dataclass(frozen=True)
class QuestionInput:
    pk: int | None
    text: str
    kind: str
    position: int
    delete: bool = False


def survey_questions_save(
    *, question_set: SurveyQuestionSet, rows: Sequence[QuestionInput], by: Any
) -> SurveyQuestionSet:
    """Edit a municipality's question set: change, add and remove questions. A
    question that has answers keeps its kind and cannot be removed (its
    answers would change meaning or be lost)."""
    _require(perms.can_manage_settings(by, question_set.municipality_id))
    kinds = set(SurveyQuestion.Kind.values)
    existing = {q.pk: q for q in question_set.questions.all()}
    answered = set(
        SurveyAnswer.objects.filter(question__in=existing.values())
        .values_list("question_id", flat=True)
        .distinct()
    )
    changes: dict[str, Any] = {}
    with transaction.atomic():
        for row in rows:
            if row.kind not in kinds:
                raise ValidationError(_("Unknown kind of answer."))
            question = existing.get(row.pk) if row.pk else None
            if row.pk and question is None:
                raise ValidationError(_("Unknown question."))
            if (
                question is not None
                and question.pk in answered
                and (row.delete or row.kind != question.kind)
            ):
                raise ValidationError(
                    _("A question with answers keeps its kind and cannot be removed.")
                )
            if row.delete:
                if question is not None:
                    question.delete()
                    changes.setdefault("removed", []).append(question.text)
                continue
            text = row.text.strip()
            if not text:
                continue
            if question is None:
                SurveyQuestion.objects.create(
                    question_set=question_set, text=text, kind=row.kind, position=row.position
                )
                changes.setdefault("added", []).append(text)
            elif (question.text, question.kind, question.position) != (
                text,
                row.kind,
                row.position,
            ):
                question.text, question.kind, question.position = text, row.kind, row.position
                question.save(update_fields=["text", "kind", "position"])
                changes.setdefault("changed", []).append(text)
        if changes:
            audit(
                actor=by,
                action=Action.UPDATE,
                obj=question_set,
                municipality_id=question_set.municipality_id,
                changes=changes,
            )
    return question_set
