"""Sub-navigation flags of the heat map, annual summary and survey pages
(issue 16, part two), asked of quality.permissions."""

from __future__ import annotations

from typing import Any

from django import template

from schulsozial.quality import permissions as perms

register = template.Library()


@register.simple_tag
def quality_more_nav(user: Any) -> dict[str, bool]:
    return {
        "quality": perms.can_use_quality(user),
        "heatmap": perms.can_view_heatmap(user),
        "summary": perms.can_view_annual_summary(user),
        "surveys": perms.can_manage_surveys(user),
    }
