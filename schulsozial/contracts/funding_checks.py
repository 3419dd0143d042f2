"""The funding-rule findings (contracts/funding_rules.py) in German words,
and the check the masterdata services run where budgets and cost rates are
entered: errors refuse the entry, warnings must be confirmed by the user
(the form's checkbox); a caller that cannot be asked (the demo, an import:
`confirm=None`) is not stopped by warnings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .funding_rules import Finding, check_cost_rate, check_stream

CONFIRM_FIELD = "confirm_rule_warnings"


def _eur(value: Decimal) -> str:
    return number_format(value.quantize(Decimal("1")), 0, force_grouping=True) + " €"


def _pct(value: Decimal) -> str:
    return number_format(value.normalize(), use_l10n=True) + " %"


def finding_text(finding: Finding) -> str:
    a = finding.args
    if finding.code == "share_above_max" and not finding.is_error:
        # No eligible-cost cap: maybe positions of Land employees, which the
        # Land pays in full; the user confirms, so the text must not say no.
        return _(
            "Under the funding rule the Land pays at most %(limit)s of the eligible costs; "
            "%(value)s fits only positions of Land employees (Landesstellen), which the Land "
            "pays in full. Please check."
        ) % {"limit": _pct(a["limit"]), "value": _pct(a["value"])}
    if finding.code == "share_above_max":
        return _(
            "The Land pays at most %(limit)s of the eligible costs; %(value)s is not possible."
        ) % {"limit": _pct(a["limit"]), "value": _pct(a["value"])}
    if finding.code == "eligible_above_justified":
        return _(
            "Eligible costs of %(value)s per full-time position exceed even the cap for "
            "justified cases (%(limit)s)."
        ) % {"value": _eur(a["value"]), "limit": _eur(a["limit"])}
    if finding.code == "eligible_justified":
        return _(
            "Eligible costs of %(value)s per full-time position are above the cap of "
            "%(limit)s; up to %(justified)s only in justified cases."
        ) % {
            "value": _eur(a["value"]),
            "limit": _eur(a["limit"]),
            "justified": _eur(a["justified"]),
        }
    if finding.code == "rate_above_cap":
        return _(
            "The cost rate of %(value)s per FTE is above the eligible %(limit)s: the Land "
            "pays nothing on the %(own)s above it."
        ) % {"value": _eur(a["value"]), "limit": _eur(a["limit"]), "own": _eur(a["own"])}
    return finding.code


def enforce(findings: list[Finding], *, confirm: bool | None) -> list[str]:
    """Raise ValidationError for errors (on their fields) and, unless
    confirmed, for warnings (on the confirmation checkbox). Returns the texts
    of the warnings that were confirmed (for the audit entry)."""
    errors: dict[str, list[str]] = {}
    for f in findings:
        if f.is_error:
            errors.setdefault(f.field, []).append(finding_text(f))
    if errors:
        raise ValidationError(errors)
    warnings = [finding_text(f) for f in findings if not f.is_error]
    if warnings and confirm is False:
        # On the form as a whole (the checkbox itself shows no message).
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    *warnings,
                    _("Check the entry and confirm it with the box below to save it anyway."),
                ]
            }
        )
    return warnings if confirm else []


def check_stream_entry(
    *, municipality: Any, data: dict[str, Any], confirm: bool | None
) -> list[str]:
    """A funding stream's kind, share and eligible costs as entered."""
    from .selectors import caps_for

    return enforce(
        check_stream(
            kind=data.get("kind", ""),
            share_percent=data.get("funding_share_percent"),
            max_eligible_per_fte=data.get("max_eligible_per_fte"),
            caps=caps_for(municipality),
        ),
        confirm=confirm,
    )


def check_budget_entry(*, stream: Any, cost_per_fte: Decimal, confirm: bool | None) -> list[str]:
    """A budget's cost rate per FTE against its Land stream's eligible cap."""
    from .selectors import caps_for

    return enforce(
        check_cost_rate(
            kind=stream.kind,
            cost_per_fte=cost_per_fte,
            max_eligible_per_fte=stream.max_eligible_per_fte,
            caps=caps_for(stream.municipality_id),
        ),
        confirm=confirm,
    )
