"""Security findings of the December 2026 review in the documentation
(../shared/reviews/security-test-2026-12.md): F-05 import previews, F-06
case hashes after retention, F-07 date bounds and robust jobs, F-08 who
creates API tokens and whom the audit names, F-14 server errors, F-18 enum
reprs in API errors."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from schulsozial.activities.models import Activity, ApiToken
from schulsozial.core.models import AuditEntry

URL = "/api/v1/activities/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def api_payload(world, **extra):
    data = {
        "client_id": str(uuid.uuid4()),
        "staff_id": world.staff[0].pk,
        "school_number": world.schools[1].school_number,
        "date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "minutes": 50,
        "activity_type": "class_project",
        "target_group": "class",
    }
    data.update(extra)
    return data


def api_post(client, key, data, **kwargs):
    return client.post(
        URL,
        data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
        **kwargs,
    )


# --------------------------------------------------------------------------- F-08


def test_coordination_cannot_create_a_carriers_api_token(dw, world, client_for):
    client = client_for("coordinator")
    before = ApiToken.objects.count()
    response = client.post(
        reverse("activities:token_list"), {"carrier": world.carrier.pk, "name": "Steuerung"}
    )
    assert response.status_code in (200, 403)
    assert ApiToken.objects.count() == before
    assert not ApiToken.objects.filter(name="Steuerung").exists()
    # Coordination still sees the carriers' keys (and may revoke one), but
    # the page offers it no form to create one.
    page = client.get(reverse("activities:token_list")).content.decode()
    assert dw.token.prefix in page
    assert 'data-form="token-create"' not in page


def test_carrier_token_records_its_creator_and_api_audit_names_token_and_creator(
    dw, world, client_for, client
):
    carrier_user = world.users["carrier"]
    response = client_for("carrier").post(
        reverse("activities:token_list"), {"carrier": world.carrier.pk, "name": "Fallsoftware"}
    )
    html = response.content.decode()
    key = html.split("<code data-key>")[1].split("</code>")[0]
    token = ApiToken.objects.get(name="Fallsoftware")
    assert token.created_by == carrier_user
    response = api_post(client, key, api_payload(world))
    assert response.status_code == 201, response.json()
    entry = AuditEntry.objects.get(
        object_type="activities.activity", object_id=str(response.json()["id"])
    )
    assert entry.actor == carrier_user
    assert entry.actor_label != "system"
    assert entry.changes["api_token"] == token.prefix
    assert entry.changes["api_token_name"] == "Fallsoftware"
    assert entry.changes["api_token_created_by"] == carrier_user.username


# --------------------------------------------------------------------------- F-14, F-18


@pytest.mark.parametrize("week", ["0001-01-01", "0001-01-07", "9999-12-31", "9999-12-27"])
def test_week_grid_at_the_ends_of_the_calendar_gives_a_page(dw, client_for, week):
    client = client_for("worker")
    response = client.get(reverse("activities:week"), {"week": week})
    assert response.status_code == 200
    start = response.context["start"]
    # The week shown is the nearest one with days an entry may have.
    assert datetime.date(1999, 12, 27) <= start <= timezone.localdate()
    assert all(
        datetime.date(2000, 1, 1) <= d <= timezone.localdate() for d in response.context["days"]
    )
    assert response.context["days"]
    response = client.post(reverse("activities:week") + f"?week={week}", {"week": week})
    assert response.status_code == 200


def test_deeply_nested_json_gives_400_not_500(dw, client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {dw.key}"
    )
    assert response.status_code == 400
    assert "detail" in response.json()


def test_api_errors_name_catalogues_without_enum_reprs(dw, world, client):
    response = api_post(client, dw.key, api_payload(world, activity_type="no-such-code"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "CatalogueKind" not in text
    assert "activity_type" in text and "no-such-code" in text
    assert not Activity.objects.filter(source="api").exists()
