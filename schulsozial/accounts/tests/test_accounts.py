from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client, override_settings

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role, RoleAssignment
from schulsozial.accounts.services import role_assign
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import permissions as masterdata_perms

pytestmark = pytest.mark.django_db


def test_role_scope_must_fit_the_role_in_the_database(world):
    user = world.users["committee"]
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.WORKER, municipality=world.town)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.COORDINATION)


def test_role_service_takes_the_municipality_from_the_school_or_carrier(world):
    user = world.users["committee"]
    worker = role_assign(user=user, role=Role.WORKER, school=world.other_school, by=SYSTEM)
    assert worker.municipality == world.other_town
    with pytest.raises(ValidationError):
        role_assign(user=user, role=Role.CARRIER, by=SYSTEM)
    with pytest.raises(ValidationError):
        role_assign(user=user, role=Role.WORKER, school=world.other_school, by=SYSTEM)


def test_grants_are_read_once_per_request(world, django_assert_max_num_queries):
    user = world.users["coordinator"]
    with django_assert_max_num_queries(1):
        for _ in range(5):
            perms.grants(user)


def test_administration_has_no_content_by_default(world):
    admin = world.users["admin"]
    assert not masterdata_perms.can_use_masterdata(admin)
    assert perms.can_manage_users(admin) and perms.can_view_audit_log(admin)


def test_municipal_administrator_manages_only_users_of_the_own_municipality(world, client_for):
    role_assign(
        user=world.users["committee"], role=Role.COMMITTEE, municipality=world.other_town, by=SYSTEM
    )
    from schulsozial.accounts.services import user_create

    stranger = user_create(
        username="fremd", display_name="", password="ein-langes-passwort-42", by=SYSTEM
    )
    role_assign(user=stranger, role=Role.COMMITTEE, municipality=world.other_town, by=SYSTEM)
    client = client_for("admin")
    names = [r[0][1] for r in client.get("/accounts/users/").context["rows"]]
    assert "fremd" not in names and "koordination" in names
    assert client.get(f"/accounts/users/{stranger.pk}/").status_code == 404


def test_administrator_adds_a_role_and_it_is_audited(world, client_for):
    client = client_for("admin")
    target = world.users["committee"]
    response = client.post(
        f"/accounts/users/{target.pk}/roles/new/",
        {"role": "principal", "school": world.schools[1].pk},
    )
    assert response.status_code == 302
    assert target.role_assignments.filter(role="principal", school=world.schools[1]).exists()
    assert AuditEntry.objects.filter(
        action="create", object_type="accounts.roleassignment"
    ).exists()


def test_logins_and_failed_logins_are_in_the_audit_log(world):
    client = Client()
    client.post("/accounts/login/", {"username": "koordination", "password": "falsch"})
    client.post("/accounts/login/", {"username": "koordination", "password": "test-passwort-2026"})
    actions = list(
        AuditEntry.objects.filter(action__in=["login", "login_failed"]).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["login", "login_failed"]


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failed_logins_lock_the_account_for_a_while(world):
    client = Client(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        client.post("/accounts/login/", {"username": "koordination", "password": "falsch"})
    response = client.post(
        "/accounts/login/", {"username": "koordination", "password": "test-passwort-2026"}
    )
    assert response.status_code == 429
