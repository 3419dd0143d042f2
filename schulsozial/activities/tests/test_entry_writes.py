"""A new record reads back as written: the record, topics, participants,
rollups and audit entry; a repeated client id writes nothing."""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from schulsozial.activities import services
from schulsozial.activities.models import Activity, ParticipantCount
from schulsozial.activities.tests.factories import activity_input, entry
from schulsozial.core.audit import Action, audit
from schulsozial.core.models import AuditEntry
from schulsozial.statistics.tests import rollup_checks as rollups


def test_recorded_activity_reads_back_as_written(dw, world):
    town, school = world.town, world.schools[0]
    topics = (entry(town, "topic", "bullying"), entry(town, "topic", "family"))
    data = activity_input(
        town,
        school,
        topics=(*topics, topics[0]),  # a repeated topic is stored once
        contact_origin=entry(town, "contact_origin", "teacher"),
        follow_up=True,
        case_code="K9",
        client_id=uuid.uuid4(),
    )
    before = timezone.now()
    activity, created = services.activity_record(data=data, by=world.users["worker"])
    assert created and activity.pk and not activity._state.adding
    stored = Activity.objects.get(pk=activity.pk)
    for name in (
        "school_id", "worker_id", "author_id", "date", "minutes", "activity_type_id",
        "target_group_id", "contact_origin_id", "partner_id", "follow_up", "source",
        "participants", "case_hash", "client_id",
    ):  # fmt: skip
        assert getattr(stored, name) == getattr(activity, name), name
    assert stored.author_id == world.users["worker"].pk and stored.participants == 1
    assert before <= stored.created_at <= stored.updated_at <= timezone.now()
    assert sorted(t.pk for t in stored.topics.all()) == sorted(t.pk for t in topics)
    assert ParticipantCount.objects.get(activity=stored).count == 1
    # Added to the rollups in the record's transaction.
    assert rollups.stored_cells() == rollups.recompute(Activity.objects.all())
    (logged,) = AuditEntry.objects.filter(
        object_type="activities.activity", object_id=str(stored.pk)
    )
    assert logged.action == Action.CREATE and logged.actor_id == world.users["worker"].pk
    assert logged.changes["minutes"] == 45 and logged.changes["date"] == data.date.isoformat()


def test_repeated_client_id_returns_the_record_and_writes_nothing(dw, world):
    cid = uuid.uuid4()
    data = activity_input(world.town, world.schools[0], client_id=cid, case_code="K1")
    first, created = services.activity_record(data=data, by=world.users["worker"])
    counts = (Activity.objects.count(), AuditEntry.objects.count(), rollups.stored_cells())
    again, created_again = services.activity_record(
        data=activity_input(world.town, world.schools[0], client_id=cid, minutes=90),
        by=world.users["worker"],
    )
    assert created and not created_again and again.pk == first.pk and again.minutes == 45
    assert (Activity.objects.count(), AuditEntry.objects.count(), rollups.stored_cells()) == counts


def test_repeated_client_id_returns_the_record_even_if_now_invalid(dw, world):
    cid = uuid.uuid4()
    data = activity_input(world.town, world.schools[0], client_id=cid)
    first, _created = services.activity_record(data=data, by=world.users["worker"])
    future = timezone.localdate() + datetime.timedelta(days=3)
    again, created = services.activity_record(
        data=activity_input(world.town, world.schools[0], client_id=cid, date=future),
        by=world.users["worker"],
    )
    assert not created and again.pk == first.pk


def test_audit_returns_the_stored_entry(world):
    logged = audit(
        actor=world.users["coordinator"],
        action=Action.UPDATE,
        obj=world.schools[0],
        changes={"when": datetime.date(2026, 1, 2), "n": 3},
    )
    stored = AuditEntry.objects.get(pk=logged.pk)
    assert stored.actor_id == world.users["coordinator"].pk
    assert stored.object_type == "masterdata.school" and stored.object_id == str(
        world.schools[0].pk
    )
    assert stored.changes == {"when": "2026-01-02", "n": 3} and stored.at == logged.at
    assert audit(actor=None, action=Action.EXPORT, object_repr="x").actor_label == "system"
