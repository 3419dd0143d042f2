"""`school_scope_q`: the schools each role reaches, pinned on the test world
(Teststadt with Testschule 0-3, Träger A serving 0-2 and Träger B serving 2;
Nachbarstadt with the Nachbarschule, served by Träger C), and the roles each
rule built on it counts."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import NOTHING, SCHOOL_SCOPE_ROLES, school_scope_q
from schulsozial.accounts.services import role_assign
from schulsozial.concepts import permissions as concepts_perms
from schulsozial.contracts import permissions as contracts_perms
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import permissions as masterdata_perms
from schulsozial.masterdata.models import PositionAssignment, School
from schulsozial.quality import permissions as quality_perms
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db

ALL_TOWN = ["Testschule 0", "Testschule 1", "Testschule 2", "Testschule 3"]


def names(q) -> list[str]:
    return sorted(set(School.objects.filter(q).values_list("name", flat=True)))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("coordinator", ALL_TOWN),
        ("committee", ALL_TOWN),
        ("carrier", ["Testschule 0", "Testschule 1", "Testschule 2"]),
        ("worker", ["Testschule 0"]),
        ("worker2", ["Testschule 2"]),
        ("principal", ["Testschule 0"]),
        ("admin", []),
    ],
)
def test_each_role_reaches_its_own_schools_and_never_the_neighbour_town(world, persona, expected):
    user = world.users[persona]
    assert names(school_scope_q(user, roles=SCHOOL_SCOPE_ROLES)) == expected
    assert "Nachbarschule" not in names(school_scope_q(user, roles=SCHOOL_SCOPE_ROLES))


@pytest.mark.parametrize("persona", ["coordinator", "committee", "carrier", "worker", "principal"])
def test_a_role_not_named_reaches_no_school(world, persona):
    user = world.users[persona]
    held = {a.role for a in user.role_assignments.all()}
    others = [r for r in SCHOOL_SCOPE_ROLES if r not in held]
    assert names(school_scope_q(user, roles=others)) == []


def test_nobody_without_grants_reaches_a_school(world):
    for user in (AnonymousUser(), SYSTEM, make_user("ohne-rolle")):
        assert names(school_scope_q(user, roles=SCHOOL_SCOPE_ROLES)) == []


def test_administration_has_no_school_scope(world):
    with pytest.raises(ValueError, match="administration"):
        school_scope_q(world.users["admin"], roles=(Role.COORDINATION, Role.ADMINISTRATION))


def test_the_neighbour_towns_roles_reach_only_the_neighbour_school(world):
    coordinator = make_user("koordination-n", Role.COORDINATION, municipality=world.other_town)
    carrier = make_user("traeger-c", Role.CARRIER, carrier=world.foreign_carrier)
    worker = make_user("fachkraft-n", Role.WORKER, school=world.other_school)
    for user in (coordinator, carrier, worker):
        assert names(school_scope_q(user, roles=SCHOOL_SCOPE_ROLES)) == ["Nachbarschule"]


def test_roles_in_two_towns_add_up_role_by_role(world):
    """A coordinator of the neighbour town who is a social worker at
    Testschule 1 reaches the neighbour town and that one school, not the
    rest of Teststadt; without the worker role counted, the neighbour town only."""
    user = make_user("zwei-staedte", Role.COORDINATION, municipality=world.other_town)
    role_assign(user=user, role=Role.WORKER, school=world.schools[1], by=SYSTEM)
    assert names(school_scope_q(user, roles=SCHOOL_SCOPE_ROLES)) == [
        "Nachbarschule",
        "Testschule 1",
    ]
    assert names(school_scope_q(user, roles=(Role.COORDINATION, Role.CARRIER))) == ["Nachbarschule"]


def test_a_prefix_filters_a_model_pointing_at_the_school(world):
    """Through `school__`: the position assignments at the worker's school
    (Testschule 0: one position of Träger A), none of the neighbour town."""
    q = school_scope_q(world.users["worker"], roles=SCHOOL_SCOPE_ROLES, prefix="school__")
    rows = PositionAssignment.objects.filter(q).distinct()
    assert {a.school.name for a in rows} == {"Testschule 0"}
    q = school_scope_q(world.users["coordinator"], roles=SCHOOL_SCOPE_ROLES, prefix="school__")
    schools = {a.school.name for a in PositionAssignment.objects.filter(q).distinct()}
    assert schools == {"Testschule 0", "Testschule 1", "Testschule 2"}


def test_the_rules_count_their_own_roles(world):
    """What differs on purpose between the rules built on the helper: the
    committee sees the schools in master data only (continuity, quality and
    school concepts are not its); the cycle table has no own-school rows."""
    committee, worker = world.users["committee"], world.users["worker"]
    assert names(masterdata_perms.schools_visible_q(committee)) == ALL_TOWN
    assert names(contracts_perms.continuity_schools_q(committee)) == []
    assert names(quality_perms.schools_q(committee)) == []
    assert names(quality_perms.cycle_schools_q(committee)) == []
    assert concepts_perms.school_concepts_visible_q(committee) == NOTHING
    assert concepts_perms.yearly_goals_visible_q(committee) == NOTHING
    assert names(masterdata_perms.schools_visible_q(worker)) == ["Testschule 0"]
    assert names(contracts_perms.continuity_schools_q(worker)) == ["Testschule 0"]
    assert names(quality_perms.schools_q(worker)) == ["Testschule 0"]
    assert names(quality_perms.cycle_schools_q(worker)) == []
    carrier = world.users["carrier"]
    served = ["Testschule 0", "Testschule 1", "Testschule 2"]
    assert names(quality_perms.cycle_schools_q(carrier)) == served
    assert names(contracts_perms.continuity_schools_q(carrier)) == served
