"""A municipal administrator's user administration has no dead end (issue 13,
"a user created by the municipal administrator is lost"): the new account
opens on its page, is in the list, takes further roles of the own
municipality only, and cannot drop out of the administrator's scope by losing
its last role there."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from schulsozial.accounts import permissions as perms
from schulsozial.accounts import selectors
from schulsozial.accounts.models import Role, RoleAssignment, User
from schulsozial.accounts.services import role_assign, role_remove, user_create
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Lange-Sonnen-Allee-7"


@pytest.fixture
def created(world):
    """A committee member created by the town's administrator."""
    return user_create(
        username="neu.gremium",
        display_name="Neues Mitglied",
        password=NEW_PASSWORD,
        by=world.users["admin"],
        role=Role.COMMITTEE,
        municipality=world.town,
    )


def _names_in_list(client) -> list[str]:
    return [row[0][1] for row in client.get("/accounts/users/").context["rows"]]


# --------------------------------------------------------------------------- permissions


def test_a_municipal_admin_may_not_remove_the_last_role_of_an_account_in_its_municipality(
    world, created
):
    admin = world.users["admin"]
    only = created.role_assignments.get()
    assert not perms.can_remove_role(admin, only)
    second = role_assign(user=created, role=Role.COORDINATION, by=admin, municipality=world.town)
    assert perms.can_remove_role(admin, only)
    assert perms.can_remove_role(admin, second)


def test_a_role_elsewhere_keeps_the_account_with_that_municipality(world, created):
    """With a role in the other municipality the account is not lost when the
    own one goes: that municipality's administration keeps it."""
    admin = world.users["admin"]
    role_assign(user=created, role=Role.COMMITTEE, by=SYSTEM, municipality=world.other_town)
    assert perms.can_remove_role(admin, created.role_assignments.get(municipality=world.town))


def test_a_role_from_a_single_sign_on_mapping_may_go_even_if_last(world):
    """The provider's groups govern such an account (deleting a mapping
    removes the roles it gave, accounts/oidc.py)."""
    from schulsozial.accounts.models import OIDCGroupMapping, OIDCMappedRole

    user = make_user("sso.person", Role.COMMITTEE, municipality=world.town)
    only = user.role_assignments.get()
    mapping = OIDCGroupMapping.objects.create(
        municipality=world.town, group="ss-gremium", role=Role.COMMITTEE
    )
    OIDCMappedRole.objects.create(assignment=only, mapping=mapping)
    assert perms.can_remove_role(world.users["admin"], only)


def test_nobody_removes_the_own_administration_role(world):
    admin = world.users["admin"]
    assert not perms.can_remove_role(admin, admin.role_assignments.get())
    global_admin = make_user("betrieb", Role.ADMINISTRATION)
    assert not perms.can_remove_role(global_admin, global_admin.role_assignments.get())
    assert perms.can_remove_role(global_admin, admin.role_assignments.get())


def test_a_global_admin_may_remove_the_last_role_and_still_sees_the_account(world, created):
    global_admin = make_user("betrieb", Role.ADMINISTRATION)
    role_remove(assignment=created.role_assignments.get(), by=global_admin)
    assert created in selectors.users_visible_to(user=global_admin)


def test_a_municipal_admin_gives_roles_only_in_its_own_municipality(world, created):
    admin = world.users["admin"]
    school, carrier = world.schools[0], world.carrier
    for role, scope in [
        (Role.COORDINATION, {"municipality": world.town}),
        (Role.COMMITTEE, {"municipality": world.town}),
        (Role.ADMINISTRATION, {"municipality": world.town}),
        (Role.CARRIER, {"carrier": carrier}),
        (Role.WORKER, {"school": school}),
        (Role.PRINCIPAL, {"school": school}),
    ]:
        assert perms.can_assign_role(admin, role, scope.get("municipality"), **_scope(scope))
    assert not perms.can_assign_role(admin, Role.COMMITTEE, world.other_town)
    assert not perms.can_assign_role(admin, Role.ADMINISTRATION, None)
    foreign_school = next(s for s in _schools_of(world.other_town))
    assert not perms.can_assign_role(admin, Role.WORKER, None, school=foreign_school)


def _scope(scope: dict) -> dict:
    return {k: v for k, v in scope.items() if k != "municipality"}


def _schools_of(municipality):
    from schulsozial.masterdata.models import School

    return School.objects.filter(municipality=municipality)


# --------------------------------------------------------------------------- services


def test_removing_the_last_own_role_is_refused_and_the_account_stays_visible(world, created):
    admin = world.users["admin"]
    with pytest.raises(ValidationError) as refused:
        role_remove(assignment=created.role_assignments.get(), by=admin)
    assert "Deaktivieren" in " ".join(refused.value.messages)
    assert created.role_assignments.count() == 1
    assert created in selectors.users_visible_to(user=admin)
    assert not AuditEntry.objects.filter(action="delete", object_type="accounts.roleassignment")


def test_creating_a_user_writes_audit_entries_for_the_account_and_its_role(world, created):
    entries = AuditEntry.objects.filter(actor=world.users["admin"], municipality_id=world.town.pk)
    assert entries.filter(action="create", object_type="accounts.user").count() == 1
    role_entry = entries.get(action="create", object_type="accounts.roleassignment")
    assert role_entry.changes["user"] == "neu.gremium"


# --------------------------------------------------------------------------- views


def test_the_user_list_names_each_role_with_its_scope_not_the_user_again(
    world, client_for, created
):
    client = client_for("admin")
    rows = {row[0][1]: row for row in client.get("/accounts/users/").context["rows"]}
    roles = rows["neu.gremium"][2][1]
    assert roles == f"Gremium ({world.town})"


def test_the_new_users_page_offers_a_role_of_the_own_municipality_only(world, client_for, created):
    client = client_for("admin")
    page = client.get(f"/accounts/users/{created.pk}/").content.decode()
    assert "neu.gremium" in page
    assert f"Gremium ({world.town})" in page
    form = client.get(f"/accounts/users/{created.pk}/roles/new/").content.decode()
    assert str(world.town) in form
    assert str(world.other_town) not in form
    assert "alle Kommunen" not in form


def test_a_municipal_admin_adds_a_role_and_lands_on_the_users_page(world, client_for, created):
    client = client_for("admin")
    response = client.post(
        f"/accounts/users/{created.pk}/roles/new/",
        {"role": "worker", "school": world.schools[0].pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/accounts/users/{created.pk}/"
    page = response.content.decode()
    assert "Gespeichert." in page
    assert f"Fachkraft ({world.schools[0]})" in page
    entries = AuditEntry.objects.filter(
        action="create", object_type="accounts.roleassignment", actor=world.users["admin"]
    )
    [entry] = [e for e in entries if e.changes["role"] == "worker"]
    assert entry.municipality_id == world.town.pk
    assert "neu.gremium" in _names_in_list(client)


def test_a_municipal_admin_cannot_give_a_role_in_another_municipality_by_post(
    world, client_for, created
):
    client = client_for("admin")
    for data in (
        {"role": "committee", "municipality": world.other_town.pk},
        {"role": "administration", "municipality": ""},
        {"role": "worker", "school": _schools_of(world.other_town).first().pk},
    ):
        response = client.post(f"/accounts/users/{created.pk}/roles/new/", data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert list(created.role_assignments.values_list("role", flat=True)) == ["committee"]


def test_removing_the_last_role_by_post_keeps_the_user_and_explains_why(world, client_for, created):
    client = client_for("admin")
    only = created.role_assignments.get()
    page = client.get(f"/accounts/users/{created.pk}/").content.decode()
    assert f"/roles/{only.pk}/remove/" not in page  # no button that would lose the account
    assert "letzte Rolle" in page
    response = client.post(f"/accounts/users/{created.pk}/roles/{only.pk}/remove/", follow=True)
    assert response.redirect_chain[-1][0] == f"/accounts/users/{created.pk}/"
    assert response.status_code == 200
    assert "Deaktivieren" in response.content.decode()
    assert RoleAssignment.objects.filter(pk=only.pk).exists()
    assert "neu.gremium" in _names_in_list(client)


def test_removing_one_of_two_roles_works_and_is_audited(world, client_for, created):
    admin = world.users["admin"]
    second = role_assign(user=created, role=Role.COORDINATION, by=admin, municipality=world.town)
    client = client_for("admin")
    response = client.post(f"/accounts/users/{created.pk}/roles/{second.pk}/remove/", follow=True)
    assert response.status_code == 200
    assert "Die Rolle wurde entfernt." in response.content.decode()
    assert not RoleAssignment.objects.filter(pk=second.pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_type="accounts.roleassignment")
    assert entry.actor == admin
    assert entry.municipality_id == world.town.pk


def test_removing_the_last_own_role_of_a_two_town_account_leads_to_the_list(
    world, client_for, created
):
    """The account leaves this administrator's scope: its page would be a 404,
    so the answer is the list with a word on where the account went."""
    role_assign(user=created, role=Role.COMMITTEE, by=SYSTEM, municipality=world.other_town)
    own = created.role_assignments.get(municipality=world.town)
    client = client_for("admin")
    response = client.post(f"/accounts/users/{created.pk}/roles/{own.pk}/remove/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/users/"
    page = response.content.decode()
    assert "hat keine Rolle mehr in Ihrer Kommune" in page
    assert "neu.gremium" not in _names_in_list(client)
    assert created.role_assignments.get().municipality == world.other_town


def test_the_new_user_can_log_in_with_the_initial_password(world, created):
    assert User.objects.get(username="neu.gremium").check_password(NEW_PASSWORD)
