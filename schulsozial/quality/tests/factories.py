"""Quality objects on top of the shared test world, built through the services."""

from __future__ import annotations

from typing import Any

from schulsozial.concepts.tests.factories import adopted_framework
from schulsozial.quality import services
from schulsozial.quality.models import Perspective, SelfEvaluation
from schulsozial.quality.services import RatingInput


def framework(world: Any) -> Any:
    version = getattr(world, "_quality_framework", None)
    if version is None:
        version = adopted_framework(world.town)
        world._quality_framework = version
    return version


def rate_all(evaluation: SelfEvaluation, perspective: str, values: list[int], by: Any) -> None:
    standards = list(evaluation.framework_version.standards.order_by("position", "code"))
    services.ratings_save(
        evaluation=evaluation,
        perspective=perspective,
        entries=[
            RatingInput(standard_id=s.pk, value=v, evidence=f"Beleg {s.code}")
            for s, v in zip(standards, values, strict=True)
        ],
        by=by,
    )


def started(world: Any, school_index: int = 0) -> SelfEvaluation:
    framework(world)
    worker = world.users["worker"] if school_index == 0 else world.users["worker2"]
    return services.evaluation_start(
        school=world.schools[school_index], school_year=world.year, by=worker
    )


def submitted(world: Any, values: tuple[int, ...] = (4, 3, 2)) -> SelfEvaluation:
    evaluation = started(world)
    rate_all(evaluation, Perspective.WORKER, list(values), world.users["worker"])
    return services.evaluation_submit(evaluation=evaluation, by=world.users["worker"])


def co_signed(world: Any, school_values: tuple[int, ...] = (2, 3, 2)) -> SelfEvaluation:
    evaluation = submitted(world)
    rate_all(evaluation, Perspective.SCHOOL, list(school_values), world.users["principal"])
    return services.evaluation_co_sign(evaluation=evaluation, by=world.users["principal"])
