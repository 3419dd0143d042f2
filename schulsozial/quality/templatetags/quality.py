"""Template helpers of quality management."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def rating_label(rating: Any, scale: list[tuple[int, str]]) -> str:
    """A rating as its step's name, or "not applicable" with the reason (escaped)."""
    if rating is None:
        return "–"
    if rating.not_applicable:
        return format_html(
            '{} <span class="kern-hint">({})</span>',
            _("not applicable"),
            rating.not_applicable_reason,
        )
    names = dict(scale)
    if rating.value is None:
        return "–"
    return format_html("{}", names.get(rating.value, str(rating.value)))


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """``mapping|get_item:key`` (the cycle table's steps per school)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
