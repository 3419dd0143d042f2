"""Test helpers: an adopted scenario for next school year in the test world."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from schulsozial.allocation.services import scenario_adopt, scenario_create
from schulsozial.allocation.templates_rules import pupils_only
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import services as md
from schulsozial.masterdata.models import SchoolYear


def next_year(world: Any) -> SchoolYear:
    start_year = world.year.start.year + 1
    found = SchoolYear.objects.filter(start__year=start_year).first()
    return found or md.school_year_create(start_year=start_year, by=SYSTEM)


def adopted_scenario(world: Any, total: str = "2.25", year: SchoolYear | None = None) -> Any:
    year = year or next_year(world)
    scenario = scenario_create(
        municipality=world.town,
        school_year=year,
        name="Nach Schülerzahl",
        rules_toml=pupils_only(Decimal(total)),
        by=SYSTEM,
    )
    return scenario_adopt(
        scenario=scenario,
        decision_body="Jugendhilfeausschuss",
        decision_date=year.start - datetime.timedelta(days=60),
        decision_reference="2026/1",
        by=SYSTEM,
    )
