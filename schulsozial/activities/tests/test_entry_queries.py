"""Recording one activity stays cheap: upper bounds on the queries of one
entry through the form and through the API (docs/performance.md, Entry).

Inside a test every transaction is a savepoint, so the counts include
SAVEPOINT/RELEASE statements where production issues BEGIN/COMMIT."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from schulsozial.activities.models import Activity
from schulsozial.activities.tests.test_api import payload, post
from schulsozial.activities.tests.test_views import _post_data
from schulsozial.core.models import AuditEntry

# One form entry: session, then the user with its grants and staff member
# (one query, accounts.backends), schools, catalogue; then the record (its
# insert skips a stored client id, so no lookup before it), topics,
# participants, the rollup upserts (three without a case code) and one audit
# entry, between SAVEPOINT and RELEASE: 13 (17 before run 7, 42 before run
# 1). The API reads token, staff member, school and catalogue, checks the
# worker's position, and writes as the form does, with five rollup upserts
# for its case code: 16 (17 before run 7, 32 before run 1). The bounds are
# exact: a new query per entry must be argued for here
# (docs/performance.md, Entry).
FORM_ENTRY_MAX_QUERIES = 13
API_ENTRY_MAX_QUERIES = 16


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_one_form_entry_runs_a_bounded_number_of_queries(
    dw, world, client_for, django_assert_max_num_queries
):
    client = client_for("worker")
    client.get(reverse("activities:activity_create"))  # session and CSRF cookie in place
    before = Activity.objects.count()
    data = _post_data(world, client_id=str(uuid.uuid4()))
    with django_assert_max_num_queries(FORM_ENTRY_MAX_QUERIES):
        response = client.post(reverse("activities:activity_create"), data)
    assert response.status_code == 302
    assert Activity.objects.count() == before + 1
    activity = Activity.objects.order_by("-pk").first()
    assert activity.participants == 7 and activity.topics.count() == 2
    assert (
        AuditEntry.objects.filter(
            object_type="activities.activity", object_id=str(activity.pk)
        ).count()
        == 1
    )


def test_one_api_entry_runs_a_bounded_number_of_queries(
    dw, world, client, django_assert_max_num_queries
):
    post(client, dw.key, payload(world))  # the token's last use is noted once a minute
    data = payload(world)
    with django_assert_max_num_queries(API_ENTRY_MAX_QUERIES):
        response = post(client, dw.key, data)
    assert response.status_code == 201, response.json()
    activity = Activity.objects.get(client_id=data["client_id"])
    assert activity.participants == 23 and activity.topics.count() == 2
    assert (
        AuditEntry.objects.filter(
            object_type="activities.activity", object_id=str(activity.pk)
        ).count()
        == 1
    )
