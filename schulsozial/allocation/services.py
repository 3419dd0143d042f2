"""Writes to distribution scenarios. Adopted scenarios never change."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.audit import Action, audit
from schulsozial.masterdata.models import Municipality

from . import adapter
from . import permissions as perms
from .engine import AllocationError, RulesError
from .models import Scenario


def _require_planner(by: Any, municipality_id: int | None) -> None:
    """Refuse the write unless `by` writes this municipality's scenarios."""
    if not perms.can_plan_in(by, municipality_id):
        raise PermissionDenied


def _compute(*, municipality: Any, school_year: Any, rules_toml: str) -> dict[str, Any]:
    try:
        return adapter.compute(
            municipality=municipality, school_year=school_year, rules_toml=rules_toml
        )
    except (RulesError, AllocationError) as error:
        raise ValidationError({"rules_toml": str(error)}) from error


@transaction.atomic
def scenario_create(
    *,
    municipality: Any,
    school_year: Any,
    name: str,
    rules_toml: str,
    by: Any,
    description: str = "",
    is_demo: bool = False,
) -> Scenario:
    """Create a draft scenario and compute its result on today's master data.

    Raises PermissionDenied unless `by` writes the municipality's scenarios.
    """
    _require_planner(by, getattr(municipality, "pk", None))
    result = _compute(municipality=municipality, school_year=school_year, rules_toml=rules_toml)
    scenario = Scenario(
        municipality=municipality,
        school_year=school_year,
        name=name,
        description=description,
        rules_toml=rules_toml,
        result=result,
        computed_at=timezone.now(),
        created_by=by if getattr(by, "is_authenticated", False) else None,
        is_demo=is_demo,
    )
    scenario.full_clean()
    scenario.save()
    audit(
        actor=by,
        action=Action.CREATE,
        obj=scenario,
        changes={"name": name, "total_fte": result["total_fte"]},
    )
    return scenario


@transaction.atomic
def scenario_update(
    *,
    scenario: Scenario,
    rules_toml: str,
    name: str,
    description: str,
    expected_version: int,
    by: Any,
) -> Scenario:
    """Change a draft's rules and recompute. Refused for adopted scenarios and
    when someone else saved since `expected_version` (optimistic locking).
    Raises PermissionDenied unless `by` writes the municipality's scenarios."""
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    _require_planner(by, scenario.municipality_id)
    if scenario.status != Scenario.Status.DRAFT:
        raise ValidationError(_("An adopted scenario cannot be changed. Copy it into a new draft."))
    if scenario.lock_version != expected_version:
        raise ValidationError(
            _(
                "Someone else saved this scenario in the meantime. Reload it and apply your change again."
            )
        )
    result = _compute(
        municipality=scenario.municipality, school_year=scenario.school_year, rules_toml=rules_toml
    )
    changes = {"rules_changed": scenario.rules_toml != rules_toml, "total_fte": result["total_fte"]}
    scenario.name, scenario.description, scenario.rules_toml = name, description, rules_toml
    scenario.result, scenario.computed_at = result, timezone.now()
    scenario.lock_version += 1
    scenario.full_clean()
    scenario.save()
    audit(actor=by, action=Action.UPDATE, obj=scenario, changes=changes)
    return scenario


@transaction.atomic
def scenario_recompute(*, scenario: Scenario, by: Any) -> Scenario:
    """Recompute a draft on the current master data (pupils, positions);
    scenario_update checks `by`."""
    return scenario_update(
        scenario=scenario,
        rules_toml=scenario.rules_toml,
        name=scenario.name,
        description=scenario.description,
        expected_version=scenario.lock_version,
        by=by,
    )


@transaction.atomic
def scenario_copy(*, scenario: Scenario, name: str, school_year: Any, by: Any) -> Scenario:
    """A new draft with the rules of `scenario`; scenario_create checks `by`."""
    return scenario_create(
        municipality=scenario.municipality,
        school_year=school_year,
        name=name,
        rules_toml=scenario.rules_toml,
        description=scenario.description,
        by=by,
    )


# `supersedes` default: replace whatever is adopted for the year (the demo
# builder and scripts adopt on purpose).
ANY_ADOPTED: Any = object()


@transaction.atomic
def scenario_adopt(
    *,
    scenario: Scenario,
    decision_body: str,
    decision_date: Any,
    decision_reference: str,
    by: Any,
    supersedes: Any = ANY_ADOPTED,
) -> Scenario:
    """Adopt a draft for its school year: it becomes read-only; a scenario
    adopted earlier for the same year is superseded.

    `supersedes` is the scenario the coordinator saw adopted for the year when
    opening the form (None: none). If another one has been adopted since (two
    coordinators at once), the adoption is refused with a message naming it.
    Adoptions of one municipality wait for each other on its row; the partial
    unique constraint `scenario_one_adopted_per_year` is the last guarantee.
    Raises PermissionDenied unless `by` writes the municipality's scenarios."""
    _require_planner(by, scenario.municipality_id)
    Municipality.objects.select_for_update().only("pk").get(pk=scenario.municipality_id)
    scenario = Scenario.objects.select_for_update().get(pk=scenario.pk)
    if scenario.status != Scenario.Status.DRAFT:
        raise ValidationError(_("Only a draft can be adopted."))
    previous = list(
        Scenario.objects.select_for_update().filter(
            municipality=scenario.municipality,
            school_year=scenario.school_year,
            status=Scenario.Status.ADOPTED,
        )
    )
    if supersedes is not ANY_ADOPTED:
        seen = getattr(supersedes, "pk", supersedes) or None
        if [old.pk for old in previous] != ([int(seen)] if seen else []):
            raise _adopted_meanwhile(previous)
    for old in previous:
        old.status = Scenario.Status.SUPERSEDED
        old.save(update_fields=["status"])
        audit(
            actor=by, action=Action.UPDATE, obj=old, changes={"status": ["adopted", "superseded"]}
        )
    scenario.status = Scenario.Status.ADOPTED
    scenario.adopted_at = timezone.now()
    scenario.adopted_by = by if getattr(by, "is_authenticated", False) else None
    scenario.decision_body, scenario.decision_date = decision_body, decision_date
    scenario.decision_reference = decision_reference
    scenario.lock_version += 1
    # The one-adopted constraint is left to the database: its violation (an
    # adoption committed by another connection meanwhile) gets the message below.
    scenario.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            scenario.save()
    except IntegrityError as error:
        adopted = list(
            Scenario.objects.filter(
                municipality=scenario.municipality,
                school_year=scenario.school_year,
                status=Scenario.Status.ADOPTED,
            ).exclude(pk=scenario.pk)
        )
        if not adopted:
            raise
        raise _adopted_meanwhile(adopted) from error
    audit(
        actor=by,
        action=Action.UPDATE,
        obj=scenario,
        changes={
            "status": ["draft", "adopted"],
            "decision": f"{decision_body} {decision_date} {decision_reference}",
        },
    )
    return scenario


def _adopted_meanwhile(adopted: list[Scenario]) -> ValidationError:
    names = ", ".join(f"„{old.name}“" for old in adopted) or "–"
    return ValidationError(
        _(
            "Another scenario has been adopted for this school year in the meantime "
            "(%(names)s). Check it; if this scenario should replace it, open the "
            "adoption again."
        )
        % {"names": names},
        code="adopted_meanwhile",
    )
