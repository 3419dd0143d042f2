"""An htmx request that needs a login gets HX-Redirect to the login page
(with next= the page the user is on), not a 302 that htmx would follow and
swap the login page into the element it updates (issue 13)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings

from .test_sessions import _logged_in, _login, at

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _next_of(url: str) -> str:
    parts = urlsplit(url)
    assert parts.path == "/accounts/login/"
    return parse_qs(parts.query)["next"][0]


def test_an_htmx_request_after_the_idle_timeout_is_sent_to_the_login_page_it_came_from(world):
    with at(0):
        client = _login()
    with at(31):
        response = client.get(
            "/?q=x", headers={**HTMX, "HX-Current-URL": "http://testserver/schulen/?page=2"}
        )
    assert response.status_code == 200
    assert "Location" not in response
    assert _next_of(response["HX-Redirect"]) == "/schulen/?page=2"
    assert response.content == b""  # no login page to swap into the target


def test_an_htmx_request_from_another_site_returns_to_the_requested_path(world):
    with at(0):
        client = _login()
    with at(31):
        response = client.get(
            "/?q=x", headers={**HTMX, "HX-Current-URL": "https://evil.example/schulen/"}
        )
        no_current = client.get("/?q=y", headers=HTMX)
    assert _next_of(response["HX-Redirect"]) == "/?q=x"
    assert _next_of(no_current["HX-Redirect"]) == "/?q=y"


@override_settings(SESSION_ABSOLUTE_TIMEOUT=3600)
def test_an_htmx_request_after_the_absolute_limit_gets_hx_redirect(world):
    with at(0):
        client = _login()
    with at(61):
        response = client.get(
            "/", headers={**HTMX, "HX-Current-URL": "http://testserver/aktivitaeten/"}
        )
    assert response.status_code == 200
    assert _next_of(response["HX-Redirect"]) == "/aktivitaeten/"
    assert not _logged_in(client)


def test_a_normal_request_after_the_idle_timeout_still_gets_the_302(world):
    with at(0):
        client = _login()
    with at(31):
        response = client.get("/?q=x", headers={"HX-Current-URL": "http://testserver/schulen/"})
    assert response.status_code == 302
    assert "HX-Redirect" not in response
    assert _next_of(response["Location"]) == "/?q=x"


def test_an_htmx_request_of_a_logged_in_user_is_answered_as_before(world):
    client = _login()
    response = client.get("/", headers=HTMX)
    assert response.status_code == 200
    assert "HX-Redirect" not in response


def test_an_api_request_without_a_token_is_unaffected(client):
    response = client.get("/api/v1/catalogues/", headers=HTMX)
    assert response.status_code == 401
    assert "HX-Redirect" not in response and "Location" not in response
    assert response["Content-Type"].startswith("application/json") and response.json()
