"""The school concept: created from the adopted framework, edited by the
school's social workers and taken through its approval steps (the states of
each step in concepts.workflow, the roles in concepts.permissions).

A refused role raises PermissionDenied; a wrong source state raises
InvalidTransitionError (a ValidationError with a readable message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core import events
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_update
from schulsozial.masterdata.models import School

from .. import permissions as perms
from .. import selectors, workflow
from ..models import (
    ConceptStep,
    FrameworkVersion,
    SchoolConcept,
    SchoolConceptSection,
    StandardImplementation,
    add_years,
)
from .base import InvalidTransitionError, locked_update, person, require, require_state, today

SC = SchoolConcept.Status

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


def _step(
    concept: SchoolConcept, *, action: str, by: Any, comment: str = "", old_status: str = ""
) -> None:
    """Record one step in the concept's history and the audit log."""
    ConceptStep.objects.create(
        concept=concept,
        action=action,
        by=person(by),
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
    # Whoever takes the next step is told (notifications/listeners.py, delivered on commit).
    events.emit(events.SCHOOL_CONCEPT_STEP, concept=concept, action=action, by=by, comment=comment)


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
def school_concept_create(*, school: School, by: Any, is_demo: bool = False) -> SchoolConcept:
    """Create the school's concept from the currently adopted framework version."""
    require(perms.can_draft_school_concept(by, school))
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
    require(perms.can_draft_school_concept(by, concept.school))
    _check_concept_editable(concept)
    return locked_update(
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
    require(perms.can_draft_school_concept(by, concept.school))
    _check_concept_editable(concept)
    if deviation and not deviation_reason.strip():
        raise ValidationError({"deviation_reason": _("A local deviation needs a reason.")})
    return locked_update(
        instance=entry,
        expected_version=expected_version,
        data={
            "text": text,
            "deviation": deviation,
            "deviation_reason": deviation_reason.strip() if deviation else "",
        },
        by=by,
    )


# --------------------------------------------------------------------------- approval steps


def _locked(concept: SchoolConcept, action: str, by: Any) -> SchoolConcept:
    """The concept, locked for this step, after the role and state checks."""
    concept = SchoolConcept.objects.select_for_update().get(pk=concept.pk)
    require(perms.can_take_school_concept_step(by, concept, action))
    label = ConceptStep.Action(action).label if action in ConceptStep.Action.values else action
    require_state(concept, workflow.SCHOOL_TRANSITIONS[action], str(label))
    return concept


def _clear_approvals(concept: SchoolConcept) -> None:
    """A new round starts: the approvals, the acknowledgement and the review
    date of the previous round no longer apply (the steps keep them)."""
    concept.principal_approved_by = concept.carrier_approved_by = None
    concept.principal_approved_at = concept.carrier_approved_at = None
    concept.acknowledged_at = None
    concept.review_due = None


@transaction.atomic
def school_concept_submit(*, concept: SchoolConcept, by: Any, comment: str = "") -> SchoolConcept:
    """The drafters submit; refused while the completeness check lists gaps."""
    concept = _locked(concept, "submit", by)
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
    action = f"approve_{as_role}"
    concept = _locked(concept, action, by)
    now = timezone.now()
    if as_role == "principal":
        if concept.principal_approved_at:
            raise InvalidTransitionError(_("The principal has approved this concept already."))
        concept.principal_approved_by, concept.principal_approved_at = person(by), now
    else:
        if concept.carrier_approved_at:
            raise InvalidTransitionError(_("The carrier has approved this concept already."))
        concept.carrier_approved_by, concept.carrier_approved_at = person(by), now
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
    concept = _locked(concept, "request_changes", by)
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
    concept = _locked(concept, "acknowledge", by)
    old = concept.status
    concept.status = SC.ACKNOWLEDGED
    concept.acknowledged_at = timezone.now()
    concept.review_due = add_years(today(), concept.review_interval_years)
    concept.save(update_fields=APPROVAL_FIELDS)
    _step(concept, action=ConceptStep.Action.ACKNOWLEDGE, by=by, comment=comment, old_status=old)
    return concept


@transaction.atomic
def school_concept_reopen(*, concept: SchoolConcept, by: Any, comment: str = "") -> SchoolConcept:
    """Start the revision of an acknowledged concept (review)."""
    concept = _locked(concept, "reopen", by)
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
    concept = _locked(concept, "rebase", by)
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


TRANSITION_SERVICES: dict[str, Callable[..., SchoolConcept]] = {
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
    """Take the approval step `action` (one of workflow.SCHOOL_TRANSITIONS)."""
    service = TRANSITION_SERVICES.get(action)
    if service is None:
        raise InvalidTransitionError(_("Unknown step."))
    return service(concept=concept, by=by, comment=comment)


@transaction.atomic
def school_concept_set_review_interval(
    *, concept: SchoolConcept, years: int, by: Any
) -> SchoolConcept:
    """The years between reviews; an acknowledged concept's due date moves with it."""
    require(perms.can_acknowledge_school_concept(by, concept))
    data: dict[str, Any] = {"review_interval_years": years}
    if concept.acknowledged_at:
        data["review_due"] = add_years(timezone.localdate(concept.acknowledged_at), years)
    return model_update(instance=concept, data=data, by=by)[0]
