"""Bridge between master data and the pure engine: builds the engine's
SchoolInput rows for a municipality and school year, runs the engine, and
turns the result into a JSON snapshot stored with the scenario.

Indicator columns a scenario's rules can name:
  pupils, social_index, startchancen (0/1), school_type (GS, GY, ...; also
  available as "schulform"), current_fte (the FTE assigned today or on the
  school year's first day).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Sum
from django.utils import timezone

from schulsozial.masterdata.models import (
    FundingBudget,
    Municipality,
    Position,
    PositionAssignment,
    School,
    SchoolYear,
)
from schulsozial.masterdata.selectors import with_latest_figures

from .engine import AllocationResult, SchoolInput, allocate, load_rules_toml, sensitivity

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

INDICATORS = ["pupils", "social_index", "startchancen", "school_type"]
TWO = Decimal("0.01")


class LatestFigures(TypedDict):
    """What masterdata.selectors.with_latest_figures annotates on a school."""

    pupils: int | None
    social_index: int | None
    startchancen: bool | None


@dataclass(frozen=True)
class SchoolRow:
    school: WithAnnotations[School, LatestFigures]
    current_fte: Decimal
    carrier_hours: dict[str, Decimal]


def reference_day(school_year: SchoolYear) -> datetime.date:
    today = timezone.localdate()
    return today if school_year.start <= today <= school_year.end else school_year.start


def school_rows(*, municipality: Municipality, school_year: SchoolYear) -> list[SchoolRow]:
    """Active schools with their latest figures up to the year and the FTE
    (and carriers) of the positions assigned on the reference day."""
    day = reference_day(school_year)
    schools = list(
        with_latest_figures(
            School.objects.active().filter(municipality=municipality), school_year
        ).order_by("school_number")
    )
    hours: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for school_id, carrier, total in (
        PositionAssignment.objects.filter(
            school__in=schools,
            position__in=Position.objects.active_on(day),
            position__function="social_work",
        )
        .values("school_id", "position__carrier__name")
        .annotate(total=Sum("weekly_hours"))
        .values_list("school_id", "position__carrier__name", "total")
    ):
        hours[school_id][carrier] = total
    week = municipality.fulltime_week_hours
    return [
        SchoolRow(s, (sum(hours[s.pk].values(), Decimal(0)) / week).quantize(TWO), hours[s.pk])
        for s in schools
    ]


def cost_per_fte(*, municipality: Municipality, school_year: SchoolYear) -> Decimal | None:
    """What one FTE costs the municipality in the school year: the cost rates
    of its active funding streams' budgets for that year, weighted by the FTE
    each stream funds on the reference day (a plain mean while no stream funds
    a position). None when the year has no budget. Scenarios use it to show
    the money per school."""
    budgets = list(
        FundingBudget.objects.filter(
            stream__municipality=municipality, stream__active=True, school_year=school_year
        )
    )
    if not budgets:
        return None
    funded = dict(
        Position.objects.active_on(reference_day(school_year))
        .filter(funding_stream__in=[b.stream_id for b in budgets])
        .values("funding_stream")
        .annotate(total=Sum("fte"))
        .values_list("funding_stream", "total")
    )
    weights = [funded.get(b.stream_id) or Decimal(0) for b in budgets]
    if not any(weights):
        weights = [Decimal(1)] * len(budgets)
    total = sum((w * b.cost_per_fte_eur for w, b in zip(weights, budgets, strict=True)), Decimal(0))
    return (total / sum(weights, Decimal(0))).quantize(Decimal("1"))


def engine_inputs(rows: list[SchoolRow]) -> list[SchoolInput]:
    return [
        SchoolInput(
            schulnummer=row.school.school_number,
            values={
                "pupils": row.school.pupils,
                "social_index": row.school.social_index,
                "startchancen": None
                if row.school.startchancen is None
                else int(row.school.startchancen),
                "school_type": row.school.school_type,
                "schulform": row.school.school_type,
                "current_fte": float(row.current_fte),
            },
            current_fte=float(row.current_fte),
        )
        for row in rows
    ]


def _s(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return round(value, 6)
    return value


def _explanation(result: AllocationResult, number: str) -> dict[str, Any]:
    school = result.explanation(number)
    return {
        "layers": [
            {
                "layer": part.layer,
                "eligible": part.eligible,
                "base_fte": _s(part.base_fte),
                "criteria": [
                    {
                        "name": c.name,
                        "column": c.column,
                        "combine": c.combine,
                        "weight": c.weight,
                        "raw_value": c.raw_value,
                        "value": _s(c.value),
                        "missing": c.missing,
                        "share": _s(c.share),
                        "contribution_fte": _s(c.contribution_fte),
                    }
                    for c in part.criteria
                ],
                "even_split_fte": _s(part.even_split_fte),
                "has_even_split": part.even_split_fte != 0,
                "bound_fte": _s(part.bound_fte),
                "bound": part.bound,
                "bound_detail": part.bound_detail,
                "ideal_fte": _s(part.ideal_fte),
                "rounding_fte": _s(part.rounding_fte),
                "fte": _s(part.fte),
                "lower_fte": _s(part.lower_fte),
                "upper_fte": _s(part.upper_fte),
                "tie": part.tie,
            }
            for part in school.layers
        ]
    }


def compute(
    *,
    municipality: Municipality,
    school_year: SchoolYear,
    rules_toml: str,
    samples: int | None = None,
) -> dict[str, Any]:
    """Run the engine on today's master data; raise RulesError/AllocationError
    with a readable message on bad rules. Returns the JSON snapshot."""
    rules = load_rules_toml(rules_toml)
    rows = school_rows(municipality=municipality, school_year=school_year)
    inputs = engine_inputs(rows)
    result = allocate(inputs, rules)
    spread = None
    if samples is None:
        samples = rules.sensitivity.samples
    if samples and any(layer.criteria for layer in rules.layers):
        spread = sensitivity(inputs, rules, samples=samples)
    per_school = {s.schulnummer: s for s in spread.per_school()} if spread else {}
    schools = []
    for row in rows:
        number = row.school.school_number
        explanation = result.explanation(number)
        sens = per_school.get(number)
        schools.append(
            {
                "id": row.school.pk,
                "number": number,
                "name": row.school.name,
                "type": row.school.school_type,
                "pupils": row.school.pupils,
                "social_index": row.school.social_index,
                "startchancen": row.school.startchancen,
                "lat": _s(float(row.school.latitude)) if row.school.latitude is not None else None,
                "lon": _s(float(row.school.longitude))
                if row.school.longitude is not None
                else None,
                "current": str(row.current_fte),
                "carrier_hours": {k: str(v) for k, v in row.carrier_hours.items()},
                "ideal": round(result.ideal_by_school[number], 4),
                "fte": str(explanation.fte),
                "change": str(explanation.fte - row.current_fte),
                "money": _s(explanation.money_eur),
                "bounds": sorted({p.bound for p in explanation.layers if p.bound}),
                "p5": round(sens.p5, 4) if sens else None,
                "p50": round(sens.p50, 4) if sens else None,
                "p95": round(sens.p95, 4) if sens else None,
                "flagged": bool(sens.flagged) if sens else False,
                "explanation": _explanation(result, number),
            }
        )
    return {
        "schools": schools,
        "layers": [
            {
                "name": layer.name,
                "method": layer.method,
                "total_fte": str(layer.total_fte),
                "eligible": layer.eligible_schools,
                "budget_eur": _s(layer.budget_eur),
                "leftover_eur": _s(layer.leftover_eur),
                "even_split": layer.even_split,
                "ties": list(layer.ties),
            }
            for layer in result.layers
        ],
        "total_fte": str(result.total_fte),
        "current_total": str(sum((r.current_fte for r in rows), Decimal(0))),
        "deviation_fte": round(result.deviation_fte, 4),
        "cost_per_fte_eur": _s(result.cost_per_fte_eur),
        "leftover_eur": _s(result.leftover_eur),
        "ties": list(result.ties),
        "sensitivity": {
            "samples": spread.samples,
            "spread": spread.spread,
            "flag_steps": spread.flag_steps,
            "flagged": list(spread.flagged_schools),
        }
        if spread
        else None,
    }
