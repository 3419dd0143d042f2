"""The contracts' tasks and deadlines for the notifications app (registered
in ContractsConfig.ready): a fixed-term contract ending within twelve months
is a task of the employing carrier and of coordination, and its end is a
deadline in their calendars, reminded 12, 6 and 3 months ahead
(settings.NOTIFICATION_REMINDER_DAYS["contract_end"]). The reminder's key is
the contract, and the notifications' SentReminder is unique per key, end
date, lead time and recipient: each of the three reminders goes out once,
and an extension (a new end) starts the three anew."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from schulsozial.notifications.registry import (
    Deadline,
    WorkItem,
    register_deadlines,
    register_tasks,
)

from . import permissions as perms
from . import selectors

KIND = "contract_end"


def _url(contract: Any) -> str:
    return reverse("contracts:staff_contracts", args=[contract.staff_member_id])


def contract_tasks(user: Any, day: datetime.date) -> Iterator[WorkItem]:
    """Decide on a fixed-term contract ending within twelve months (extend,
    make permanent or prepare the replacement)."""
    if not perms.can_see_carrier_timelines(user):
        return
    for contract in selectors.ending_within_a_year(user=user, day=day):
        if not perms.is_reminded_of(user, contract) or contract.end is None:
            continue
        yield WorkItem(
            "contract_ending",
            _("Fixed-term contract of %(label)s ends on %(date)s: extend, make permanent or plan")
            % {
                "label": contract.staff_member.label,
                "date": date_format(contract.end, "SHORT_DATE_FORMAT"),
            },
            _url(contract),
            due=contract.end,
            detail=contract.carrier.name,
            municipality_id=contract.staff_member.municipality_id,
        )


def contract_deadlines(user: Any, day: datetime.date) -> Iterator[Deadline]:
    """The end of each fixed-term contract within twelve months (and, for
    the calendar, those already announced beyond)."""
    if not perms.can_see_carrier_timelines(user):
        return
    for contract in selectors.ending_soon(user=user, day=day, within_days=2 * 365):
        if not perms.is_reminded_of(user, contract) or contract.end is None:
            continue
        yield Deadline(
            f"{KIND}:{contract.pk}",
            contract.end,
            _("Fixed-term contract of %(label)s ends") % {"label": contract.staff_member.label},
            _url(contract),
            description=contract.carrier.name,
            municipality_id=contract.staff_member.municipality_id,
            remind=True,
        )


def register_all() -> None:
    register_tasks(contract_tasks)
    register_deadlines(contract_deadlines)
