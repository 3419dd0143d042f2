"""Session idle timeout (default 30 minutes), the absolute limit, and
"log out everywhere"."""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client, override_settings
from django.utils import timezone

from schulsozial.core.models import AuditEntry
from schulsozial.testing.personas import PASSWORD

pytestmark = pytest.mark.django_db

START = timezone.now()


@contextmanager
def at(minutes: float):
    with mock.patch(
        "django.utils.timezone.now", return_value=START + datetime.timedelta(minutes=minutes)
    ):
        yield


def _login(username: str = "koordination") -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _logged_in(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def _expiry(client: Client) -> datetime.datetime:
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_the_default_idle_timeout_is_30_minutes():
    assert settings.SESSION_IDLE_TIMEOUT == 30
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_an_idle_session_ends_after_the_timeout(world):
    with at(0):
        client = _login()
    with at(29):
        assert _logged_in(client)
    with at(58):  # 29 minutes after the last request
        assert _logged_in(client)
    with at(58 + 31):
        assert not _logged_in(client)
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_session_is_saved_at_most_once_a_minute(world):
    with at(0):
        client = _login()
        assert _logged_in(client)
    first = _expiry(client)
    with at(0.3):
        assert _logged_in(client)
    assert _expiry(client) == first  # no write for a request within the minute
    with at(1.5):
        assert _logged_in(client)
    assert _expiry(client) == first + datetime.timedelta(minutes=1.5)


@override_settings(SESSION_IDLE_TIMEOUT=5, SESSION_COOKIE_AGE=5 * 60)
def test_the_idle_timeout_is_configurable(world):
    with at(0):
        client = _login()
    with at(4):
        assert _logged_in(client)
    with at(10):
        assert not _logged_in(client)


@override_settings(SESSION_ABSOLUTE_TIMEOUT=3600)
def test_an_active_session_ends_after_the_absolute_limit(world):
    with at(0):
        client = _login()
    for minute in (20, 40, 60):
        with at(minute):
            assert _logged_in(client)
    with at(61):
        assert not _logged_in(client)


def test_log_out_everywhere_ends_every_session_of_the_user(world):
    here, phone, other_user = _login(), _login(), _login("gremium")
    page = here.get("/accounts/me/").content.decode()
    assert "Überall abmelden" in page and "30 Minuten ohne Aktivität" in page
    response = here.post("/accounts/me/logout-everywhere/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not _logged_in(here)
    assert not _logged_in(phone)
    assert _logged_in(other_user)
    assert AuditEntry.objects.filter(
        action="update", actor=world.users["coordinator"], changes__sessions="ended everywhere"
    ).exists()
    assert _logged_in(_login())  # a new login works


def test_sessions_survive_a_secret_key_rotation_with_and_without_a_session_token(world):
    """The old key moves to SECRET_KEY_FALLBACKS: Django then checks the fallback hashes,
    which must carry the session token exactly as the current one does."""
    assert _login("gremium").post("/accounts/me/logout-everywhere/").status_code == 302
    world.users["committee"].refresh_from_db()
    assert world.users["committee"].session_token
    assert world.users["coordinator"].session_token == ""
    plain, with_token = _login(), _login("gremium")
    unrotated_plain, unrotated_with_token = _login(), _login("gremium")
    new_key = "another-secret-key-" * 3
    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[settings.SECRET_KEY]):
        assert _logged_in(plain)
        assert _logged_in(with_token)
    with override_settings(SECRET_KEY=new_key, SECRET_KEY_FALLBACKS=[]):
        assert not _logged_in(unrotated_plain)
        assert not _logged_in(unrotated_with_token)
