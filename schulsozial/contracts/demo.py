"""Demo contracts (called by demo/builder.py after the concepts' demo).

Herne had about 40 % of its posts fixed-term in 2019: the demo gives about
40 % of the social workers' FTE of the carriers (not the Land's own staff) a
fixed term, with the reasons a carrier records (funding ends, substitution,
project term, sachgrundlos), some ending within 3, 6 and 12 months, some
extended before, some made permanent (Entfristung) and a few with an earlier
contract. Kamen aims at permanent contracts: its settings set the target of
no fixed-term contracts by 2028/29. The 12/6/3-month reminders of the
contracts due now are sent once, so that coordination and the carriers see
them in their notifications.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import Carrier, Function, Municipality, Position, StaffMember

from . import services
from .models import Contract, Reason

REASONS = [
    Reason.FUNDING_ENDS,
    Reason.FUNDING_ENDS,
    Reason.SUBSTITUTION,
    Reason.PROJECT,
    Reason.WITHOUT_REASON,
]
# Days from today of the ends of the first fixed-term contracts: within 3, 6
# and 12 months (the reminders), then later.
ENDS = [45, 150, 300, 80, 520, 640, 250, 700, 400, 820]


def _log(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _pay_group(staff: StaffMember) -> str:
    if staff.carrier.kind == Carrier.Kind.STATE:
        return "TV-L S 11b"
    return "TVöD SuE S 12" if staff.function == Function.COORDINATION else "TVöD SuE S 11b"


def _stream(staff: StaffMember) -> Any:
    position = Position.objects.filter(staff_member=staff).order_by("valid_from").first()
    return position.funding_stream if position else None


def build_town(
    municipality: Municipality, *, fixed_pattern: tuple[int, tuple[int, ...]], stdout: Any = None
) -> int:
    """Contracts for the demo staff of `municipality` that have none yet."""
    today = timezone.localdate()
    staff = list(
        StaffMember.objects.filter(municipality=municipality, is_demo=True)
        .exclude(pk__in=Contract.objects.values("staff_member_id"))
        .select_related("carrier", "municipality")
        .order_by("label")
    )
    workers = [s for s in staff if s.function == Function.SOCIAL_WORK]
    # The social workers at these places of every `cycle` (any employer, the
    # Land's own staff included) get a fixed term, and those the masterdata
    # demo gave one.
    cycle, places = fixed_pattern
    fixed: set[int] = {s.pk for s in workers if s.contract_end}
    fixed |= {s.pk for i, s in enumerate(workers) if i % cycle in places}
    made = 0
    n_fixed = n_perm = 0
    for index, member in enumerate(staff):
        stream = _stream(member)
        common = {
            "staff": member,
            "weekly_hours": member.weekly_hours,
            "funding_stream": stream,
            "pay_group": _pay_group(member),
            "is_demo": True,
            "by": SYSTEM,
        }
        start = member.contract_start
        if index % 7 == 3 and start > datetime.date(2018, 8, 1):
            # An earlier contract (a substitution) before the current one.
            services.contract_create(
                start=datetime.date(2016, 8, 1),
                end=datetime.date(2018, 1, 31),
                reason=Reason.SUBSTITUTION,
                **{**common, "weekly_hours": (member.weekly_hours / 2).quantize(Decimal("0.01"))},
            )
            made += 1
        if member.pk in fixed:
            reason = REASONS[n_fixed % len(REASONS)]
            end = today + datetime.timedelta(days=ENDS[n_fixed % len(ENDS)])
            n_fixed += 1
            first_end = min(
                start + datetime.timedelta(days=2 * 365), end - datetime.timedelta(days=180)
            )
            if first_end > start + datetime.timedelta(days=200):
                contract = services.contract_create(
                    start=start, end=first_end, reason=reason, **common
                )
                services.contract_extend(
                    contract=contract,
                    new_end=end,
                    agreed_on=first_end - datetime.timedelta(days=60),
                    reason=reason,
                    by=SYSTEM,
                )
            else:
                services.contract_create(start=start, end=end, reason=reason, **common)
        elif (
            member.carrier.kind != Carrier.Kind.STATE
            and n_perm % 3 == 0
            and (today - start).days > 3 * 365
        ):
            # Made permanent after a first fixed term (an Entfristung).
            n_perm += 1
            first_end = start + datetime.timedelta(days=2 * 365)
            contract = services.contract_create(
                start=start, end=first_end, reason=Reason.FUNDING_ENDS, **common
            )
            services.contract_extend(
                contract=contract,
                new_end=None,
                agreed_on=first_end - datetime.timedelta(days=90),
                by=SYSTEM,
            )
        else:
            if member.carrier.kind != Carrier.Kind.STATE:
                n_perm += 1
            services.contract_create(start=start, end=None, **common)
        made += 1
    _log(stdout, f"  {municipality.name}: {made} Verträge, {n_fixed} befristet")
    return made


def send_demo_reminders(*, day: datetime.date) -> int:
    """Send the contract reminders due on `day` with the notifications'
    reminder mechanism (each once: notifications.SentReminder), only for the
    contracts (the other apps' deadlines keep their own schedule)."""
    from schulsozial.accounts.models import User
    from schulsozial.notifications import services as notes

    from .providers import KIND, contract_deadlines

    sent = 0
    leads_all = notes.lead_days(KIND)
    users = User.objects.filter(is_active=True, role_assignments__isnull=False).distinct()
    for user in users.prefetch_related("role_assignments"):
        for deadline in contract_deadlines(user, day):
            left = (deadline.date - day).days
            leads = [lead for lead in leads_all if lead >= left]
            if deadline.remind and left >= 0 and leads:
                sent += notes._remind(user, deadline, leads[0], left)
    return sent


def build_demo(*, herne: Any, kamen: Any, stdout: Any = None) -> None:
    """Contracts for the demo staff of Herne (about 40 % fixed-term) and
    Kamen, Kamen's target (no fixed term by 2028/29), and the reminders."""
    build_town(herne, fixed_pattern=(5, (0, 2)), stdout=stdout)  # 2 in 5
    build_town(kamen, fixed_pattern=(3, (0,)), stdout=stdout)  # 1 in 3
    services.contract_settings_set(
        municipality=kamen, by=SYSTEM, target_fixed_term_percent=Decimal("0"), target_year=2028
    )
    today = timezone.localdate()
    services.contract_settings_set(
        municipality=herne,
        by=SYSTEM,
        target_fixed_term_percent=Decimal("20"),
        target_year=today.year + 3,
    )
    sent = send_demo_reminders(day=today)
    _log(stdout, f"  {sent} Erinnerungen an endende befristete Verträge")
