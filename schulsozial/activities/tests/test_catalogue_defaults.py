"""The default catalogues are written in the name of an explicit actor."""

from __future__ import annotations

import pytest

from schulsozial.activities import services
from schulsozial.activities.models import CatalogueEntry
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_default_catalogues_need_an_actor(world):
    """`by` used to default to SYSTEM (issue 12): a caller that forgets the
    actor now fails instead of writing in the platform's name."""
    with pytest.raises(TypeError, match="by"):
        services.catalogues_ensure_defaults(municipality=world.town)
    assert not CatalogueEntry.objects.filter(municipality=world.town).exists()


def test_default_catalogues_are_audited_in_the_name_of_the_actor(world):
    coordinator = world.users["coordinator"]
    added = services.catalogues_ensure_defaults(municipality=world.town, by=coordinator)
    assert added == CatalogueEntry.objects.filter(municipality=world.town).count() > 0
    entry = AuditEntry.objects.get(object_type="activities.catalogueentry")
    assert entry.actor == coordinator and entry.changes == {"entries": added}
    assert services.catalogues_ensure_defaults(municipality=world.town, by=SYSTEM) == 0
