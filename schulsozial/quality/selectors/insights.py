"""The heat map (standards × schools), its trend and the annual summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from schulsozial.concepts.models import Standard
from schulsozial.masterdata.models import School, SchoolYear

from .. import permissions as perms
from ..models import (
    EvaluationPerspective,
    Perspective,
    Rating,
    SelfEvaluation,
)
from .base import ST
from .cycle import CYCLE_STEPS, cycle_table, cycle_totals
from .self_evaluation import evaluations_visible_to


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
    from ..heatmap import Point

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
    from .. import heatmap

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
    from ..heatmap import change

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
