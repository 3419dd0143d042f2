"""Every write to master data. Keyword-only, atomic, audited."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from schulsozial.core import school_year
from schulsozial.core.audit import Action, audit
from schulsozial.core.services import model_create, model_update, model_upsert

from . import permissions as perms
from .models import (
    Carrier,
    FundingBudget,
    FundingStream,
    Municipality,
    Position,
    PositionAssignment,
    School,
    SchoolYear,
    SchoolYearFigures,
    StaffMember,
)

FTE_QUANT = Decimal("0.0001")
HOURS_QUANT = Decimal("0.01")


def hours_to_fte(*, hours: Decimal, municipality: Municipality) -> Decimal:
    return (Decimal(hours) / municipality.fulltime_week_hours).quantize(FTE_QUANT, ROUND_HALF_UP)


def fte_to_hours(*, fte: Decimal, municipality: Municipality) -> Decimal:
    return (Decimal(fte) * municipality.fulltime_week_hours).quantize(HOURS_QUANT, ROUND_HALF_UP)


def _require(allowed: bool) -> None:
    """Refuse the write: `by` is not allowed (the rule is the permission module's)."""
    if not allowed:
        raise PermissionDenied


# --------------------------------------------------------------------------- municipality


@transaction.atomic
def municipality_create(*, by: Any, **data: Any) -> Municipality:
    """A new municipality. Raises PermissionDenied unless `by` may create one."""
    _require(perms.can_create_municipality(by))
    return model_create(model=Municipality, data=data, by=by)


@transaction.atomic
def municipality_update(*, municipality: Municipality, by: Any, **data: Any) -> Municipality:
    """Update settings; a changed full-time week recomputes staff FTE and position hours.

    Raises PermissionDenied unless `by` may edit the municipality.
    """
    _require(perms.can_edit_municipality(by, municipality))
    municipality, changes = model_update(instance=municipality, data=data, by=by)
    if "fulltime_week_hours" in changes:
        for staff in StaffMember.objects.filter(municipality=municipality).select_for_update():
            fte = hours_to_fte(hours=staff.weekly_hours, municipality=municipality)
            if fte > 1:
                raise ValidationError(
                    {
                        "fulltime_week_hours": _(
                            "%(staff)s works %(hours)s hours, more than the new full-time week."
                        )
                        % {"staff": staff.label, "hours": staff.weekly_hours}
                    }
                )
            staff.fte = fte
            staff.save(update_fields=["fte"])
        for position in Position.objects.filter(municipality=municipality).select_for_update():
            position.weekly_hours = fte_to_hours(fte=position.fte, municipality=municipality)
            _check_assigned_hours(position=position, new_total=position.weekly_hours)
            position.save(update_fields=["weekly_hours"])
    return municipality


# --------------------------------------------------------------------------- school years


@transaction.atomic
def school_year_create(*, start_year: int, by: Any) -> SchoolYear:
    """The school year starting in `start_year`. Raises PermissionDenied
    unless `by` manages school years."""
    _require(perms.can_manage_school_years(by))
    code, start, end = SchoolYear.bounds_for(start_year)
    return model_create(model=SchoolYear, data={"code": code, "start": start, "end": end}, by=by)


def school_year_get_or_create(*, code: str, by: Any) -> SchoolYear:
    """The school year with code '2024/25', created by `by` when missing
    (school_year_create, with its permission check)."""
    existing = SchoolYear.objects.filter(code=code).first()
    if existing:
        return existing
    start_year = int(code[:4]) if code[:4].isascii() and code[:4].isdigit() else None
    if start_year is None or school_year.code(start_year) != code:
        raise ValidationError({"code": _("Not a school year: %(code)s") % {"code": code}})
    return school_year_create(start_year=start_year, by=by)


# --------------------------------------------------------------------------- schools


@transaction.atomic
def school_create(*, by: Any, **data: Any) -> School:
    """A new school of ``data["municipality"]``. Raises PermissionDenied unless
    `by` may create there."""
    _require(perms.can_create_in(by, data.get("municipality")))
    return model_create(model=School, data=data, by=by)


@transaction.atomic
def school_update(*, school: School, by: Any, **data: Any) -> School:
    """Raises PermissionDenied unless `by` may edit the school."""
    _require(perms.can_edit_school(by, school))
    return model_update(instance=school, data=data, by=by)[0]


@transaction.atomic
def school_figures_set(
    *,
    school: School,
    school_year: SchoolYear,
    pupils: int | None,
    social_index: int | None,
    startchancen: bool,
    by: Any,
) -> SchoolYearFigures:
    """Create or update the figures of one school in one school year.

    Raises PermissionDenied unless `by` may edit the school.
    """
    _require(perms.can_edit_school(by, school))
    return model_upsert(
        model=SchoolYearFigures,
        lookup={"school": school, "school_year": school_year},
        data={"pupils": pupils, "social_index": social_index, "startchancen": startchancen},
        by=by,
        municipality_id=school.municipality_id,
    )


# --------------------------------------------------------------------------- carriers


@transaction.atomic
def carrier_create(*, by: Any, **data: Any) -> Carrier:
    """A new carrier of ``data["municipality"]``. Raises PermissionDenied
    unless `by` may create there."""
    _require(perms.can_create_in(by, data.get("municipality")))
    return model_create(model=Carrier, data=data, by=by)


@transaction.atomic
def carrier_update(*, carrier: Carrier, by: Any, **data: Any) -> Carrier:
    """Raises PermissionDenied unless `by` may edit the carrier."""
    _require(perms.can_edit_carrier(by, carrier))
    return model_update(instance=carrier, data=data, by=by)[0]


# --------------------------------------------------------------------------- staff


def _staff_data(*, municipality: Municipality, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    hours = data.get("weekly_hours")
    if hours is not None:
        if hours <= 0:
            errors["weekly_hours"] = _("Weekly hours must be more than 0.")
        else:
            fte = hours_to_fte(hours=hours, municipality=municipality)
            if fte > 1:
                errors["weekly_hours"] = _(
                    "%(hours)s hours are more than the full-time week of %(week)s hours (FTE above 1)."
                ) % {"hours": hours, "week": municipality.fulltime_week_hours}
            data["fte"] = fte
    start, end = data.get("contract_start"), data.get("contract_end")
    if start and end and end <= start:
        errors["contract_end"] = _("The contract must end after it starts.")
    carrier = data.get("carrier")
    if carrier is not None and carrier.municipality_id != municipality.pk:
        errors["carrier"] = _("The carrier belongs to another municipality.")
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def staff_create(*, municipality: Municipality, by: Any, **data: Any) -> StaffMember:
    """A new staff member of `municipality`, employed by ``data["carrier"]``.

    Raises PermissionDenied unless `by` may employ staff there.
    """
    if not perms.can_create_staff_at(by, data.get("carrier")):
        raise PermissionDenied
    data = _staff_data(municipality=municipality, data=dict(data))
    return model_create(model=StaffMember, data={"municipality": municipality, **data}, by=by)


@transaction.atomic
def staff_update(*, staff: StaffMember, by: Any, **data: Any) -> StaffMember:
    """Change a staff member (hours, contract, employer, linked account).

    Raises PermissionDenied unless `by` may edit the staff member and, when
    the employer changes, move it to that carrier.
    """
    if not perms.can_update_staff(by, staff, data.get("carrier", staff.carrier)):
        raise PermissionDenied
    merged = {
        "weekly_hours": staff.weekly_hours,
        "contract_start": staff.contract_start,
        "contract_end": staff.contract_end,
        **data,
    }
    checked = _staff_data(municipality=staff.municipality, data=merged)
    return model_update(instance=staff, data={**data, "fte": checked["fte"]}, by=by)[0]


# --------------------------------------------------------------------------- funding


@transaction.atomic
def funding_stream_create(
    *, by: Any, confirm_rule_warnings: bool | None = None, **data: Any
) -> FundingStream:
    """A new funding stream of ``data["municipality"]``. Raises
    PermissionDenied unless `by` may create there; ValidationError where the
    NRW funding caps are broken (issue 15, contracts/funding_checks.py:
    errors always, warnings unless `confirm_rule_warnings`; None: a caller
    that cannot be asked)."""
    _require(perms.can_create_in(by, data.get("municipality")))
    confirmed = _funding_rules().check_stream_entry(
        municipality=data.get("municipality"), data=data, confirm=confirm_rule_warnings
    )
    stream = model_create(model=FundingStream, data=data, by=by)
    _audit_confirmed(stream, confirmed, by=by)
    return stream


@transaction.atomic
def funding_stream_update(
    *, stream: FundingStream, by: Any, confirm_rule_warnings: bool | None = None, **data: Any
) -> FundingStream:
    """Raises PermissionDenied unless `by` may edit the funding stream; the
    funding caps as for a new one."""
    _require(perms.can_edit_funding(by, stream))
    merged = {
        "kind": stream.kind,
        "funding_share_percent": stream.funding_share_percent,
        "max_eligible_per_fte": stream.max_eligible_per_fte,
        **data,
    }
    confirmed = _funding_rules().check_stream_entry(
        municipality=stream.municipality_id, data=merged, confirm=confirm_rule_warnings
    )
    updated, changes = model_update(instance=stream, data=data, by=by)
    if changes:
        _audit_confirmed(updated, confirmed, by=by)
    return updated


def _funding_rules() -> Any:
    # The NRW funding caps are configured with the contracts (issue 15).
    from schulsozial.contracts import funding_checks

    return funding_checks


def _audit_confirmed(obj: Any, warnings: list[str], *, by: Any) -> None:
    """Who saved an entry against which funding-rule warnings."""
    if warnings:
        audit(
            actor=by,
            action=Action.UPDATE,
            obj=obj,
            municipality_id=obj.municipality_id,
            changes={"funding_rule_warnings_confirmed": warnings},
        )


@transaction.atomic
def budget_set(
    *,
    stream: FundingStream,
    school_year: SchoolYear,
    available_eur: Decimal,
    cost_per_fte_eur: Decimal,
    by: Any,
    confirm_rule_warnings: bool | None = None,
) -> FundingBudget:
    """Create or update the budget of a funding stream for one school year.

    Raises PermissionDenied unless `by` may edit the funding stream; a cost
    rate above a Land stream's eligible cap is a warning to confirm (see
    funding_stream_create).
    """
    _require(perms.can_edit_funding(by, stream))
    confirmed = _funding_rules().check_budget_entry(
        stream=stream, cost_per_fte=cost_per_fte_eur, confirm=confirm_rule_warnings
    )
    budget = model_upsert(
        model=FundingBudget,
        lookup={"stream": stream, "school_year": school_year},
        data={"available_eur": available_eur, "cost_per_fte_eur": cost_per_fte_eur},
        by=by,
        municipality_id=stream.municipality_id,
    )
    _audit_confirmed(budget, confirmed, by=by)
    return budget


# --------------------------------------------------------------------------- positions


def _check_assigned_hours(*, position: Position, new_total: Decimal) -> None:
    """The schools' hours of `position` fit into `new_total`."""
    assigned = PositionAssignment.objects.filter(position=position).aggregate(
        total=Sum("weekly_hours")
    )["total"] or Decimal(0)
    if assigned > new_total:
        raise ValidationError(
            {
                "fte": _(
                    "The schools are assigned %(assigned)s hours, more than the position's %(total)s hours."
                )
                % {"assigned": assigned, "total": new_total}
            }
        )


def _position_data(*, municipality: Municipality, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    for field in ("carrier", "funding_stream", "staff_member"):
        related = data.get(field)
        if related is not None and related.municipality_id != municipality.pk:
            errors[field] = _("This belongs to another municipality.")
    fte = data.get("fte")
    if fte is not None:
        if not Decimal(0) < fte <= 1:
            errors["fte"] = _("A position's FTE is more than 0 and at most 1.")
        else:
            data["weekly_hours"] = fte_to_hours(fte=fte, municipality=municipality)
    if data.get("valid_to") and data.get("valid_from") and data["valid_to"] < data["valid_from"]:
        errors["valid_to"] = _("A position cannot end before it starts.")
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def position_create(*, municipality: Municipality, by: Any, **data: Any) -> Position:
    """A new position of `municipality`. Raises PermissionDenied unless `by`
    may create there."""
    _require(perms.can_create_in(by, municipality))
    data = _position_data(municipality=municipality, data=dict(data))
    return model_create(model=Position, data={"municipality": municipality, **data}, by=by)


@transaction.atomic
def position_update(*, position: Position, by: Any, **data: Any) -> Position:
    """Raises PermissionDenied unless `by` may edit the position."""
    position = Position.objects.select_for_update().get(pk=position.pk)
    _require(perms.can_edit_position(by, position))
    merged = {"valid_from": position.valid_from, "valid_to": position.valid_to, **data}
    checked = _position_data(municipality=position.municipality, data=merged)
    if "weekly_hours" in checked:
        _check_assigned_hours(position=position, new_total=checked["weekly_hours"])
        data["weekly_hours"] = checked["weekly_hours"]
    return model_update(instance=position, data=data, by=by)[0]


@transaction.atomic
def assignment_set(
    *, position: Position, school: School, weekly_hours: Decimal, by: Any
) -> PositionAssignment:
    """Assign hours of a position to a school (create or change).

    The hours of all schools together never exceed the position's hours; the
    database triggers guard the same rule against writes that bypass this.
    Raises PermissionDenied unless `by` may edit the position.
    """
    position = Position.objects.select_for_update().get(pk=position.pk)
    _require(perms.can_edit_position(by, position))
    if school.municipality_id != position.municipality_id:
        raise ValidationError({"school": _("The school belongs to another municipality.")})
    if weekly_hours <= 0:
        raise ValidationError({"weekly_hours": _("Weekly hours must be more than 0.")})
    others = PositionAssignment.objects.filter(position=position).exclude(school=school).aggregate(
        total=Sum("weekly_hours")
    )["total"] or Decimal(0)
    if others + weekly_hours > position.weekly_hours:
        raise ValidationError(
            {
                "weekly_hours": _(
                    "Only %(free)s of the position's %(total)s hours are free for this school."
                )
                % {"free": position.weekly_hours - others, "total": position.weekly_hours}
            }
        )
    assignment = PositionAssignment.objects.filter(position=position, school=school).first()
    if assignment is None:
        assignment = PositionAssignment(position=position, school=school, weekly_hours=weekly_hours)
        assignment.full_clean()
        assignment.save()
        audit(
            actor=by,
            action=Action.CREATE,
            obj=assignment,
            municipality_id=position.municipality_id,
            changes={"school": school.school_number, "weekly_hours": weekly_hours},
        )
        return assignment
    assignment, _changes = model_update(
        instance=assignment, data={"weekly_hours": weekly_hours}, by=by
    )
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: PositionAssignment, by: Any) -> None:
    """Raises PermissionDenied unless `by` may edit the assignment's position."""
    _require(perms.can_edit_position(by, assignment.position))
    audit(
        actor=by,
        action=Action.DELETE,
        obj=assignment,
        municipality_id=assignment.position.municipality_id,
        changes={
            "school": assignment.school.school_number,
            "weekly_hours": assignment.weekly_hours,
        },
    )
    assignment.delete()
