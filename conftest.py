"""Shared test set-up: settings for tests and the personas of PRODUCT.md §2.

The personas live in two small municipalities built with factories: a
coordinator, a carrier manager, two social workers at different schools, a
principal, a committee member, an administrator and an anonymous visitor;
plus the same roles in a second municipality to prove that scopes hold.
"""

from __future__ import annotations

import os

os.environ.setdefault("SCHULSOZIAL_TESTING", "1")
os.environ.setdefault("AXES_ENABLED", "0")

import pytest

from schulsozial.testing.personas import PERSONA_NAMES, World, build_world


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (German), as a new request would."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(params=PERSONA_NAMES)
def persona(request, world):
    return request.param


@pytest.fixture
def client_for(client, world):
    """client_for("coordinator") -> a test client logged in as that persona."""
    from django.test import Client

    def make(name: str) -> Client:
        new = Client()
        user = world.users.get(name)
        if user is not None:
            new.force_login(user)
        return new

    return make
