"""Synthetic staffing problems for benchmarks and tests: a city and a Kreis.

"Last year" is planned first (targets filled in order by each carrier's staff, as a
coordinator would in Excel), then the new school year perturbs it: a third of the targets move
by 0,25 to 0,5 FTE, some contracts end, some people change their hours, new staff arrive
without schools. The result is a PROBLEM dict as the platform's adapter builds it.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

__all__ = ["city", "generate", "kreis"]

#: Targets of the schools: "balanced" is what an adopted distribution gives (it distributes
#: about the FTE the staff have), "short" asks for a fifth more than the staff can give.
TARGETS = {
    "balanced": (0.5, 0.5, 0.75, 1.0, 1.0, 1.0, 1.25, 1.5),
    "short": (0.5, 0.75, 1.0, 1.0, 1.25, 1.5, 2.0),
}
_FTES = (0.5, 0.5, 0.75, 0.8, 1.0, 1.0, 1.0)


def _d(value: float) -> Decimal:
    return Decimal(str(value))


def generate(
    *,
    schools: int,
    staff: int,
    carriers: int,
    seed: int = 0,
    open_share: float = 0.1,
    change_share: float = 0.33,
    supply: str = "balanced",
) -> dict[str, Any]:
    """A PROBLEM dict: ``schools`` schools, ``staff`` people, ``carriers`` carriers;
    ``open_share`` of the schools have no carrier (anyone may work there)."""
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not security)
    step = _d(0.05)
    carrier_ids = [f"traeger-{i + 1:02d}" for i in range(carriers)]
    school_list: list[dict[str, Any]] = []
    last_target: dict[str, Decimal] = {}
    for index in range(schools):
        school_id = f"{100000 + 37 * index:06d}"
        carrier = None if rng.random() < open_share else rng.choice(carrier_ids)
        target = _d(rng.choice(TARGETS[supply]))
        last_target[school_id] = target
        school_list.append({"id": school_id, "carrier": carrier})
    # staff per carrier in proportion to its schools' targets (open schools shared)
    weight = {c: Decimal(0) for c in carrier_ids}
    for school in school_list:
        if school["carrier"] is not None:
            weight[school["carrier"]] += last_target[school["id"]]
    open_total = sum(
        (last_target[s["id"]] for s in school_list if s["carrier"] is None), Decimal(0)
    )
    for c in carrier_ids:
        weight[c] += open_total / carriers
    total_weight = sum(weight.values(), Decimal(0))
    people: list[dict[str, Any]] = []
    for index in range(staff):
        pick = Decimal(rng.random()) * total_weight
        carrier = carrier_ids[-1]
        for c in carrier_ids:
            pick -= weight[c]
            if pick <= 0:
                carrier = c
                break
        people.append(
            {
                "id": f"P-{index + 1:03d}",
                "fte": _d(rng.choice(_FTES)),
                "carrier": carrier,
                "current": [],
            }
        )
    # last year: each carrier's staff fill its schools (and the open ones) in order
    need = dict(last_target)
    order = list(school_list)
    rng.shuffle(order)
    for person in people:
        limit = 2 if person["fte"] > Decimal("0.5") else 1
        left = person["fte"]
        for school in order:
            if left <= 0 or len(person["current"]) >= limit:
                break
            if school["carrier"] not in (None, person["carrier"]) or need[school["id"]] <= 0:
                continue
            hours = min(left, need[school["id"]])
            person["current"].append({"school": school["id"], "fte": hours})
            need[school["id"]] -= hours
            left -= hours
    # this year: perturbed targets, contracts ending, changed hours, new staff
    for school in school_list:
        target = last_target[school["id"]]
        if rng.random() < change_share:
            target = max(Decimal(0), target + _d(rng.choice((-0.5, -0.25, 0.25, 0.5))))
        school["target_fte"] = float(target)
    for person in people:
        roll = rng.random()
        if roll < 0.05:
            person["contract_end"] = "2026-07-31"
        elif roll < 0.10:
            person["fte"] = _d(rng.choice((0.5, 0.75, 1.0)))
        elif roll < 0.15:
            person["current"] = []  # new this year
        person["fte"] = float((person["fte"] / step).to_integral_value() * step)
        person["current"] = [
            {"school": c["school"], "fte": float(c["fte"])} for c in person["current"]
        ]
    return {
        "step_fte": 0.05,
        "weights": {"deviation": 1.0, "change": 0.25},
        "rules": {"max_schools_full_time": 2, "max_schools_half_time": 1, "half_time_fte": 0.5},
        "plan_start": "2026-08-01",
        "schools": school_list,
        "staff": people,
        "pinned": [],
        "forbidden": [],
    }


def city(seed: int = 0, supply: str = "balanced", open_share: float = 0.1) -> dict[str, Any]:
    """A kreisfreie Stadt: 50 schools, 60 staff, 3 carriers (``open_share`` of the schools
    without a carrier; 0 gives every school a carrier, as a municipality's assignment does)."""
    return generate(
        schools=50, staff=60, carriers=3, seed=seed, supply=supply, open_share=open_share
    )


def kreis(seed: int = 0, supply: str = "balanced") -> dict[str, Any]:
    """A Kreis: 300 schools, 350 staff, 12 carriers."""
    return generate(schools=300, staff=350, carriers=12, seed=seed, supply=supply)
