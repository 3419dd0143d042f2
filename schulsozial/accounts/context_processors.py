from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import permissions as perms


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Which main-menu entries to show; the views check again on the server."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}}
    # The apps' rules build on these (accounts.permissions): imported here, not
    # at the top, so that accounts imports none of them when they import it.
    from schulsozial.activities import permissions as activities_perms
    from schulsozial.allocation import permissions as allocation_perms
    from schulsozial.concepts import permissions as concepts_perms
    from schulsozial.masterdata import permissions as masterdata_perms
    from schulsozial.statistics import permissions as statistics_perms

    return {
        "nav": {
            "masterdata": masterdata_perms.can_use_masterdata(user),
            "staff": masterdata_perms.can_list_staff(user),
            "positions": masterdata_perms.can_list_positions(user),
            "funding": masterdata_perms.can_list_funding(user),
            "municipalities": masterdata_perms.can_see_municipalities(user),
            "school_years": masterdata_perms.can_see_school_years(user),
            "administration": perms.can_administer(user),
            "scenarios": allocation_perms.can_list_scenarios(user),
            "concepts": concepts_perms.can_use_concepts(user),
            "school_concepts": concepts_perms.can_use_school_concepts(user),
            "concept_overview": concepts_perms.can_view_concept_overview(user),
            "documentation": activities_perms.can_use_documentation(user),
            "statistics": statistics_perms.can_view_statistics(user),
        }
    }
