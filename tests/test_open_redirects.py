"""Open redirects: no `next` value sends a user off the site after logging
in, logging out or switching the language (SECURITY.md). The variants are
those of the December 2026 security test (shared/reviews, section 5)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from schulsozial.testing.personas import PASSWORD

FOREIGN = [
    "//evil.example/",
    "https://evil.example/",
    "http://evil.example/x",
    "/\\evil.example/",
    "\\\\evil.example/",
    "///evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "\tjavascript:alert(1)",
    " //evil.example/",
    "\t//evil.example/",
    "//user@evil.example/",
    "https://testserver@evil.example/",
    "/%2F%2Fevil.example/",
    "data:text/html,<script>alert(1)</script>",
]


def _stays_on_site(response) -> None:
    assert response.status_code in (301, 302), response.status_code
    location = response["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http", "https"), location
    assert parts.netloc in ("", "testserver"), location
    assert not location.lstrip().startswith(("//", "/\\", "\\")), location


@pytest.mark.parametrize("target", FOREIGN)
def test_login_follows_no_foreign_next(world, target):
    client = Client()
    response = client.post(
        reverse("accounts:login") + "?next=x",
        {"username": "fachkraft", "password": PASSWORD, "next": target},
    )
    _stays_on_site(response)
    assert "_auth_user_id" in client.session  # the login itself worked


@pytest.mark.parametrize("target", FOREIGN)
def test_logout_follows_no_foreign_next(world, client_for, target):
    client = client_for("worker")
    response = client.post(reverse("accounts:logout"), {"next": target})
    _stays_on_site(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", FOREIGN)
def test_language_switch_follows_no_foreign_next(world, client_for, target):
    client = client_for("worker")
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    _stays_on_site(response)


def test_a_same_site_next_is_followed(world):
    client = Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": "fachkraft", "password": PASSWORD, "next": "/dokumentation/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/dokumentation/"
