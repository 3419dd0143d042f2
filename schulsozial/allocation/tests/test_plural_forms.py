"""Counted words on the scenario page agree with their number (issue 13)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schulsozial.allocation import services
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.templates_rules import base_index_startchancen
from schulsozial.core.actors import SYSTEM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("flagged", "text"),
    [
        (1, "1 Schule hängt stark von den Gewichten ab."),
        (2, "2 Schulen hängen stark von den Gewichten ab."),
    ],
)
def test_the_sensitivity_names_one_school_in_the_singular(world, client_for, flagged, text):
    scenario = services.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Variante",
        rules_toml=base_index_startchancen(Decimal("4")),
        by=SYSTEM,
    )
    result = {
        **scenario.result,
        "sensitivity": {"samples": 200, "spread": 0.2, "flagged": list(range(flagged))},
    }
    Scenario.objects.filter(pk=scenario.pk).update(result=result)
    page = client_for("coordinator").get(scenario.get_absolute_url()).content.decode()
    assert "200 Stichproben" in page
    assert text in page
