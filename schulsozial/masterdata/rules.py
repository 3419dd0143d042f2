"""The NRW funding rules as configurable checks (PRODUCT.md §4).

Pure functions over plain values; the defaults are the rule of 2022/2025 and
each municipality can change them in its settings. They warn, they do not
block: a municipality may knowingly deviate and explain why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RuleSettings:
    max_schools_fulltime: int = 2
    parttime_fte_threshold: Decimal = Decimal("0.5")
    max_schools_parttime: int = 1
    workers_per_coordinator: int = 30


@dataclass(frozen=True)
class WorkerLoad:
    staff_id: int
    label: str
    fte: Decimal
    school_ids: frozenset[int]


@dataclass(frozen=True)
class RuleWarning:
    code: str  # "fulltime_schools" | "parttime_schools" | "coordination_ratio"
    staff_id: int | None
    message_args: dict[str, object]


def check_worker(load: WorkerLoad, settings: RuleSettings) -> RuleWarning | None:
    """A full-time worker serves at most N schools; a worker with the
    threshold's hours or less serves at most M schools (defaults 2 and 1)."""
    schools = len(load.school_ids)
    if load.fte <= settings.parttime_fte_threshold:
        if schools > settings.max_schools_parttime:
            return RuleWarning(
                "parttime_schools",
                load.staff_id,
                {
                    "label": load.label,
                    "fte": load.fte,
                    "schools": schools,
                    "limit": settings.max_schools_parttime,
                },
            )
    elif schools > settings.max_schools_fulltime:
        return RuleWarning(
            "fulltime_schools",
            load.staff_id,
            {
                "label": load.label,
                "fte": load.fte,
                "schools": schools,
                "limit": settings.max_schools_fulltime,
            },
        )
    return None


def required_coordination_fte(workers: int, settings: RuleSettings) -> Decimal:
    return (Decimal(workers) / Decimal(settings.workers_per_coordinator)).quantize(Decimal("0.01"))


def check_coordination(
    *, workers: int, coordination_fte: Decimal, settings: RuleSettings
) -> RuleWarning | None:
    """One full-time coordinator per at most N social workers (default 30)."""
    required = required_coordination_fte(workers, settings)
    if workers and coordination_fte < required:
        return RuleWarning(
            "coordination_ratio",
            None,
            {
                "workers": workers,
                "coordination_fte": coordination_fte,
                "required": required,
                "ratio": settings.workers_per_coordinator,
            },
        )
    return None
