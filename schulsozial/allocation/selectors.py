"""Reads of scenarios, scoped; comparison tables built from stored results."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from schulsozial.masterdata.models import SchoolType

from . import permissions as perms
from .models import Scenario, ScenarioQuerySet


def scenarios_visible_to(*, user: Any) -> ScenarioQuerySet:
    return Scenario.objects.filter(perms.scenarios_visible_q(user)).select_related(
        "municipality", "school_year"
    )


def comparison(scenarios: list[Scenario]) -> dict[str, Any]:
    """Per school, per school type and per carrier: current FTE and each
    scenario's FTE. A school's scenario FTE is attributed to carriers in
    proportion to the carriers' current hours there ('unassigned' if none)."""
    labels = dict(SchoolType.choices)
    schools: dict[str, dict[str, Any]] = {}
    for index, scenario in enumerate(scenarios):
        for row in scenario.result.get("schools", []):
            entry = schools.setdefault(
                row["number"],
                {
                    "number": row["number"],
                    "name": row["name"],
                    "type": row["type"],
                    "id": row["id"],
                    "current": Decimal(row["current"]),
                    "carrier_hours": row.get("carrier_hours", {}),
                    "fte": [None] * len(scenarios),
                },
            )
            entry["fte"][index] = Decimal(row["fte"])
    school_rows = sorted(schools.values(), key=lambda r: r["name"])
    for row in school_rows:
        values = [v for v in row["fte"] if v is not None]
        row["differs"] = len(set(values)) > 1
        row["diff"] = [None if v is None else v - row["current"] for v in row["fte"]]
        row["cells"] = list(zip(row["fte"], row["diff"], strict=True))

    def aggregate(key_fn: Any) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, Any]] = {}
        for row in school_rows:
            for key, share in key_fn(row):
                group = groups.setdefault(
                    key, {"key": key, "current": Decimal(0), "fte": [Decimal(0)] * len(scenarios)}
                )
                group["current"] += row["current"] * share
                for i, value in enumerate(row["fte"]):
                    group["fte"][i] += (value or Decimal(0)) * share
        result = sorted(groups.values(), key=lambda g: str(g["key"]))
        for group in result:
            group["current"] = group["current"].quantize(Decimal("0.01"))
            group["fte"] = [v.quantize(Decimal("0.01")) for v in group["fte"]]
            group["differs"] = len({*group["fte"], group["current"]}) > 1
        return result

    def by_type(row: dict[str, Any]) -> list[tuple[str, Decimal]]:
        return [(str(labels.get(row["type"], row["type"])), Decimal(1))]

    def by_carrier(row: dict[str, Any]) -> list[tuple[str, Decimal]]:
        hours = {k: Decimal(v) for k, v in row["carrier_hours"].items()}
        total = sum(hours.values(), Decimal(0))
        if not total:
            return [("–", Decimal(1))]
        return [(name, h / total) for name, h in hours.items()]

    totals = {
        "current": sum((r["current"] for r in school_rows), Decimal(0)),
        "fte": [
            sum((r["fte"][i] or Decimal(0) for r in school_rows), Decimal(0))
            for i in range(len(scenarios))
        ],
    }
    return {
        "scenarios": scenarios,
        "schools": school_rows,
        "types": aggregate(by_type),
        "carriers": aggregate(by_carrier),
        "totals": totals,
    }


def change_counts(result: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in result.get("schools", []):
        change = Decimal(row["change"])
        counts["up" if change > 0 else "down" if change < 0 else "same"] += 1
    return dict(counts)
