"""The municipality's quality settings (defaults when none are saved) and
the rating scale."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy

from schulsozial.concepts.models import Standard

from ..models import (
    Perspective,
    QualitySettings,
    SelfEvaluation,
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
