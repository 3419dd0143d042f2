"""The rollup invariant the statistics tests check after writes."""

from __future__ import annotations

from schulsozial.activities.models import Activity
from schulsozial.statistics import rollups
from schulsozial.statistics.models import PendingRollup


def assert_rollups_hold_the_records_not_queued() -> None:
    """The rollups hold exactly the records that are not queued: every cell
    equals its recomputation from those raw records."""
    stored = rollups.stored_cells()
    fresh = rollups.recompute(
        Activity.objects.exclude(pk__in=PendingRollup.objects.values("activity_id"))
    )
    for table in rollups.TABLES:
        assert stored[table] == fresh[table], table
