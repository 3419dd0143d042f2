"""Test worlds built through the real services (so the audit log and the
derived fields are as in production). Used by tests and the browser tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from schulsozial.accounts.models import Role, User
from schulsozial.accounts.services import role_assign
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata import services
from schulsozial.masterdata.models import (
    Carrier,
    Function,
    FundingStream,
    Municipality,
    Position,
    School,
    SchoolType,
    SchoolYear,
    StaffMember,
)

PASSWORD = "test-passwort-2026"  # noqa: S105

PERSONA_NAMES = [
    "coordinator",
    "carrier",
    "worker",
    "worker2",
    "principal",
    "committee",
    "admin",
    "anonymous",
]


@dataclass
class World:
    town: Municipality
    other_town: Municipality
    year: SchoolYear
    schools: list[School]
    other_school: School
    carrier: Carrier
    other_carrier: Carrier
    foreign_carrier: Carrier
    stream: FundingStream
    staff: list[StaffMember]
    positions: list[Position]
    foreign_staff: StaffMember
    foreign_position: Position
    users: dict[str, User] = field(default_factory=dict)


def make_user(username: str, role: str | None = None, **scope: Any) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, display_name=username)
    if role:
        role_assign(user=user, role=role, by=SYSTEM, **scope)
    return user


def build_world() -> World:
    day = timezone.localdate()
    start_year = SchoolYear.start_year_of(day)
    year = services.school_year_create(start_year=start_year, by=SYSTEM)
    town = services.municipality_create(
        by=SYSTEM, ags="05999001", name="Teststadt", kind=Municipality.Kind.CITY
    )
    other = services.municipality_create(
        by=SYSTEM, ags="05999002", name="Nachbarstadt", kind=Municipality.Kind.TOWN
    )
    schools = []
    for i, (stype, pupils, index) in enumerate(
        [
            (SchoolType.GS, 240, 7),
            (SchoolType.GS, 180, 3),
            (SchoolType.GE, 950, 6),
            (SchoolType.FS, 120, None),
        ]
    ):
        school = services.school_create(
            by=SYSTEM,
            municipality=town,
            school_number=f"19900{i}",
            name=f"Testschule {i}",
            school_type=stype,
            city="Teststadt",
        )
        services.school_figures_set(
            school=school,
            school_year=year,
            pupils=pupils,
            social_index=index,
            startchancen=i == 0,
            by=SYSTEM,
        )
        schools.append(school)
    other_school = services.school_create(
        by=SYSTEM,
        municipality=other,
        school_number="199100",
        name="Nachbarschule",
        school_type=SchoolType.GS,
    )
    services.school_figures_set(
        school=other_school,
        school_year=year,
        pupils=300,
        social_index=2,
        startchancen=False,
        by=SYSTEM,
    )
    carrier = services.carrier_create(
        by=SYSTEM, municipality=town, name="Träger A", kind=Carrier.Kind.WELFARE
    )
    other_carrier = services.carrier_create(
        by=SYSTEM, municipality=town, name="Träger B", kind=Carrier.Kind.NONPROFIT
    )
    foreign_carrier = services.carrier_create(
        by=SYSTEM, municipality=other, name="Träger C", kind=Carrier.Kind.MUNICIPAL
    )
    stream = services.funding_stream_create(
        by=SYSTEM,
        municipality=town,
        code="FRL",
        name="Förderrichtlinie",
        kind=FundingStream.Kind.LAND,
        funding_share_percent=Decimal("80"),
    )
    foreign_stream = services.funding_stream_create(
        by=SYSTEM,
        municipality=other,
        code="KOM",
        name="Kommunal",
        kind=FundingStream.Kind.MUNICIPAL,
    )
    services.budget_set(
        stream=stream,
        school_year=year,
        available_eur=Decimal("200000"),
        cost_per_fte_eur=Decimal("70000"),
        by=SYSTEM,
    )
    begin = day - datetime.timedelta(days=400)
    staff_plan = [
        # carrier, hours, contract end, schools with hours
        (carrier, Decimal("39"), None, [(0, Decimal("19.5")), (1, Decimal("19.5"))]),
        (carrier, Decimal("19.5"), day + datetime.timedelta(days=120), [(2, Decimal("19.5"))]),
        (other_carrier, Decimal("29.25"), None, [(2, Decimal("29.25"))]),
    ]
    staff, positions = [], []
    for n, (employer, hours, end, assignments) in enumerate(staff_plan, start=1):
        member = services.staff_create(
            municipality=town,
            by=SYSTEM,
            carrier=employer,
            label=f"Fachkraft T-{n:02d}",
            qualification=StaffMember.Qualification.SOCIAL_WORK_BA,
            weekly_hours=hours,
            contract_start=begin,
            contract_end=end,
        )
        position = services.position_create(
            municipality=town,
            by=SYSTEM,
            code=f"T-{n:02d}",
            carrier=employer,
            funding_stream=stream,
            fte=member.fte,
            staff_member=member,
            valid_from=begin,
            valid_to=end,
        )
        for school_index, school_hours in assignments:
            services.assignment_set(
                position=position,
                school=schools[school_index],
                weekly_hours=school_hours,
                by=SYSTEM,
            )
        staff.append(member)
        positions.append(position)
    coordinator_staff = services.staff_create(
        municipality=town,
        by=SYSTEM,
        carrier=carrier,
        label="Koordination T",
        function=Function.COORDINATION,
        qualification=StaffMember.Qualification.SOCIAL_WORK_MA,
        weekly_hours=Decimal("19.5"),
        contract_start=begin,
    )
    staff.append(coordinator_staff)
    foreign_staff = services.staff_create(
        municipality=other,
        by=SYSTEM,
        carrier=foreign_carrier,
        label="Fachkraft N-01",
        qualification=StaffMember.Qualification.OTHER,
        weekly_hours=Decimal("39"),
        contract_start=begin,
    )
    foreign_position = services.position_create(
        municipality=other,
        by=SYSTEM,
        code="N-01",
        carrier=foreign_carrier,
        funding_stream=foreign_stream,
        fte=Decimal("1"),
        staff_member=foreign_staff,
        valid_from=begin,
    )
    services.assignment_set(
        position=foreign_position, school=other_school, weekly_hours=Decimal("39"), by=SYSTEM
    )

    world = World(
        town=town,
        other_town=other,
        year=year,
        schools=schools,
        other_school=other_school,
        carrier=carrier,
        other_carrier=other_carrier,
        foreign_carrier=foreign_carrier,
        stream=stream,
        staff=staff,
        positions=positions,
        foreign_staff=foreign_staff,
        foreign_position=foreign_position,
    )
    world.users = {
        "coordinator": make_user("koordination", Role.COORDINATION, municipality=town),
        "carrier": make_user("traeger", Role.CARRIER, carrier=carrier),
        "worker": make_user("fachkraft", Role.WORKER, school=schools[0]),
        "worker2": make_user("fachkraft2", Role.WORKER, school=schools[2]),
        "principal": make_user("schulleitung", Role.PRINCIPAL, school=schools[0]),
        "committee": make_user("gremium", Role.COMMITTEE, municipality=town),
        "admin": make_user("administration", Role.ADMINISTRATION, municipality=town),
    }
    services.staff_update(staff=staff[0], user=world.users["worker"], by=SYSTEM)
    services.staff_update(staff=staff[2], user=world.users["worker2"], by=SYSTEM)
    return world
