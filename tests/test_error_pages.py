"""The platform's own error pages (issue 13: a refused page was a bare English
"403 Forbidden", 404 and 500 Django's English pages): German by default, in
the platform's layout, each saying what happened and where to go, English
through the language switch; the 500 page renders without the database."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from schulsozial.core import views_errors

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def _in_layout(page: str) -> None:
    assert 'class="site-header"' in page
    assert 'class="skip-link"' in page
    assert 'href="/"' in page  # the way to the start page
    assert "Forbidden" not in page
    assert "Not Found" not in page
    assert "Server Error" not in page


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def test_a_refused_page_is_german_in_the_layout_with_the_menu_and_a_way_back(world, client_for):
    client = client_for("committee")
    response = client.get("/accounts/users/", HTTP_REFERER="http://testserver/statistik/")
    assert response.status_code == 403
    page = response.content.decode()
    _in_layout(page)
    assert "Kein Zugriff" in page
    assert "Ihre Rollen erlauben diese Seite oder diese Aktion nicht" in page
    assert "Administration Ihrer Kommune" in page
    assert 'href="http://testserver/statistik/"' in page  # back where the user came from
    assert 'aria-label="Hauptnavigation"' in page  # the menu stays


def test_permission_denied_raised_in_a_view_renders_the_403_page(world, client_for):
    response = client_for("coordinator").get("/test-errors/refused/")
    assert response.status_code == 403
    assert "Kein Zugriff" in response.content.decode()


def test_a_foreign_referer_is_not_offered_as_the_way_back(world, client_for):
    response = client_for("committee").get(
        "/accounts/users/", HTTP_REFERER="https://evil.example/phish"
    )
    page = response.content.decode()
    assert "evil.example" not in page
    assert "Zurück zur vorigen Seite" not in page


def test_the_refused_page_is_english_after_the_language_switch(world, client_for):
    response = english(client_for("committee")).get("/accounts/users/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Access refused" in page
    assert "To the start page" in page


def test_an_unknown_address_gives_the_german_404_page(world, client_for):
    response = client_for("coordinator").get("/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    _in_layout(page)
    assert "Seite nicht gefunden" in page
    assert "<code>/gibt-es-nicht/</code>" in page
    assert "Zur Startseite" in page
    assert "Anmelden</a>" not in page  # logged in already


def test_the_404_page_offers_the_login_to_a_visitor(db):
    response = Client().get("/gibt-es-nicht/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Seite nicht gefunden" in page
    assert 'href="/accounts/login/?next=/gibt-es-nicht/"' in page


def test_the_404_page_escapes_the_address(db):
    response = Client().get("/<script>alert(1)</script>/")
    page = response.content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_an_object_outside_the_scope_gives_the_german_404_page(world, client_for):
    """Another municipality's user: the selector answers 404 (not 403)."""
    from schulsozial.accounts.models import Role
    from schulsozial.testing.personas import make_user

    stranger = make_user("fremd", Role.COMMITTEE, municipality=world.other_town)
    response = client_for("admin").get(f"/accounts/users/{stranger.pk}/")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


def test_a_bad_request_gives_the_german_400_page(db):
    response = Client().get("/test-errors/suspicious/")
    assert response.status_code == 400
    page = response.content.decode()
    _in_layout(page)
    assert "Ungültige Anfrage" in page
    assert "Nichts wurde gespeichert." in page


def test_a_foreign_host_name_gives_the_german_400_page(db):
    response = Client().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Ungültige Anfrage" in response.content.decode()


def test_a_crash_gives_the_german_500_page(world, client_for):
    client = client_for("coordinator")
    client.raise_request_exception = False
    response = client.get("/test-errors/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    _in_layout(page)
    assert "Ein interner Fehler ist aufgetreten" in page
    assert "Das lag nicht an Ihnen" in page
    assert "a bug" not in page  # no internals
    assert 'aria-label="Hauptnavigation"' not in page  # no menu: nothing read for it


def test_the_500_page_is_english_after_the_language_switch(db):
    client = english(Client(raise_request_exception=False))
    response = client.get("/test-errors/broken/")
    assert response.status_code == 500
    assert "An internal error occurred" in response.content.decode()


def test_the_500_page_renders_without_the_database(django_assert_num_queries):
    request = RequestFactory().get("/irgendwo/")
    with django_assert_num_queries(0):
        response = views_errors.server_error(request)
    assert response.status_code == 500
    assert "Ein interner Fehler ist aufgetreten" in response.content.decode()


def test_the_500_page_falls_back_to_plain_german_when_its_template_fails(monkeypatch):
    def broken_template(name):
        raise RuntimeError("template loader down")

    monkeypatch.setattr(views_errors.loader, "get_template", broken_template)
    response = views_errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Ein interner Fehler ist aufgetreten" in response.content.decode()


def test_a_refused_csrf_check_gives_the_german_page_with_a_way_to_the_login(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    page = response.content.decode()
    _in_layout(page)
    assert "Formular nicht angenommen" in page
    assert "nichts wurde gespeichert" in page
    assert "CSRF cookie" not in page  # the reason only with DEBUG on
    assert 'href="/accounts/login/"' in page  # not back to itself as "next"
    assert "next=/accounts/login/" not in page


def test_a_refused_csrf_check_leads_back_to_the_form_it_came_from(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/",
        {"username": "x", "password": "y"},
        HTTP_REFERER="http://testserver/accounts/login/",
    )
    page = response.content.decode()
    assert 'href="http://testserver/accounts/login/"' in page
    assert "Zurück zur vorigen Seite" in page
