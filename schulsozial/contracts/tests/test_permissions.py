"""The renewal rule (contracts.permissions.can_renew_contract): a fixed-term
contract is renewed by its employer while it runs or at most
RENEWAL_WINDOW_DAYS after its end, and never once the person has a later
contract."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from schulsozial.contracts import permissions as perms
from schulsozial.contracts import services
from schulsozial.contracts.models import Reason
from schulsozial.core.actors import SYSTEM

D = datetime.date
DAY = datetime.timedelta(days=1)


def contract(member, start, end):
    return services.contract_create(
        staff=member,
        start=start,
        end=end,
        weekly_hours=Decimal("19.5"),
        reason=Reason.PROJECT if end else "",
        by=SYSTEM,
    )


def test_the_window_is_three_months_after_the_end():
    assert perms.RENEWAL_WINDOW_DAYS == 92


def test_a_running_contract_is_renewed_by_its_employer_only(world):
    today = timezone.localdate()
    running = contract(world.staff[1], today - 300 * DAY, today + 800 * DAY)  # Träger A
    assert perms.can_renew_contract(world.users["carrier"], running, day=today)
    assert perms.can_renew_contract(SYSTEM, running, day=today)
    for persona in ("coordinator", "worker", "principal", "committee", "admin"):
        assert not perms.can_renew_contract(world.users[persona], running, day=today), persona


def test_an_ended_contract_is_renewed_up_to_the_window_and_not_a_day_later(world):
    end = D(2026, 7, 31)
    ended = contract(world.staff[1], D(2024, 8, 1), end)
    carrier = world.users["carrier"]
    assert perms.can_renew_contract(carrier, ended, day=end)
    assert perms.can_renew_contract(carrier, ended, day=end + 92 * DAY)
    assert not perms.can_renew_contract(carrier, ended, day=end + 93 * DAY)
    assert not perms.can_renew_contract(carrier, ended, day=end + 3 * 365 * DAY)
    assert perms.renewal_window_passed(ended, day=end + 93 * DAY)
    assert not perms.renewal_window_passed(ended, day=end + 92 * DAY)


def test_a_contract_followed_by_a_later_one_is_not_renewed(world):
    today = timezone.localdate()
    member = world.staff[1]
    first = contract(member, today - 400 * DAY, today - 30 * DAY)
    assert perms.can_renew_contract(world.users["carrier"], first, day=today)
    later = contract(member, today - 20 * DAY, today + 300 * DAY)
    assert perms.has_later_contract(first) and not perms.has_later_contract(later)
    assert not perms.can_renew_contract(world.users["carrier"], first, day=today)
    assert not perms.can_renew_contract(SYSTEM, first, day=today)
    assert perms.can_renew_contract(world.users["carrier"], later, day=today)


def test_a_permanent_contract_is_not_renewed(world):
    today = timezone.localdate()
    permanent = contract(world.staff[0], today - 300 * DAY, None)
    assert not perms.can_renew_contract(world.users["carrier"], permanent, day=today)
    assert not perms.can_renew_contract(SYSTEM, permanent, day=today)


def test_a_person_renews_as_of_today_the_platform_as_of_the_agreement(world):
    today = timezone.localdate()
    agreed = D(2020, 5, 1)
    assert perms.renewal_day(world.users["carrier"], agreed) == today
    assert perms.renewal_day(SYSTEM, agreed) == agreed
