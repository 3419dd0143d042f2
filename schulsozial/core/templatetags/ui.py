"""Template helpers for accessible KERN form widgets and number formatting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html

from schulsozial.core import privacy

register = template.Library()

INPUT_CLASS = {
    "select": "kern-form-input__select",
    "selectmultiple": "kern-form-input__select",
    "checkbox": "kern-form-check__checkbox",
}


@register.simple_tag
def kern_widget(field: Any) -> str:
    """Render a bound field's widget with KERN classes and ARIA references."""
    input_type = getattr(field.field.widget, "input_type", None) or (
        "select" if field.field.widget.__class__.__name__.endswith("Select") else "text"
    )
    css = INPUT_CLASS.get(input_type, "kern-form-input__input")
    if field.errors:
        css += f" {css}--error"
    described = []
    if field.help_text:
        described.append(f"{field.id_for_label}-hint")
    if privacy.warns(field.field):
        described.append(privacy.hint_id(field.id_for_label))
    if field.errors:
        described.append(f"{field.id_for_label}-error")
    attrs: dict[str, str] = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.simple_tag
def privacy_hint(field_or_id: Any) -> str:
    """The free-text warning (core.privacy) for a bound field marked for it,
    or for the hand-written widget with this id; nothing otherwise."""
    if isinstance(field_or_id, str):
        field_id = field_or_id
    elif privacy.warns(field_or_id.field):
        field_id = field_or_id.id_for_label
    else:
        return ""
    return format_html(
        '<div class="kern-hint kern-hint--privacy" id="{}" data-no-personal-data>{}</div>',
        privacy.hint_id(field_id),
        privacy.FREE_TEXT_WARNING,
    )


@register.filter
def fte(value: Any) -> str:
    """Format an FTE or hours figure with two decimals in the active locale."""
    if value is None or value == "":
        return "–"
    return number_format(Decimal(value).quantize(Decimal("0.01")), 2, use_l10n=True)


@register.filter
def eur(value: Any) -> str:
    if value is None or value == "":
        return "–"
    return (
        number_format(Decimal(value).quantize(Decimal("1")), 0, use_l10n=True, force_grouping=True)
        + " €"
    )


@register.filter
def widget_type(field: Any) -> str:
    widget = field.field.widget
    return getattr(widget, "input_type", None) or (
        "select" if "Select" in widget.__class__.__name__ else "text"
    )


@register.filter
def signed(value: Any) -> str:
    """A change with its sign: +0,25 / −0,50 / ±0,00."""
    if value is None or value == "":
        return "–"
    number = Decimal(str(value)).quantize(Decimal("0.01"))
    text = number_format(abs(number), 2, use_l10n=True)
    return f"+{text}" if number > 0 else f"−{text}" if number < 0 else f"±{text}"
