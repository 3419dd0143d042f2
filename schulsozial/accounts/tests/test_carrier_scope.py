"""`carrier_scope_q` and `carrier_serves_school`, pinned on the test world
(Teststadt with Träger A serving Testschule 0-2 and Träger B serving
Testschule 2; Nachbarstadt with Träger C serving the Nachbarschule), and
the rules built on them: the employers of a staff member (master data), the
contract timelines (contracts) and the cycle table's carrier filter
(quality) reach the carriers of coordinated municipalities and the own
carriers only."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    CARRIER_SCOPE_ROLES,
    carrier_scope_q,
    carrier_serves_school,
)
from schulsozial.accounts.services import role_assign
from schulsozial.concepts import permissions as concepts_perms
from schulsozial.contracts import permissions as contracts_perms
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import permissions as masterdata_perms
from schulsozial.masterdata.models import Carrier
from schulsozial.quality import permissions as quality_perms
from schulsozial.quality.models import Perspective
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db

TOWN = ["Träger A", "Träger B"]
COORDINATION_AND_OWN = (Role.COORDINATION, Role.CARRIER)


def names(q) -> list[str]:
    return sorted(set(Carrier.objects.filter(q).values_list("name", flat=True)))


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("coordinator", TOWN),
        ("committee", TOWN),
        ("carrier", ["Träger A"]),
        ("worker", []),
        ("principal", []),
        ("admin", []),
    ],
)
def test_each_role_reaches_its_carriers_and_never_the_neighbour_towns(world, persona, expected):
    assert names(carrier_scope_q(world.users[persona], roles=CARRIER_SCOPE_ROLES)) == expected


def test_a_carrier_reaches_itself_not_the_other_carrier_at_its_school(world):
    """Träger A and Träger B both serve Testschule 2: Träger A's manager
    reaches Träger A only."""
    assert names(carrier_scope_q(world.users["carrier"], roles=(Role.CARRIER,))) == ["Träger A"]


def test_a_role_not_named_reaches_no_carrier(world):
    assert names(carrier_scope_q(world.users["committee"], roles=COORDINATION_AND_OWN)) == []
    assert names(carrier_scope_q(world.users["coordinator"], roles=(Role.CARRIER,))) == []
    assert names(carrier_scope_q(world.users["carrier"], roles=(Role.COORDINATION,))) == []
    for user in (AnonymousUser(), SYSTEM, make_user("ohne-rolle")):
        assert names(carrier_scope_q(user, roles=CARRIER_SCOPE_ROLES)) == []


@pytest.mark.parametrize("role", [Role.WORKER, Role.PRINCIPAL, Role.ADMINISTRATION])
def test_roles_without_a_carrier_scope_are_refused(world, role):
    with pytest.raises(ValueError, match=str(role)):
        carrier_scope_q(world.users["coordinator"], roles=(Role.COORDINATION, role))


def test_roles_in_two_towns_add_up(world):
    """The neighbour town's coordinator who manages Träger B reaches the
    neighbour town's carrier and Träger B, not Träger A; the committee of
    Teststadt who manages Träger C counts Teststadt only where the rule names
    the committee."""
    user = make_user("zwei-staedte", Role.COORDINATION, municipality=world.other_town)
    role_assign(user=user, role=Role.CARRIER, carrier=world.other_carrier, by=SYSTEM)
    assert names(carrier_scope_q(user, roles=COORDINATION_AND_OWN)) == ["Träger B", "Träger C"]
    member = make_user("gremium-traeger", Role.COMMITTEE, municipality=world.town)
    role_assign(user=member, role=Role.CARRIER, carrier=world.foreign_carrier, by=SYSTEM)
    assert names(carrier_scope_q(member, roles=COORDINATION_AND_OWN)) == ["Träger C"]
    assert names(masterdata_perms.carriers_visible_q(member)) == [*TOWN, "Träger C"]


def test_the_rules_built_on_the_carrier_scope(world):
    """Employers, contract timelines and the cycle filter: coordination and
    the own carrier, not the committee (it has no staff, contract or cycle
    rows); the carrier list adds the committee, the worker's employer and the
    principal's serving carriers."""
    rules = (
        masterdata_perms.staff_carriers_q,
        masterdata_perms.carrier_staff_counted_q,
        contracts_perms.contract_carriers_q,
        quality_perms.cycle_carriers_q,
    )
    for rule in rules:
        assert names(rule(world.users["coordinator"])) == TOWN, rule.__name__
        assert names(rule(world.users["carrier"])) == ["Träger A"], rule.__name__
        for persona in ("committee", "worker", "principal", "admin"):
            assert names(rule(world.users[persona])) == [], (rule.__name__, persona)
    visible = masterdata_perms.carriers_visible_q
    assert names(visible(world.users["committee"])) == TOWN
    assert names(visible(world.users["worker2"])) == ["Träger B"]
    assert names(visible(world.users["principal"])) == ["Träger A"]


def test_a_carrier_serves_the_schools_its_positions_are_assigned_to(world):
    carrier = world.users["carrier"]
    served = [s.name for s in world.schools if carrier_serves_school(carrier, s.pk)]
    assert served == ["Testschule 0", "Testschule 1", "Testschule 2"]
    assert not carrier_serves_school(carrier, world.other_school.pk)
    other = make_user("traeger-b", Role.CARRIER, carrier=world.other_carrier)
    assert [s.name for s in world.schools if carrier_serves_school(other, s.pk)] == ["Testschule 2"]
    for persona in ("coordinator", "committee", "worker", "principal", "admin"):
        user = world.users[persona]
        assert not any(carrier_serves_school(user, s.pk) for s in world.schools), persona
    assert not carrier_serves_school(SYSTEM, world.schools[0].pk)
    assert not carrier_serves_school(AnonymousUser(), world.schools[0].pk)


def test_quality_and_concepts_ask_the_same_carrier_rule(world):
    """The carrier perspective of a self-evaluation and the carrier's approval
    of a school concept: the serving carrier, and SYSTEM (system_may)."""
    carrier = world.users["carrier"]
    for school, serves in ((world.schools[0], True), (world.schools[3], False)):
        record = SimpleNamespace(school_id=school.pk)
        assert quality_perms.can_write_perspective(carrier, record, Perspective.CARRIER) is serves
        assert concepts_perms.can_approve_school_concept_as_carrier(carrier, record) is serves
        assert quality_perms.can_write_perspective(SYSTEM, record, Perspective.CARRIER)
        assert concepts_perms.can_approve_school_concept_as_carrier(SYSTEM, record)
    coordinator = world.users["coordinator"]
    record = SimpleNamespace(school_id=world.schools[0].pk)
    assert not quality_perms.can_write_perspective(coordinator, record, Perspective.CARRIER)
    assert not concepts_perms.can_approve_school_concept_as_carrier(coordinator, record)
