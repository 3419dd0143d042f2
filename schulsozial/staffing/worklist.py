"""The staffing plan's work in the task lists (notifications.registry): a
calculated plan waits for coordination to accept it before its school year
starts. Read through the app's scoped selectors and permissions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from schulsozial.notifications.registry import WorkItem, register_tasks

from . import permissions as perms
from . import selectors
from .models import StaffingPlan


def plans_to_accept(user: Any, today: datetime.date) -> Iterable[WorkItem]:
    if not perms.can_use_staffing(user):
        return []
    plans = selectors.plans_visible_to(user=user).filter(
        status=StaffingPlan.Status.SOLVED, school_year__end__gte=today
    )
    return [
        WorkItem(
            kind="accept_staffing_plan",
            title=_("Accept the staffing plan „%(name)s“") % {"name": plan.name},
            url=plan.get_absolute_url(),
            due=plan.school_year.start if plan.school_year.start >= today else None,
            detail=_("Calculated; it becomes the school assignments from %(day)s.")
            % {"day": plan.school_year.start.strftime("%d.%m.%Y")},
            municipality_id=plan.municipality_id,
        )
        for plan in plans
        if perms.can_accept_plan(user, plan)
    ]


def register() -> None:
    register_tasks(plans_to_accept)
