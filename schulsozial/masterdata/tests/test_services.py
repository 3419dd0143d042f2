"""Master-data services decide their actor's permission themselves: a caller
that skips the view (a command, another app, a test) cannot create or change
what the permission rules refuse."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from schulsozial.core import school_year
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import services
from schulsozial.masterdata.models import SchoolYear, StaffMember

pytestmark = pytest.mark.django_db


def _new_staff(world, *, by, carrier=None) -> StaffMember:
    return services.staff_create(
        municipality=world.town,
        by=by,
        carrier=carrier or world.carrier,
        label="Fachkraft neu",
        qualification=StaffMember.Qualification.OTHER,
        weekly_hours=Decimal("10"),
        contract_start=datetime.date(2025, 8, 1),
    )


@pytest.mark.parametrize("persona", ["worker", "principal", "committee", "admin"])
def test_person_without_staff_rights_cannot_create_staff_through_the_service(world, persona):
    before = StaffMember.objects.count()

    with pytest.raises(PermissionDenied):
        _new_staff(world, by=world.users[persona])

    assert StaffMember.objects.count() == before


def test_carrier_cannot_employ_staff_at_another_carrier_through_the_service(world):
    with pytest.raises(PermissionDenied):
        _new_staff(world, by=world.users["carrier"], carrier=world.other_carrier)

    assert not StaffMember.objects.filter(label="Fachkraft neu").exists()


def test_no_actor_is_refused_by_the_staff_services(world):
    with pytest.raises(PermissionDenied):
        _new_staff(world, by=None)
    with pytest.raises(PermissionDenied):
        services.staff_update(staff=world.staff[0], by=None, label="Umbenannt")

    world.staff[0].refresh_from_db()
    assert world.staff[0].label == "Fachkraft T-01"


def test_coordinator_carrier_and_system_create_staff_through_the_service(world):
    made = [
        _new_staff(world, by=world.users["coordinator"]),
        _new_staff(world, by=world.users["carrier"]),
        _new_staff(world, by=SYSTEM),
    ]

    assert [s.carrier for s in made] == [world.carrier] * 3
    fte = services.hours_to_fte(hours=Decimal("10"), municipality=world.town)
    assert [s.fte for s in made] == [fte] * 3


@pytest.mark.parametrize("persona", ["worker", "principal", "committee", "admin"])
def test_person_without_staff_rights_cannot_change_staff_through_the_service(world, persona):
    staff = world.staff[0]

    with pytest.raises(PermissionDenied):
        services.staff_update(staff=staff, by=world.users[persona], label="Umbenannt")

    staff.refresh_from_db()
    assert staff.label == "Fachkraft T-01"


def test_carrier_cannot_change_another_carriers_staff_through_the_service(world):
    staff = world.staff[2]  # employed by the other carrier
    assert staff.carrier == world.other_carrier

    with pytest.raises(PermissionDenied):
        services.staff_update(staff=staff, by=world.users["carrier"], weekly_hours=Decimal("1"))

    staff.refresh_from_db()
    assert staff.weekly_hours == Decimal("29.25")


def test_staff_cannot_move_to_a_carrier_of_another_municipality_through_the_service(world):
    staff = world.staff[0]

    with pytest.raises(PermissionDenied):
        services.staff_update(
            staff=staff, by=world.users["coordinator"], carrier=world.foreign_carrier
        )

    staff.refresh_from_db()
    assert staff.carrier == world.carrier


def test_coordinator_changes_staff_through_the_service(world):
    staff = services.staff_update(
        staff=world.staff[0], by=world.users["coordinator"], label="Umbenannt"
    )

    staff.refresh_from_db()
    assert staff.label == "Umbenannt"


def test_school_year_get_or_create_needs_an_explicit_actor(world):
    with pytest.raises(TypeError):
        services.school_year_get_or_create(code="2030/31")

    assert not SchoolYear.objects.filter(code="2030/31").exists()


def test_school_year_get_or_create_makes_the_school_year_of_the_one_rule(world):
    year = services.school_year_get_or_create(code="2030/31", by=SYSTEM)

    assert (year.code, year.start, year.end) == (
        school_year.code(2030),
        *school_year.bounds(2030),
    )
    assert services.school_year_get_or_create(code="2030/31", by=SYSTEM) == year


@pytest.mark.parametrize("code", ["2030/32", "2030-31", "abcd/ef", "２０３０/31"])
def test_school_year_get_or_create_refuses_what_is_not_a_school_year(world, code):
    with pytest.raises(ValidationError):
        services.school_year_get_or_create(code=code, by=SYSTEM)
