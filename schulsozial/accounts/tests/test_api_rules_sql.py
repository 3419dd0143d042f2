"""The API's two scope checks run as hand-written SQL (accounts.permissions);
they must answer exactly as the ORM rules they restate."""

from __future__ import annotations

import datetime

import pytest

from schulsozial.accounts import permissions as perms
from schulsozial.masterdata.models import Carrier, Position, School, StaffMember

pytestmark = pytest.mark.django_db


def test_api_staff_member_agrees_with_api_staff_q(world):
    staff = list(StaffMember.objects.all())
    assert staff
    for carrier in Carrier.objects.all():
        allowed = set(
            StaffMember.objects.filter(perms.api_staff_q(carrier.pk)).values_list("pk", flat=True)
        )
        for member in staff:
            found = perms.api_staff_member(carrier_id=carrier.pk, staff_id=member.pk)
            assert (found is not None) == (member.pk in allowed)
            if found is not None:
                assert found == member and found.label == member.label
    assert perms.api_staff_member(carrier_id=staff[0].carrier_id, staff_id=999_999) is None


def test_api_may_record_at_agrees_with_active_positions(world):
    days = {datetime.date(2020, 1, 1), datetime.date.today()}  # noqa: DTZ011
    for position in Position.objects.all():
        days |= {position.valid_from, position.valid_from - datetime.timedelta(days=1)}
        if position.valid_to:
            days |= {position.valid_to, position.valid_to + datetime.timedelta(days=1)}
    schools = list(School.objects.all())
    checked = 0
    for member in StaffMember.objects.all():
        for school in schools:
            for day in days:
                expected = (
                    Position.objects.active_on(day)
                    .filter(staff_member=member, assignments__school=school)
                    .exists()
                )
                assert perms.api_may_record_at(worker=member, school=school, day=day) == expected
                checked += expected
    assert checked  # some combinations are allowed, so both answers were compared
