"""The German 405 page (issue 13: a GET on a POST-only address, such as a
reloaded or bookmarked form action, showed Django's empty page): in the
platform's layout, saying what happened and where to go, with the status
and the `Allow` header kept; a 405 with a body of its own (the API) stays."""

from __future__ import annotations

import pytest
from django.http import HttpResponseNotAllowed

from schulsozial.core.middleware import MethodNotAllowedPageMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def test_opening_a_post_only_address_shows_the_german_405_page_with_the_menu(world, client_for):
    client = client_for("coordinator")
    response = client.get(
        "/accounts/me/logout-everywhere/", HTTP_REFERER="http://testserver/accounts/me/"
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert 'class="site-header"' in page
    assert 'aria-label="Hauptnavigation"' in page  # the menu stays
    assert "Fehler 405" in page
    assert "Adresse kann nicht direkt aufgerufen werden" in page
    assert "<code>/accounts/me/logout-everywhere/</code>" in page
    assert "Es wurde nichts geändert." in page
    assert 'href="http://testserver/accounts/me/"' in page  # back where the user came from
    assert 'href="/"' in page  # the start page


def test_the_405_page_offers_the_login_to_a_visitor_who_is_logged_out(world, client):
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    page = response.content.decode()
    assert "Fehler 405" in page
    assert "Anmelden</a>" in page
    assert 'aria-label="Hauptnavigation"' not in page


def test_the_405_page_is_english_after_the_language_switch(world, client_for):
    client = client_for("coordinator")
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/me/logout-everywhere/").content.decode()
    assert "Address cannot be opened directly" in page
    assert "To the start page" in page


def test_a_405_with_its_own_body_is_left_alone(world, rf):
    own = HttpResponseNotAllowed(["GET"], content=b'{"detail": "no"}')
    answer = MethodNotAllowedPageMiddleware(lambda request: own)(rf.post("/api/v1/staff/"))
    assert answer.content == b'{"detail": "no"}'
    assert answer["Allow"] == "GET"
