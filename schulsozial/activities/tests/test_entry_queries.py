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

# Plain ORM throughout (issue 12): one query per thing needed, counted here
# on SQLite inside a test (SAVEPOINT/RELEASE stand for BEGIN/COMMIT).
# Every request: session, user, role assignments (3).
# Entry form GET: the worker's school ids, the last entry's school, the
# school select (twice: Django's Select asks for the first choice to decide
# on `required`), and one query for every catalogue select and the
# participant grid (forms.Catalogues): 8.
# Entry form POST: school ids, school, the catalogues (one query for every
# select), the client-id lookup, the record, its topics and participants,
# the rollups (statistics.rollups: savepoint, the school's lock and one
# UPDATE per cell, an INSERT per new cell) and one audit entry: 26.
# API POST: token (with carrier and creator), staff member, school, the
# codes named, client-id lookup, the worker's position, the record, topics,
# participants, the rollups (five tables for a case code), audit: 24.
# Weekly grid GET: school ids, last school, one query per select for all
# ten rows (forms.WeekFormSet): 10.
# Before issue 12 (hand-written SQL, instance caches, a rollup queue): 5,
# 11, 12 and 84.
FORM_GET_MAX_QUERIES = 8
FORM_ENTRY_MAX_QUERIES = 26
API_ENTRY_MAX_QUERIES = 24
WEEK_GET_MAX_QUERIES = 10


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_the_entry_form_and_the_weekly_grid_run_a_bounded_number_of_queries(
    dw, world, client_for, django_assert_max_num_queries
):
    client = client_for("worker")
    client.get(reverse("activities:activity_create"))  # session and CSRF cookie in place
    with django_assert_max_num_queries(FORM_GET_MAX_QUERIES):
        assert client.get(reverse("activities:activity_create")).status_code == 200
    with django_assert_max_num_queries(WEEK_GET_MAX_QUERIES):
        response = client.get(reverse("activities:week"))
    assert response.status_code == 200
    assert response.content.decode().count(f'value="{world.schools[0].pk}"') >= 10


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
