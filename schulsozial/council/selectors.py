"""Every read of council papers, scoped through council.permissions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from . import decision
from . import permissions as perms
from .models import (
    DEFAULT_PAPER_TYPES,
    Committee,
    Consultation,
    Paper,
    PaperAttachment,
    PaperLink,
    PaperType,
)


def papers_visible_to(*, user: Any) -> QuerySet[Paper]:
    return (
        Paper.objects.filter(perms.papers_visible_q(user))
        .select_related("municipality", "paper_type")
        .prefetch_related(
            Prefetch(
                "consultations",
                queryset=Consultation.objects.select_related("committee").order_by("order", "pk"),
            ),
            Prefetch(
                "links",
                queryset=PaperLink.objects.select_related(
                    "framework_version", "scenario", "school_year"
                ),
            ),
        )
    )


def attachments_visible_to(*, user: Any) -> QuerySet[PaperAttachment]:
    return PaperAttachment.objects.filter(perms.papers_visible_q(user, "paper__")).select_related(
        "paper"
    )


def links_visible_to(*, user: Any) -> QuerySet[PaperLink]:
    return PaperLink.objects.filter(perms.papers_visible_q(user, "paper__")).select_related("paper")


def committees_of(*, municipality_id: int) -> QuerySet[Committee]:
    return Committee.objects.filter(municipality_id=municipality_id).order_by("name")


def committees_visible_to(*, user: Any) -> QuerySet[Committee]:
    ids = perms.writing_municipality_ids(user) | {
        m for m in _reader_ids(user) if m not in perms.writing_municipality_ids(user)
    }
    return Committee.objects.filter(municipality_id__in=ids).order_by("name")


def _reader_ids(user: Any) -> set[int]:
    from schulsozial.accounts.permissions import municipality_ids

    return municipality_ids(user, *perms.READER_ROLES)


def paper_types_of(*, municipality_id: int) -> QuerySet[PaperType]:
    return PaperType.objects.filter(municipality_id=municipality_id).order_by("order", "name")


def paper_types_visible_to(*, user: Any) -> QuerySet[PaperType]:
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.permissions import municipality_ids

    ids = municipality_ids(user, Role.COORDINATION, *perms.READER_ROLES)
    return PaperType.objects.filter(municipality_id__in=ids).order_by("order", "name")


def steps_of(paper: Paper) -> list[decision.Step]:
    return [
        decision.Step(role=c.role, result=c.result, date=c.date, body=c.committee.name)
        for c in paper.consultations.all()
    ]


def outcome_of(paper: Paper) -> decision.Outcome:
    return decision.outcome(steps_of(paper))


@dataclass(frozen=True)
class Concern:
    """A paper shown on the page of the object it concerns."""

    paper: Paper
    outcome: decision.Outcome
    date: datetime.date | None  # the deciding step's, else the last consultation's

    @property
    def decided(self) -> bool:
        return self.outcome.decided


def effective_date(paper: Paper, result: decision.Outcome) -> datetime.date | None:
    """When the paper decided (the deciding step), else its last dated step, else its date."""
    if result.date:
        return result.date
    dates = [c.date for c in paper.consultations.all() if c.date and c.result]
    return max(dates) if dates else paper.date


def _concerns(user: Any, **target: Any) -> list[Concern]:
    papers = papers_visible_to(user=user).filter(
        pk__in=PaperLink.objects.filter(**target).values("paper_id")
    )
    items = []
    for paper in papers:
        result = outcome_of(paper)
        items.append(Concern(paper, result, effective_date(paper, result)))
    items.sort(key=lambda c: (c.date or datetime.date.min, c.paper.reference), reverse=True)
    return items


def papers_concerning_framework(*, user: Any, version: Any) -> list[Concern]:
    return _concerns(user, framework_version=version)


def papers_concerning_scenario(*, user: Any, scenario: Any) -> list[Concern]:
    return _concerns(user, scenario=scenario)


def papers_concerning_school_year(
    *, user: Any, municipality_id: int, school_year: Any
) -> list[Concern]:
    return _concerns(user, school_year=school_year, paper__municipality_id=municipality_id)


def papers_concerning_school_concepts(*, user: Any) -> list[Concern]:
    """The papers on the school concepts of any school year (the concept overview)."""
    return _concerns(user, school_year__isnull=False)


# ----------------------------------------------------------------- the framework's decision
# (unscoped: the record of a version's adoption belongs to the version itself; the
# pages show only what the reader may see via papers_concerning_framework)


@dataclass(frozen=True)
class FrameworkDecision:
    """The paper by which a framework version was put in force."""

    paper: Paper
    outcome: decision.Outcome
    date: datetime.date | None
    body: str  # the deciding committee, or the committees that took note

    @property
    def decided(self) -> bool:
        return self.outcome.decided

    @property
    def taken_note(self) -> bool:
        return self.outcome.kind is decision.Kind.TAKEN_NOTE


def framework_decision(version: Any) -> FrameworkDecision | None:
    """The linked paper that decided the version, else one that took note of
    it (the latest first); None when no paper is linked."""
    papers = (
        Paper.objects.filter(links__framework_version=version)
        .prefetch_related(
            Prefetch(
                "consultations",
                queryset=Consultation.objects.select_related("committee").order_by("order", "pk"),
            )
        )
        .order_by("-pk")
    )
    best: FrameworkDecision | None = None
    for paper in papers:
        result = outcome_of(paper)
        if result.kind not in (decision.Kind.DECIDED, decision.Kind.TAKEN_NOTE):
            continue
        if result.decided and result.step:
            body = result.step.body
        else:
            body = ", ".join(
                dict.fromkeys(c.committee.name for c in paper.consultations.all() if c.result)
            )
        item = FrameworkDecision(paper, result, effective_date(paper, result), body)
        if best is None or (item.decided and not best.decided):
            best = item
    return best


# --------------------------------------------------------------------------- lists (views_lists)


def committees_managed_by(*, user: Any, municipality_id: int) -> QuerySet[Committee]:
    """The committees of a municipality whose lists the user keeps (none
    otherwise), each with `used`: the number of consultations referring to it."""
    if not perms.can_manage_council_lists(user, municipality_id):
        return Committee.objects.none()
    return (
        Committee.objects.filter(municipality_id=municipality_id)
        .annotate(used=Count("consultations"))
        .order_by("name")
    )


def paper_types_managed_by(*, user: Any, municipality_id: int) -> QuerySet[PaperType]:
    """The paper types of a municipality whose lists the user keeps (none
    otherwise), in their order, each with `used`: the number of its papers."""
    if not perms.can_manage_council_lists(user, municipality_id):
        return PaperType.objects.none()
    return (
        PaperType.objects.filter(municipality_id=municipality_id)
        .annotate(used=Count("papers"))
        .order_by("order", "name")
    )


def missing_default_paper_types(*, user: Any, municipality_id: int) -> list[str]:
    """The names of the default list of paper types the municipality lacks,
    for whoever may add them (empty for anyone else)."""
    if not perms.can_add_default_paper_types(user, municipality_id):
        return []
    names = PaperType.objects.filter(municipality_id=municipality_id).values_list("name", flat=True)
    return missing_default_names(list(names))


def missing_default_names(existing: list[str]) -> list[str]:
    """The names of the default list of paper types not among `existing`
    (compared without case and extra spaces), in the list's order."""
    have = {" ".join(name.split()).casefold() for name in existing}
    return [name for name in DEFAULT_PAPER_TYPES if name.casefold() not in have]
