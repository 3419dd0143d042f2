"""Duplicate API submissions (issue 11, "Concurrency"): the same client id
sent twice at the same moment creates exactly one record; both answers name
it (201 and 200). The guarantee is the database's: the partial unique
constraint `activity_idempotent_client_id` on (worker, client id), which the
insert meets with ON CONFLICT DO NOTHING (services.activity_record).

The race runs two threads on separate PostgreSQL connections, both held
after validation until both have arrived, so both inserts overlap (SQLite
has one writer at a time: nothing to race). The constraint test runs on both
databases."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.test import Client

from schulsozial.activities.models import Activity
from schulsozial.activities.services import records
from schulsozial.activities.tests.factories import doc_world
from schulsozial.activities.tests.test_security import api_payload

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two writers at once: PostgreSQL (SQLite has one writer at a time)",
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_same_client_id_twice_at_once_creates_one_record(world, monkeypatch):
    cache.clear()
    dw = doc_world(world)
    data = api_payload(world, client_id=str(uuid.uuid4()), case_code="K9")
    arrived = threading.Barrier(2, timeout=10)
    validate = records._validate

    def held(*args, **kwargs):
        validate(*args, **kwargs)
        arrived.wait()  # both requests are past their checks, inside their transactions

    monkeypatch.setattr(records, "_validate", held)
    answers: list[tuple[int, dict]] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            response = Client().post(
                "/api/v1/activities/",
                data,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {dw.key}",
            )
            answers.append((response.status_code, response.json()))
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(status for status, _body in answers) == [200, 201]
    assert len({body["id"] for _status, body in answers}) == 1
    stored = Activity.objects.filter(client_id=data["client_id"])
    assert stored.count() == 1
    assert stored.get().worker_id == world.staff[0].pk
    cache.clear()


def test_the_database_refuses_a_second_record_with_the_same_client_id(dw):
    """The constraint itself, past every service: a second row with the same
    worker and client id cannot be written."""
    fields = {
        f.attname: getattr(dw.activity, f.attname)
        for f in Activity._meta.concrete_fields
        if not f.primary_key
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.create(**fields)
    fields["client_id"] = None  # imports store none: any number of them
    Activity.objects.create(**fields)
    Activity.objects.create(**fields)
    assert Activity.objects.filter(client_id=dw.activity.client_id).count() == 1
