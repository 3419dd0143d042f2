"""The master-data rules of masterdata.permissions as a matrix of roles × actions,
and the selectors built on them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import permissions as perms
from schulsozial.masterdata import selectors
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "carrier", "worker", "worker2", "principal", "committee", "admin"]


def allowed(world, check) -> set[str]:
    return {name for name in ROLES if check(world.users[name])}


def test_masterdata_predicates_per_role(world):
    school, staff = world.schools[0], world.staff[0]
    table = {
        "use master data": (
            perms.can_use_masterdata,
            {"coordinator", "carrier", "worker", "worker2", "principal", "committee"},
        ),
        "see municipalities": (
            perms.can_see_municipalities,
            {"coordinator", "carrier", "worker", "worker2", "principal", "committee"},
        ),
        "see school years": (perms.can_see_school_years, set(ROLES)),
        "list staff": (perms.can_list_staff, {"coordinator", "carrier", "worker", "worker2"}),
        "list positions": (
            perms.can_list_positions,
            {"coordinator", "carrier", "worker", "worker2", "principal"},
        ),
        "list funding": (perms.can_list_funding, {"coordinator"}),
        "create municipality": (perms.can_create_municipality, set()),
        "edit municipality": (
            lambda u: perms.can_edit_municipality(u, world.town),
            {"coordinator"},
        ),
        "manage school years": (perms.can_manage_school_years, {"coordinator", "admin"}),
        "create in municipality": (perms.can_create_in_municipality, {"coordinator"}),
        "edit school": (lambda u: perms.can_edit_school(u, school), {"coordinator"}),
        "edit other town's school": (
            lambda u: perms.can_edit_school(u, world.other_school),
            set(),
        ),
        "import schools": (perms.can_import_schools, {"coordinator"}),
        "edit carrier": (lambda u: perms.can_edit_carrier(u, world.carrier), {"coordinator"}),
        "create staff": (perms.can_create_staff, {"coordinator", "carrier"}),
        "edit staff": (lambda u: perms.can_edit_staff(u, staff), {"coordinator", "carrier"}),
        "edit other carrier's staff": (
            lambda u: perms.can_edit_staff(u, world.staff[2]),
            {"coordinator"},
        ),
        "employ at own carrier": (
            lambda u: perms.can_employ_at(u, world.carrier),
            {"coordinator", "carrier"},
        ),
        "employ at another carrier": (
            lambda u: perms.can_employ_at(u, world.other_carrier),
            {"coordinator"},
        ),
        "employ in another town": (
            lambda u: perms.can_employ_at(u, world.foreign_carrier),
            set(),
        ),
        "create staff at own carrier (service)": (
            lambda u: perms.can_create_staff_at(u, world.carrier),
            {"coordinator", "carrier"},
        ),
        "create staff at another carrier (service)": (
            lambda u: perms.can_create_staff_at(u, world.other_carrier),
            {"coordinator"},
        ),
        "create staff in another town (service)": (
            lambda u: perms.can_create_staff_at(u, world.foreign_carrier),
            set(),
        ),
        "change staff (service)": (
            lambda u: perms.can_update_staff(u, staff, world.carrier),
            {"coordinator", "carrier"},
        ),
        "move staff to another town's carrier (service)": (
            lambda u: perms.can_update_staff(u, staff, world.foreign_carrier),
            set(),
        ),
        "edit position": (
            lambda u: perms.can_edit_position(u, world.positions[0]),
            {"coordinator"},
        ),
        "edit funding": (lambda u: perms.can_edit_funding(u, world.stream), {"coordinator"}),
        "view funding rules": (
            lambda u: perms.can_view_funding_rules(u, world.town),
            {"coordinator", "carrier"},
        ),
        "view coordination warnings": (
            lambda u: perms.can_view_coordination_warnings(u, world.town),
            {"coordinator"},
        ),
        "exercise data rights": (
            lambda u: perms.can_exercise_data_rights(u, staff),
            {"coordinator", "carrier"},
        ),
        "audit trail in data export": (
            lambda u: perms.can_read_audit_trail_in_data_export(u, staff),
            {"coordinator"},
        ),
    }
    for action, (check, expected) in table.items():
        assert allowed(world, check) == expected, action


def test_a_global_administrator_sees_and_creates_municipalities(world):
    from schulsozial.accounts.models import Role

    admin = make_user("landesadmin", Role.ADMINISTRATION)
    assert perms.can_see_municipalities(admin)
    assert perms.can_create_municipality(admin)
    assert not perms.can_use_masterdata(admin)


def test_the_platform_itself_passes_the_staff_service_rules(world):
    assert perms.can_create_staff_at(SYSTEM, world.foreign_carrier)
    assert perms.can_update_staff(SYSTEM, world.staff[0], world.carrier)
    assert not perms.can_create_staff_at(None, world.carrier)
    assert not perms.can_update_staff(None, world.staff[0], world.carrier)


def test_staff_moves_only_within_its_municipality(world):
    staff = world.staff[0]
    for name in ROLES:
        user = world.users[name]
        assert perms.can_move_staff_to(user, staff, world.other_carrier)
        assert not perms.can_move_staff_to(user, staff, world.foreign_carrier)


def test_coordinated_municipalities_per_role(world):
    from schulsozial.accounts.models import Role

    expected = {"coordinator": [world.town]}
    for name in ROLES:
        got = list(selectors.coordinated_municipalities(user=world.users[name]))
        assert got == expected.get(name, []), name
    both = make_user("zwei", Role.COORDINATION, municipality=world.town)
    from schulsozial.accounts.services import role_assign

    role_assign(user=both, role=Role.COORDINATION, municipality=world.other_town, by=SYSTEM)
    both = type(both).objects.get(pk=both.pk)
    assert list(selectors.coordinated_municipalities(user=both)) == [
        world.other_town,
        world.town,
    ]  # by name: Nachbarstadt, Teststadt


def test_staff_form_offers_the_carriers_one_may_employ_at(world):
    for name, expected in {
        "coordinator": {world.carrier, world.other_carrier},
        "carrier": {world.carrier},
        "worker": set(),
        "principal": set(),
    }.items():
        got = set(selectors.staff_carriers_for(user=world.users[name]))
        assert got == expected, name


def test_a_carrier_cannot_employ_at_another_carrier_through_the_form(world, client_for):
    client = client_for("carrier")
    data = {
        "label": "Neu",
        "function": "social_work",
        "qualification": "sw_ba",
        "weekly_hours": "10",
        "contract_start": "2024-08-01",
    }
    url = reverse("masterdata:staff_create")
    response = client.post(url, {**data, "carrier": world.other_carrier.pk})
    assert response.status_code == 200  # not a choice: the form refuses it
    assert not world.other_carrier.staff.filter(label="Neu").exists()
    assert client.post(url, {**data, "carrier": world.carrier.pk}).status_code == 302
    assert world.carrier.staff.filter(label="Neu").exists()
