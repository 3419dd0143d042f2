"""Template filters of the distribution pages: the engine's keywords in a
scenario's stored result (bound kinds, missing-value rules) in German words,
numbers with the decimal comma."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from schulsozial.masterdata.models import SchoolType

from ..rules_text import fte, missing_label, number

register = template.Library()


def _bound_names() -> dict[str, str]:
    return {
        "min": _("minimum"),
        "max": _("maximum"),
        "continuity_lower": _("continuity limit"),
        "continuity_upper": _("continuity limit"),
        "fixed": _("fixed"),
        "lower": _("lower bound"),
        "upper": _("upper bound"),
    }


@register.filter
def bound_label(kind: str) -> str:
    """ "max" -> "Höchstwert" (the badge in the result table)."""
    return _bound_names().get(kind, kind)


@register.filter
def bound_labels(kinds: list[str]) -> str:
    return ", ".join(dict.fromkeys(bound_label(k) for k in kinds or ()))


@register.simple_tag
def bound_text(layer: dict[str, Any]) -> str:
    """Which bound moved the school's ideal share, in German (the stored
    engine detail is English): "höchstens 3,00 VZÄ (Höchstwert)"."""
    kind = layer.get("bound")
    if not kind:
        return "–"
    lower, upper = layer.get("lower_fte"), layer.get("upper_fte")
    if kind == "fixed" and lower is not None:
        return _("fixed at %(fte)s") % {"fte": fte(lower)}
    if kind in {"min", "continuity_lower", "lower"} and lower is not None:
        text = _("at least %(min)s") % {"min": fte(lower)}
    elif upper is not None:
        text = _("at most %(max)s") % {"max": fte(upper)}
    else:
        return bound_label(kind)
    text += f" ({bound_label(kind)})"
    if "evenly" in (layer.get("bound_detail") or ""):
        text += "; " + _(
            "the need-based shares could not take up the total, so the rest is spread evenly"
        )
    return text


@register.filter
def missing_rule(value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            return missing_label(float(value))
        except ValueError:
            return missing_label(value)
    return missing_label(value)


@register.filter
def num(value: Any) -> str:
    """A decimal with the comma and as many places as it has; text stays."""
    if value in (None, ""):
        return "–"
    try:
        return number(float(value))
    except (TypeError, ValueError):
        return str(value)


@register.filter
def school_type_name(code: str) -> str:
    """ "GS" -> "Grundschule" (the title of the abbreviation in the tables)."""
    return str(dict(SchoolType.choices).get(code, code))
