"""F-14: no value in a query string makes a page fail.

Every page a persona opens gets the query parameters the views read (ids,
years, dates, weeks, choices, pages, sorting) with text, unicode digits,
huge numbers, the calendar's ends and a NUL byte. Each answer is a page or
a clear 4xx, never a server error.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from schulsozial.testing.personas import PERSONA_NAMES
from tests.test_permission_matrix import EXPECTED, url_for

pytestmark = pytest.mark.django_db

LOGGED_IN = [name for name in PERSONA_NAMES if name != "anonymous"]

#: Every name a view reads from request.GET (grep request.GET), and the
#: filters of the lists and the statistics.
PARAMETERS = (
    "year", "school_year", "week", "date", "school", "municipality", "carrier", "staff",
    "funding_stream", "school_type", "a", "b", "kind", "state", "open", "target", "view",
    "page", "sort", "q", "month_from", "month_to", "activity_type", "scenarios", "active",
    "function", "ending_within", "contract", "unprotected",
    # council papers, staffing plan, contracts, quality management
    "format", "table", "vorlage", "committee", "paper_type", "linked", "status", "perspective",
    "dimension", "audience", "plan", "standard",
)  # fmt: skip
VARIANTS = {
    "text": "abc",
    "unicode digits": "²³",
    "huge": "9" * 25,
    "negative": "-1",
    "decimal": "1.5",
    "calendar start": "0001-01-01",
    "calendar end": "9999-12-31",
    "nul": "a\x00b",
}

GET_PAGES = sorted(
    name
    for name, (method, outcome) in EXPECTED.items()
    if method == "get" and any(outcome[p] == 200 for p in LOGGED_IN) and name != "admin:*"
)


@pytest.mark.parametrize("name", GET_PAGES)
def test_no_query_value_gives_a_server_error(name, world, client_for):
    _method, outcome = EXPECTED[name]
    persona = next(p for p in LOGGED_IN if outcome[p] == 200)
    url = url_for(name, world)
    client = client_for(persona)
    client.raise_request_exception = False
    failures = []
    for label, value in VARIANTS.items():
        response = client.get(url, dict.fromkeys(PARAMETERS, value))
        if response.status_code >= 500:
            failures.append((label, response.status_code))
    assert not failures, f"{name} ({url}): {failures}"


@pytest.mark.parametrize("value", ["abc", "²", "9" * 25, "-1", "1.5", ""])
def test_school_figures_ignore_a_bad_year(value, world, client_for):
    """`?year=` names the school year whose figures the form starts with; a
    value that is no year's id falls back to the current school year."""
    url = reverse("masterdata:school_figures", args=[world.schools[0].pk])
    response = client_for("coordinator").get(url, {"year": value})
    assert response.status_code == 200
    assert response.context["form"].initial["school_year"] == world.year
    assert response.context["form"].initial["pupils"] == 240


def test_school_figures_start_with_the_asked_year(world, client_for):
    url = reverse("masterdata:school_figures", args=[world.schools[0].pk])
    response = client_for("coordinator").get(url, {"year": str(world.year.pk)})
    assert response.context["form"].initial["school_year"] == world.year
