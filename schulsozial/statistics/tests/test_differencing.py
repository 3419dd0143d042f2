"""Differencing attacks on the statistics of protected views (security review F-02, F-15).

A protected role (committee, principal, carrier) may combine every filter the page and
its exports accept. The rule: no sequence of such queries may pin a withheld count.

`differencing_world` writes a small school year into the rollups of the persona world, so
that each attack of the review works on the old code (one query per filter, each protected
on its own). The reproductions replay those attacks literally; `test_differencing_attack`
collects every figure of many filter combinations with the cells it adds up, and solves
for each withheld figure by elimination (rank) and by linear programming (scipy's linprog,
minimum and maximum subject to everything published, non-negativity and "withheld values
are never 0").
"""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import numpy as np
import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone
from scipy.optimize import linprog

from schulsozial.activities import services as activity_services
from schulsozial.activities.hooks import Facts
from schulsozial.activities.models import CatalogueEntry, CatalogueKind
from schulsozial.core.actors import SYSTEM
from schulsozial.core.school_year import start_year_of as school_year_of
from schulsozial.masterdata import services as masterdata_services
from schulsozial.statistics import rollups, selectors
from schulsozial.statistics.forms import StatisticsFilterForm
from schulsozial.statistics.selectors import Report, scopes_for, statistics_report
from schulsozial.statistics.sources import SCHOOL_YEAR_MONTHS, months_between

pytestmark = pytest.mark.django_db

TOLERANCE = 1e-6

# (school, staff, activity type, calendar month, records, target group, participants each,
#  topic, first case code, case codes): staff 0 (carrier A) works at schools 0 and 1,
# staff 1 (carrier A) and staff 2 (carrier B) at school 2, staff 2 also at school 3.
RECORDS = [
    (0, 0, "counselling_pupil", 8, 3, "individual", 1, "bullying", 0, 3),
    (0, 0, "counselling_pupil", 9, 6, "individual", 1, "bullying", 3, 3),
    (0, 0, "counselling_pupil", 10, 5, "individual", 1, "family", 6, 3),
    (0, 0, "group_offer", 10, 2, "class", 24, "bullying", 0, 0),
    (0, 0, "crisis", 11, 2, "individual", 1, "violence", 9, 1),
    (0, 0, "counselling_pupil", 12, 9, "individual", 1, "bullying", 10, 2),
    (0, 0, "counselling_pupil", 1, 8, "individual", 1, "family", 0, 0),
    (0, 0, "counselling_pupil", 2, 7, "individual", 1, "bullying", 0, 0),
    (1, 0, "counselling_pupil", 9, 3, "individual", 1, "bullying", 20, 3),
    (2, 1, "counselling_pupil", 9, 10, "individual", 1, "bullying", 30, 3),
    (2, 1, "counselling_pupil", 10, 10, "group", 4, "family", 33, 2),
    (2, 1, "crisis", 10, 3, "individual", 1, "violence", 0, 0),
    (2, 2, "counselling_pupil", 9, 8, "individual", 1, "bullying", 40, 2),
    (2, 2, "counselling_pupil", 11, 8, "individual", 1, "family", 42, 2),
    (2, 2, "crisis", 11, 3, "individual", 1, "violence", 0, 0),
    (2, 2, "home_visit", 12, 1, "individual", 1, "family", 0, 0),
    (3, 2, "counselling_pupil", 12, 6, "individual", 1, "bullying", 50, 3),
    (3, 2, "crisis", 12, 5, "individual", 1, "violence", 53, 1),
    (3, 2, "counselling_pupil", 1, 7, "individual", 1, "family", 54, 2),
]  # fmt: skip


def year() -> int:
    """The last complete school year: every month is in the past."""
    return school_year_of(timezone.localdate()) - 1


def date_of(month: int) -> datetime.date:
    return datetime.date(year() + (month < 8), month, 15)


@dataclass
class Truth:
    """The true figures: activities per (school, type, month, carrier), cases per
    (school, carrier), topics per (topic, school, carrier)."""

    activities: dict[tuple[int, int, int, int], int] = field(default_factory=dict)
    cases: dict[int, set[str]] = field(default_factory=dict)
    topics: dict[tuple[int, int, int], int] = field(default_factory=dict)
    reach_schools: set[int] = field(default_factory=set)


def random_records(seed: int) -> list[tuple[Any, ...]]:
    """A random school year in the shape of RECORDS: mostly small counts."""
    rng = random.Random(seed)
    out: list[tuple[Any, ...]] = []
    for school, staff in ((0, 0), (1, 0), (2, 1), (2, 2), (3, 2)):
        for type_code in ("counselling_pupil", "group_offer", "crisis", "home_visit"):
            for month in rng.sample([8, 9, 10, 11, 12, 1], 3):
                n = rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 9])
                if n:
                    topic = rng.choice(["bullying", "family", "violence"])
                    first = len(out) * 10
                    out.append(
                        (school, staff, type_code, month, n, "individual", 1, topic, first, n)
                    )
    return out


def differencing_world(world: Any, records: list[tuple[Any, ...]] | None = None) -> Truth:
    """The school year of RECORDS (or of `records`) in the rollups of the persona world
    (imports write rollups the same way, through `add_many`)."""
    activity_services.catalogues_ensure_defaults(municipality=world.town, by=SYSTEM)
    # Staff 2 (carrier B) also works at the Förderschule (school 3).
    masterdata_services.assignment_set(
        position=world.positions[2],
        school=world.schools[2],
        weekly_hours=Decimal("19.25"),
        by=SYSTEM,
    )
    masterdata_services.assignment_set(
        position=world.positions[2], school=world.schools[3], weekly_hours=Decimal("10"), by=SYSTEM
    )

    def entry(kind: str, code: str) -> int:
        return CatalogueEntry.objects.get(municipality=world.town, kind=kind, code=code).pk

    truth = Truth()
    facts = []
    for school, staff, type_code, month, n, group, people, topic, first, codes in (
        RECORDS if records is None else records
    ):
        school_id = world.schools[school].pk
        worker = world.staff[staff]
        key = (school_id, entry("activity_type", type_code), month, worker.carrier_id)
        truth.activities[key] = truth.activities.get(key, 0) + n
        topic_key = (entry("topic", topic), school_id, worker.carrier_id)
        truth.topics[topic_key] = truth.topics.get(topic_key, 0) + n
        for k in range(n):
            code = f"case-{first + k % codes}" if codes else ""
            if code:
                truth.cases.setdefault(school_id, set()).add(f"{worker.carrier_id}:{code}")
            facts.append(
                Facts(
                    date=date_of(month),
                    municipality_id=world.town.pk,
                    school_id=school_id,
                    carrier_id=worker.carrier_id,
                    worker_id=worker.pk,
                    activity_type_id=key[1],
                    target_group_id=entry("target_group", group),
                    minutes=45,
                    participant_total=people,
                    topic_ids=(topic_key[0],),
                    contact_origin_id=None,
                    partner_id=None,
                    case_hash=f"{school_id}-{code}" if code else "",
                )
            )
    rollups.add_many(facts)
    return truth


def scope_of(world: Any, persona: str) -> Any:
    return scopes_for(user=world.users[persona])[0]


def report(world: Any, persona: str, **data: Any) -> Report:
    """The report exactly as the page builds it from these GET parameters (the form
    drops what the persona's page does not offer)."""
    scope = scope_of(world, persona)
    params = {"school_year": str(year()), **{k: str(v) for k, v in data.items()}}
    form = StatisticsFilterForm(params, scopes=[scope], scope=scope)
    assert form.is_valid(), form.errors
    return statistics_report(scope=scope, filters=form.filters())


def rows(rep: Report, section: str) -> dict[Any, Any]:
    return {r.key: r.values[0] for r in rep.section(section).rows}


def total(rep: Report, section: str) -> Any:
    part = rep.section(section)
    return part.total.values[0] if part.total else None


def entry_id(world: Any, kind: str, code: str) -> int:
    return CatalogueEntry.objects.get(municipality=world.town, kind=kind, code=code).pk


# --------------------------------------------------------------------------- reproductions


def test_committee_cannot_recover_a_school_by_school_type_differencing(world, client_for):
    """F-02 (run A1b): the cases table withholds the small school; the old code gave it
    back as the school-type total minus the other school of that type."""
    truth = differencing_world(world)
    small = world.schools[1].pk  # 3 distinct cases
    assert len(truth.cases[small]) == 3

    def export(**params: Any) -> dict[str, str]:
        url = reverse("statistics:export", args=["cases", "csv"])
        query = "&".join(f"{k}={v}" for k, v in {"school_year": year(), **params}.items())
        response = client_for("committee").get(f"{url}?{query}")
        assert response.status_code == 200
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        return {line[0]: line[1] for line in table[1:] if len(line) > 1}

    unfiltered = export()
    assert unfiltered[world.schools[1].name] == "•"
    grundschulen = export(school_type="GS")
    recovered = None
    if grundschulen.get("Summe", "•").isdigit() and unfiltered[world.schools[0].name].isdigit():
        recovered = int(grundschulen["Summe"]) - int(unfiltered[world.schools[0].name])
    assert recovered != 3, "school 1 recovered: Grundschulen total minus school 0"
    # Each published figure is still true.
    assert unfiltered[world.schools[0].name] == str(len(truth.cases[world.schools[0].pk]))


def test_committee_cannot_recover_crisis_interventions_by_school_type(world):
    """F-02 (run A5c): crisis interventions per school; the school-type filters published
    the other schools, so the withheld one was the total minus them."""
    differencing_world(world)
    crisis = entry_id(world, "activity_type", "crisis")
    s0, s2, s3 = (world.schools[i].pk for i in (0, 2, 3))
    plain = report(world, "committee", activity_type=crisis)
    assert rows(plain, "school")[s0] is None  # 2 crisis interventions
    known = {s: v for s, v in rows(plain, "school").items() if v is not None}
    for school_type in ("GE", "FS", "GS"):
        for s, v in rows(
            report(world, "committee", activity_type=crisis, school_type=school_type), "school"
        ).items():
            if v is not None:
                known[s] = v
    grand = total(plain, "school")
    pinned = (
        grand - known[s2] - known[s3]
        if isinstance(grand, int) and s2 in known and s3 in known
        else None
    )
    assert pinned != 2, "school 0's crisis interventions recovered"


def test_principal_cannot_recover_months_from_month_ranges(world):
    """F-02 (runs A2, A4): the whole-year month table withholds August (3) and November
    (2); a month range published the months around them and its total."""
    differencing_world(world)
    year_table = report(world, "principal")
    months = rows(year_table, "month")
    assert months[8] is None and months[11] is None
    known = {m: v for m, v in months.items() if v is not None}
    year_total = total(year_table, "activity_type")
    for first, last in itertools.combinations_with_replacement((8, 9, 10, 11, 12), 2):
        ranged = report(world, "principal", month_from=first, month_to=last)
        part = ranged.section("month")
        shown = {r.key: r.values[0] for r in part.rows}
        range_total = ranged.totals["activities"]
        unknown = [m for m in months_between(first, last) if m in months and m not in known]
        for m, v in shown.items():
            if v is not None:
                known[m] = v
        if isinstance(range_total, int) and len(unknown) == 1:
            rest = sum(
                known[m] for m in months_between(first, last) if m in known and m != unknown[0]
            )
            known[unknown[0]] = range_total - rest
    assert 8 not in known, f"August recovered as {known.get(8)}"
    assert 11 not in known, f"November recovered as {known.get(11)}"
    assert isinstance(year_total, int)


def test_carrier_cannot_recover_a_school_through_school_filters(world):
    """F-02 (run A7): the carrier's cases and activities at its small school came back
    through the school and school-type filters."""
    differencing_world(world)
    s0, s1 = world.schools[0].pk, world.schools[1].pk
    for section in ("cases", "school"):
        plain = report(world, "carrier")
        assert rows(plain, section)[s1] is None
        assert isinstance(rows(plain, section)[s0], int)
        recovered = set()
        for data in ({"school": s1}, {"school_type": "GS"}, {"school": s0}):
            filtered = report(world, "carrier", **data)
            shown = rows(filtered, section)
            if isinstance(shown.get(s1), int):
                recovered.add(shown[s1])
            grand = total(filtered, section)
            if isinstance(grand, int) and set(shown) == {s0, s1}:
                recovered.add(grand - rows(plain, section)[s0])
        assert not recovered, f"{section}: school 1 recovered as {recovered}"


def test_reach_publishes_no_participants_behind_a_withheld_activity_count(world, client_for):
    """F-15: with activity_type=group offer the principal's count is withheld (2), but the
    reach table published 48 class-level participants."""
    differencing_world(world)
    group_offer = entry_id(world, "activity_type", "group_offer")
    filtered = report(world, "principal", activity_type=group_offer)
    assert rows(filtered, "activity_type")[group_offer] is None
    reach = filtered.section("reach")
    assert all(v is None or v == "" for r in reach.rows for v in r.values[1:]), reach.rows
    url = reverse("statistics:export", args=["reach", "csv"])
    response = client_for("principal").get(
        f"{url}?school_year={year()}&activity_type={group_offer}"
    )
    assert "48" not in response.content.decode("utf-8-sig")
    # Without the filter the reach of the school is published: its count (42) is.
    plain = report(world, "principal")
    assert rows(plain, "school")[world.schools[0].pk] == 42
    assert plain.section("reach").rows[0].values[1] == 48


def test_protected_views_show_selected_rows_of_the_tables_protected_once(world, client_for):
    """A filter only selects: a school's figure under a filter is the figure of the
    unfiltered table; what needs a new table says why it is not shown (in German)."""
    differencing_world(world)
    plain = report(world, "committee")
    s2 = world.schools[2].pk
    for data in ({"school": s2}, {"school_type": "GE"}):
        assert rows(report(world, "committee", **data), "school") == {s2: rows(plain, "school")[s2]}
    ranged = report(world, "committee", month_from=9, month_to=10)
    assert rows(ranged, "month") == {m: v for m, v in rows(plain, "month").items() if m in (9, 10)}
    assert getattr(ranged.section("school"), "withheld", "") and not ranged.section("school").rows
    body = (
        client_for("committee")
        .get(reverse("statistics:report") + f"?school_year={year()}&month_from=9&month_to=10")
        .content.decode()
    )
    assert (
        "Mit Geheimhaltung wird diese Tabelle mit dem Filter Monatszeitraum nicht gezeigt" in body
    )


def test_coordination_still_sees_exact_figures_under_every_filter(world):
    truth = differencing_world(world)
    crisis = entry_id(world, "activity_type", "crisis")
    s0 = world.schools[0].pk
    for data, expected in (
        ({"school_type": "GS"}, {s0: 42, world.schools[1].pk: 3}),
        ({"activity_type": crisis}, {s0: 2, world.schools[2].pk: 6, world.schools[3].pk: 5}),
    ):
        rep = report(world, "coordinator", **data)
        assert not rep.protected
        assert rows(rep, "school") == expected
    months = rows(report(world, "coordinator", month_from=8, month_to=11), "month")
    assert months == {
        m: sum(n for (s, _t, mm, _c), n in truth.activities.items() if mm == m)
        for m in (8, 9, 10, 11)
    }
    assert rows(report(world, "coordinator"), "cases")[world.schools[1].pk] == 3


# --------------------------------------------------------------------------- the attack


@dataclass
class Universe:
    """The unknowns of one persona: true cells the published figures add up."""

    schools: dict[int, str]  # id -> school type
    types: list[int]
    carriers: list[int]
    topics: list[int]
    index: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys: list[tuple[Any, ...]] = [("a", s, t, m, c) for s in self.schools for t in self.types
                for m in SCHOOL_YEAR_MONTHS for c in self.carriers]  # fmt: skip
        keys += [("k", s) for s in self.schools]
        keys += [("t", e, s, c) for e in self.topics for s in self.schools for c in self.carriers]
        self.index = {k: i for i, k in enumerate(keys)}


@dataclass
class Figure:
    label: str
    cells: frozenset[int]
    value: int | None  # None = withheld
    truth: int


def figures_of(rep: Report, data: dict[str, Any], u: Universe, truth: Truth) -> list[Figure]:
    """Every count the report prints (or withholds), with the unknowns it adds up."""
    f = rep.filters
    schools = [s for s in u.schools if (not f.school_id or s == f.school_id)
               and (not f.school_type or u.schools[s] == f.school_type)]  # fmt: skip
    types = [t for t in u.types if not f.activity_type_id or t == f.activity_type_id]
    months = list(months_between(f.month_from, f.month_to) or SCHOOL_YEAR_MONTHS)
    carriers = [c for c in u.carriers if not f.carrier_id or c == f.carrier_id]

    def activities(
        s: list[int] = schools, t: list[int] = types, m: list[int] = months, c: list[int] = carriers
    ) -> frozenset[int]:
        return frozenset(u.index[("a", *k)] for k in itertools.product(s, t, m, c))

    def true_sum(cells: frozenset[int]) -> int:
        back = {i: k for k, i in u.index.items()}
        total = 0
        for i in cells:
            key = back[i]
            if key[0] == "a":
                total += truth.activities.get(key[1:], 0)
            elif key[0] == "k":
                total += len(truth.cases.get(key[1], set()) & u_cases.get(key[1], set()))
            else:
                total += truth.topics.get(key[1:], 0)
        return total

    u_cases = {s: {c for c in truth.cases.get(s, set()) if int(c.split(":")[0]) in u.carriers}
               for s in u.schools}  # fmt: skip
    out: list[Figure] = []

    def add(label: str, cells: frozenset[int], value: Any) -> None:
        if value == "":  # not printed at all
            return
        assert value is None or isinstance(value, int), (label, value)
        out.append(Figure(label, cells, value, true_sum(cells)))

    def listed(section: str, keys: list[Any], cells_of: Any, absent_is_zero: bool = True) -> None:
        part = rep.section(section)
        if getattr(part, "withheld", ""):
            return
        shown = {r.key: r.values[0] for r in part.rows}
        assert set(shown) <= set(keys), (section, shown, keys)
        if not absent_is_zero:  # the total adds up the listed rows only
            keys = [k for k in keys if k in shown]
        for key in keys:  # a key that is not listed counts 0
            add(f"{section}[{key}] {data}", cells_of(key), shown.get(key, 0))
        if part.total is not None:
            cells = frozenset().union(*map(cells_of, keys)) if keys else frozenset()
            add(f"{section} total {data}", cells, part.total.values[0])

    listed(
        "activity_type", u.types if not f.activity_type_id else types, lambda t: activities(t=[t])
    )
    listed("school", schools, lambda s: activities(s=[s]))
    listed("carrier", carriers, lambda c: activities(c=[c]))
    listed("month", months, lambda m: activities(m=[m]))
    trend = rep.section("trend")
    if not getattr(trend, "withheld", ""):
        shown = {r.key: r.values[0] for r in trend.rows}
        add(f"trend {data}", activities(), shown.get(f.school_year, 0))
    add(f"summary {data}", activities(), rep.totals["activities"])
    if not f.carrier_id:  # distinct cases of one carrier do not add up to a school's
        # The old code listed only schools with activities under all filters.
        listed("cases", schools, lambda s: frozenset({u.index[("k", s)]}), absent_is_zero=False)
    listed("topic", u.topics, lambda e: frozenset(
        u.index[("t", e, s, c)] for s in schools for c in carriers))  # fmt: skip
    return out


def derived_without_count(rep: Report) -> list[str]:
    """Hours, participants and shares published beside a withheld count, also in the
    reach table (F-15): a school's participants only where its activity count is."""
    found = []
    for section in rep.sections:
        for row in [*section.rows, *([section.total] if section.total else [])]:
            if section.key in ("reach", "cases") or not row.values or row.values[0] is not None:
                continue
            # The school table's FTE (column 3) is master data, not derived from counts.
            derived = [
                v for k, v in enumerate(row.values) if k and (section.key, k) != ("school", 3)
            ]
            if any(v is not None and v != "" for v in derived):
                found.append(f"{section.key} {rep.filters}: {row}")
    counts = {r.key: r.values[0] for r in rep.section("school").rows}
    school_missing = bool(getattr(rep.section("school"), "withheld", ""))
    for row in rep.section("reach").rows:
        published = any(isinstance(v, int | Decimal) for v in row.values[1:])
        if published and (school_missing or not isinstance(counts.get(row.key), int)):
            found.append(f"reach behind a withheld count {rep.filters}: {row}")
    return found


def attack(figures: list[Figure], size: int, threshold: int) -> list[str]:
    """Every withheld figure that elimination or linear programming pins."""
    published: dict[frozenset[int], int] = {}
    withheld: dict[frozenset[int], Figure] = {}
    for fig in figures:
        if fig.value is None:
            assert fig.truth > 0, f"a withheld figure is 0: {fig}"
            withheld.setdefault(fig.cells, fig)
        else:
            assert fig.value == fig.truth, f"published figure is not true: {fig}"
            published[fig.cells] = fig.value
    # Cells in a published 0 are 0: drop them.
    zero = set().union(*(c for c, v in published.items() if v == 0)) if published else set()
    live = sorted(set(range(size)) - zero)
    column = {c: i for i, c in enumerate(live)}

    def vector(cells: frozenset[int]) -> np.ndarray:
        row = np.zeros(len(live))
        for c in cells:
            if c in column:
                row[column[c]] = 1
        return row

    equations = [(vector(c), v) for c, v in published.items() if v]
    a_eq = np.array([e for e, _v in equations]) if equations else np.zeros((0, len(live)))
    b_eq = np.array([v for _e, v in equations], dtype=float)
    # Withheld figures are never 0 (the published rule): >= 1.
    a_ub = np.array([-vector(c) for c in withheld]) if withheld else None
    b_ub = -np.ones(len(withheld)) if withheld else None
    rank = np.linalg.matrix_rank(a_eq) if len(a_eq) else 0
    found = []
    for cells, fig in withheld.items():
        objective = vector(cells)
        if len(a_eq) and np.linalg.matrix_rank(np.vstack([a_eq, objective])) == rank:
            found.append(f"elimination: {fig.label} = {fig.truth}")
            continue
        low = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq if len(a_eq) else None,
                      b_eq=b_eq if len(a_eq) else None, bounds=(0, None), method="highs")  # fmt: skip
        high = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq if len(a_eq) else None,
                       b_eq=b_eq if len(a_eq) else None, bounds=(0, None), method="highs")  # fmt: skip
        assert low.status == 0, (fig, low.message)
        top = -high.fun if high.status == 0 else float("inf")
        assert low.fun - TOLERANCE <= fig.truth <= top + TOLERANCE, fig
        if top - low.fun < 1 - TOLERANCE:
            found.append(
                f"linear programming: {fig.label} in [{low.fun:.2f}, {top:.2f}], true {fig.truth}"
            )
    return found


def offered_choices(form: StatisticsFilterForm, name: str) -> list[tuple[Any, str]]:
    """A choice field's (value, label) pairs (the form sets them as a list)."""
    return cast(list[tuple[Any, str]], cast(forms.ChoiceField, form.fields[name]).choices)


def filter_combinations(world: Any, persona: str) -> list[dict[str, Any]]:
    """Single filters and pairs of filters of different kinds, as the page offers them."""
    scope = scope_of(world, persona)
    form = StatisticsFilterForm(None, scopes=[scope], scope=scope)
    offered: dict[str, list[dict[str, Any]]] = {}
    if "school_type" in form.fields:
        offered["school_type"] = [{"school_type": t} for t in ("GS", "GE", "FS", "GY")]
    if "school" in form.fields:
        offered["school"] = [{"school": pk} for pk, _n in offered_choices(form, "school") if pk]
    if "carrier" in form.fields:
        offered["carrier"] = [{"carrier": pk} for pk, _n in offered_choices(form, "carrier") if pk]
    codes = ("counselling_pupil", "group_offer", "crisis", "home_visit", "but")
    offered["type"] = [{"activity_type": entry_id(world, "activity_type", c)} for c in codes]
    ranges = [(8, 8), (8, 9), (8, 10), (9, 10), (10, 11), (11, 11), (8, 11), (9, 12), (11, 2)]
    offered["months"] = [{"month_from": a, "month_to": b} for a, b in ranges]
    combos: list[dict[str, Any]] = [{}]
    for options in offered.values():
        combos += options
    for (_k1, first), (_k2, second) in itertools.combinations(offered.items(), 2):
        combos += [{**a, **b} for a in first for b in second]
    return combos


@pytest.mark.parametrize(
    ("persona", "seed", "split"),
    [
        ("committee", None, False),
        ("principal", None, False),
        ("carrier", None, False),
        ("committee", 11, False),
        ("committee", None, True),
    ],
)
def test_differencing_attack_pins_no_withheld_figure(world, persona, seed, split, monkeypatch):
    """The review's data (seed None) for every protected persona, a random year, and the
    family of a Land (school and activity-type margins only, `split`)."""
    if split:
        monkeypatch.setattr(selectors, "_MAX_CROSS_TYPES", 2)
    truth = differencing_world(world, None if seed is None else random_records(seed))
    scope = scope_of(world, persona)
    assert scope.protected
    town_schools = {
        s.pk: s.school_type
        for s in world.schools
        if scope.school_ids is None or s.pk in scope.school_ids
    }
    carriers = sorted(scope.carrier_ids or {world.carrier.pk, world.other_carrier.pk})
    types = list(
        CatalogueEntry.objects.filter(
            municipality=world.town, kind=CatalogueKind.ACTIVITY_TYPE
        ).values_list("pk", flat=True)
    )
    topics = list(
        CatalogueEntry.objects.filter(
            municipality=world.town, kind=CatalogueKind.TOPIC
        ).values_list("pk", flat=True)
    )
    universe = Universe(town_schools, types, carriers, topics)
    if scope.carrier_ids is not None:  # the carrier sees its own staff's records only
        truth.activities = {k: v for k, v in truth.activities.items() if k[3] in carriers}
        truth.topics = {k: v for k, v in truth.topics.items() if k[2] in carriers}
    figures, derived = [], []
    combos = filter_combinations(world, persona)
    assert len(combos) > 50
    for data in combos:
        rep = report(world, persona, **data)
        derived += derived_without_count(rep)
        figures += figures_of(rep, data, universe, truth)
    withheld = [f for f in figures if f.value is None]
    assert withheld, "the data must make the view withhold something"
    pinned = attack(figures, len(universe.index), scope.threshold)
    assert not pinned, f"{len(pinned)} withheld figures pinned:\n" + "\n".join(pinned[:20])
    assert not derived, "\n".join(derived[:20])


def test_protected_views_without_records_show_zeros(world):
    for persona in ("committee", "principal", "carrier"):
        rep = report(world, persona)
        assert rep.protected and rep.totals["activities"] == 0
        assert all(not s.rows for s in rep.sections)
        filtered = report(world, persona, month_from=9, month_to=10)
        assert filtered.totals["activities"] == 0


def test_trend_prints_a_year_exactly_where_that_years_family_does(world):
    """Each school year's grand total in the trend agrees with that year's own page."""
    differencing_world(world)
    s0 = world.schools[0]
    # Five single activities of five types the year before: the family of that year can
    # only be protected by withholding its total (5 would pin every 1).
    earlier = [
        Facts(
            date=datetime.date(year() - 1, 10, 1),
            municipality_id=world.town.pk,
            school_id=s0.pk,
            carrier_id=world.staff[0].carrier_id,
            worker_id=world.staff[0].pk,
            activity_type_id=entry_id(world, "activity_type", code),
            target_group_id=entry_id(world, "target_group", "individual"),
            minutes=30,
            participant_total=1,
            topic_ids=(),
            contact_origin_id=None,
            partner_id=None,
            case_hash="",
        )
        for code in ("counselling_pupil", "counselling_parents", "group_offer", "crisis", "but")
    ]
    rollups.add_many(earlier)
    scope = scope_of(world, "principal")
    form = StatisticsFilterForm({"school_year": str(year() - 1)}, scopes=[scope], scope=scope)
    assert form.is_valid()
    that_year = statistics_report(scope=scope, filters=form.filters())
    assert that_year.totals["activities"] is None  # 5, withheld with its five 1s
    trend = rows(report(world, "principal"), "trend")
    assert trend[year() - 1] is None
    assert trend[year()] == 42
