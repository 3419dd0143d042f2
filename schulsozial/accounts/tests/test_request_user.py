"""The user of a request is read with its grants and staff member
(accounts.backends), its session from Django's session table: a
deactivated user, a revoked role, an unlinked staff member and a session
ended anywhere take effect on the next request."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.backends import ModelBackendWithScope
from schulsozial.accounts.models import Role, RoleAssignment
from schulsozial.activities import permissions as activities_perms

pytestmark = pytest.mark.django_db


def test_backend_reads_user_grants_and_staff_member_in_two_queries(world):
    worker = world.users["worker"]
    with CaptureQueriesContext(connection) as queries:
        user = ModelBackendWithScope().get_user(worker.pk)
        grants = perms.grants(user)
        staff = user.staff_member
        assert activities_perms.can_document(user)
    assert len(queries) == 2  # the user with its staff member; its role assignments
    assert user == worker and user.username == worker.username
    assert user.date_joined == worker.date_joined  # converted like the ORM does
    assert staff == world.staff[0] and staff.user is user
    school = world.schools[0]
    assert grants == (perms.Grant(Role.WORKER, school.municipality_id, None, school.pk),)


def test_backend_gives_a_user_without_staff_member_or_grants_nothing_extra(world):
    coordinator = world.users["coordinator"]
    user = ModelBackendWithScope().get_user(coordinator.pk)
    assert getattr(user, "staff_member", None) is None
    assert perms.roles(user) == {Role.COORDINATION}
    RoleAssignment.objects.filter(user=coordinator).delete()
    user = ModelBackendWithScope().get_user(coordinator.pk)
    assert user == coordinator and perms.grants(user) == ()


def test_backend_refuses_inactive_and_unknown_users(world):
    worker = world.users["worker"]
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    assert ModelBackendWithScope().get_user(worker.pk) is None
    assert ModelBackendWithScope().get_user(999_999) is None
    assert ModelBackendWithScope().get_user("not a number") is None


def test_deactivated_user_is_logged_out_on_the_next_request(world, client_for):
    client = client_for("worker")
    assert client.get(reverse("activities:activity_create")).status_code == 200
    worker = world.users["worker"]
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    response = client.get(reverse("activities:activity_create"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_revoked_role_takes_effect_on_the_next_request(world, client_for):
    client = client_for("worker")
    assert client.get(reverse("activities:activity_create")).status_code == 200
    RoleAssignment.objects.filter(user=world.users["worker"], role=Role.WORKER).delete()
    assert client.get(reverse("activities:activity_create")).status_code == 403


def test_unlinked_staff_member_takes_effect_on_the_next_request(world, client_for):
    client = client_for("worker")
    assert client.get(reverse("activities:activity_create")).status_code == 200
    staff = world.staff[0]
    staff.user = None
    staff.save(update_fields=["user"])
    assert client.get(reverse("activities:activity_create")).status_code == 403


def test_an_expired_session_is_not_logged_in(world, client_for):
    client = client_for("worker")
    assert client.get(reverse("activities:activity_create")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("activities:activity_create"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_a_session_deleted_in_the_database_is_not_logged_in(world, client_for):
    """As when another worker process ended it (logout there, clearsessions):
    no process keeps a copy of the session that outlives its row."""
    client = client_for("worker")
    assert client.get(reverse("activities:activity_create")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).delete()
    response = client.get(reverse("activities:activity_create"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_logout_ends_the_session(world, client_for):
    client = client_for("worker")
    assert client.get(reverse("activities:activity_create")).status_code == 200
    client.post(reverse("accounts:logout"))
    response = client.get(reverse("activities:activity_create"))
    assert response.status_code == 302
