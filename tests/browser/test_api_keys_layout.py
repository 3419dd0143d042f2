"""The carrier's API key page (its landing page under "Dokumentation") at
768 px: the key table scrolls inside its own region instead of pushing the
page sideways (issue 13, layout)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from schulsozial.activities.models import ApiToken
from schulsozial.activities.services import api_token_create
from schulsozial.masterdata.models import Carrier
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_api_key_table_does_not_push_the_page_sideways_at_768_px(live_server, page):
    world = build_world()
    Carrier.objects.filter(pk=world.carrier.pk).update(
        name="Gemeinnützige Beschäftigungsgesellschaft Herne"  # a real carrier's length
    )
    for name in ("Fachsoftware der Beratungsstelle Nord", "Dokumentationssystem Süd"):
        api_token_create(carrier=world.carrier, name=name, by=world.users["carrier"])
    ApiToken.objects.update(last_used=timezone.now())  # as after the software's first call
    base = live_server.url
    log_in(page, base, "traeger")
    page.set_viewport_size({"width": 768, "height": 900})
    page.goto(base + "/dokumentation/start/")
    assert page.get_by_role("table", name="API-Schlüssel").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    assert axe_violations(page) == []
