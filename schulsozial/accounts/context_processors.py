from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import permissions as perms


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which main-menu entries to show; the views check again on the server."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    return {
        "nav": {
            "masterdata": perms.can_use_masterdata(user),
            "staff": perms.can_list_staff(user),
            "positions": perms.can_list_positions(user),
            "funding": perms.can_list_funding(user),
            "municipalities": perms.can_use_masterdata(user) or perms.is_global_admin(user),
            "school_years": bool(perms.grants(user)),
            "administration": perms.can_administer(user),
            "scenarios": perms.can_list_scenarios(user),
            "concepts": perms.can_use_concepts(user),
            "school_concepts": perms.can_use_school_concepts(user),
            "concept_overview": perms.can_view_concept_overview(user),
            "documentation": perms.can_use_documentation(user),
            "statistics": perms.can_view_statistics(user),
        }
    }
