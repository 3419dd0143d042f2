from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import permissions as perms
from .models import Role


@dataclass(frozen=True)
class MenuEntry:
    """One entry of the main menu: its target and the pages it stands for
    (``namespace:url_name`` or ``namespace:prefix*``), so that the entry of
    the current page is marked."""

    key: str
    label: Any
    url_name: str
    pages: tuple[str, ...]


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url: str
    current: bool


ENTRIES = {
    e.key: e
    for e in (
        MenuEntry("dashboard", _("Dashboard"), "dashboard:home", ("dashboard:home",)),
        MenuEntry("work", _("Work documentation"), "activities:home", ("activities:*",)),
        MenuEntry(
            "schools",
            _("Schools"),
            "masterdata:school_list",
            ("masterdata:school_*",),
        ),
        MenuEntry(
            "carriers",
            _("Carriers"),
            "masterdata:carrier_list",
            ("masterdata:carrier_*",),
        ),
        MenuEntry(
            "staff",
            _("Staff"),
            "masterdata:staff_list",
            ("masterdata:staff_*", "privacy:*"),
        ),
        MenuEntry(
            "positions",
            _("Positions"),
            "masterdata:position_list",
            ("masterdata:position_*", "masterdata:assignment_*"),
        ),
        MenuEntry(
            "funding",
            _("Funding"),
            "masterdata:funding_list",
            ("masterdata:funding_*",),
        ),
        MenuEntry("contracts", _("Contracts"), "contracts:contract_list", ("contracts:*",)),
        MenuEntry("scenarios", _("Distribution"), "allocation:scenario_list", ("allocation:*",)),
        MenuEntry("staffing", _("Staffing plan"), "staffing:plan_list", ("staffing:*",)),
        MenuEntry("concepts", _("Concepts"), "concepts:framework_list", ("concepts:*",)),
        MenuEntry("quality", _("Quality"), "quality:home", ("quality:*",)),
        MenuEntry(
            "council",
            _("Council papers"),
            "council:paper_list",
            ("council:*",),
        ),
        MenuEntry(
            "catalogues",
            _("Catalogues"),
            "activities:catalogue_list",
            ("activities:catalogue_*", "activities:token_*"),
        ),
        MenuEntry("api", _("API access"), "activities:token_list", ("activities:token_*",)),
        MenuEntry("statistics", _("Statistics"), "statistics:report", ("statistics:*",)),
        MenuEntry(
            "municipalities",
            _("Municipalities"),
            "masterdata:municipality_list",
            ("masterdata:municipality_*",),
        ),
        MenuEntry(
            "school_years",
            _("School years"),
            "masterdata:school_year_list",
            ("masterdata:school_year_*",),
        ),
        MenuEntry(
            "users",
            _("Users"),
            "accounts:user_list",
            ("accounts:user_*", "accounts:role_*", "accounts:twofactor_reset"),
        ),
        MenuEntry("audit", _("Audit log"), "accounts:audit_list", ("accounts:audit_list",)),
        MenuEntry("sso", _("Single sign-on"), "accounts:oidc_mappings", ("accounts:oidc_*",)),
    )
}

# What each role does, in menu order. A person with several roles gets the
# entries of all of them; an entry is shown only when its page is open to the
# person (the permission functions below), and the views check again.
ROLE_MENUS: dict[str, tuple[str, ...]] = {
    Role.COORDINATION: (
        "dashboard",
        "schools",
        "carriers",
        "staff",
        "positions",
        "funding",
        "contracts",
        "scenarios",
        "staffing",
        "concepts",
        "quality",
        "council",
        "catalogues",
        "statistics",
        "municipalities",
        "school_years",
    ),
    Role.CARRIER: (
        "dashboard",
        "schools",
        "staff",
        "positions",
        "contracts",
        "concepts",
        "quality",
        "scenarios",
        "staffing",
        "council",
        "statistics",
        "api",
    ),
    Role.WORKER: ("dashboard", "work", "concepts", "quality", "council", "statistics"),
    Role.PRINCIPAL: (
        "dashboard",
        "schools",
        "concepts",
        "quality",
        "scenarios",
        "council",
        "statistics",
    ),
    Role.COMMITTEE: (
        "dashboard",
        "schools",
        "carriers",
        "concepts",
        "quality",
        "scenarios",
        "council",
        "statistics",
    ),
    Role.ADMINISTRATION: ("dashboard", "municipalities", "users", "audit", "sso"),
}

MENU_ORDER = tuple(ENTRIES)


def _matches(pattern: str, view_name: str) -> bool:
    if pattern.endswith("*"):
        return view_name.startswith(pattern[:-1])
    return view_name == pattern


def _allowed(user: Any) -> dict[str, Callable[[], bool]]:
    # The apps' rules build on these (accounts.permissions): imported here, not
    # at the top, so that accounts imports none of them when they import it.
    from schulsozial.activities import permissions as activities_perms
    from schulsozial.allocation import permissions as allocation_perms
    from schulsozial.concepts import permissions as concepts_perms
    from schulsozial.contracts import permissions as contracts_perms
    from schulsozial.council import permissions as council_perms
    from schulsozial.masterdata import permissions as masterdata_perms
    from schulsozial.quality import permissions as quality_perms
    from schulsozial.staffing import permissions as staffing_perms
    from schulsozial.statistics import permissions as statistics_perms

    return {
        "dashboard": lambda: True,
        "work": lambda: activities_perms.can_document(user),
        "schools": lambda: masterdata_perms.can_use_masterdata(user),
        "carriers": lambda: masterdata_perms.can_use_masterdata(user),
        "staff": lambda: masterdata_perms.can_list_staff(user),
        "positions": lambda: masterdata_perms.can_list_positions(user),
        "funding": lambda: masterdata_perms.can_list_funding(user),
        "contracts": lambda: contracts_perms.can_see_carrier_timelines(user),
        "scenarios": lambda: allocation_perms.can_list_scenarios(user),
        "staffing": lambda: staffing_perms.can_use_staffing(user),
        "concepts": lambda: concepts_perms.can_use_concepts(user),
        "quality": lambda: (
            quality_perms.can_use_quality(user) or quality_perms.can_view_heatmap(user)
        ),
        "council": lambda: council_perms.can_use_council(user),
        "catalogues": lambda: activities_perms.can_manage_catalogues(user),
        "api": lambda: activities_perms.can_use_api_tokens(user),
        "statistics": lambda: statistics_perms.can_view_statistics(user),
        "municipalities": lambda: masterdata_perms.can_see_municipalities(user),
        "school_years": lambda: masterdata_perms.can_see_school_years(user),
        "users": lambda: perms.can_administer(user),
        "audit": lambda: perms.can_view_audit_log(user),
        "sso": lambda: perms.can_administer(user),
    }


def _concepts_url(user: Any) -> str:
    from schulsozial.concepts import permissions as concepts_perms

    if concepts_perms.can_view_concept_overview(user):
        return reverse("concepts:overview")
    if concepts_perms.can_use_school_concepts(user):
        return reverse("concepts:school_concept_list")
    return reverse("concepts:framework_list")


def _quality_url(user: Any) -> str:
    """The quality cycle; the committee, which sees only the published
    town-wide averages, goes straight to the overview of the standards."""
    from schulsozial.quality import permissions as quality_perms

    if quality_perms.can_use_quality(user):
        return reverse("quality:home")
    return reverse("quality:heatmap")


ENTRY_URLS: dict[str, Callable[[Any], str]] = {
    "concepts": _concepts_url,
    "quality": _quality_url,
}


def menu_for(user: Any, view_name: str = "") -> list[MenuItem]:
    """The main menu of `user`: the entries of each of their roles, the one
    for the page `view_name` (``namespace:url_name``) marked as current."""
    wanted: set[str] = set()
    for role in perms.roles(user):
        wanted.update(ROLE_MENUS.get(role, ()))
    if not perms.is_global_admin(user) and not (perms.roles(user) - {Role.ADMINISTRATION}):
        # A municipal administrator has no content: no municipality pages.
        wanted.discard("municipalities")
    allowed = _allowed(user)
    shown = [ENTRIES[k] for k in MENU_ORDER if k in wanted and allowed[k]()]
    # The most specific entry wins (API access over the work documentation).
    current_key = ""
    best = -1
    for entry in shown:
        for pattern in entry.pages:
            if _matches(pattern, view_name) and len(pattern) > best:
                current_key, best = entry.key, len(pattern)
    items = []
    for entry in shown:
        url = ENTRY_URLS[entry.key](user) if entry.key in ENTRY_URLS else reverse(entry.url_name)
        items.append(MenuItem(entry.key, str(entry.label), url, entry.key == current_key))
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The main menu, the help link for the current page and the flags other
    templates ask; the views check again on the server."""
    from schulsozial.core.help import help_url

    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else ""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": {}, "help_url": help_url(view_name)}
    from schulsozial.concepts import permissions as concepts_perms

    return {
        "nav": {
            "menu": menu_for(user, view_name),
            "school_concepts": concepts_perms.can_use_school_concepts(user),
            "concept_overview": concepts_perms.can_view_concept_overview(user),
        },
        "help_url": help_url(view_name),
    }
