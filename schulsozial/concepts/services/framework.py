"""The framework concept (Rahmenkonzept): versions, their sections and
standards, and the lifecycle of a version.

framework version:  draft --open_consultation--> consultation
                    consultation --close_consultation--> draft
                    consultation --adopt--> adopted  (the adopted one before -> superseded)

Adopted and superseded versions never change: every write to a version's
texts checks `is_editable` first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.core import events
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create
from schulsozial.masterdata.models import Municipality

from .. import permissions as perms
from .. import selectors
from ..models import (
    DEFAULT_SECTIONS,
    DEFAULT_TRANSITION_MONTHS,
    FRAMEWORK_REVIEW_YEARS,
    MAX_TRANSITION_MONTHS,
    ConsultationComment,
    ConsultationInvitation,
    FrameworkSection,
    FrameworkVersion,
    LinkedConcept,
    SchoolConcept,
    Standard,
    add_months,
    add_years,
)
from .base import InvalidTransitionError, locked_update, require, require_state

FV = FrameworkVersion.Status

# Sections a school concept must contain by default.
DEFAULT_REQUIRED_FOR_SCHOOL = {"goals", "target_groups", "tasks", "cooperation", "quality"}


def check_editable(version: FrameworkVersion) -> None:
    if not version.is_editable:
        raise InvalidTransitionError(
            _("An adopted or superseded framework version never changes. Start a new version."),
            code="immutable",
        )


@transaction.atomic
def framework_create(
    *, municipality: Municipality, title: str, by: Any, is_demo: bool = False
) -> FrameworkVersion:
    """The first version of a municipality's framework concept, with the default sections."""
    require(perms.can_manage_framework(by, municipality.pk))
    if FrameworkVersion.objects.filter(municipality=municipality).exists():
        raise ValidationError(
            _("This municipality has a framework concept already; start a new version of it.")
        )
    version = model_create(
        model=FrameworkVersion,
        data={"municipality": municipality, "number": 1, "title": title, "is_demo": is_demo},
        changes={"title": title, "number": 1},
        by=by,
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
    return version


@transaction.atomic
def framework_new_version(
    *, previous: FrameworkVersion, by: Any, title: str = ""
) -> FrameworkVersion:
    """A new draft that starts as a copy of the adopted version."""
    require(perms.can_manage_framework(by, previous.municipality_id))
    if previous.status != FV.ADOPTED:
        raise InvalidTransitionError(_("A new version starts from the adopted version."))
    if selectors.has_open_version(municipality_id=previous.municipality_id):
        raise InvalidTransitionError(_("A draft or a version in consultation exists already."))
    number = (
        FrameworkVersion.objects.filter(municipality_id=previous.municipality_id).aggregate(
            n=Max("number")
        )["n"]
        or 0
    ) + 1
    version = model_create(
        model=FrameworkVersion,
        data={
            "municipality_id": previous.municipality_id,
            "number": number,
            "title": title or previous.title,
            "based_on": previous,
            "is_demo": previous.is_demo,
        },
        changes={"number": number, "based_on": previous.pk},
        by=by,
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
    return version


@transaction.atomic
def framework_start(*, municipality: Municipality, title: str, by: Any) -> FrameworkVersion:
    """A new version of the municipality's framework: a copy of the adopted
    version if there is one, else the first version."""
    adopted = selectors.adopted_version(municipality_id=municipality.pk)
    if adopted is not None:
        return framework_new_version(previous=adopted, title=title, by=by)
    return framework_create(municipality=municipality, title=title, by=by)


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
    require(perms.can_edit_framework_version(by, version))
    check_editable(version)
    if version.sections.filter(key=key).exists():
        raise ValidationError({"key": _("A section with this key exists already.")})
    position = (version.sections.aggregate(p=Max("position"))["p"] or 0) + 10
    return model_create(
        model=FrameworkSection,
        data={
            "version": version,
            "key": key,
            "title": title,
            "position": position,
            "text": text,
            "required_for_school": required_for_school,
        },
        municipality_id=version.municipality_id,
        changes={"key": key, "title": title},
        by=by,
    )


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
    require(perms.can_edit_framework_version(by, version))
    check_editable(version)
    section = locked_update(instance=section, expected_version=expected_version, data=data, by=by)
    if linked_concepts is not None:
        allowed = [c for c in linked_concepts if c.municipality_id == version.municipality_id]
        section.linked_concepts.set(allowed)
    return section


@transaction.atomic
def framework_section_remove(*, section: FrameworkSection, by: Any) -> None:
    version = FrameworkVersion.objects.get(pk=section.version_id)
    require(perms.can_edit_framework_version(by, version))
    check_editable(version)
    audit(
        actor=by,
        action=Action.DELETE,
        obj=section,
        municipality_id=version.municipality_id,
        changes={"key": section.key, "title": section.title},
    )
    section.delete()


@transaction.atomic
def standard_add(*, version: FrameworkVersion, by: Any, **data: Any) -> Standard:
    require(perms.can_edit_framework_version(by, version))
    check_editable(version)
    if version.standards.filter(code=data.get("code")).exists():
        raise ValidationError({"code": _("A standard with this id exists already.")})
    data.setdefault("position", (version.standards.aggregate(p=Max("position"))["p"] or 0) + 10)
    return model_create(
        model=Standard,
        data={"version": version, **data},
        municipality_id=version.municipality_id,
        changes=data,
        by=by,
    )


@transaction.atomic
def standard_update(*, standard: Standard, expected_version: int, by: Any, **data: Any) -> Standard:
    version = FrameworkVersion.objects.get(pk=standard.version_id)  # fresh status
    require(perms.can_edit_framework_version(by, version))
    check_editable(version)
    if "code" in data and (
        version.standards.exclude(pk=standard.pk).filter(code=data["code"]).exists()
    ):
        raise ValidationError({"code": _("A standard with this id exists already.")})
    return locked_update(instance=standard, expected_version=expected_version, data=data, by=by)


@transaction.atomic
def standard_remove(*, standard: Standard, by: Any) -> None:
    version = FrameworkVersion.objects.get(pk=standard.version_id)  # fresh status
    require(perms.can_edit_framework_version(by, version))
    check_editable(version)
    audit(
        actor=by,
        action=Action.DELETE,
        obj=standard,
        municipality_id=version.municipality_id,
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
    require(perms.can_manage_framework(by, version.municipality_id))
    require_state(version, [FV.DRAFT], _("open the consultation"))
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
    # The invited are told (notifications/listeners.py, delivered on commit).
    events.emit(events.CONSULTATION_OPENED, version=version, by=by)
    return version


@transaction.atomic
def framework_close_consultation(*, version: FrameworkVersion, by: Any) -> FrameworkVersion:
    """consultation -> draft (comments and answers are kept)."""
    require(perms.can_manage_framework(by, version.municipality_id))
    require_state(version, [FV.CONSULTATION], _("close the consultation"))
    version.status = FV.DRAFT
    version.save(update_fields=["status"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=version,
        changes={"status": [FV.CONSULTATION, FV.DRAFT]},
    )
    return version


def _deciding_paper(
    *,
    version: FrameworkVersion,
    paper: Any,
    decision_body: str,
    decision_date: datetime.date | None,
    paper_number: str,
    by: Any,
) -> Any:
    """The council paper of the adoption: the one chosen (it must have decided
    or taken note of the version), or a new one recorded from the deciding
    body, date and paper number (role Entscheidung, result "beschlossen")."""
    from schulsozial.council import decision as council_decision
    from schulsozial.council import selectors as council_selectors
    from schulsozial.council import services as council_services
    from schulsozial.council.models import Paper

    if paper is not None:
        if paper.municipality_id != version.municipality_id:
            raise ValidationError(_("The council paper belongs to another municipality."))
        result = council_selectors.outcome_of(paper)
        if result.kind is council_decision.Kind.REJECTED:
            raise ValidationError(
                _("The council rejected the paper %(ref)s: it cannot put the version in force.")
                % {"ref": paper.reference},
                code="paper_rejected",
            )
        if result.kind is council_decision.Kind.PENDING:
            raise ValidationError(
                _(
                    "The paper %(ref)s has no result yet. Record the results of its "
                    "consultations first."
                )
                % {"ref": paper.reference},
                code="paper_pending",
            )
        return paper
    if not decision_body.strip() or not paper_number.strip() or decision_date is None:
        raise ValidationError(
            _(
                "Choose the council paper, or record the deciding body, the date and the paper number."
            )
        )
    reference = " ".join(paper_number.split())
    key = council_services.reference_key(reference)
    for existing in Paper.objects.filter(municipality_id=version.municipality_id):
        if council_services.reference_key(existing.reference) == key:
            message = _(
                "The paper %(ref)s is already recorded. Choose it as the council paper "
                "instead of entering its number again."
            ) % {"ref": existing.reference}
            raise ValidationError(
                {"paper_number": ValidationError(message, code="duplicate_reference")}
            )
    return council_services.paper_create(
        municipality_id=version.municipality_id,
        data={
            "reference": reference,
            "title": version.title,
            "paper_type": "Beschlussvorlage",
            "date": decision_date,
            "is_demo": version.is_demo,
        },
        consultations=[
            council_services.ConsultationData(
                committee=decision_body,
                date=decision_date,
                role=council_decision.DECISION_ROLE,
                result="beschlossen",
            )
        ],
        by=by,
    )


def older_decision_warning(*, version: FrameworkVersion, decided_on: datetime.date | None) -> str:
    """The warning when the paper is older than the decision of the version in
    force: it would replace a newer decision. Empty when it is not older."""
    current = (
        FrameworkVersion.objects.filter(municipality_id=version.municipality_id, status=FV.ADOPTED)
        .exclude(pk=version.pk)
        .first()
    )
    if current is None or decided_on is None:
        return ""
    since = current.decision_date or (
        timezone.localdate(current.adopted_at) if current.adopted_at else None
    )
    if since is None or decided_on >= since:
        return ""
    from django.utils import formats

    return _(
        "Version %(n)s is in force since %(since)s. The council paper of this adoption "
        "dates from %(date)s, before that decision: adopting it would replace a newer decision "
        "by an older one. Confirm only if that is what the council wants."
    ) % {
        "n": current.number,
        "since": formats.date_format(since, "SHORT_DATE_FORMAT"),
        "date": formats.date_format(decided_on, "SHORT_DATE_FORMAT"),
    }


@transaction.atomic
def framework_adopt(
    *,
    version: FrameworkVersion,
    by: Any,
    paper: Any = None,
    decision_body: str = "",
    decision_date: datetime.date | None = None,
    paper_number: str = "",
    review_due: datetime.date | None = None,
    transition_months: int = DEFAULT_TRANSITION_MONTHS,
    confirm_open_consultation: bool = False,
    confirm_older_decision: bool = False,
) -> FrameworkVersion:
    """consultation -> adopted. Links the council paper of the decision (the
    `paper` chosen, or a new one from `decision_body`, `decision_date` and
    `paper_number`); the version adopted before is superseded and every
    school concept derived from an older version is marked "framework
    changed". Those concepts stay valid for `transition_months` after the
    decision (`transition_until`).

    A paper that only took note of the version puts it in force but the
    version never reads "vom Rat beschlossen" (council.decision). A paper
    older than the decision of the version in force needs
    `confirm_older_decision`. While the consultation period has not ended yet,
    the adoption needs `confirm_open_consultation` (it ends the consultation
    early)."""
    from schulsozial.council import selectors as council_selectors
    from schulsozial.council import services as council_services

    require(perms.can_manage_framework(by, version.municipality_id))
    require_state(version, [FV.CONSULTATION], _("adopt"))
    open_comments = version.comments.filter(answer=ConsultationComment.Answer.OPEN).count()
    if open_comments:
        raise InvalidTransitionError(
            ngettext(
                "%(n)s consultation comment is not answered yet. Answer every comment first.",
                "%(n)s consultation comments are not answered yet. Answer every comment first.",
                open_comments,
            )
            % {"n": open_comments}
        )
    if selectors.consultation_still_open(version=version) and not confirm_open_consultation:
        raise ValidationError(
            selectors.consultation_open_warning(version=version), code="consultation_open"
        )
    if not 0 <= transition_months <= MAX_TRANSITION_MONTHS:
        raise ValidationError(
            {
                "transition_months": _("The transition period is 0 to %(n)s months.")
                % {"n": MAX_TRANSITION_MONTHS}
            }
        )
    if paper is not None:
        result = council_selectors.outcome_of(paper)
        decided_on = council_selectors.effective_date(paper, result)
    else:
        decided_on = decision_date
    warning = older_decision_warning(version=version, decided_on=decided_on)
    if warning and not confirm_older_decision:
        raise ValidationError(warning, code="older_decision")
    paper = _deciding_paper(
        version=version,
        paper=paper,
        decision_body=decision_body,
        decision_date=decision_date,
        paper_number=paper_number,
        by=by,
    )
    council_services.paper_link(paper=paper, framework_version=version, by=by)
    version.forget_council_decision()
    found = version.council_decision
    decided_on = (found.date if found else None) or decided_on or timezone.localdate()
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
    version.review_due = review_due or add_years(decided_on, FRAMEWORK_REVIEW_YEARS)
    version.adopted_at = now
    version.transition_months = transition_months
    version.transition_until = (
        add_months(decided_on, transition_months) if previous and transition_months else None
    )
    version.save(
        update_fields=[
            "status",
            "review_due",
            "adopted_at",
            "transition_months",
            "transition_until",
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
            "status": [FV.CONSULTATION, FV.ADOPTED],
            "council_paper": paper.reference,
            "decided": bool(found and found.decided),
            "decision_date": decided_on,
            "older_decision_confirmed": bool(warning),
            "review_due": version.review_due,
            "transition_until": version.transition_until,
            "superseded": [v.pk for v in previous],
            "school_concepts_marked": marked,
        },
    )
    return version


@transaction.atomic
def framework_set_transition(
    *, version: FrameworkVersion, transition_months: int, by: Any
) -> FrameworkVersion:
    """Coordination changes the transition period of the adopted version
    (counted from its decision date). Its texts stay unchanged."""
    require(perms.can_manage_framework(by, version.municipality_id))
    require_state(version, [FV.ADOPTED], _("change the transition period"))
    if not 0 <= transition_months <= MAX_TRANSITION_MONTHS:
        raise ValidationError(
            {
                "transition_months": _("The transition period is 0 to %(n)s months.")
                % {"n": MAX_TRANSITION_MONTHS}
            }
        )
    old = (version.transition_months, version.transition_until)
    version.transition_months = transition_months
    version.transition_until = (
        add_months(version.decision_date, transition_months)
        if transition_months and version.decision_date and version.based_on_id
        else None
    )
    version.save(update_fields=["transition_months", "transition_until"])
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=version,
        changes={
            "transition_months": [old[0], transition_months],
            "transition_until": [old[1], version.transition_until],
        },
    )
    return version
