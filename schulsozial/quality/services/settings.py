"""The municipality's quality settings."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from schulsozial.core.services import model_create, model_update
from schulsozial.masterdata.models import Municipality

from .. import permissions as perms
from ..models import (
    QualitySettings,
)
from .base import _require


@transaction.atomic
def settings_update(*, municipality: Municipality, by: Any, **data: Any) -> QualitySettings:
    _require(perms.can_manage_settings(by, municipality.pk))
    current = QualitySettings.objects.filter(municipality=municipality).first()
    if current is None:
        return model_create(
            model=QualitySettings,
            data={"municipality": municipality, **data},
            by=by,
            municipality_id=municipality.pk,
        )
    return model_update(instance=current, data=data, by=by)[0]
