"""Every read of concepts, scoped through concepts.permissions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from schulsozial.accounts.models import User
from schulsozial.masterdata.models import Municipality, School
from schulsozial.masterdata.selectors import coordinated_municipalities

from . import diff, workflow
from . import permissions as perms
from .markdown import render_markdown, sanitize
from .models import (
    ConceptStep,
    ConsultationComment,
    FrameworkSection,
    FrameworkVersion,
    Idea,
    LinkedConcept,
    SchoolConcept,
    Standard,
    YearlyGoal,
)

SOON_DAYS = 90


def today() -> datetime.date:
    return timezone.localdate()


def _scoped(model: Any, query: Q) -> QuerySet[Any]:
    scoped: QuerySet[Any] = model.objects.filter(pk__in=model.objects.filter(query).values("pk"))
    return scoped


# --------------------------------------------------------------------------- framework


def framework_versions_visible_to(*, user: Any) -> QuerySet[FrameworkVersion]:
    return _scoped(FrameworkVersion, perms.framework_versions_visible_q(user)).select_related(
        "municipality"
    )


def visible_version(*, user: Any, pk: str | None) -> FrameworkVersion | None:
    """The version `pk` (as typed in a query string) if the user may see it."""
    try:
        number = int(pk or "")
    except ValueError:
        return None
    return framework_versions_visible_to(user=user).filter(pk=number).first()


def adopted_version(*, municipality_id: int) -> FrameworkVersion | None:
    return FrameworkVersion.objects.filter(
        municipality_id=municipality_id, status=FrameworkVersion.Status.ADOPTED
    ).first()


def sections_of(*, version: FrameworkVersion) -> QuerySet[FrameworkSection]:
    return version.sections.prefetch_related("linked_concepts")


def standards_of(*, version: FrameworkVersion) -> QuerySet[Standard]:
    return version.standards.all()


def has_open_version(*, municipality_id: int) -> bool:
    """A draft or a version in consultation exists (no second one can start)."""
    return FrameworkVersion.objects.filter(
        municipality_id=municipality_id, status__in=FrameworkVersion.EDITABLE
    ).exists()


def framework_page(*, user: Any, version: FrameworkVersion) -> dict[str, Any]:
    """What the framework version's page shows: its sections and standards,
    each with the comments the user may see, the consultation's state (for
    coordination, once it opened) and the municipality's other versions."""

    def visible() -> Prefetch[Any]:
        return Prefetch(
            "comments",
            queryset=comments_visible_to(user=user).filter(version=version),
            to_attr="visible_comments",
        )

    manage = perms.can_manage_framework(user, version.municipality_id)
    return {
        "sections": sections_of(version=version).prefetch_related(visible()),
        "standards": standards_of(version=version).prefetch_related(visible()),
        "consultation": consultation_status(version=version)
        if manage and version.status != FrameworkVersion.Status.DRAFT
        else None,
        "has_open_version": has_open_version(municipality_id=version.municipality_id),
        "published": framework_versions_visible_to(user=user)
        .filter(municipality_id=version.municipality_id)
        .exclude(pk=version.pk),
    }


def consultation_still_open(*, version: FrameworkVersion, day: datetime.date | None = None) -> bool:
    """The version is in consultation and its period has not ended yet
    (the closing day itself still belongs to it)."""
    day = day or today()
    return (
        version.status == FrameworkVersion.Status.CONSULTATION
        and version.consultation_closes is not None
        and version.consultation_closes >= day
    )


def consultation_open_warning(*, version: FrameworkVersion) -> str:
    if version.consultation_closes is None:
        return ""
    return _(
        "The consultation is still open until %(date)s. Adopting the version now ends it "
        "early: invited persons can no longer comment. Confirm that the council has decided "
        "before the end of the consultation."
    ) % {"date": formats.date_format(version.consultation_closes, "SHORT_DATE_FORMAT")}


def adopted_version_of(*, version: FrameworkVersion) -> FrameworkVersion | None:
    """The other version of the municipality in force, if any."""
    return (
        FrameworkVersion.objects.filter(
            municipality_id=version.municipality_id, status=FrameworkVersion.Status.ADOPTED
        )
        .exclude(pk=version.pk)
        .first()
    )


def adoption_warnings(*, version: FrameworkVersion) -> dict[str, Any]:
    """What the adoption page says before the form is filled in: the
    consultation still running, comments still open (they block the
    adoption), and how many school concepts the new version affects."""
    open_comments = version.comments.filter(answer=ConsultationComment.Answer.OPEN).count()
    affected = (
        SchoolConcept.objects.filter(school__municipality_id=version.municipality_id)
        .exclude(framework_version=version)
        .count()
    )
    return {
        "consultation_open": consultation_still_open(version=version),
        "warning": consultation_open_warning(version=version)
        if consultation_still_open(version=version)
        else "",
        "open_comments": open_comments,
        "affected": affected,
        "in_force": adopted_version_of(version=version),
    }


def adoption_message(*, version: FrameworkVersion) -> str:
    """The confirmation after an adoption, with the transition period."""
    message = _("Version %(n)s was adopted.") % {"n": version.number}
    affected = (
        SchoolConcept.objects.filter(
            school__municipality_id=version.municipality_id,
            framework_changed=True,
            status__in=VALID_STATUSES,
        )
        .exclude(framework_version=version)
        .exclude(status=SchoolConcept.Status.ACKNOWLEDGED, review_due__lte=today())
        .count()
    )
    if affected and version.transition_until:
        message += " " + ngettext(
            "%(count)s approved school concept on an earlier version stays valid until "
            "%(date)s (transition period).",
            "%(count)s approved school concepts on earlier versions stay valid until "
            "%(date)s (transition period).",
            affected,
        ) % {
            "count": affected,
            "date": formats.date_format(version.transition_until, "SHORT_DATE_FORMAT"),
        }
    elif affected:
        message += " " + ngettext(
            "%(count)s approved school concept is on an earlier version and has to be reworked.",
            "%(count)s approved school concepts are on earlier versions and have to be reworked.",
            affected,
        ) % {"count": affected}
    return message


def invitable_users(*, version: FrameworkVersion) -> QuerySet[User]:
    """Active users holding a role that can be invited in the version's municipality."""
    return User.objects.filter(
        is_active=True,
        role_assignments__municipality_id=version.municipality_id,
        role_assignments__role__in=list(perms.CONSULTATION_ROLES),
    ).distinct()


def comments_visible_to(*, user: Any) -> QuerySet[ConsultationComment]:
    return _scoped(ConsultationComment, perms.consultation_comments_visible_q(user)).select_related(
        "version", "section", "standard", "author", "answered_by"
    )


def consultation_status(*, version: FrameworkVersion) -> dict[str, Any]:
    counts = version.comments.aggregate(
        total=Count("pk"), open=Count("pk", filter=Q(answer=ConsultationComment.Answer.OPEN))
    )
    return {
        "version": version,
        "comments": counts["total"],
        "open": counts["open"],
        "answered": counts["total"] - counts["open"],
        "invitations": list(version.invitations.select_related("user")),
    }


def _entries_sections(version: FrameworkVersion) -> list[diff.Entry]:
    return [diff.Entry(s.key, s.title, s.text) for s in version.sections.all()]


def _standard_text(s: Standard) -> str:
    binding = _("binding for school concepts") if s.binding else _("not binding")
    return "\n".join(
        [
            s.description,
            f"{_('quality dimension')}: {s.get_dimension_display()}",
            f"{_('indicators')}: " + "; ".join(s.indicator_list),
            binding,
        ]
    )


def _entries_standards(
    version: FrameworkVersion, *, binding_only: bool = False
) -> list[diff.Entry]:
    standards = version.standards.all()
    if binding_only:
        standards = standards.filter(binding=True)
    return [diff.Entry(s.code, f"{s.code} {s.title}", _standard_text(s)) for s in standards]


def _standard_markdown(s: Standard) -> str:
    """A standard as Markdown, for the rendered comparison and the synopsis."""
    binding = _("binding for school concepts") if s.binding else _("not binding")
    parts = [s.description, f"**{_('quality dimension')}:** {s.get_dimension_display()}"]
    if s.indicator_list:
        parts.append(f"**{_('indicators')}:**\n\n" + "\n".join(f"- {i}" for i in s.indicator_list))
    parts.append(binding)
    return "\n\n".join(p for p in parts if p.strip())


def _rendered_standards(version: FrameworkVersion) -> list[diff.Entry]:
    return [
        diff.Entry(s.code, f"{s.code} {s.title}", _standard_markdown(s))
        for s in version.standards.all()
    ]


def _render(text: str) -> str:
    return render_markdown(text)


def compare_versions(*, old: FrameworkVersion, new: FrameworkVersion) -> dict[str, list[diff.Row]]:
    """Section by section and standard by standard, the rendered texts
    compared word by word (sanitised again after marking the changes)."""

    def rows(old_entries: list[diff.Entry], new_entries: list[diff.Entry]) -> list[diff.Row]:
        return [
            diff.Row(r.key, r.title, r.change, sanitize(r.html))
            for r in diff.compare(old_entries, new_entries, render=_render)
        ]

    return {
        "sections": rows(_entries_sections(old), _entries_sections(new)),
        "standards": rows(_rendered_standards(old), _rendered_standards(new)),
    }


def synopsis_pairs(
    *, old: FrameworkVersion, new: FrameworkVersion
) -> dict[str, list[tuple[diff.Entry | None, diff.Entry | None]]]:
    """The sections and standards of two versions paired by key (Markdown
    texts), for the side-by-side synopsis."""
    return {
        "sections": diff.pairs(_entries_sections(old), _entries_sections(new)),
        "standards": diff.pairs(_rendered_standards(old), _rendered_standards(new)),
    }


def required_version(*, concept: SchoolConcept) -> FrameworkVersion:
    """The framework version whose requirements the concept has to meet: the
    adopted one (a concept on an earlier version has to be moved to it), else
    the concept's own. The completeness check and the notice of changed
    binding standards both read it, so they never disagree."""
    adopted = adopted_version(municipality_id=concept.school.municipality_id)
    return adopted or concept.framework_version


def binding_changes(*, concept: SchoolConcept) -> dict[str, list[str]] | None:
    """Binding standards added, changed or removed since the concept's version."""
    required = required_version(concept=concept)
    if required.pk == concept.framework_version_id:
        return None
    return diff.changed_keys(
        _entries_standards(concept.framework_version, binding_only=True),
        _entries_standards(required, binding_only=True),
    )


# --------------------------------------------------------------------------- ideas, linked


def ideas_visible_to(*, user: Any) -> QuerySet[Idea]:
    return _scoped(Idea, perms.ideas_visible_q(user)).select_related("municipality", "author")


def idea_municipalities(*, user: Any) -> QuerySet[Municipality]:
    """Where the user may hand in an idea."""
    return Municipality.objects.filter(pk__in=perms.idea_municipality_ids(user))


def idea_target_sections(*, idea: Idea) -> QuerySet[FrameworkSection]:
    """The sections an idea can be taken up into: those of the municipality's
    draft or version in consultation."""
    return FrameworkSection.objects.filter(
        version__municipality_id=idea.municipality_id,
        version__status__in=FrameworkVersion.EDITABLE,
    ).select_related("version")


def linked_concepts_visible_to(*, user: Any) -> QuerySet[LinkedConcept]:
    return _scoped(LinkedConcept, perms.linked_concepts_visible_q(user)).select_related(
        "municipality"
    )


# --------------------------------------------------------------------------- school concepts


def school_concepts_visible_to(*, user: Any) -> QuerySet[SchoolConcept]:
    return _scoped(SchoolConcept, perms.school_concepts_visible_q(user)).select_related(
        "school", "school__municipality", "framework_version"
    )


def school_concept_detail(*, user: Any, pk: int) -> SchoolConcept:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        school_concepts_visible_to(user=user).prefetch_related(
            "sections",
            "implementations",
            Prefetch("steps", queryset=ConceptStep.objects.select_related("by")),
        ),
        pk=pk,
    )


def concept_of_school(*, school_id: int | None) -> SchoolConcept | None:
    if school_id is None:
        return None
    return SchoolConcept.objects.filter(school_id=school_id).first()


def schools_awaiting_concept(*, user: Any) -> list[School]:
    """The schools the user drafts for that have no concept yet but whose
    municipality has an adopted framework (a concept can be started)."""
    return [
        school
        for school in School.objects.filter(
            pk__in=perms.drafting_school_ids(user), concept__isnull=True
        ).order_by("name")
        if adopted_version(municipality_id=school.municipality_id)
    ]


def transition_allowed(*, concept: SchoolConcept, action: str, user: Any) -> bool:
    """Would `action` pass the role and state checks (for showing buttons)?"""
    states = workflow.SCHOOL_TRANSITIONS.get(action)
    if states is None or concept.status not in states:
        return False
    if not perms.can_take_school_concept_step(user, concept, action):
        return False
    if action == "approve_principal":
        return concept.principal_approved_at is None
    if action == "approve_carrier":
        return concept.carrier_approved_at is None
    if action == "rebase":
        adopted = adopted_version(municipality_id=concept.school.municipality_id)
        return adopted is not None and adopted.pk != concept.framework_version_id
    return True


def available_steps(*, concept: SchoolConcept, user: Any) -> list[tuple[str, Any]]:
    """The approval steps the user can take now, with their labels."""
    return [
        (action, label)
        for action, label in workflow.STEP_LABELS.items()
        if transition_allowed(concept=concept, action=action, user=user)
    ]


def yearly_goals_visible_to(*, user: Any) -> QuerySet[YearlyGoal]:
    return _scoped(YearlyGoal, perms.yearly_goals_visible_q(user)).select_related(
        "school", "school_year"
    )


@dataclass(frozen=True)
class Missing:
    kind: str  # "section" or "standard"
    key: str
    message: str
    pk: int | None = None  # the concept's part to fill in; None: added by moving the concept
    new: bool = False  # required by the adopted version, not by the concept's own


def completeness(*, concept: SchoolConcept) -> list[Missing]:
    """Every required section and binding standard of the required version
    (required_version) that is missing or empty. A part that only the adopted
    version requires is added by moving the concept to it (rebase)."""
    version = required_version(concept=concept)
    moved = version.pk != concept.framework_version_id
    sections = {s.key: s for s in concept.sections.all()}
    entries = {e.standard_code: e for e in concept.implementations.all()}
    missing: list[Missing] = []
    for section in version.sections.filter(required_for_school=True):
        mine = sections.get(section.key)
        if mine is None:
            message = (
                _(
                    "Section “%(t)s” is required by version %(n)s of the framework concept: "
                    "move the concept to it to add the section."
                )
                if moved
                else _("Section “%(t)s” is missing.")
            ) % {"t": section.title, "n": version.number}
            missing.append(Missing("section", section.key, message, new=moved))
        elif not mine.text.strip():
            missing.append(
                Missing(
                    "section",
                    section.key,
                    _("Section “%(t)s” is empty.") % {"t": mine.title},
                    pk=mine.pk,
                )
            )
    for standard in version.standards.filter(binding=True):
        entry = entries.get(standard.code)
        label = f"{standard.code} {standard.title}"
        if entry is None:
            message = (
                _(
                    "Standard “%(t)s” is new and binding in version %(n)s of the framework "
                    "concept: move the concept to it to add the standard."
                )
                if moved
                else _("Standard “%(t)s” is missing.")
            ) % {"t": label, "n": version.number}
            missing.append(Missing("standard", standard.code, message, new=moved))
        elif not entry.text.strip():
            missing.append(
                Missing(
                    "standard",
                    standard.code,
                    _("Standard “%(t)s”: describe how the school implements it.") % {"t": label},
                    pk=entry.pk,
                )
            )
        elif entry.deviation and not entry.deviation_reason.strip():
            missing.append(
                Missing(
                    "standard",
                    standard.code,
                    _("Standard “%(t)s”: the local deviation needs a reason.") % {"t": label},
                    pk=entry.pk,
                )
            )
    return missing


# --------------------------------------------------------------------------- overview

OVERVIEW_STATES = [
    ("none", gettext_lazy("no concept")),
    ("draft", gettext_lazy("draft")),
    ("submitted", gettext_lazy("submitted")),
    ("approved", gettext_lazy("approved")),
    ("acknowledged", gettext_lazy("acknowledged")),
    ("transition", gettext_lazy("valid in the transition period")),
    ("review_due", gettext_lazy("review due")),
    ("framework_changed", gettext_lazy("framework changed")),
]
OVERVIEW_LABELS = dict(OVERVIEW_STATES)
# The states that count as a current approved concept.
CURRENT_STATES = ("approved", "acknowledged", "transition")
VALID_STATUSES = (SchoolConcept.Status.APPROVED, SchoolConcept.Status.ACKNOWLEDGED)


def transition_until_subquery() -> Subquery:
    """The end of the transition period of the school's adopted framework version."""
    return Subquery(
        FrameworkVersion.objects.filter(
            municipality_id=OuterRef("municipality_id"), status=FrameworkVersion.Status.ADOPTED
        ).values("transition_until")[:1],
        output_field=DateField(),
    )


def concept_transition_until(
    *, concept: SchoolConcept, day: datetime.date | None = None
) -> datetime.date | None:
    """Until when an approved concept on an earlier framework version stays
    valid (the transition period of the adopted version), if it still is."""
    day = day or today()
    if not concept.framework_changed or concept.status not in VALID_STATUSES:
        return None
    if concept.status == SchoolConcept.Status.ACKNOWLEDGED and (
        concept.review_due and concept.review_due <= day
    ):
        return None
    adopted = adopted_version(municipality_id=concept.school.municipality_id)
    until = adopted.transition_until if adopted else None
    return until if until and until >= day else None


def overview_state_expression(day: datetime.date) -> Case:
    """The concept state of a school as the overview shows it (one SQL CASE);
    needs the annotation `transition_until` (transition_until_subquery)."""
    review_overdue = Q(
        concept__status=SchoolConcept.Status.ACKNOWLEDGED, concept__review_due__lte=day
    )
    return Case(
        When(concept__isnull=True, then=Value("none")),
        When(
            Q(concept__framework_changed=True, concept__status__in=VALID_STATUSES)
            & Q(transition_until__gte=day)
            & ~review_overdue,
            then=Value("transition"),
        ),
        When(concept__framework_changed=True, then=Value("framework_changed")),
        When(
            concept__status=SchoolConcept.Status.ACKNOWLEDGED,
            concept__review_due__lte=day,
            then=Value("review_due"),
        ),
        When(concept__status=SchoolConcept.Status.CHANGES_REQUESTED, then=Value("draft")),
        default="concept__status",
        output_field=CharField(),
    )


def overview_schools(
    *, user: Any, day: datetime.date | None = None, state: str | None = None
) -> QuerySet[School]:
    """Active schools of the municipalities the user coordinates, each with its
    concept (if any) and the overview state; only those in `state` if it is
    one of OVERVIEW_STATES."""
    day = day or today()
    schools = (
        School.objects.active()
        .filter(municipality__in=coordinated_municipalities(user=user).values("pk"))
        .select_related("municipality", "concept", "concept__framework_version")
        .annotate(transition_until=transition_until_subquery())
        .annotate(concept_state=overview_state_expression(day))
    )
    return schools.filter(**{"concept_state": state}) if state in OVERVIEW_LABELS else schools


def overview_figures(*, user: Any, day: datetime.date | None = None) -> list[dict[str, Any]]:
    """Per coordinated municipality: the adopted version and its review date,
    the consultation, the count per state and the share of schools with a
    current approved concept (approved or acknowledged, review not overdue,
    on the adopted version or on an earlier one within the transition
    period)."""
    day = day or today()
    result = []
    for municipality in coordinated_municipalities(user=user):
        schools: QuerySet[Any] = overview_schools(user=user, day=day).filter(
            municipality=municipality
        )
        counts = dict.fromkeys(OVERVIEW_LABELS, 0)
        for row in schools.values("concept_state").annotate(n=Count("pk")):
            counts[row["concept_state"]] = row["n"]
        total = sum(counts.values())
        current = sum(counts[key] for key in CURRENT_STATES)
        adopted = adopted_version(municipality_id=municipality.pk)
        in_work = FrameworkVersion.objects.filter(
            municipality=municipality, status__in=FrameworkVersion.EDITABLE
        ).first()
        result.append(
            {
                "municipality": municipality,
                "adopted": adopted,
                "review_overdue": bool(
                    adopted and adopted.review_due and adopted.review_due <= day
                ),
                "in_work": in_work,
                "consultation": consultation_status(version=in_work) if in_work else None,
                "counts": [(key, OVERVIEW_LABELS[key], counts[key]) for key in OVERVIEW_LABELS],
                "schools": total,
                "current": current,
                "in_transition": counts["transition"],
                "transition_until": adopted.transition_until if adopted else None,
                "current_share": round(100 * current / total, 1) if total else None,
            }
        )
    return result


def reviews_due(*, user: Any, day: datetime.date | None = None) -> QuerySet[SchoolConcept]:
    """Acknowledged concepts whose review is overdue or due within 90 days."""
    day = day or today()
    return (
        school_concepts_visible_to(user=user)
        .filter(status=SchoolConcept.Status.ACKNOWLEDGED, review_due__isnull=False)
        .filter(review_due__lte=day + datetime.timedelta(days=SOON_DAYS))
        .annotate(
            overdue=Case(
                When(review_due__lt=day, then=Value(True)),
                default=Value(False),
            )
        )
    )
