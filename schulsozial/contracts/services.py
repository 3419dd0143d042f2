"""Every write of contracts: record, change and extend a contract, and the
municipality's contract settings. Each checks its actor through
contracts.permissions, validates with readable German messages, writes one
audit entry, and keeps the staff member's masterdata contract fields
(start, end) in step with the contract running today (else the latest)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create, model_update, model_upsert
from schulsozial.masterdata.models import Carrier, FundingStream, Municipality, StaffMember

from . import permissions as perms
from .models import Contract, ContractExtension, ContractSettings, Reason


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _day(value: datetime.date) -> str:
    return date_format(value, "SHORT_DATE_FORMAT")


def fte_of(weekly_hours: Decimal, municipality: Municipality) -> Decimal:
    """FTE of `weekly_hours` in the municipality's full-time week (4 places)."""
    return (Decimal(weekly_hours) / municipality.fulltime_week_hours).quantize(Decimal("0.0001"))


def _check_reason(reason: str, reason_text: str, *, fixed: bool) -> None:
    if not fixed and reason:
        raise ValidationError({"reason": _("A permanent contract has no reason for a fixed term.")})
    if fixed and not reason:
        raise ValidationError({"reason": _("Give the reason for the fixed term.")})
    if reason == Reason.OTHER and not reason_text.strip():
        raise ValidationError({"reason_text": _("Describe the other reason.")})


def _check_period(
    *,
    staff: StaffMember,
    start: datetime.date,
    end: datetime.date | None,
    exclude: int | None = None,
) -> None:
    """The end lies after the start, and no other contract of the person
    overlaps the period."""
    if end is not None and end <= start:
        raise ValidationError({"end": _("The end must lie after the start.")})
    others = Contract.objects.filter(staff_member=staff)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    for other in others.order_by("start"):
        if other.start <= (end or datetime.date.max) and start <= (other.end or datetime.date.max):
            raise ValidationError(
                {
                    "start": _(
                        "%(label)s already has a contract from %(start)s to %(end)s; "
                        "contracts of one person must not overlap."
                    )
                    % {
                        "label": staff.label,
                        "start": _day(other.start),
                        "end": _day(other.end) if other.end else _("open end"),
                    }
                }
            )


def _check_stream(staff: StaffMember, stream: FundingStream | None) -> None:
    if stream is not None and stream.municipality_id != staff.municipality_id:
        raise ValidationError(
            {"funding_stream": _("The funding stream belongs to another municipality.")}
        )


def _sync_staff(staff: StaffMember, *, by: Any) -> None:
    """Masterdata's contract start and end follow the contract running today
    (else the latest one)."""
    today = timezone.localdate()
    contracts = list(Contract.objects.filter(staff_member=staff).order_by("start"))
    if not contracts:
        return
    running = [c for c in contracts if c.start <= today and (c.end is None or c.end >= today)]
    current = running[-1] if running else contracts[-1]
    fresh = StaffMember.objects.get(pk=staff.pk)
    model_update(
        instance=fresh, data={"contract_start": current.start, "contract_end": current.end}, by=by
    )


@transaction.atomic
def contract_create(
    *,
    staff: StaffMember,
    start: datetime.date,
    end: datetime.date | None,
    weekly_hours: Decimal,
    by: Any,
    carrier: Carrier | None = None,
    reason: str = "",
    reason_text: str = "",
    funding_stream: FundingStream | None = None,
    pay_group: str = "",
    is_demo: bool = False,
) -> Contract:
    """A new contract of `staff` (employer: the staff member's carrier unless
    given). Raises PermissionDenied unless `by` is the employer; raises
    ValidationError when the end is not after the start, the period overlaps
    another contract of the person, or the reason is missing."""
    carrier = carrier or staff.carrier
    _require(perms.can_add_contract(by, staff, carrier))
    _check_period(staff=staff, start=start, end=end)
    _check_reason(reason, reason_text, fixed=end is not None)
    _check_stream(staff, funding_stream)
    contract = model_create(
        model=Contract,
        data={
            "staff_member": staff,
            "carrier": carrier,
            "kind": Contract.Kind.FIXED_TERM if end else Contract.Kind.PERMANENT,
            "start": start,
            "end": end,
            "reason": reason,
            "reason_text": reason_text if reason == Reason.OTHER else "",
            "funding_stream": funding_stream,
            "weekly_hours": weekly_hours,
            "fte": fte_of(weekly_hours, staff.municipality),
            "pay_group": pay_group,
            "is_demo": is_demo,
        },
        by=by,
        municipality_id=staff.municipality_id,
    )
    _sync_staff(staff, by=by)
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, by: Any, **data: Any) -> Contract:
    """Correct a contract (start, end, reason, stream, hours, pay group).
    The same checks as for a new one."""
    _require(perms.can_edit_contract(by, contract))
    staff = contract.staff_member
    allowed = {
        "start",
        "end",
        "reason",
        "reason_text",
        "funding_stream",
        "weekly_hours",
        "pay_group",
    }
    data = {k: v for k, v in data.items() if k in allowed}
    start = data.get("start", contract.start)
    end = data.get("end", contract.end)
    _check_period(staff=staff, start=start, end=end, exclude=contract.pk)
    reason = data.get("reason", contract.reason)
    if end is None:
        reason = ""
        data["reason"] = ""
        data["reason_text"] = ""
    _check_reason(reason, data.get("reason_text", contract.reason_text), fixed=end is not None)
    _check_stream(staff, data.get("funding_stream", contract.funding_stream))
    data["kind"] = Contract.Kind.FIXED_TERM if end else Contract.Kind.PERMANENT
    if "weekly_hours" in data:
        data["fte"] = fte_of(data["weekly_hours"], staff.municipality)
    updated = model_update(instance=contract, data=data, by=by)[0]
    _sync_staff(staff, by=by)
    return updated


@transaction.atomic
def contract_extend(
    *,
    contract: Contract,
    new_end: datetime.date | None,
    agreed_on: datetime.date,
    by: Any,
    reason: str = "",
    reason_text: str = "",
) -> ContractExtension:
    """Extend a fixed-term contract to `new_end`, or make it permanent
    (`new_end` None: an Entfristung). Refused as the history page refuses
    to offer it (permissions.can_renew_contract): a contract that ended more
    than RENEWAL_WINDOW_DAYS ago (measured today for a person, at
    `agreed_on` for the platform loading history), or one the person has a
    later contract after. The new end must lie after the current end."""
    _require(perms.can_edit_contract(by, contract))
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    if contract.end is None:
        raise ValidationError({"new_end": _("The contract is permanent already.")})
    if perms.renewal_window_passed(contract, day=perms.renewal_day(by, agreed_on)):
        raise ValidationError(
            {
                "new_end": _(
                    "The contract ended on %(end)s, more than %(days)s days ago; "
                    "record a new contract instead of an extension."
                )
                % {"end": _day(contract.end), "days": perms.RENEWAL_WINDOW_DAYS}
            }
        )
    if perms.has_later_contract(contract):
        raise ValidationError(
            {
                "new_end": _("%(label)s already has a later contract; extend that one instead.")
                % {"label": contract.staff_member.label}
            }
        )
    if new_end is not None and new_end <= contract.end:
        raise ValidationError(
            {
                "new_end": _("The new end must lie after the current end, %(end)s.")
                % {"end": _day(contract.end)}
            }
        )
    _check_period(
        staff=contract.staff_member, start=contract.start, end=new_end, exclude=contract.pk
    )
    if new_end is not None:
        _check_reason(reason, reason_text, fixed=True)
    else:
        reason, reason_text = "", ""
    extension = ContractExtension.objects.create(
        contract=contract,
        previous_end=contract.end,
        new_end=new_end,
        agreed_on=agreed_on,
        reason=reason,
        reason_text=reason_text if reason == Reason.OTHER else "",
    )
    data: dict[str, Any] = {"end": new_end}
    if new_end is None:
        data.update(kind=Contract.Kind.PERMANENT, reason="", reason_text="")
    elif reason:
        data.update(reason=reason, reason_text=extension.reason_text)
    changes = {"end": [contract.end.isoformat(), new_end.isoformat() if new_end else None]}
    for name, value in data.items():
        setattr(contract, name, value)
    contract.full_clean()
    contract.save(update_fields=list(data))
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=contract,
        changes={**changes, "extension": agreed_on.isoformat()},
    )
    _sync_staff(contract.staff_member, by=by)
    return extension


@transaction.atomic
def contract_settings_set(*, municipality: Municipality, by: Any, **data: Any) -> ContractSettings:
    """The municipality's contract settings (target share and year, default
    cost rate, funding caps, continuity threshold)."""
    _require(perms.can_edit_contract_settings(by, municipality))
    return model_upsert(
        model=ContractSettings,
        lookup={"municipality": municipality},
        data=data,
        by=by,
        municipality_id=municipality.pk,
    )
