"""The city-wide cycle table (school × step), built from the records."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy

from schulsozial.concepts.models import YearlyGoal
from schulsozial.concepts.selectors import (
    CURRENT_STATES,
    overview_state_expression,
    transition_until_subquery,
)
from schulsozial.masterdata.models import School, SchoolYear

from .. import permissions as perms
from ..models import (
    QualityDialogue,
    SelfEvaluation,
)
from .base import ST, today

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
