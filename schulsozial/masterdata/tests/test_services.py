"""Master-data services decide their actor's permission themselves: a caller
that skips the view (a command, another app, a test) cannot create or change
what the permission rules refuse."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from schulsozial.accounts.models import Role
from schulsozial.core import school_year
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import services
from schulsozial.masterdata.models import (
    Carrier,
    FundingStream,
    Municipality,
    Position,
    PositionAssignment,
    School,
    SchoolType,
    SchoolYear,
    StaffMember,
)
from schulsozial.testing.personas import make_user

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


# --------------------------------------------------------------------------- the other services
#
# Each service asks the rule its view asks: a person without it and no actor at
# all (by=None) are refused and nothing is written; a person with it and the
# platform (SYSTEM) succeed.

REFUSED_IN_TOWN = ["carrier", "worker", "principal", "committee", "admin"]


def _global_admin():
    return make_user("landesadmin", Role.ADMINISTRATION)


def _actor(world, name):
    """A persona of the world by name; 'none' is by=None, 'system' is SYSTEM."""
    if name == "none":
        return None
    return SYSTEM if name == "system" else world.users[name]


def _audited(obj) -> int:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).count()


def _create_municipality(world, by):
    return services.municipality_create(
        by=by, ags="05999009", name="Neustadt", kind=Municipality.Kind.TOWN
    )


@pytest.mark.parametrize("name", ["coordinator", "admin", "none"])
def test_municipality_create_is_refused_without_global_administration(world, name):
    with pytest.raises(PermissionDenied):
        _create_municipality(world, _actor(world, name))

    assert not Municipality.objects.filter(ags="05999009").exists()


def test_global_administrator_and_system_create_municipalities(world):
    assert _create_municipality(world, _global_admin()).name == "Neustadt"
    other = services.municipality_create(
        by=SYSTEM, ags="05999010", name="Altstadt", kind=Municipality.Kind.TOWN
    )
    assert Municipality.objects.get(pk=other.pk).name == "Altstadt"


@pytest.mark.parametrize("name", [*REFUSED_IN_TOWN, "none"])
def test_municipality_update_is_refused_to_who_may_not_edit_it(world, name):
    with pytest.raises(PermissionDenied):
        services.municipality_update(
            municipality=world.town, by=_actor(world, name), name="Umbenannt"
        )

    world.town.refresh_from_db()
    assert world.town.name == "Teststadt"


def test_coordinator_of_another_town_cannot_update_this_one(world):
    outsider = make_user("nachbar", Role.COORDINATION, municipality=world.other_town)
    with pytest.raises(PermissionDenied):
        services.municipality_update(municipality=world.town, by=outsider, name="Umbenannt")

    world.town.refresh_from_db()
    assert world.town.name == "Teststadt"


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_update_the_municipality(world, name):
    services.municipality_update(municipality=world.town, by=_actor(world, name), name="Neu")

    world.town.refresh_from_db()
    assert world.town.name == "Neu"


@pytest.mark.parametrize("name", ["carrier", "worker", "principal", "committee", "none"])
def test_school_year_create_is_refused_without_school_year_rights(world, name):
    with pytest.raises(PermissionDenied):
        services.school_year_create(start_year=2031, by=_actor(world, name))
    with pytest.raises(PermissionDenied):
        services.school_year_get_or_create(code="2031/32", by=_actor(world, name))

    assert not SchoolYear.objects.filter(code="2031/32").exists()


@pytest.mark.parametrize("name", ["coordinator", "admin", "system"])
def test_coordination_administration_and_system_create_school_years(world, name):
    year = services.school_year_create(start_year=2031, by=_actor(world, name))

    assert SchoolYear.objects.get(pk=year.pk).code == "2031/32"


def test_an_existing_school_year_is_only_read_by_get_or_create(world):
    assert services.school_year_get_or_create(code=world.year.code, by=SYSTEM) == world.year


def _create_school(world, by, municipality=None):
    return services.school_create(
        by=by,
        municipality=municipality or world.town,
        school_number="199999",
        name="Neue Schule",
        school_type=SchoolType.GS,
    )


@pytest.mark.parametrize("name", [*REFUSED_IN_TOWN, "none"])
def test_school_create_is_refused_to_who_does_not_coordinate_the_town(world, name):
    with pytest.raises(PermissionDenied):
        _create_school(world, _actor(world, name))

    assert not School.objects.filter(school_number="199999").exists()


def test_coordinator_cannot_create_a_school_in_another_town(world):
    with pytest.raises(PermissionDenied):
        _create_school(world, world.users["coordinator"], municipality=world.other_town)

    assert not School.objects.filter(school_number="199999").exists()


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_create_schools(world, name):
    school = _create_school(world, _actor(world, name))

    assert School.objects.get(pk=school.pk).municipality == world.town
    assert _audited(school) == 1


@pytest.mark.parametrize("name", [*REFUSED_IN_TOWN, "none"])
def test_school_update_and_figures_are_refused_to_who_may_not_edit_the_school(world, name):
    school = world.schools[0]
    figures = school.figures.get(school_year=world.year)
    with pytest.raises(PermissionDenied):
        services.school_update(school=school, by=_actor(world, name), name="Umbenannt")
    with pytest.raises(PermissionDenied):
        services.school_figures_set(
            school=school,
            school_year=world.year,
            pupils=1,
            social_index=1,
            startchancen=False,
            by=_actor(world, name),
        )

    school.refresh_from_db()
    figures.refresh_from_db()
    assert (school.name, figures.pupils) == ("Testschule 0", 240)


def test_coordinator_cannot_change_a_school_of_another_town(world):
    with pytest.raises(PermissionDenied):
        services.school_update(
            school=world.other_school, by=world.users["coordinator"], name="Umbenannt"
        )

    world.other_school.refresh_from_db()
    assert world.other_school.name == "Nachbarschule"


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_change_schools_and_figures(world, name):
    school = world.schools[0]
    services.school_update(school=school, by=_actor(world, name), name="Umbenannt")
    services.school_figures_set(
        school=school,
        school_year=world.year,
        pupils=250,
        social_index=7,
        startchancen=True,
        by=_actor(world, name),
    )

    school.refresh_from_db()
    assert (school.name, school.figures.get(school_year=world.year).pupils) == ("Umbenannt", 250)


@pytest.mark.parametrize("name", [*REFUSED_IN_TOWN, "none"])
def test_carrier_services_are_refused_to_who_does_not_coordinate_the_town(world, name):
    with pytest.raises(PermissionDenied):
        services.carrier_create(
            by=_actor(world, name), municipality=world.town, name="Neu", kind=Carrier.Kind.WELFARE
        )
    with pytest.raises(PermissionDenied):
        services.carrier_update(carrier=world.carrier, by=_actor(world, name), name="Umbenannt")

    world.carrier.refresh_from_db()
    assert world.carrier.name == "Träger A"
    assert not Carrier.objects.filter(name="Neu").exists()


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_create_and_change_carriers(world, name):
    carrier = services.carrier_create(
        by=_actor(world, name), municipality=world.town, name="Neu", kind=Carrier.Kind.WELFARE
    )
    services.carrier_update(carrier=carrier, by=_actor(world, name), name="Neuer Träger")

    assert Carrier.objects.get(pk=carrier.pk).name == "Neuer Träger"


def test_coordinator_cannot_change_a_carrier_of_another_town(world):
    with pytest.raises(PermissionDenied):
        services.carrier_update(
            carrier=world.foreign_carrier, by=world.users["coordinator"], name="Umbenannt"
        )

    world.foreign_carrier.refresh_from_db()
    assert world.foreign_carrier.name == "Träger C"


@pytest.mark.parametrize("name", [*REFUSED_IN_TOWN, "none"])
def test_funding_services_are_refused_to_who_does_not_coordinate_the_town(world, name):
    by = _actor(world, name)
    with pytest.raises(PermissionDenied):
        services.funding_stream_create(
            by=by,
            municipality=world.town,
            code="NEU",
            name="Neu",
            kind=FundingStream.Kind.MUNICIPAL,
        )
    with pytest.raises(PermissionDenied):
        services.funding_stream_update(stream=world.stream, by=by, name="Umbenannt")
    with pytest.raises(PermissionDenied):
        services.budget_set(
            stream=world.stream,
            school_year=world.year,
            available_eur=Decimal("1"),
            cost_per_fte_eur=Decimal("1"),
            by=by,
        )

    world.stream.refresh_from_db()
    assert world.stream.name == "Förderrichtlinie"
    assert world.stream.budgets.get(school_year=world.year).available_eur == Decimal("200000")
    assert not FundingStream.objects.filter(code="NEU").exists()


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_keep_funding_streams_and_budgets(world, name):
    by = _actor(world, name)
    stream = services.funding_stream_create(
        by=by, municipality=world.town, code="NEU", name="Neu", kind=FundingStream.Kind.MUNICIPAL
    )
    services.funding_stream_update(stream=stream, by=by, name="Kommunal neu")
    services.budget_set(
        stream=stream,
        school_year=world.year,
        available_eur=Decimal("1000"),
        cost_per_fte_eur=Decimal("70000"),
        by=by,
    )

    stream.refresh_from_db()
    assert stream.name == "Kommunal neu"
    assert stream.budgets.get(school_year=world.year).available_eur == Decimal("1000")


def _create_position(world, by, municipality=None, carrier=None, stream=None):
    return services.position_create(
        municipality=municipality or world.town,
        by=by,
        code="NEU-1",
        carrier=carrier or world.carrier,
        funding_stream=stream or world.stream,
        fte=Decimal("0.5"),
        valid_from=datetime.date(2025, 8, 1),
    )


@pytest.mark.parametrize("name", [*REFUSED_IN_TOWN, "none"])
def test_position_services_are_refused_to_who_does_not_coordinate_the_town(world, name):
    by = _actor(world, name)
    position = world.positions[0]
    assignment = position.assignments.get(school=world.schools[0])
    with pytest.raises(PermissionDenied):
        _create_position(world, by)
    with pytest.raises(PermissionDenied):
        services.position_update(position=position, by=by, code="ANDERS")
    with pytest.raises(PermissionDenied):
        services.assignment_set(
            position=position, school=world.schools[0], weekly_hours=Decimal("10"), by=by
        )
    with pytest.raises(PermissionDenied):
        services.assignment_remove(assignment=assignment, by=by)

    position.refresh_from_db()
    assignment.refresh_from_db()
    assert (position.code, assignment.weekly_hours) == ("T-01", Decimal("19.5"))
    assert not Position.objects.filter(code="NEU-1").exists()


def test_coordinator_cannot_touch_positions_of_another_town(world):
    coordinator = world.users["coordinator"]
    with pytest.raises(PermissionDenied):
        _create_position(
            world,
            coordinator,
            municipality=world.other_town,
            carrier=world.foreign_carrier,
            stream=world.foreign_position.funding_stream,
        )
    with pytest.raises(PermissionDenied):
        services.position_update(position=world.foreign_position, by=coordinator, code="X")
    with pytest.raises(PermissionDenied):
        services.assignment_remove(
            assignment=world.foreign_position.assignments.get(), by=coordinator
        )

    assert world.foreign_position.assignments.count() == 1
    assert not Position.objects.filter(code="NEU-1").exists()


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_coordinator_and_system_keep_positions_and_their_schools(world, name):
    by = _actor(world, name)
    position = _create_position(world, by)
    services.position_update(position=position, by=by, code="NEU-2")
    assignment = services.assignment_set(
        position=position, school=world.schools[1], weekly_hours=Decimal("10"), by=by
    )
    services.assignment_remove(
        assignment=world.positions[0].assignments.get(school=world.schools[0]), by=by
    )

    position.refresh_from_db()
    assert position.code == "NEU-2"
    assert PositionAssignment.objects.get(pk=assignment.pk).weekly_hours == Decimal("10")
    assert not world.positions[0].assignments.filter(school=world.schools[0]).exists()
