"""Migration statistics/0007 drops the rollup queue of the previous version.
Records still waiting in it were never added to the rollups, so the
migration refuses while any wait instead of losing them from the statistics."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from schulsozial.activities.models import Activity
from schulsozial.activities.tests.factories import doc_world
from schulsozial.testing.personas import build_world

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("statistics", "0006_rollup_queue")]


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "statistics"]


def test_dropping_the_queue_refuses_while_records_wait_and_goes_on_once_it_is_empty():
    activity = doc_world(build_world()).activity
    latest = _latest()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        executor.loader.build_graph()
        old = executor.loader.project_state(BEFORE).apps
        queue = old.get_model("statistics", "PendingRollup")
        queue.objects.create(activity_id=activity.pk)

        with pytest.raises(RuntimeError, match="1 record"):
            MigrationExecutor(connection).migrate(latest)
        assert queue.objects.count() == 1  # nothing dropped

        queue.objects.all().delete()  # what the old rollup_worker --once does
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    assert Activity.objects.filter(pk=activity.pk).exists()
    assert "statistics_pendingrollup" not in connection.introspection.table_names()
