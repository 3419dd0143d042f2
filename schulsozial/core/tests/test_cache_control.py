"""F-10: nothing behind a login may be kept by a browser or proxy cache.

Every page, htmx partial and file (CSV, XLSX, PDF, DOCX) a logged-in user
receives, and every API answer to a token, carries `Cache-Control: no-store`.
Public pages for anonymous visitors and static files keep their headers.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.cache import get_max_age

from schulsozial.core.actors import SYSTEM
from schulsozial.testing.personas import PERSONA_NAMES
from tests.test_permission_matrix import EXPECTED, url_for

pytestmark = pytest.mark.django_db

LOGGED_IN = [name for name in PERSONA_NAMES if name != "anonymous"]


def _directives(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Cache-Control", "").split(",") if part}


def _assert_no_store(response, url: str) -> None:
    assert "no-store" in _directives(response), (url, response.status_code, response.headers)
    assert "public" not in _directives(response), url
    assert not get_max_age(response), url


GET_PAGES = sorted(
    name
    for name, (method, outcome) in EXPECTED.items()
    if method == "get" and any(outcome[p] == 200 for p in LOGGED_IN) and name != "admin:*"
)


@pytest.mark.parametrize("name", GET_PAGES)
def test_every_page_a_logged_in_persona_opens_is_not_stored(name, world, client_for):
    _method, outcome = EXPECTED[name]
    persona = next(p for p in LOGGED_IN if outcome[p] == 200)
    url = url_for(name, world)
    client = client_for(persona)
    response = client.get(url)
    assert response.status_code == 200, url
    _assert_no_store(response, url)
    # The same URL as an htmx partial.
    partial = client.get(url, HTTP_HX_REQUEST="true")
    _assert_no_store(partial, url)


def test_refusals_and_not_found_behind_the_login_are_not_stored(world, client_for):
    client = client_for("carrier")
    for url in (
        reverse("accounts:user_list"),  # 403
        reverse("masterdata:staff_detail", args=[world.foreign_staff.pk]),  # 404
    ):
        response = client.get(url)
        assert response.status_code in (403, 404)
        _assert_no_store(response, url)


LIST_EXPORTS = [
    ("coordinator", "masterdata:staff_list"),
    ("coordinator", "masterdata:school_list"),
    ("coordinator", "masterdata:position_list"),
    ("coordinator", "masterdata:carrier_list"),
    ("coordinator", "masterdata:funding_list"),
    ("coordinator", "allocation:scenario_list"),
    ("coordinator", "concepts:school_concept_list"),
    ("worker", "activities:activity_list"),
    ("admin", "accounts:user_list"),
    ("admin", "accounts:audit_list"),
]


@pytest.mark.parametrize(("persona", "name"), LIST_EXPORTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_list_exports_are_not_stored(persona, name, fmt, world, client_for):
    url = reverse(name) + f"?format={fmt}"
    response = client_for(persona).get(url)
    assert response.status_code == 200, url
    assert "attachment" in response["Content-Disposition"]
    _assert_no_store(response, url)


def test_document_exports_are_not_stored(world, client_for):
    from schulsozial.allocation.services import scenario_create
    from schulsozial.allocation.templates_rules import pupils_only
    from schulsozial.concepts.tests.factories import concept_world

    cw = concept_world(world)
    scenario = scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Szenario",
        rules_toml=pupils_only(Decimal("3")),
        by=SYSTEM,
    )
    client = client_for("coordinator")
    urls = [
        *(
            reverse("allocation:scenario_export", args=[scenario.pk, f])
            for f in ("csv", "xlsx", "pdf")
        ),
        *(reverse("concepts:framework_export", args=[cw.adopted.pk, f]) for f in ("pdf", "docx")),
        *(
            reverse("concepts:school_concept_export", args=[cw.concept.pk, f])
            for f in ("pdf", "docx")
        ),
        *(
            reverse("statistics:export", args=[s, f])
            for s in ("school", "activity_type")
            for f in ("csv", "xlsx")
        ),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].split(";")[0] != "text/html", url
        _assert_no_store(response, url)


def test_api_answers_to_a_token_are_not_stored(world, client):
    from schulsozial.activities.tests.factories import doc_world

    dw = doc_world(world)
    for name in ("api:staff_list", "api:catalogue_list"):
        response = client.get(reverse(name), HTTP_AUTHORIZATION=f"Bearer {dw.key}")
        assert response.status_code == 200
        _assert_no_store(response, name)


def test_public_pages_for_anonymous_visitors_keep_their_caching(client):
    about = client.get(reverse("dashboard:about"))
    assert about.status_code == 200
    assert "no-store" not in _directives(about)
    # The login page keeps Django's own never-cache headers, as before.
    login = client.get(reverse("accounts:login"))
    assert login.status_code == 200
    assert "no-cache" in _directives(login)


def test_static_files_are_not_touched(world, settings):
    from django.test import Client

    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client = Client()  # its handler loads WhiteNoise with these settings
    client.force_login(world.users["coordinator"])
    response = client.get("/" + settings.STATIC_URL.strip("/") + "/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in _directives(response)
