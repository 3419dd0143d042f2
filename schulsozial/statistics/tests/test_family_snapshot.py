"""A protected report reads its table family (activities per school x type, per month,
per carrier) in several statements. Found by the load test (bench/loadtest.py): a record
committed between them made the tables disagree on the grand total, and the committee's
statistics page answered 500 ("the tables of a family must have the same grand total").
The report now reads in one snapshot (core.snapshot.read_snapshot)."""

from __future__ import annotations

from schulsozial.activities.hooks import Facts
from schulsozial.activities.models import CatalogueEntry
from schulsozial.statistics import rollups
from schulsozial.statistics.sources import RollupSource
from schulsozial.testing.concurrency import in_thread, postgres_only

from .test_differencing import RECORDS, date_of, differencing_world, report, total


def _one_more_record(world) -> None:
    def entry(kind: str, code: str) -> int:
        return CatalogueEntry.objects.get(municipality=world.town, kind=kind, code=code).pk

    worker = world.staff[0]
    rollups.add_many(
        [
            Facts(
                date=date_of(9),
                municipality_id=world.town.pk,
                school_id=world.schools[0].pk,
                carrier_id=worker.carrier_id,
                worker_id=worker.pk,
                activity_type_id=entry("activity_type", "counselling_pupil"),
                target_group_id=entry("target_group", "individual"),
                minutes=45,
                participant_total=1,
                topic_ids=(),
                contact_origin_id=None,
                partner_id=None,
                case_hash="",
            )
        ]
    )


@postgres_only
def test_a_record_committed_while_the_family_is_read_gives_a_consistent_page(
    transactional_db, world, monkeypatch
):
    differencing_world(world)
    before = sum(row[4] for row in RECORDS)
    months = RollupSource.months
    committed = []

    def months_after_a_commit(self, w):
        if not committed:  # another connection commits between the family's reads
            thread, result = in_thread(_one_more_record, world)
            thread.join()
            assert "error" not in result, result
            committed.append(True)
        return months(self, w)

    monkeypatch.setattr(RollupSource, "months", months_after_a_commit)
    rep = report(world, "committee")
    assert committed
    assert total(rep, "school") == before  # the snapshot taken before the commit
    assert total(report(world, "committee"), "school") == before + 1
