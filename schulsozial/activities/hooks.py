"""The one place where the records' writers reach what is derived from them.

The statistics rollups count every record, and the services must change
them in the record's own transaction (one commit, one school lock order:
statistics/rollups.py). The statistics read the records, so they import
activities; activities must not import them back. They meet here instead:
activities declares what it needs (`RollupWriter`), and the statistics app
registers its rollups module in ``StatisticsConfig.ready``. The calls are
plain function calls, synchronous, in the caller's transaction; nothing is
queued. Without a registered writer every write fails loudly (`rollups()`),
never silently leaving the rollups behind.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from .models import Activity


class Record(Protocol):
    """What the rollups need of one record (``bulk.NewActivity`` and `Facts`
    have these attributes)."""

    @property
    def date(self) -> datetime.date: ...
    @property
    def municipality_id(self) -> int: ...  # the school's
    @property
    def school_id(self) -> int: ...
    @property
    def carrier_id(self) -> int: ...  # the worker's
    @property
    def worker_id(self) -> int: ...
    @property
    def activity_type_id(self) -> int: ...
    @property
    def target_group_id(self) -> int: ...
    @property
    def minutes(self) -> int: ...
    @property
    def participant_total(self) -> int: ...
    @property
    def topic_ids(self) -> Sequence[int]: ...
    @property
    def contact_origin_id(self) -> int | None: ...
    @property
    def partner_id(self) -> int | None: ...
    @property
    def case_hash(self) -> str: ...  # "" for none


@dataclass(frozen=True)
class Facts:
    """A `Record` as plain values (`facts_of` reads one from a saved record)."""

    date: datetime.date
    municipality_id: int
    school_id: int
    carrier_id: int
    worker_id: int
    activity_type_id: int
    target_group_id: int
    minutes: int
    participant_total: int
    topic_ids: tuple[int, ...]
    contact_origin_id: int | None
    partner_id: int | None
    case_hash: str


def facts_of(activity: Activity) -> Facts:
    """The facts of a saved record as it is now (its school, worker and
    topics are read if not loaded): what a correction or deletion takes out
    of the rollups."""
    return Facts(
        date=activity.date,
        municipality_id=activity.school.municipality_id,
        school_id=activity.school_id,
        carrier_id=activity.worker.carrier_id,
        worker_id=activity.worker_id,
        activity_type_id=activity.activity_type_id,
        target_group_id=activity.target_group_id,
        minutes=activity.minutes,
        participant_total=activity.participants,
        topic_ids=tuple(sorted(activity.topics.values_list("pk", flat=True))),
        contact_origin_id=activity.contact_origin_id,
        partner_id=activity.partner_id,
        case_hash=activity.case_hash,
    )


class Tally(Protocol):
    """The rollups of a bulk load, written once at its end (the schools' rows
    are locked from then until commit). `add` each batch before it is
    written."""

    def add(self, records: Iterable[Record]) -> None: ...
    def write(self) -> int: ...


class RollupWriter(Protocol):
    """What the record writers need of the rollups (statistics/rollups.py),
    each in the caller's transaction."""

    def change(self, *, added: Iterable[Record] = (), removed: Iterable[Record] = ()) -> None:
        """Add and take out records in one write."""

    def tally(self) -> Tally:
        """Start summing the cells of a bulk load."""

    def ensure_rollups_for(self, activities: QuerySet[Activity]) -> int:
        """Recompute the (school, school year) pairs of records written past
        the services; returns the cells written."""

    def ensure_rollups_each(self, activities: QuerySet[Activity]) -> list[tuple[int, int]]:
        """Make sure the rollups hold records about to be deleted, pair by
        pair; returns the (school, school year) pairs that failed."""

    def forget_cases(self, *, municipality_id: int, before_year: int) -> int:
        """Replace the case hashes of years without records by counts."""


_writer: RollupWriter | None = None


def register_rollups(writer: RollupWriter) -> None:
    """Called once, by ``StatisticsConfig.ready``."""
    global _writer
    _writer = writer


def rollups() -> RollupWriter:
    """The registered rollup writer."""
    if _writer is None:
        raise RuntimeError("no rollup writer registered: is schulsozial.statistics installed?")
    return _writer
