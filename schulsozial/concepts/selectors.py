"""Every read of concepts, scoped through accounts.permissions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.accounts import permissions as perms
from schulsozial.masterdata.models import School

from . import diff
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


def _scoped(model: Any, query: Any) -> QuerySet[Any]:
    return model.objects.filter(pk__in=model.objects.filter(query).values("pk"))


# --------------------------------------------------------------------------- framework


def framework_versions_visible_to(*, user: Any) -> QuerySet[FrameworkVersion]:
    return _scoped(FrameworkVersion, perms.framework_versions_visible_q(user)).select_related(
        "municipality"
    )


def adopted_version(*, municipality_id: int) -> FrameworkVersion | None:
    return FrameworkVersion.objects.filter(
        municipality_id=municipality_id, status=FrameworkVersion.Status.ADOPTED
    ).first()


def sections_of(*, version: FrameworkVersion) -> QuerySet[FrameworkSection]:
    return version.sections.prefetch_related("linked_concepts")


def standards_of(*, version: FrameworkVersion) -> QuerySet[Standard]:
    return version.standards.all()


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


def compare_versions(*, old: FrameworkVersion, new: FrameworkVersion) -> dict[str, list[diff.Row]]:
    return {
        "sections": diff.compare(_entries_sections(old), _entries_sections(new)),
        "standards": diff.compare(_entries_standards(old), _entries_standards(new)),
    }


def binding_changes(*, concept: SchoolConcept) -> dict[str, list[str]] | None:
    """Binding standards added, changed or removed since the concept's version."""
    adopted = adopted_version(municipality_id=concept.school.municipality_id)
    if adopted is None or adopted.pk == concept.framework_version_id:
        return None
    return diff.changed_keys(
        _entries_standards(concept.framework_version, binding_only=True),
        _entries_standards(adopted, binding_only=True),
    )


# --------------------------------------------------------------------------- ideas, linked


def ideas_visible_to(*, user: Any) -> QuerySet[Idea]:
    return _scoped(Idea, perms.ideas_visible_q(user)).select_related("municipality", "author")


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


def yearly_goals_visible_to(*, user: Any) -> QuerySet[YearlyGoal]:
    return _scoped(YearlyGoal, perms.yearly_goals_visible_q(user)).select_related(
        "school", "school_year"
    )


@dataclass(frozen=True)
class Missing:
    kind: str  # "section" or "standard"
    key: str
    message: str


def completeness(*, concept: SchoolConcept) -> list[Missing]:
    """Every required section and binding standard that is missing or empty."""
    version = concept.framework_version
    sections = {s.key: s for s in concept.sections.all()}
    entries = {e.standard_code: e for e in concept.implementations.all()}
    missing: list[Missing] = []
    for section in version.sections.filter(required_for_school=True):
        mine = sections.get(section.key)
        if mine is None:
            missing.append(
                Missing(
                    "section", section.key, _("Section “%(t)s” is missing.") % {"t": section.title}
                )
            )
        elif not mine.text.strip():
            missing.append(
                Missing("section", section.key, _("Section “%(t)s” is empty.") % {"t": mine.title})
            )
    for standard in version.standards.filter(binding=True):
        entry = entries.get(standard.code)
        label = f"{standard.code} {standard.title}"
        if entry is None:
            missing.append(
                Missing("standard", standard.code, _("Standard “%(t)s” is missing.") % {"t": label})
            )
        elif not entry.text.strip():
            missing.append(
                Missing(
                    "standard",
                    standard.code,
                    _("Standard “%(t)s”: describe how the school implements it.") % {"t": label},
                )
            )
        elif entry.deviation and not entry.deviation_reason.strip():
            missing.append(
                Missing(
                    "standard",
                    standard.code,
                    _("Standard “%(t)s”: the local deviation needs a reason.") % {"t": label},
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
    ("review_due", gettext_lazy("review due")),
    ("framework_changed", gettext_lazy("framework changed")),
]
OVERVIEW_LABELS = dict(OVERVIEW_STATES)


def overview_state_expression(day: datetime.date) -> Case:
    """The concept state of a school as the overview shows it (one SQL CASE)."""
    return Case(
        When(concept__isnull=True, then=Value("none")),
        When(concept__framework_changed=True, then=Value("framework_changed")),
        When(
            concept__status="acknowledged", concept__review_due__lte=day, then=Value("review_due")
        ),
        When(concept__status="changes_requested", then=Value("draft")),
        default="concept__status",
        output_field=CharField(),
    )


def overview_schools(*, user: Any, day: datetime.date | None = None) -> QuerySet[School]:
    """Active schools of the municipalities the user coordinates, each with its
    concept (if any) and the overview state."""
    day = day or today()
    from schulsozial.accounts.models import Role

    return (
        School.objects.active()
        .filter(municipality_id__in=perms.municipality_ids(user, Role.COORDINATION))
        .select_related("municipality", "concept", "concept__framework_version")
        .annotate(concept_state=overview_state_expression(day))
    )


def overview_figures(*, user: Any, day: datetime.date | None = None) -> list[dict[str, Any]]:
    """Per coordinated municipality: the adopted version and its review date,
    the consultation, the count per state and the share of schools with a
    current approved concept (approved or acknowledged, on the adopted
    version, review not overdue)."""
    day = day or today()
    from schulsozial.accounts.models import Role
    from schulsozial.masterdata.models import Municipality

    result = []
    for municipality in Municipality.objects.filter(
        pk__in=perms.municipality_ids(user, Role.COORDINATION)
    ).order_by("name"):
        schools = overview_schools(user=user, day=day).filter(municipality=municipality)
        counts = dict.fromkeys(OVERVIEW_LABELS, 0)
        for row in schools.values("concept_state").annotate(n=Count("pk")):
            counts[row["concept_state"]] = row["n"]
        total = sum(counts.values())
        current = counts["approved"] + counts["acknowledged"]
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
