"""Small includes of contracts on other apps' pages: a person's contracts
on the staff page, the continuity tile on a school's page. Each asks
contracts.permissions and loads through the scoped selectors."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from .. import permissions as perms
from .. import selectors

register = template.Library()


@register.inclusion_tag("contracts/_staff_summary.html", takes_context=True)
def staff_contracts_summary(context: Any, staff: Any) -> dict[str, Any]:
    user = context["request"].user
    if not perms.can_use_contracts(user):
        return {"show": False}
    history = selectors.history_of(staff=staff, user=user)
    today = timezone.localdate()
    return {
        "show": True,
        "staff": staff,
        "contracts": history,
        "today": today,
        "show_pay_group": perms.can_see_pay_groups_of(user, staff),
    }


@register.inclusion_tag("contracts/_school_continuity.html", takes_context=True)
def school_continuity(context: Any, school: Any) -> dict[str, Any]:
    user = context["request"].user
    if not perms.can_see_school_continuity(user, school):
        return {"show": False}
    found = selectors.continuity_of(schools=[school], day=timezone.localdate())[school.pk]
    return {
        "show": True,
        "c": found,
        "link": perms.can_see_continuity(user),
    }


@register.inclusion_tag("contracts/_ending_tile.html", takes_context=True)
def contracts_ending_tile(context: Any) -> dict[str, Any]:
    """The dashboard tile: fixed-term contracts ending within 3, 6 and 12
    months (coordination and carriers), and the next five."""
    user = context["request"].user
    if not perms.can_see_carrier_timelines(user):
        # A committee has no contracts but the Entfristung figures.
        return {"show": False, "entfristung": perms.can_see_entfristung(user)}
    today = timezone.localdate()
    ending = selectors.ending_within_a_year(user=user, day=today)
    bands = []
    for months, days in ((3, 92), (6, 183), (12, 365)):
        count = sum(1 for c in ending if c.end and (c.end - today).days <= days)
        bands.append((months, count))
    return {
        "show": True,
        "bands": bands,
        "next": ending[:5],
        "today": today,
        "entfristung": perms.can_see_entfristung(user),
    }


@register.filter
def cell(value: Any) -> str:
    """A cell of the Entfristung tables: figures with German grouping and
    the places the view gave them (FTE and euros two, percentages one: as in
    the exports), two where it gave none or more; dates as 31.07.2027,
    nothing as –."""
    import datetime
    from decimal import Decimal

    from django.utils.formats import date_format, number_format

    if value is None or value == "":
        return "–"
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and 1 <= -exponent <= 2 else 2
        return number_format(
            value.quantize(Decimal(1).scaleb(-places)), places, force_grouping=True
        )
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int) and not isinstance(value, bool):
        return number_format(value, force_grouping=True)
    return str(value)
