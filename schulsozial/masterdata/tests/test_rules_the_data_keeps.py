"""The four rules the data keeps, each enforced by the database and by the
services, and the configurable NRW funding-rule warnings."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import services
from schulsozial.masterdata.models import (
    Position,
    PositionAssignment,
    School,
    SchoolType,
    StaffMember,
)
from schulsozial.masterdata.rules import RuleSettings, WorkerLoad, check_coordination, check_worker
from schulsozial.masterdata.selectors import rule_warnings

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------- school number


def test_school_number_must_have_six_digits_in_the_service(world):
    with pytest.raises(ValidationError) as error:
        services.school_create(
            by=SYSTEM,
            municipality=world.town,
            school_number="12345",
            name="X",
            school_type=SchoolType.GS,
        )
    assert "school_number" in error.value.error_dict


def test_school_number_must_have_six_digits_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        School.objects.create(
            municipality=world.town, school_number="12a456", name="X", school_type=SchoolType.GS
        )


def test_school_number_is_unique_in_the_service_and_the_database(world):
    taken = world.schools[0].school_number
    with pytest.raises(ValidationError):
        services.school_create(
            by=SYSTEM,
            municipality=world.town,
            school_number=taken,
            name="Y",
            school_type=SchoolType.GS,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        School.objects.create(
            municipality=world.other_town, school_number=taken, name="Y", school_type=SchoolType.GS
        )


# --------------------------------------------------------------- FTE 0..1


def test_staff_fte_is_derived_from_hours_and_the_full_time_week(world):
    staff = world.staff[1]  # 19.5 h of 39
    assert staff.fte == Decimal("0.5000")
    services.municipality_update(
        municipality=world.town, by=SYSTEM, fulltime_week_hours=Decimal("40")
    )
    staff.refresh_from_db()
    assert staff.fte == Decimal("0.4875")


def test_staff_fte_above_one_is_refused_by_the_service(world):
    with pytest.raises(ValidationError) as error:
        services.staff_update(staff=world.staff[0], by=SYSTEM, weekly_hours=Decimal("41"))
    assert "weekly_hours" in error.value.error_dict
    world.staff[0].refresh_from_db()
    assert world.staff[0].weekly_hours == Decimal("39.00")


def test_staff_fte_outside_zero_and_one_is_refused_by_the_database(world):
    for fte in (Decimal("1.2"), Decimal("0"), Decimal("-0.5")):
        with pytest.raises(IntegrityError), transaction.atomic():
            StaffMember.objects.filter(pk=world.staff[0].pk).update(fte=fte)


def test_shorter_full_time_week_that_pushes_someone_over_one_fte_is_refused(world):
    with pytest.raises(ValidationError):
        services.municipality_update(
            municipality=world.town, by=SYSTEM, fulltime_week_hours=Decimal("30")
        )
    world.town.refresh_from_db()
    assert world.town.fulltime_week_hours == Decimal("39.00")


# --------------------------------------------------------------- hours per school


def test_assigned_hours_never_exceed_the_position_in_the_service(world):
    position = world.positions[1]  # 19.5 h, all at school 2
    with pytest.raises(ValidationError) as error:
        services.assignment_set(
            position=position, school=world.schools[3], weekly_hours=Decimal("1"), by=SYSTEM
        )
    assert "weekly_hours" in error.value.error_dict
    assert PositionAssignment.objects.filter(position=position).count() == 1


def test_assigned_hours_never_exceed_the_position_in_the_database(world):
    position = world.positions[1]
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionAssignment.objects.create(
            position=position, school=world.schools[3], weekly_hours=Decimal("1")
        )
    assignment = position.assignments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionAssignment.objects.filter(pk=assignment.pk).update(weekly_hours=Decimal("20"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.filter(pk=position.pk).update(weekly_hours=Decimal("10"))


def test_reducing_a_position_below_its_assigned_hours_is_refused(world):
    with pytest.raises(ValidationError) as error:
        services.position_update(position=world.positions[0], by=SYSTEM, fte=Decimal("0.5"))
    assert "fte" in error.value.error_dict
    world.positions[0].refresh_from_db()
    assert world.positions[0].fte == Decimal("1.0000")


def test_changing_an_assignment_counts_the_other_schools_only(world):
    position = world.positions[0]  # 19.5 + 19.5 of 39
    assignment = services.assignment_set(
        position=position, school=world.schools[0], weekly_hours=Decimal("10"), by=SYSTEM
    )
    assert assignment.weekly_hours == Decimal("10")
    services.assignment_set(
        position=position, school=world.schools[1], weekly_hours=Decimal("29"), by=SYSTEM
    )
    assert sum(a.weekly_hours for a in position.assignments.all()) == Decimal("39")


# --------------------------------------------------------------- contract dates


def test_contract_must_end_after_it_starts_in_the_service(world):
    start = datetime.date(2025, 8, 1)
    with pytest.raises(ValidationError) as error:
        services.staff_create(
            municipality=world.town,
            by=SYSTEM,
            carrier=world.carrier,
            label="X",
            qualification="other",
            weekly_hours=Decimal("10"),
            contract_start=start,
            contract_end=start,
        )
    assert "contract_end" in error.value.error_dict


def test_contract_must_end_after_it_starts_in_the_database(world):
    staff = world.staff[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMember.objects.filter(pk=staff.pk).update(
            contract_end=staff.contract_start - datetime.timedelta(days=1)
        )


def test_empty_contract_end_means_permanent(world):
    assert world.staff[0].contract_end is None
    assert not world.staff[0].is_fixed_term
    assert world.staff[1].is_fixed_term


# --------------------------------------------------------------- NRW funding rules


def test_full_time_worker_at_three_schools_is_warned_about():
    load = WorkerLoad(1, "A", Decimal("1"), frozenset({1, 2, 3}))
    warning = check_worker(load, RuleSettings())
    assert warning is not None and warning.code == "fulltime_schools"
    assert check_worker(WorkerLoad(1, "A", Decimal("1"), frozenset({1, 2})), RuleSettings()) is None


def test_half_time_worker_at_two_schools_is_warned_about():
    assert (
        check_worker(WorkerLoad(1, "A", Decimal("0.5"), frozenset({1, 2})), RuleSettings()).code
        == "parttime_schools"
    )
    assert (
        check_worker(WorkerLoad(1, "A", Decimal("0.51"), frozenset({1, 2})), RuleSettings()) is None
    )


def test_rules_are_configurable():
    relaxed = RuleSettings(max_schools_fulltime=3, parttime_fte_threshold=Decimal("0.4"))
    assert check_worker(WorkerLoad(1, "A", Decimal("1"), frozenset({1, 2, 3})), relaxed) is None
    assert check_worker(WorkerLoad(1, "A", Decimal("0.5"), frozenset({1, 2})), relaxed) is None


def test_coordination_under_one_fte_per_thirty_workers_is_warned_about():
    settings = RuleSettings()
    assert (
        check_coordination(workers=60, coordination_fte=Decimal("1.5"), settings=settings).code
        == "coordination_ratio"
    )
    assert check_coordination(workers=60, coordination_fte=Decimal("2"), settings=settings) is None
    assert check_coordination(workers=0, coordination_fte=Decimal("0"), settings=settings) is None


def test_warnings_come_from_the_real_assignments(world):
    # Fachkraft T-02 works half-time; give the position a second school.
    position = world.positions[1]
    services.assignment_set(
        position=position, school=world.schools[2], weekly_hours=Decimal("9.5"), by=SYSTEM
    )
    services.assignment_set(
        position=position, school=world.schools[3], weekly_hours=Decimal("10"), by=SYSTEM
    )
    codes = {(w.code, w.staff_id) for w in rule_warnings(municipality=world.town)}
    assert ("parttime_schools", world.staff[1].pk) in codes
    # 3 social workers need 0.1 FTE coordination; the town has 0.5.
    assert not any(code == "coordination_ratio" for code, _ in codes)
    services.municipality_update(municipality=world.town, by=SYSTEM, rule_max_schools_parttime=2)
    assert not rule_warnings(municipality=world.town)


def test_warning_shows_on_the_position_page_and_the_dashboard(world, client_for):
    position = world.positions[1]
    services.assignment_set(
        position=position, school=world.schools[2], weekly_hours=Decimal("9.5"), by=SYSTEM
    )
    services.assignment_set(
        position=position, school=world.schools[3], weekly_hours=Decimal("10"), by=SYSTEM
    )
    client = client_for("coordinator")
    page = client.get(f"/stammdaten/positions/{position.pk}/").content.decode()
    assert 'data-warnings="1"' in page and "Fachkraft T-02" in page
    dashboard = client.get("/").content.decode()
    assert 'data-warnings="1"' in dashboard
