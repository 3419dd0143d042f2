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

# One form entry: session, user, grants, staff member (twice: the worker's
# schools read it again), schools, catalogue; then the client id check, the
# record, topics, participants, the rollup upserts (three without a case code)
# and one audit entry: 17 queries. The API reads token, staff member, school
# and catalogue, checks the client id (once, in the service) and the worker's
# position, writes as the form does (five rollup upserts with its case code)
# and answers a new record with the topics it stored, without reading them
# back: 17 (19 before the API's second client id check and the read back were
# dropped). The bounds leave room for a few more rollup tables, not for
# lookups per field or a validation that re-reads every foreign key (before:
# 42 and 32).
FORM_ENTRY_MAX_QUERIES = 20
API_ENTRY_MAX_QUERIES = 19


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
