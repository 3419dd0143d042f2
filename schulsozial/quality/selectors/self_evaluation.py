"""Self-evaluations the user may read, the perspectives side by side with
their differences, and the school's documentation figures next to the
outcome standards (read through the statistics selectors under the viewer's
own statistics scope, so their disclosure control applies unchanged)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from schulsozial.accounts.permissions import carrier_serves_school
from schulsozial.concepts.models import Standard
from schulsozial.masterdata.models import School, SchoolYear

from .. import permissions as perms
from ..models import (
    DIFFERENCE_STEPS,
    EvaluationPerspective,
    Perspective,
    Rating,
    SelfEvaluation,
)
from .base import DIMENSIONS

# --------------------------------------------------------------------------- self-evaluations


def evaluations_visible_to(*, user: Any) -> QuerySet[SelfEvaluation]:
    ids = SelfEvaluation.objects.filter(perms.evaluations_visible_q(user)).values("pk")
    return SelfEvaluation.objects.filter(pk__in=ids).select_related(
        "school", "school_year", "framework_version"
    )


def evaluation_detail(*, user: Any, pk: int) -> SelfEvaluation:
    found = evaluations_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def schools_to_start(*, user: Any, school_year: SchoolYear) -> list[School]:
    """Active schools where the user may start the year's self-evaluation and none exists."""
    started = SelfEvaluation.objects.filter(school=OuterRef("pk"), school_year=school_year)
    schools = (
        School.objects.active()
        .filter(perms.schools_q(user))
        .annotate(started=Exists(started))
        .filter(started=False)
        .distinct()
        .order_by("name")
    )
    return [s for s in schools if perms.can_start_evaluation(user, s)]


def standards_by_dimension(evaluation: SelfEvaluation) -> list[tuple[str, str, list[Standard]]]:
    standards = list(evaluation.framework_version.standards.all())
    return [
        (key, str(label), [s for s in standards if s.dimension == key])
        for key, label in DIMENSIONS
        if any(s.dimension == key for s in standards)
    ]


def ratings_of(evaluation: SelfEvaluation, perspective: str) -> dict[int, Rating]:
    return {r.standard_id: r for r in evaluation.ratings.filter(perspective=perspective)}


def perspective_records(evaluation: SelfEvaluation) -> dict[str, EvaluationPerspective]:
    return {p.perspective: p for p in evaluation.perspectives.select_related("author", "signed_by")}


@dataclass
class Cell:
    perspective: str
    rating: Rating | None
    hidden: bool = False  # a draft of another perspective

    @property
    def value(self) -> int | None:
        return None if self.hidden or self.rating is None else self.rating.value


@dataclass
class CompareRow:
    standard: Standard
    cells: list[Cell]
    spread: int | None  # highest minus lowest rating shown (None: fewer than two)

    @property
    def differs(self) -> bool:
        return self.spread is not None and self.spread >= DIFFERENCE_STEPS


@dataclass
class CompareGroup:
    key: str
    title: str
    rows: list[CompareRow] = field(default_factory=list)


def spread(values: list[int | None]) -> int | None:
    numbers = [v for v in values if v is not None]
    return max(numbers) - min(numbers) if len(numbers) >= 2 else None


def side_by_side(*, evaluation: SelfEvaluation, user: Any) -> dict[str, Any]:
    """The perspectives next to each other per standard, grouped by dimension;
    a draft of a perspective the user does not write stays hidden."""
    records = perspective_records(evaluation)
    shown = [p for p in Perspective.values if p in records]
    visible = {p: perms.can_see_perspective(user, evaluation, records[p]) for p in shown}
    by_perspective: dict[str, dict[int, Rating]] = {p: {} for p in shown}
    for rating in evaluation.ratings.all():
        if rating.perspective in by_perspective:
            by_perspective[rating.perspective][rating.standard_id] = rating
    groups = []
    for key, title, standards in standards_by_dimension(evaluation):
        group = CompareGroup(key, title)
        for standard in standards:
            cells = [
                Cell(p, by_perspective[p].get(standard.pk), hidden=not visible[p]) for p in shown
            ]
            group.rows.append(CompareRow(standard, cells, spread([c.value for c in cells])))
        groups.append(group)
    return {
        "perspectives": [(p, Perspective(p).label, records[p], visible[p]) for p in shown],
        "groups": groups,
        "differences": sum(1 for g in groups for r in g.rows if r.differs),
    }


# --------------------------------------------------------------------------- outcome figures


@dataclass
class OutcomeFigures:
    """The school's documentation figures as the viewer's statistics scope shows them.
    None: suppressed by disclosure control; "": not applicable."""

    scope_label: str
    protected: bool
    threshold: int
    reach: list[tuple[str, Any, Any]]  # (level, participants, share %)
    hours_per_fte: Any
    hours: Any
    topics: list[tuple[str, Any]]
    withheld: str = ""
    # the statistics withhold the topic table for a single school (it could
    # give away withheld values): not the same as no activities at all
    topics_withheld: bool = False


def _scope_for_school(user: Any, school: School) -> Any:
    """The viewer's statistics scope that contains the school: the widest first
    (coordination, carrier, own documentation, the principal's school)."""
    from schulsozial.statistics.selectors import scopes_for

    for scope in scopes_for(user=user):
        if scope.kind == "committee" or school.municipality_id not in scope.municipality_ids:
            continue
        if scope.school_ids is not None and school.pk not in scope.school_ids:
            continue
        if scope.carrier_ids is not None and not carrier_serves_school(user, school.pk):
            continue
        return scope
    return None


def outcome_figures(*, user: Any, evaluation: SelfEvaluation) -> OutcomeFigures | None:
    """Reach, hours per FTE and topics of the school in the evaluation's year,
    through `statistics_report` with the viewer's scope: its disclosure rules
    (suppression below the threshold, secondary suppression) apply as on the
    statistics pages. None when the viewer has no statistics scope for it."""
    if not perms.may_see_outcome_figures(user):
        return None
    from schulsozial.statistics.selectors import Filters, statistics_report

    school = evaluation.school
    scope = _scope_for_school(user, school)
    if scope is None:
        return None
    report = statistics_report(
        scope=scope,
        filters=Filters(school_year=evaluation.school_year.start.year, school_id=school.pk),
    )
    reach_section = report.section("reach")
    reach_row = next((r for r in reach_section.rows if r.key == school.pk), None)
    reach: list[tuple[str, Any, Any]] = []
    if reach_row is not None:
        values = reach_row.values[1:]
        for i, label in enumerate((_("Class level"), _("Group level"), _("Individual level"))):
            reach.append((label, values[2 * i], values[2 * i + 1]))
    school_section = report.section("school")
    school_row = next((r for r in school_section.rows if r.key == school.pk), None)
    topic_section = report.section("topic")
    topics = [(r.label, r.values[0]) for r in topic_section.rows]
    return OutcomeFigures(
        scope_label=scope.label,
        protected=report.protected,
        threshold=report.threshold,
        reach=reach,
        hours=school_row.values[1] if school_row else "",
        hours_per_fte=school_row.values[4] if school_row else "",
        topics=topics,
        withheld=reach_section.withheld or school_section.withheld,
        topics_withheld=bool(topic_section.withheld),
    )
