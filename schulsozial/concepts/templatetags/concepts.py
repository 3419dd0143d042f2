"""Template helpers for concept texts."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..markdown import render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    """Render Markdown; the HTML is sanitised by nh3 before it is marked safe."""
    return mark_safe(render_markdown(text))  # noqa: S308 (sanitised by nh3 just above)
