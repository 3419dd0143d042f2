"""The cheaper entry paths behave as before (docs/performance.md, Entry): the
API answers a new record without reading it back, checks a repeated client id
once, and SQLite keeps its connection between requests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache

from schulsozial.activities.models import Activity, CatalogueEntry
from schulsozial.activities.tests.test_api import payload, post

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_api_answers_a_new_record_with_the_topics_it_stored(dw, world, client):
    data = payload(world, topics=["media", "peer_conflicts", "media"])
    response = post(client, dw.key, data)
    assert response.status_code == 201, response.json()
    activity = Activity.objects.get(client_id=data["client_id"])
    stored = sorted(activity.topics.values_list("code", flat=True))
    assert response.json()["topics"] == stored == ["media", "peer_conflicts"]
    again = post(client, dw.key, data)
    assert again.status_code == 200 and again.json() == response.json()


def test_api_repeat_returns_the_stored_record_after_its_code_was_retired(dw, world, client):
    data = payload(world)
    first = post(client, dw.key, data)
    assert first.status_code == 201, first.json()
    CatalogueEntry.objects.filter(
        municipality=world.schools[1].municipality, code=data["activity_type"]
    ).update(retired=True)
    again = post(client, dw.key, data)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    new = post(client, dw.key, payload(world))
    assert new.status_code == 400 and "activity_type" in new.json()


def test_api_repeat_returns_the_stored_record_whatever_school_it_names(dw, world, client):
    data = payload(world)
    first = post(client, dw.key, data)
    assert first.status_code == 201, first.json()
    again = post(client, dw.key, {**data, "school_number": "999999"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Activity.objects.filter(client_id=data["client_id"]).count() == 1


def test_sqlite_keeps_its_connection_between_requests(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SCHULSOZIAL_TESTING": "1",
    }
    env.pop("DB_CONN_MAX_AGE", None)
    code = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        "print(d['CONN_MAX_AGE'], d['OPTIONS']['transaction_mode'])"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter, fixed code)
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["60", "IMMEDIATE"]
