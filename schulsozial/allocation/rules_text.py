"""A scenario's rules in plain German words, for the PDF annex and the
detail page: what is distributed, the steps, the base, the bounds, the
method, and each criterion with its weight, transform and missing-value
rule. Every engine keyword ("min-deviation", "median", ...) becomes a
translated phrase; numbers use the German decimal comma."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.masterdata.models import SchoolType

from .engine import Criterion, Layer, Rules, RulesError, load_rules_toml

#: The indicator columns the app offers (adapter.py), as the user reads them.
INDICATORS = {
    "pupils": gettext_lazy("pupils"),
    "social_index": gettext_lazy("Sozialindex"),
    "startchancen": gettext_lazy("Startchancen (0/1)"),
    "current_fte": gettext_lazy("current FTE"),
    "school_type": gettext_lazy("school type"),
}


def method_label(method: str) -> str:
    return {
        "min-deviation": _("smallest deviation from the ideal shares (largest remainders)"),
        "sainte-lague": _("Sainte-Laguë/Webster (divisor method)"),
    }.get(method, method)


def criterion_label(name: str, column: str) -> str:
    """The translated indicator name for the criteria the rules form and the
    templates write (named after their column); a name of the user's own stays."""
    if column in INDICATORS and name in {"", column, column.replace("_", ""), "sozialindex"}:
        return str(INDICATORS[column])
    return name or column


def number(value: float | Decimal | int, places: int | None = None) -> str:
    """German decimal comma and digit grouping; without `places` as many
    decimals as the value has (1.0 -> "1", 0.85 -> "0,85")."""
    if places is None:
        text = f"{float(value):.6f}".rstrip("0").rstrip(".")
        return number_format(Decimal(text), use_l10n=True, force_grouping=True)
    return number_format(Decimal(str(value)), places, use_l10n=True, force_grouping=True)


def fte(value: float | Decimal) -> str:
    return _("%(n)s FTE") % {"n": number(value, 2)}


def eur(value: float | Decimal) -> str:
    return f"{number(value, 0)} €"


def missing_label(missing: str | float) -> str:
    if isinstance(missing, str):
        return {
            "median": _("municipal median"),
            "zero": _("counted as 0"),
            "exclude": _("left out for that school (its other weights are scaled up)"),
        }.get(missing, missing)
    return _("fixed value %(n)s") % {"n": number(missing)}


def _transform(criterion: Criterion) -> str:
    if criterion.transform == "table":
        pairs = "; ".join(
            f"{key} → {number(value)}" for key, value in (criterion.table or {}).items()
        )
        return _("converted by the table %(pairs)s") % {"pairs": pairs}
    if criterion.transform == "per_pupil":
        return _("per pupil (× %(rate)s)") % {"rate": number(criterion.rate)}
    return _("the value itself")


def _criterion(criterion: Criterion) -> str:
    if criterion.combine == "multiply":
        effect = _("factor on the need (the weight is its exponent)")
    else:
        effect = _("share of the municipal total, adds to the need")
    return _(
        "%(name)s: weight %(weight)s; %(transform)s; %(effect)s; missing values: %(missing)s"
    ) % {
        "name": criterion_label(criterion.name, criterion.column),
        "weight": number(criterion.weight),
        "transform": _transform(criterion),
        "effect": effect,
        "missing": missing_label(criterion.missing),
    }


def _base(base: float | Mapping[str, float]) -> str:
    if not isinstance(base, Mapping):
        return fte(base)
    labels = dict(SchoolType.choices)
    parts = [
        f"{labels.get(key, key)} {fte(value)}" for key, value in base.items() if key != "default"
    ]
    if "default" in base:
        parts.append(_("other school types %(fte)s") % {"fte": fte(base["default"])})
    return "; ".join(parts)


def _bounds(layer: Layer) -> str:
    text = _("at least %(min)s") % {"min": fte(layer.min_fte)}
    if layer.max_fte is not None:
        text += ", " + _("at most %(max)s") % {"max": fte(layer.max_fte)}
    else:
        text += ", " + _("no maximum")
    return text


@dataclass
class LayerText:
    name: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    criteria: list[str] = field(default_factory=list)


def _layer(rules: Rules, layer: Layer, *, several: bool) -> LayerText:
    facts: list[tuple[str, str]] = []
    if layer.budget_eur is not None:
        facts.append(
            (
                _("To distribute"),
                _("budget of %(budget)s at %(cost)s per FTE")
                % {
                    "budget": eur(layer.budget_eur),
                    "cost": eur(rules.cost_per_fte_eur or 0),
                },
            )
        )
    elif layer.total_fte is not None:
        facts.append((_("To distribute"), fte(layer.total_fte)))
    if layer.where:
        facts.append(
            (
                _("Schools taking part"),
                "; ".join(
                    f"{criterion_label('', column)} = {', '.join(values)}"
                    for column, values in layer.where.items()
                ),
            )
        )
    facts.append((_("Base per school (Sockel)"), _base(layer.base_fte)))
    facts.append((_("Bounds per school"), _bounds(layer)))
    facts.append(
        (
            _("Largest change against today"),
            fte(layer.max_change) if layer.max_change is not None else _("no limit"),
        )
    )
    facts.append((_("Method"), method_label(rules.method_of(layer))))
    return LayerText(
        name=layer.name if several else "",
        facts=facts,
        criteria=[_criterion(c) for c in layer.criteria],
    )


@dataclass
class RulesText:
    shared: list[tuple[str, str]]
    layers: list[LayerText]


def describe(rules_toml: str) -> RulesText | None:
    """The rules in words, or None when the stored text cannot be read."""
    try:
        rules = load_rules_toml(rules_toml)
    except RulesError:
        return None
    shared = [(_("Steps of"), fte(rules.granularity))]
    if rules.cost_per_fte_eur is not None:
        shared.append((_("Cost per FTE"), eur(rules.cost_per_fte_eur)))
    if rules.sensitivity.samples:
        shared.append(
            (
                _("Sensitivity check"),
                _("%(n)s samples, weights varied by ± %(spread)s %%")
                % {
                    "n": number(rules.sensitivity.samples, 0),
                    "spread": number(rules.sensitivity.spread * 100),
                },
            )
        )
    several = len(rules.layers) > 1
    return RulesText(
        shared=shared, layers=[_layer(rules, layer, several=several) for layer in rules.layers]
    )
