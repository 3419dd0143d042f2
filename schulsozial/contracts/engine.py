"""The Entfristung figures and the continuity indicators as pure functions
over plain rows (no Django): the selectors build the rows from the database,
the tests build them by hand.

Entfristung: a school year's figures are those of its reference day
(15 October of its first calendar year, the day of the NRW school
statistics): every contract running that day counts with its FTE, fixed-term
when it had an end that day (before an extension made it permanent). The path to the target spreads the FTE that must become
permanent evenly over the school years left until the target year.

Continuity: a worker is at a school on the days a position serving the
school is held by them (the position's validity, cut to the worker's
contracts where the caller does that). Vacancy days are the days of the
window on which the school had a target but nobody at all. A school is
flagged for frequent change when its different workers, less the places it
had at once beyond one, reach the threshold.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

ZERO = Decimal(0)


def reference_day(start_year: int) -> datetime.date:
    return datetime.date(start_year, 10, 15)


@dataclass(frozen=True)
class ContractRow:
    person: int
    carrier: str
    stream: str
    start: datetime.date
    end: datetime.date | None
    fte: Decimal
    # The ends the contract had before its extensions, oldest first: (the day
    # an extension was agreed, the end it replaced). A contract made
    # permanent in 2023 was fixed-term in the school years before.
    earlier_ends: tuple[tuple[datetime.date, datetime.date], ...] = ()

    def runs_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)

    @property
    def fixed(self) -> bool:
        return self.end is not None

    def end_on(self, day: datetime.date) -> datetime.date | None:
        """The end in force on `day`: until an extension was agreed, the end
        it replaced."""
        for agreed_on, previous_end in self.earlier_ends:
            if day < agreed_on:
                return previous_end
        return self.end

    def fixed_on(self, day: datetime.date) -> bool:
        return self.end_on(day) is not None


@dataclass(frozen=True)
class Share:
    year: int
    group: str
    fte: Decimal
    fixed_fte: Decimal
    persons: int
    fixed_persons: int

    @property
    def fte_percent(self) -> Decimal | None:
        return percent(self.fixed_fte, self.fte)

    @property
    def persons_percent(self) -> Decimal | None:
        return percent(Decimal(self.fixed_persons), Decimal(self.persons))


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.1"))


def shares(
    rows: Iterable[ContractRow],
    years: Sequence[int],
    group: Callable[[ContractRow], str] = lambda r: "",
) -> list[Share]:
    """Per school year (its first calendar year) and group: FTE and persons
    under contract on the reference day, and how many of them fixed-term. A
    person with two running contracts (two carriers) counts in each group,
    and once in a group; they are fixed-term there if any of theirs is."""
    rows = list(rows)
    out: list[Share] = []
    for year in years:
        day = reference_day(year)
        fte: defaultdict[str, Decimal] = defaultdict(Decimal)
        fixed_fte: defaultdict[str, Decimal] = defaultdict(Decimal)
        persons: defaultdict[str, set[int]] = defaultdict(set)
        fixed_persons: defaultdict[str, set[int]] = defaultdict(set)
        for row in rows:
            if not row.runs_on(day):
                continue
            key = group(row)
            fte[key] += row.fte
            persons[key].add(row.person)
            if row.fixed_on(day):
                fixed_fte[key] += row.fte
                fixed_persons[key].add(row.person)
        for key in sorted(fte):
            out.append(
                Share(
                    year, key, fte[key], fixed_fte[key], len(persons[key]), len(fixed_persons[key])
                )
            )
    return out


@dataclass(frozen=True)
class PathStep:
    year: int
    make_permanent_fte: Decimal
    fixed_fte_after: Decimal
    share_after: Decimal | None


def path_to_target(
    *,
    fixed_fte: Decimal,
    total_fte: Decimal,
    target_percent: Decimal,
    first_year: int,
    target_year: int,
) -> list[PathStep]:
    """How many FTE must become permanent in each school year from
    `first_year` to `target_year` (inclusive) so that the fixed-term share of
    the (unchanged) total is at most `target_percent` in the target year:
    the excess over the target, spread evenly, in steps of 0.01 FTE rounded
    up (the last year takes the remainder)."""
    years = list(range(first_year, max(target_year, first_year) + 1))
    allowed = (total_fte * target_percent / 100).quantize(Decimal("0.01"))
    excess = max(fixed_fte - allowed, ZERO)
    per_year = (excess / len(years)).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    steps: list[PathStep] = []
    left = fixed_fte
    for i, year in enumerate(years):
        step = min(per_year, max(left - allowed, ZERO))
        if i == len(years) - 1:
            step = max(left - allowed, ZERO).quantize(Decimal("0.01"))
        left -= step
        steps.append(PathStep(year, step, left, percent(left, total_fte)))
    return steps


# --------------------------------------------------------------------------- continuity


@dataclass(frozen=True)
class Stint:
    """A worker at a school from `start` to `end` (inclusive; None: open)."""

    school: int
    worker: int
    start: datetime.date
    end: datetime.date | None


@dataclass(frozen=True)
class Continuity:
    school: int
    workers: int
    vacancy_days: int
    current_since: datetime.date | None
    current_days: int | None
    flagged: bool
    # The most workers at the school on one day of the window (its places).
    places: int = 0


def _clip(
    start: datetime.date, end: datetime.date | None, lo: datetime.date, hi: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    a, b = max(start, lo), min(end or hi, hi)
    return (a, b) if a <= b else None


def _days(spans: Iterable[tuple[datetime.date, datetime.date]]) -> set[datetime.date]:
    out: set[datetime.date] = set()
    for a, b in spans:
        out.update(a + datetime.timedelta(days=i) for i in range((b - a).days + 1))
    return out


def continuity(
    *,
    school: int,
    stints: Iterable[Stint],
    target_spans: Iterable[tuple[datetime.date, datetime.date]],
    window: tuple[datetime.date, datetime.date],
    today: datetime.date,
    threshold: int,
) -> Continuity:
    """The indicators of one school over `window` (the last school years up
    to today): different workers, vacancy days (target days nobody covered)
    and since when the longest-serving current worker has been there without
    a break (None: nobody today)."""
    lo, hi = window
    mine = [s for s in stints if s.school == school]
    clipped = [(s, _clip(s.start, s.end, lo, hi)) for s in mine]
    workers = {s.worker for s, c in clipped if c}
    present: defaultdict[datetime.date, set[int]] = defaultdict(set)
    for s, c in clipped:
        if c:
            for day in _days([c]):
                present[day].add(s.worker)
    places = max((len(w) for w in present.values()), default=0)
    covered = set(present)
    target = _days(c for a, b in target_spans if (c := _clip(a, b, lo, hi)))
    vacancy = len(target - covered)
    since: datetime.date | None = None
    for worker in {
        s.worker for s in mine if s.start <= today and (s.end is None or s.end >= today)
    }:
        spans = sorted((s.start, s.end or datetime.date.max) for s in mine if s.worker == worker)
        begin, reach = spans[0]
        for a, b in spans[1:]:
            if a > today:
                break
            if reach < datetime.date.max and a > reach + datetime.timedelta(days=1):
                begin, reach = a, b
            else:
                reach = max(reach, b)
        if since is None or begin < since:
            since = begin
    return Continuity(
        school=school,
        workers=len(workers),
        vacancy_days=vacancy,
        current_since=since,
        current_days=(today - since).days + 1 if since else None,
        # Successive workers per place: a school with three places and the
        # same three people all along has no change; with one place, three
        # different workers are three (the setting's meaning).
        flagged=len(workers) - max(places, 1) + 1 >= threshold,
        places=places,
    )
