"""Role administration stays inside the administered municipalities
(security review F-01, F-03) and a new user is in its creator's scope."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role, RoleAssignment, User
from schulsozial.accounts.services import role_assign, role_remove, user_create
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import permissions as masterdata_perms
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def global_admin(world):
    return make_user("betrieb", Role.ADMINISTRATION)


# --------------------------------------------------------------------------- F-01


def test_f01_municipal_admin_cannot_make_itself_global_admin(world, client_for):
    """The reproduction of F-01: POST an administration role with an empty
    municipality on the own account."""
    admin = world.users["admin"]
    client = client_for("admin")
    response = client.post(
        f"/accounts/users/{admin.pk}/roles/new/",
        {"role": "administration", "municipality": "", "carrier": "", "school": ""},
    )
    assert response.status_code == 200  # the form again, with an error
    assert not RoleAssignment.objects.filter(
        user=admin, role=Role.ADMINISTRATION, municipality__isnull=True
    ).exists()
    admin.refresh_from_db()
    assert not perms.is_global_admin(User.objects.get(pk=admin.pk))
    # after a new login it still sees only its own municipality's users
    client = client_for("admin")
    names = {r[0][1] for r in client.get("/accounts/users/").context["rows"]}
    assert "betrieb" not in names


def test_f01_municipal_admin_cannot_assign_roles_in_another_municipality(world, client_for):
    target = world.users["committee"]
    client = client_for("admin")
    for data in (
        {"role": "committee", "municipality": world.other_town.pk},
        {"role": "coordination", "municipality": world.other_town.pk},
        {"role": "administration", "municipality": world.other_town.pk},
        {"role": "carrier", "carrier": world.foreign_carrier.pk},
        {"role": "worker", "school": world.other_school.pk},
        {"role": "principal", "school": world.other_school.pk},
    ):
        response = client.post(f"/accounts/users/{target.pk}/roles/new/", data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    assert not target.role_assignments.filter(municipality=world.other_town).exists()


def test_f01_the_service_refuses_a_global_role_from_a_municipal_admin(world):
    admin = world.users["admin"]
    with pytest.raises(ValidationError):
        role_assign(user=world.users["committee"], role=Role.ADMINISTRATION, by=admin)
    with pytest.raises(ValidationError):
        role_assign(
            user=world.users["committee"],
            role=Role.COMMITTEE,
            municipality=world.other_town,
            by=admin,
        )
    assert not RoleAssignment.objects.filter(municipality__isnull=True).exists()


def test_f01_a_role_held_elsewhere_gives_no_right_to_assign_there(world):
    """An administrator of the town who is also on the neighbour's committee
    administers only the town."""
    admin = world.users["admin"]
    role_assign(user=admin, role=Role.COMMITTEE, municipality=world.other_town, by=SYSTEM)
    admin = User.objects.get(pk=admin.pk)
    assert not perms.can_assign_role(admin, Role.COMMITTEE, world.other_town, None, None)
    assert perms.can_assign_role(admin, Role.COMMITTEE, world.town, None, None)
    with pytest.raises(ValidationError):
        role_assign(
            user=world.users["committee"],
            role=Role.COMMITTEE,
            municipality=world.other_town,
            by=admin,
        )


def test_f01_the_form_offers_only_the_administered_municipality(world, client_for):
    client = client_for("admin")
    form = client.get(f"/accounts/users/{world.users['committee'].pk}/roles/new/").context["form"]
    assert list(form.fields["municipality"].queryset) == [world.town]
    assert form.fields["municipality"].empty_label is None  # no "all municipalities"
    assert world.foreign_carrier not in form.fields["carrier"].queryset
    assert world.other_school not in form.fields["school"].queryset


def test_f01_only_a_global_admin_creates_global_roles(world, global_admin):
    target = world.users["committee"]
    assignment = role_assign(user=target, role=Role.ADMINISTRATION, by=global_admin)
    assert assignment.municipality is None
    assert perms.can_assign_role(global_admin, Role.ADMINISTRATION, None, None, None)
    assert not perms.can_assign_role(world.users["admin"], Role.ADMINISTRATION, None, None, None)
    assert masterdata_perms.can_create_municipality(global_admin)
    assert not masterdata_perms.can_create_municipality(world.users["admin"])


# --------------------------------------------------------------------------- F-03


@pytest.fixture
def two_town_person(world):
    """The coordinator of the neighbour town who also sits on the town's committee."""
    person = make_user("nachbar.koordination", Role.COORDINATION, municipality=world.other_town)
    role_assign(user=person, role=Role.COMMITTEE, municipality=world.town, by=SYSTEM)
    return person


def test_f03_admin_sees_only_the_roles_of_its_municipality(world, client_for, two_town_person):
    client = client_for("admin")
    response = client.get(f"/accounts/users/{two_town_person.pk}/")
    assert response.status_code == 200
    shown = list(response.context["assignments"])
    assert [a.municipality_id for a in shown] == [world.town.pk]
    assert "Nachbarstadt" not in response.content.decode()
    rows = client.get("/accounts/users/?q=nachbar").context["rows"]
    assert len(rows) == 1 and "Nachbarstadt" not in str(rows[0])


def test_f03_admin_cannot_remove_another_municipality_role(world, client_for, two_town_person):
    foreign = two_town_person.role_assignments.get(municipality=world.other_town)
    client = client_for("admin")
    response = client.post(f"/accounts/users/{two_town_person.pk}/roles/{foreign.pk}/remove/")
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()
    with pytest.raises(ValidationError):
        role_remove(assignment=foreign, by=world.users["admin"])
    assert RoleAssignment.objects.filter(pk=foreign.pk).exists()


def test_f03_removing_an_own_municipality_role_is_audited_in_its_log(
    world, client_for, two_town_person
):
    own = two_town_person.role_assignments.get(municipality=world.town)
    client = client_for("admin")
    response = client.post(f"/accounts/users/{two_town_person.pk}/roles/{own.pk}/remove/")
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="delete", object_type="accounts.roleassignment")
    assert entry.municipality_id == world.town.pk
    assert entry.actor == world.users["admin"]


# --------------------------------------------------------------------------- user creation


def test_a_user_created_by_a_municipal_admin_is_in_its_scope(world, client_for):
    client = client_for("admin")
    response = client.post(
        "/accounts/users/new/",
        {
            "username": "neu.gremium",
            "display_name": "Neues Mitglied",
            "email": "neu@example.org",
            "password": "Lange-Sonnen-Allee-7",
            "role": "committee",
            "municipality": world.town.pk,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    created = User.objects.get(username="neu.gremium")
    assert response["Location"] == f"/accounts/users/{created.pk}/"
    assert client.get(response["Location"]).status_code == 200
    names = {r[0][1] for r in client.get("/accounts/users/").context["rows"]}
    assert "neu.gremium" in names
    assert created.role_assignments.get().municipality == world.town
    entry = AuditEntry.objects.get(action="create", object_type="accounts.user")
    assert entry.municipality_id == world.town.pk


def test_a_municipal_admin_must_give_the_new_user_a_role_in_its_municipality(world, client_for):
    client = client_for("admin")
    for extra in ({"role": ""}, {"role": "committee", "municipality": world.other_town.pk}):
        response = client.post(
            "/accounts/users/new/",
            {"username": "ohne.rolle", "password": "Lange-Sonnen-Allee-7", **extra},
        )
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not User.objects.filter(username="ohne.rolle").exists()
    with pytest.raises(ValidationError):
        user_create(
            username="ohne.rolle",
            display_name="",
            password="Lange-Sonnen-Allee-7",
            by=world.users["admin"],
        )
    assert not User.objects.filter(username="ohne.rolle").exists()


def test_a_global_admin_may_create_a_user_without_a_role(world, global_admin):
    user = user_create(
        username="ohne.rolle", display_name="", password="Lange-Sonnen-Allee-7", by=global_admin
    )
    assert user.role_assignments.count() == 0
