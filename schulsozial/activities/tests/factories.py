"""Documentation test data on top of the persona world (conftest.world)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from schulsozial.activities import services
from schulsozial.activities.models import Activity, ApiToken, CatalogueEntry
from schulsozial.core.actors import SYSTEM


@dataclass
class DocWorld:
    world: Any
    activity: Activity
    token: ApiToken
    key: str

    def entry(self, kind: str, code: str, municipality: Any = None) -> CatalogueEntry:
        return CatalogueEntry.objects.get(
            municipality=municipality or self.world.town, kind=kind, code=code
        )


def entry(municipality: Any, kind: str, code: str) -> CatalogueEntry:
    return CatalogueEntry.objects.get(municipality=municipality, kind=kind, code=code)


def activity_input(municipality: Any, school: Any, **overrides: Any) -> services.ActivityInput:
    values: dict[str, Any] = {
        "date": timezone.localdate() - datetime.timedelta(days=1),
        "school": school,
        "minutes": 45,
        "activity_type": entry(municipality, "activity_type", "counselling_pupil"),
        "target_group": entry(municipality, "target_group", "individual"),
        "topics": (entry(municipality, "topic", "bullying"),),
        "participants": {
            (
                entry(municipality, "gender", "female"),
                entry(municipality, "grade_band", "primary"),
            ): 1
        },
    }
    values.update(overrides)
    return services.ActivityInput(**values)


def doc_world(world: Any) -> DocWorld:
    services.catalogues_ensure_defaults(municipality=world.town, by=SYSTEM)
    services.catalogues_ensure_defaults(municipality=world.other_town, by=SYSTEM)
    activity, _created = services.activity_record(
        data=activity_input(world.town, world.schools[0], case_code="K17"),
        by=world.users["worker"],
    )
    token, key = services.api_token_create(carrier=world.carrier, name="Fachsoftware", by=SYSTEM)
    return DocWorld(world=world, activity=activity, token=token, key=key)
