"""Reading quality management, always scoped through quality.permissions.

- the municipality's settings (defaults when none are saved);
- self-evaluations and dialogues the user may read;
- the side-by-side view of the perspectives with their differences;
- the school's documentation figures next to outcome standards, read through
  the statistics selectors under the viewer's own statistics scope, so their
  disclosure control applies unchanged;
- the city-wide cycle table (school × step), built from the records.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.concepts.models import Standard, YearlyGoal
from schulsozial.concepts.selectors import (
    CURRENT_STATES,
    overview_state_expression,
    transition_until_subquery,
)
from schulsozial.masterdata.models import School, SchoolYear

from . import permissions as perms
from .models import (
    DIFFERENCE_STEPS,
    EvaluationPerspective,
    Perspective,
    QualityDialogue,
    QualitySettings,
    Rating,
    SelfEvaluation,
    SurveyQuestionSet,
)

ST = SelfEvaluation.Status

DIMENSIONS = [
    (Standard.Dimension.STRUCTURE, gettext_lazy("Structure quality")),
    (Standard.Dimension.PROCESS, gettext_lazy("Process quality")),
    (Standard.Dimension.RESULT, gettext_lazy("Outcome quality")),
]

DEFAULT_LABELS_4 = [
    gettext_lazy("not met"),
    gettext_lazy("partly met"),
    gettext_lazy("largely met"),
    gettext_lazy("fully met"),
]


def today() -> datetime.date:
    return timezone.localdate()


# --------------------------------------------------------------------------- settings


def settings_of(municipality_id: int) -> QualitySettings:
    """The saved settings, or the defaults (unsaved) when coordination saved none."""
    found = QualitySettings.objects.filter(municipality_id=municipality_id).first()
    return found or QualitySettings(municipality_id=municipality_id)


def wanted_perspectives(config: QualitySettings) -> list[str]:
    wanted = [str(Perspective.WORKER)]
    if config.want_school_perspective:
        wanted.append(str(Perspective.SCHOOL))
    if config.want_carrier_perspective:
        wanted.append(str(Perspective.CARRIER))
    return wanted


def scale_choices(steps: int, labels_text: str = "") -> list[tuple[int, str]]:
    """The steps of the scale with their names (1 = lowest)."""
    labels = [line.strip() for line in labels_text.splitlines() if line.strip()]
    if len(labels) != steps:
        labels = [str(x) for x in DEFAULT_LABELS_4] if steps == 4 else []
    return [(i, f"{i} – {labels[i - 1]}" if labels else str(i)) for i in range(1, steps + 1)]


def scale_of(evaluation: SelfEvaluation) -> list[tuple[int, str]]:
    config = settings_of(evaluation.school.municipality_id)
    return scale_choices(evaluation.scale_steps, config.scale_labels)


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


def _scope_for_school(user: Any, school: School) -> Any:
    """The viewer's statistics scope that contains the school: the widest first
    (coordination, carrier, own documentation, the principal's school)."""
    from schulsozial.statistics.selectors import scopes_for

    for scope in scopes_for(user=user):
        if scope.kind == "committee" or school.municipality_id not in scope.municipality_ids:
            continue
        if scope.school_ids is not None and school.pk not in scope.school_ids:
            continue
        if scope.carrier_ids is not None and not perms.carrier_serves_school(user, school.pk):
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
    )


# --------------------------------------------------------------------------- dialogues


def dialogues_visible_to(*, user: Any) -> QuerySet[QualityDialogue]:
    ids = QualityDialogue.objects.filter(perms.dialogues_visible_q(user)).values("pk")
    return QualityDialogue.objects.filter(pk__in=ids).select_related("school", "school_year")


def dialogue_detail(*, user: Any, pk: int) -> QualityDialogue:
    found = dialogues_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def dialogue_schools(*, user: Any) -> QuerySet[School]:
    """Schools for which the user may record a dialogue."""
    ids = [
        s.pk
        for s in School.objects.active().filter(perms.schools_q(user)).distinct()
        if perms.can_record_dialogue(user, s)
    ]
    return School.objects.filter(pk__in=ids).order_by("name")


def goals_of_school(*, school: School) -> QuerySet[YearlyGoal]:
    return YearlyGoal.objects.filter(school=school).select_related("school_year")


# --------------------------------------------------------------------------- cycle table

CYCLE_STEPS = [
    ("submitted", gettext_lazy("Self-evaluation submitted")),
    ("co_signed", gettext_lazy("Co-signed")),
    ("dialogue", gettext_lazy("Quality dialogue held")),
    ("goals_set", gettext_lazy("Goals for next year set")),
    ("goals_reviewed", gettext_lazy("This year's goals reviewed")),
    ("concept_current", gettext_lazy("School concept current")),
]


@dataclass
class CycleRow:
    school: School
    evaluation: SelfEvaluation | None
    steps: dict[str, bool]
    goals_next: int
    goals_total: int
    goals_open: int

    @property
    def done(self) -> int:
        return sum(self.steps.values())


def cycle_schools(
    *, user: Any, carrier_id: int | None = None, school_type: str = ""
) -> QuerySet[School]:
    ids = School.objects.active().filter(perms.cycle_schools_q(user)).values("pk")
    schools = School.objects.filter(pk__in=ids)
    if carrier_id:
        schools = schools.filter(
            pk__in=School.objects.filter(assignments__position__carrier_id=carrier_id).values("pk")
        )
    if school_type:
        schools = schools.filter(school_type=school_type)
    return schools.order_by("name")


def cycle_table(
    *,
    user: Any,
    school_year: SchoolYear,
    carrier_id: int | None = None,
    school_type: str = "",
    day: datetime.date | None = None,
) -> list[CycleRow]:
    """One row per school the user may see, each step read from the records."""
    day = day or today()
    following = SchoolYear.objects.filter(start__gt=school_year.start).order_by("start").first()
    schools = (
        cycle_schools(user=user, carrier_id=carrier_id, school_type=school_type)
        .annotate(transition_until=transition_until_subquery())
        .annotate(concept_state=overview_state_expression(day))
        .annotate(
            goals_total=Count("yearly_goals", filter=Q(yearly_goals__school_year=school_year)),
            goals_open=Count(
                "yearly_goals",
                filter=Q(
                    yearly_goals__school_year=school_year,
                    yearly_goals__review=YearlyGoal.Review.OPEN,
                ),
            ),
            goals_next=Count(
                "yearly_goals",
                filter=Q(yearly_goals__school_year=following) if following else Q(pk__in=[]),
            ),
        )
    )
    found = list(schools)
    ids = [s.pk for s in found]
    evaluations = {
        e.school_id: e
        for e in SelfEvaluation.objects.filter(school_year=school_year, school_id__in=ids)
    }
    held = set(
        QualityDialogue.objects.filter(
            school_year=school_year, date__lte=day, school_id__in=ids
        ).values_list("school_id", flat=True)
    )
    rows = []
    for school in found:
        evaluation = evaluations.get(school.pk)
        status = evaluation.status if evaluation else ""
        rows.append(
            CycleRow(
                school=school,
                evaluation=evaluation,
                steps={
                    "submitted": status in (ST.SUBMITTED, ST.CO_SIGNED, ST.CLOSED),
                    "co_signed": status in (ST.CO_SIGNED, ST.CLOSED),
                    "dialogue": school.pk in held,
                    "goals_set": school.goals_next > 0,
                    "goals_reviewed": school.goals_total > 0 and school.goals_open == 0,
                    "concept_current": school.concept_state in CURRENT_STATES,
                },
                goals_next=school.goals_next,
                goals_total=school.goals_total,
                goals_open=school.goals_open,
            )
        )
    return rows


def cycle_totals(rows: list[CycleRow]) -> dict[str, int]:
    return {key: sum(1 for r in rows if r.steps[key]) for key, _label in CYCLE_STEPS}


def school_years() -> QuerySet[SchoolYear]:
    return SchoolYear.objects.order_by("-start")


def current_school_year() -> SchoolYear | None:
    return SchoolYear.objects.containing(today()).first()


def cycle_carriers(*, user: Any) -> QuerySet[Any]:
    from schulsozial.masterdata.models import Carrier

    ids = cycle_schools(user=user).values("assignments__position__carrier_id")
    return Carrier.objects.filter(perms.cycle_carriers_q(user), pk__in=ids).order_by("name")


def hours_value(value: Any) -> Any:
    return value.quantize(Decimal("0.1")) if isinstance(value, Decimal) else value


# --------------------------------------------------------------------------- for the heat map


def rating_averages(
    *, user: Any, school_year: SchoolYear, perspective: str = Perspective.WORKER
) -> dict[tuple[str, int], Decimal]:
    """Average rating per (standard code, school) of one perspective in a school
    year, over the submitted self-evaluations the user may read; "not
    applicable" ratings have no value and are left out. One GROUP BY query: the
    heat map (standards × schools) builds on this."""
    from django.db.models import Avg

    rows = (
        Rating.objects.filter(
            evaluation__in=evaluations_visible_to(user=user).values("pk"),
            evaluation__school_year=school_year,
            evaluation__status__in=[ST.SUBMITTED, ST.CO_SIGNED, ST.CLOSED],
            perspective=perspective,
            value__isnull=False,
        )
        .values("standard__code", "evaluation__school_id")
        .annotate(avg=Avg("value"))
    )
    return {
        (r["standard__code"], r["evaluation__school_id"]): Decimal(str(r["avg"])).quantize(
            Decimal("0.01")
        )
        for r in rows
    }


# --------------------------------------------------------------------------- heat map (part two)


@dataclass
class HeatmapView:
    """What the heat map page shows: school rows (may be empty: committee),
    the town averages, weakest/strongest standards and the trend."""

    year: SchoolYear
    perspective: str
    steps: int
    standards: list[tuple[str, str]]  # (code, title)
    schools: list[School]
    grid: Any  # heatmap.HeatMap of the school rows
    town: dict[str, Decimal]
    town_label: str
    weakest: list[str]
    strongest: list[str]
    years: list[str]
    trend: dict[str, list[tuple[str, Decimal | None]]]
    published_only: bool
    withheld: list[str] = field(default_factory=list)


RATED = (ST.SUBMITTED, ST.CO_SIGNED, ST.CLOSED)
PUBLISHED = (ST.CO_SIGNED, ST.CLOSED)


def _rating_points(ratings: QuerySet[Rating]) -> list[Any]:
    """Ratings with a value whose perspective is submitted (a draft of a
    perspective never enters the heat map), as heatmap points."""
    from .heatmap import Point

    submitted = EvaluationPerspective.objects.filter(
        evaluation_id=OuterRef("evaluation_id"),
        perspective=OuterRef("perspective"),
        submitted_at__isnull=False,
    )
    rows = (
        ratings.filter(value__isnull=False, not_applicable=False)
        .filter(Exists(submitted))
        .values_list(
            "standard__code",
            "evaluation__school_id",
            "evaluation__school_year__code",
            "perspective",
            "value",
        )
    )
    return [
        Point(code, school, year, perspective, int(value or 0))
        for code, school, year, perspective, value in rows
        if value is not None
    ]


def heatmap_school_ids(*, user: Any) -> list[int]:
    return list(
        School.objects.filter(perms.heatmap_schools_q(user)).values_list("pk", flat=True).distinct()
    )


def _standard_titles(codes: set[str]) -> list[tuple[str, str]]:
    """Codes in framework order with the title of their newest version."""
    found: dict[str, tuple[int, str]] = {}
    for code, title, position in (
        Standard.objects.filter(code__in=codes)
        .order_by("version__pk")
        .values_list("code", "title", "position")
    ):
        found[code] = (position, title)
    return [(code, found[code][1]) for code in sorted(found, key=lambda c: (found[c][0], c))]


def heatmap_view(
    *, user: Any, school_year: SchoolYear, perspective: str = "", years_back: int = 4
) -> HeatmapView:
    """The heat map as the user may see it (see permissions.can_view_heatmap):
    school rows from the schools the user reads; the committee only the town
    averages of co-signed evaluations, a standard withheld when fewer than
    PUBLISHED_MIN_SCHOOLS schools rated it."""
    from . import heatmap

    years = list(
        SchoolYear.objects.filter(start__lte=school_year.start).order_by("-start")[:years_back]
    )[::-1]
    year_codes = [y.code for y in years]
    school_ids = heatmap_school_ids(user=user)
    published_only = not school_ids
    if published_only:
        municipalities = perms.heatmap_published_municipalities(user)
        ratings = Rating.objects.filter(
            evaluation__school__municipality_id__in=municipalities,
            evaluation__status__in=PUBLISHED,
        )
    else:
        ratings = Rating.objects.filter(
            evaluation__school_id__in=school_ids, evaluation__status__in=RATED
        )
    points = _rating_points(ratings.filter(evaluation__school_year__in=years))
    standards = _standard_titles({p.standard for p in points})
    codes = [c for c, _t in standards]
    this_year = [p for p in points if p.year == school_year.code]
    schools = list(School.objects.filter(pk__in=school_ids).order_by("name")) if school_ids else []
    shown = [s.pk for s in schools if any(p.school == s.pk for p in this_year)]
    grid = heatmap.build(this_year, standards=codes, schools=shown, perspective=perspective)
    all_schools = sorted({p.school for p in this_year})
    town_grid = heatmap.build(
        this_year, standards=codes, schools=all_schools, perspective=perspective
    )
    town = dict(town_grid.town)
    trend = heatmap.trend(points, standards=codes, years=year_codes, perspective=perspective)
    withheld: list[str] = []
    if published_only:
        withheld = [
            c for c in codes if 0 < town_grid.schools_rated.get(c, 0) < perms.PUBLISHED_MIN_SCHOOLS
        ]
        for code in withheld:
            town.pop(code, None)
        per_year = _published_counts(points, codes, year_codes, perspective)
        trend = {
            code: [
                (y, v if per_year.get((code, y), 0) >= perms.PUBLISHED_MIN_SCHOOLS else None)
                for y, v in series
            ]
            for code, series in trend.items()
        }
    steps = max(
        (
            e
            for e in SelfEvaluation.objects.filter(
                school_year=school_year, pk__in=ratings.values("evaluation_id")
            ).values_list("scale_steps", flat=True)
        ),
        default=4,
    )
    return HeatmapView(
        year=school_year,
        perspective=perspective,
        steps=steps,
        standards=standards,
        schools=[s for s in schools if s.pk in shown],
        grid=grid,
        town=town,
        town_label=(
            _("Town average") if perms.heatmap_is_town(user) else _("Average of the schools shown")
        ),
        weakest=heatmap.ranked(town, count=3, weakest=True),
        strongest=heatmap.ranked(town, count=3, weakest=False),
        years=year_codes,
        trend=trend,
        published_only=published_only,
        withheld=withheld,
    )


def _published_counts(
    points: list[Any], codes: list[str], years: list[str], perspective: str
) -> dict[tuple[str, str], int]:
    schools: dict[tuple[str, str], set[int]] = {}
    for p in points:
        if perspective and p.perspective != perspective:
            continue
        schools.setdefault((p.standard, p.year), set()).add(p.school)
    return {key: len(found) for key, found in schools.items()}


# --------------------------------------------------------------------------- annual report summary


@dataclass
class AnnualSummary:
    year: SchoolYear
    schools: int
    totals: list[tuple[str, str, int]]  # (step key, label, schools done)
    heat: HeatmapView
    improved: list[tuple[str, Decimal]]  # (code, change) rising
    declined: list[tuple[str, Decimal]]


def annual_summary(*, user: Any, school_year: SchoolYear) -> AnnualSummary:
    """Key figures of the cycle for the annual report: schools per step (from
    the cycle table), weakest and strongest standards and the change against
    the year before (from the heat map), all within the user's scope."""
    from .heatmap import change

    rows = cycle_table(user=user, school_year=school_year)
    totals = cycle_totals(rows)
    heat = heatmap_view(user=user, school_year=school_year)
    changes = [(code, change(series)) for code, series in heat.trend.items()]
    known = [(code, delta) for code, delta in changes if delta is not None]
    return AnnualSummary(
        year=school_year,
        schools=len(rows),
        totals=[(key, str(label), totals[key]) for key, label in CYCLE_STEPS],
        heat=heat,
        improved=sorted([c for c in known if c[1] > 0], key=lambda c: (-c[1], c[0])),
        declined=sorted([c for c in known if c[1] < 0], key=lambda c: (c[1], c[0])),
    )


# --------------------------------------------------------------------------- anonymous surveys


def surveys_visible_to(*, user: Any) -> QuerySet[Any]:
    from .models import Survey

    return (
        Survey.objects.filter(perms.surveys_visible_q(user))
        .select_related("school", "question_set")
        .annotate(answers=Count("responses"))
    )


def survey_detail(*, user: Any, pk: int) -> Any:
    found = surveys_visible_to(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def question_set_of(*, municipality: Any, audience: str) -> SurveyQuestionSet | None:
    """The municipality's own question set for an audience, None while it
    uses the shipped default (the caller has checked the user may manage it)."""
    return SurveyQuestionSet.objects.filter(municipality=municipality, audience=audience).first()


def survey_by_token(token: str) -> Any:
    """The survey of an answer link (anybody holding the link)."""
    from .models import Survey

    found = Survey.objects.select_related("school", "question_set").filter(token=token).first()
    if found is None:
        raise Http404
    return found


def survey_schools(*, user: Any) -> QuerySet[School]:
    ids = [
        s.pk
        for s in School.objects.active().filter(perms.schools_q(user)).distinct()
        if perms.can_run_survey_at(user, s)
    ]
    return School.objects.filter(pk__in=ids).order_by("name")


@dataclass
class QuestionResult:
    text: str
    kind: str
    labels: list[str]
    counts: list[int | None]  # published (None: withheld by disclosure control)
    answered: int | None
    mean: Decimal | None


@dataclass
class SurveyResults:
    responses: int
    minimum: int
    threshold: int
    shown: bool
    questions: list[QuestionResult]


def _disclosure_threshold(municipality_id: int) -> int:
    from schulsozial.masterdata.models import Municipality

    found = Municipality.objects.filter(pk=municipality_id).values_list(
        "disclosure_threshold", flat=True
    )
    return int(found[0]) if found and found[0] else 5


def survey_results(*, survey: Any) -> SurveyResults:
    """Counts per answer step, shown only when at least the municipality's
    minimum of responses arrived; each question's counts then go through the
    statistics' disclosure control (statistics.disclosure.protect with the
    municipality's threshold): small counts and what would reveal them are
    withheld. The mean is shown only when no count is withheld (else it
    would narrow the withheld ones down), and not for yes/no questions."""
    from schulsozial.statistics.disclosure import protect

    from .models import SurveyAnswer, SurveyQuestion
    from .survey_defaults import SCALE_WORDS

    config = settings_of(survey.school.municipality_id)
    threshold = _disclosure_threshold(survey.school.municipality_id)
    responses = survey.responses.count()
    shown = responses >= config.survey_min_answers
    questions: list[QuestionResult] = []
    if shown:
        for question in survey.question_set.questions.exclude(kind=SurveyQuestion.Kind.TEXT):
            steps = question.steps
            raw = dict(
                SurveyAnswer.objects.filter(
                    response__survey=survey, question=question, value__isnull=False
                )
                .values_list("value")
                .annotate(n=Count("pk"))
                .values_list("value", "n")
            )
            counts = [int(raw.get(step, 0)) for step in range(1, steps + 1)]
            table = protect([counts], threshold=threshold, grand_total="keep")
            total = sum(counts)
            mean = (
                (Decimal(sum(step * n for step, n in enumerate(counts, 1))) / total).quantize(
                    Decimal("0.01")
                )
                if total
                else None
            )
            labels = SCALE_WORDS.get(steps, [str(i) for i in range(1, steps + 1)])
            questions.append(
                QuestionResult(
                    text=question.text,
                    kind=question.kind,
                    labels=list(labels),
                    counts=list(table.cells[0]),
                    answered=table.grand_total,
                    # The mean with a withheld count would narrow it down: shown
                    # only when every count is published; none for yes/no.
                    mean=mean
                    if None not in table.cells[0]
                    and table.grand_total is not None
                    and question.kind != SurveyQuestion.Kind.YES_NO
                    else None,
                )
            )
    return SurveyResults(
        responses=responses,
        minimum=config.survey_min_answers,
        threshold=threshold,
        shown=shown,
        questions=questions,
    )


@dataclass
class PooledTexts:
    audience: str
    label: str
    responses: int
    shown: bool
    texts: list[tuple[str, list[str]]]  # (question, answers sorted)


def survey_texts(*, user: Any) -> list[PooledTexts]:
    """Free-text answers pooled over all surveys of the user's municipality per
    audience, without school or time, sorted alphabetically (so neither the
    order of arrival nor the school can be read off); shown only when the
    pool holds at least the municipality's minimum of responses."""
    from .models import SurveyAnswer, SurveyAudience, SurveyQuestion, SurveyResponse

    visible = surveys_visible_to(user=user).values("pk")
    result = []
    minimum = min(
        (settings_of(mid).survey_min_answers for mid in perms.survey_municipality_ids(user)),
        default=10,
    )
    for audience, label in SurveyAudience.choices:
        responses = SurveyResponse.objects.filter(
            survey__in=visible, survey__question_set__audience=audience
        ).count()
        shown = responses >= minimum
        texts: list[tuple[str, list[str]]] = []
        if shown:
            by_question: dict[str, list[str]] = {}
            for question, text in SurveyAnswer.objects.filter(
                response__survey__in=visible,
                response__survey__question_set__audience=audience,
                question__kind=SurveyQuestion.Kind.TEXT,
            ).values_list("question__text", "text"):
                if text:
                    by_question.setdefault(question, []).append(text)
            texts = [(q, sorted(answers, key=str.casefold)) for q, answers in by_question.items()]
        result.append(PooledTexts(audience, str(label), responses, shown, texts))
    return result
