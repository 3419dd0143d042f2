"""Contracts for the test world (schulsozial/testing/personas.py)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from schulsozial.contracts import services
from schulsozial.contracts.models import Contract, Reason
from schulsozial.core.actors import SYSTEM


def contracts_for_world(world) -> list[Contract]:
    """One contract per social worker of Teststadt, as in its masterdata
    (T-02 fixed-term until 120 days from today, funding ends), idempotent."""
    made = []
    for member in world.staff:
        existing = Contract.objects.filter(staff_member=member).first()
        if existing is not None:
            made.append(existing)
            continue
        made.append(
            services.contract_create(
                staff=member,
                start=member.contract_start,
                end=member.contract_end,
                weekly_hours=member.weekly_hours,
                reason=Reason.FUNDING_ENDS if member.contract_end else "",
                funding_stream=world.stream,
                pay_group="S 11b" if member.contract_end else "S 12",
                by=SYSTEM,
            )
        )
    return made


def fixed_contract(world, *, days: int) -> Contract:
    """T-02's contract, ending `days` from today."""
    contract = contracts_for_world(world)[1]
    end = timezone.localdate() + datetime.timedelta(days=days)
    return services.contract_update(contract=contract, end=end, by=SYSTEM)


HOURS = Decimal("19.5")
