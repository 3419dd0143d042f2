"""Every read of contracts, scoped through contracts.permissions.

The staffing plan reads contract ends through `contract_ends` (scoped to the
user) and the funding caps through `caps_for`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from schulsozial.allocation.models import Scenario
from schulsozial.core import school_year as sy
from schulsozial.masterdata.models import (
    Carrier,
    FundingBudget,
    FundingStream,
    Municipality,
    Position,
    PositionAssignment,
    School,
    StaffMember,
)

from . import engine
from . import permissions as perms
from .funding_rules import Finding, FundingCaps, check_cost_rate, check_stream, funded_per_fte
from .models import Contract, ContractExtension, ContractSettings

# Reminder thresholds: 12, 6 and 3 months before the end (in days, as the
# notifications' reminder mechanism counts; settings.NOTIFICATION_REMINDER_DAYS).
ENDING_WITHIN_DAYS = 365
CONTINUITY_YEARS = 3


def contracts_visible_to(*, user: Any) -> QuerySet[Contract]:
    return (
        Contract.objects.filter(perms.contracts_visible_q(user))
        .select_related("staff_member", "carrier", "funding_stream")
        .distinct()
    )


def contract_staff_visible_to(*, user: Any) -> QuerySet[StaffMember]:
    return (
        StaffMember.objects.filter(perms.contract_staff_q(user))
        .select_related("carrier")
        .distinct()
    )


def contract_carriers_visible_to(*, user: Any) -> QuerySet[Carrier]:
    return Carrier.objects.filter(perms.contract_carriers_q(user)).distinct()


def history_of(*, staff: StaffMember, user: Any) -> list[Contract]:
    """The contracts of one person that `user` sees, oldest first, with
    their extensions."""
    return list(
        contracts_visible_to(user=user)
        .filter(staff_member=staff)
        .prefetch_related(
            Prefetch("extensions", queryset=ContractExtension.objects.order_by("previous_end"))
        )
        .order_by("start")
    )


def contract_ends(*, user: Any, day: datetime.date) -> dict[int, datetime.date | None]:
    """Staff id -> end of the contract running on `day` (None: permanent),
    for the staff whose contracts `user` sees; staff without a running
    contract are missing."""
    running = contracts_visible_to(user=user).filter(
        Q(end__isnull=True) | Q(end__gte=day), start__lte=day
    )
    ends: dict[int, datetime.date | None] = {}
    for staff_id, end in running.values_list("staff_member_id", "end").order_by("start"):
        ends[staff_id] = end
    return ends


def ending_soon(
    *, user: Any, day: datetime.date, within_days: int = ENDING_WITHIN_DAYS
) -> QuerySet[Contract]:
    """Fixed-term contracts `user` sees that end within `within_days` of `day`
    and are not followed by another contract of the same person."""
    later = Contract.objects.filter(
        staff_member_id=OuterRef("staff_member_id"), start__gt=OuterRef("end")
    )
    return (
        contracts_visible_to(user=user)
        .filter(
            kind=Contract.Kind.FIXED_TERM,
            end__gte=day,
            end__lte=day + datetime.timedelta(days=within_days),
        )
        .exclude(Exists(later))
        .order_by("end", "staff_member__label")
    )


def ending_within_a_year(*, user: Any, day: datetime.date) -> list[Contract]:
    """`ending_soon` within twelve months, kept on the user object for the
    request (the dashboard's task list and its tile read it both)."""
    cache: dict[datetime.date, list[Contract]] = user.__dict__.setdefault(
        "_contracts_ending_soon", {}
    )
    if day not in cache:
        cache[day] = list(ending_soon(user=user, day=day))
    return cache[day]


def settings_for(municipality: Municipality | int) -> ContractSettings:
    """The municipality's contract settings (the defaults, unsaved, if none)."""
    mun_id = municipality if isinstance(municipality, int) else municipality.pk
    found = ContractSettings.objects.filter(municipality_id=mun_id).first()
    return found or ContractSettings(municipality_id=mun_id)


def caps_for(municipality: Municipality | int) -> FundingCaps:
    """The funding caps of the NRW rule as the municipality configured them."""
    conf = settings_for(municipality)
    return FundingCaps(
        max_share_percent=conf.land_max_share_percent,
        max_eligible_per_fte=conf.land_max_eligible_per_fte_eur,
        max_eligible_justified=conf.land_max_eligible_justified_eur,
    )


# --------------------------------------------------------------------------- Entfristung


@dataclass(frozen=True)
class CostRow:
    group: str
    fixed_fte: Decimal
    cost_rate: Decimal
    annual_cost: Decimal
    land_share: Decimal
    own_share: Decimal


@dataclass(frozen=True)
class EndingRow:
    end: datetime.date
    staff: StaffMember
    carrier: str
    stream: str
    fte: Decimal
    reason: str
    positions: str


@dataclass(frozen=True)
class RuleFinding:
    stream: FundingStream
    school_year: str
    finding: Finding

    @property
    def text(self) -> str:
        from .funding_checks import finding_text

        return finding_text(self.finding)


def _rows(contracts: Iterable[Contract]) -> list[engine.ContractRow]:
    return [
        engine.ContractRow(
            person=c.staff_member_id,
            carrier=c.carrier.name,
            stream=c.funding_stream.name if c.funding_stream else "",
            start=c.start,
            end=c.end,
            fte=c.fte,
            earlier_ends=tuple(sorted((e.agreed_on, e.previous_end) for e in c.extensions.all())),
        )
        for c in contracts
    ]


def municipality_contracts(municipality: Municipality) -> QuerySet[Contract]:
    """Every contract of a municipality, for figures shown only to the roles
    `permissions.can_see_entfristung*` lets in (the view asks first)."""
    return Contract.objects.filter(staff_member__municipality=municipality).select_related(
        "carrier", "funding_stream", "staff_member"
    )


def entfristung_years(contracts: list[engine.ContractRow], day: datetime.date) -> list[int]:
    """The school years from the first contract's to the current one."""
    current = sy.start_year_of(day)
    if not contracts:
        return [current]
    first = sy.start_year_of(min(c.start for c in contracts))
    return list(range(max(first, current - 9), current + 1))


def cost_rate(stream: FundingStream | None, year: int, default: Decimal) -> Decimal:
    """The cost rate per FTE of a stream in a school year: its budget of that
    year, else its latest budget before, else the municipality's default."""
    if stream is None:
        return default
    budgets = sorted(stream.budgets.all(), key=lambda b: b.school_year.start, reverse=True)
    start = sy.bounds(year)[0]
    for budget in budgets:
        if budget.school_year.start <= start:
            return budget.cost_per_fte_eur
    return budgets[-1].cost_per_fte_eur if budgets else default


def entfristung(
    *, municipality: Municipality, day: datetime.date, carrier_ids: set[int] | None = None
) -> dict[str, Any]:
    """The Entfristung figures of a municipality on `day`: fixed-term shares
    over the school years (total, per carrier, per stream), the annual cost
    of the fixed-term FTE at the cost rates with the Land's share under the
    caps, the path to the target share, and what ends when."""
    conf = settings_for(municipality)
    caps = caps_for(municipality)
    scoped = municipality_contracts(municipality)
    if carrier_ids is not None:
        scoped = scoped.filter(carrier_id__in=carrier_ids)
    contracts = list(
        scoped.prefetch_related(
            "extensions",
            Prefetch(
                "funding_stream__budgets",
                queryset=FundingBudget.objects.select_related("school_year"),
            ),
        )
    )
    rows = _rows(contracts)
    years = entfristung_years(rows, day)
    current = sy.start_year_of(day)
    total = engine.shares(rows, years)
    by_carrier = engine.shares(rows, years, lambda r: r.carrier)
    by_stream = engine.shares(rows, years, lambda r: r.stream)
    running = [c for c in contracts if c.start <= day and (c.end is None or c.end >= day)]
    fixed = [c for c in running if c.end is not None]
    total_fte = sum((c.fte for c in running), Decimal(0))
    fixed_fte = sum((c.fte for c in fixed), Decimal(0))
    cost: dict[str, list[Decimal]] = {}
    for c in fixed:
        stream = c.funding_stream
        rate = cost_rate(stream, current, conf.default_cost_per_fte_eur)
        land = (
            funded_per_fte(
                kind=stream.kind,
                cost_per_fte=rate,
                share_percent=stream.funding_share_percent,
                max_eligible_per_fte=stream.max_eligible_per_fte,
                caps=caps,
            )
            if stream
            else Decimal(0)
        )
        key = stream.name if stream else ""
        acc = cost.setdefault(key, [Decimal(0), Decimal(0), Decimal(0), rate])
        acc[0] += c.fte
        acc[1] += c.fte * rate
        acc[2] += c.fte * land
    cost_rows = [
        CostRow(
            key,
            fte,
            rate,
            annual.quantize(Decimal("0.01")),
            land.quantize(Decimal("0.01")),
            (annual - land).quantize(Decimal("0.01")),
        )
        for key, (fte, annual, land, rate) in sorted(cost.items())
    ]
    target_year = conf.target_year or current + 3
    path = engine.path_to_target(
        fixed_fte=fixed_fte,
        total_fte=total_fte,
        target_percent=conf.target_fixed_term_percent,
        first_year=current + 1,
        target_year=target_year,
    )
    return {
        "settings": conf,
        "years": years,
        "total": total,
        "by_carrier": by_carrier,
        "by_stream": by_stream,
        "current": {
            "fte": total_fte,
            "fixed_fte": fixed_fte,
            "fte_percent": engine.percent(fixed_fte, total_fte),
            "persons": len({c.staff_member_id for c in running}),
            "fixed_persons": len({c.staff_member_id for c in fixed}),
        },
        "cost_rows": cost_rows,
        "cost_total": sum((r.annual_cost for r in cost_rows), Decimal(0)),
        "land_total": sum((r.land_share for r in cost_rows), Decimal(0)),
        "own_total": sum((r.own_share for r in cost_rows), Decimal(0)),
        "target_year": target_year,
        "path": path,
        "ending": funding_endings(municipality=municipality, day=day, fixed=fixed),
    }


def funding_endings(
    *, municipality: Municipality, day: datetime.date, fixed: list[Contract]
) -> list[EndingRow]:
    """Which positions depend on funding that ends when: every running
    fixed-term contract (its end, the stream behind it, the positions the
    person holds), and every position with an end date still ahead."""
    positions = (
        Position.objects.filter(municipality=municipality)
        .active_on(day)
        .select_related("carrier", "funding_stream", "staff_member")
    )
    held: dict[int, list[Position]] = {}
    for position in positions:
        if position.staff_member_id:
            held.setdefault(position.staff_member_id, []).append(position)
    out: list[EndingRow] = []
    for c in fixed:
        if c.end is None:
            continue
        out.append(
            EndingRow(
                c.end,
                c.staff_member,
                c.carrier.name,
                c.funding_stream.name if c.funding_stream else "",
                c.fte,
                c.reason_display(),
                ", ".join(p.code for p in held.get(c.staff_member_id, [])),
            )
        )
    return sorted(out, key=lambda r: (r.end, r.staff.label))


def funding_findings(*, municipality: Municipality) -> list[RuleFinding]:
    """The funding-rule findings on the streams and budgets stored today."""
    caps = caps_for(municipality)
    out: list[RuleFinding] = []
    streams = FundingStream.objects.filter(municipality=municipality).prefetch_related(
        Prefetch("budgets", queryset=FundingBudget.objects.select_related("school_year"))
    )
    for stream in streams:
        for finding in check_stream(
            kind=stream.kind,
            share_percent=stream.funding_share_percent,
            max_eligible_per_fte=stream.max_eligible_per_fte,
            caps=caps,
        ):
            out.append(RuleFinding(stream, "", finding))
        for budget in stream.budgets.all():
            for finding in check_cost_rate(
                kind=stream.kind,
                cost_per_fte=budget.cost_per_fte_eur,
                max_eligible_per_fte=stream.max_eligible_per_fte,
                caps=caps,
            ):
                out.append(RuleFinding(stream, budget.school_year.code, finding))
    return out


# --------------------------------------------------------------------------- continuity


def continuity_window(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The last three school years up to `day` (the current one so far)."""
    current = sy.start_year_of(day)
    return sy.bounds(current - CONTINUITY_YEARS + 1)[0], day


def schools_for_continuity(*, user: Any) -> QuerySet[School]:
    return (
        School.objects.filter(perms.continuity_schools_q(user))
        .filter(active=True)
        .select_related("municipality")
        .distinct()
        .order_by("name")
    )


def continuity_of(*, schools: list[School], day: datetime.date) -> dict[int, engine.Continuity]:
    """The continuity indicators of `schools` (the caller loaded them through
    a scoped selector). A worker is at a school while a position serving it
    is held by them (its validity); the school had a target in a school year
    when the adopted distribution gave it FTE, or, in a year without an
    adopted distribution, when any position served it that year."""
    if not schools:
        return {}
    lo, hi = continuity_window(day)
    ids = [s.pk for s in schools]
    assignments = PositionAssignment.objects.filter(school_id__in=ids).select_related("position")
    stints: list[engine.Stint] = []
    served: dict[int, list[tuple[datetime.date, datetime.date | None]]] = {}
    for a in assignments:
        p = a.position
        served.setdefault(a.school_id, []).append((p.valid_from, p.valid_to))
        if p.staff_member_id:
            stints.append(engine.Stint(a.school_id, p.staff_member_id, p.valid_from, p.valid_to))
    numbers = {s.school_number: s.pk for s in schools}
    adopted: dict[int, dict[int, Decimal]] = {}
    mun_ids = {s.municipality_id for s in schools}
    for scenario in (
        Scenario.objects.adopted().filter(municipality_id__in=mun_ids).select_related("school_year")
    ):
        year = sy.start_year_of(scenario.school_year.start)
        per_school = adopted.setdefault(year, {})
        for row in scenario.result.get("schools", []):
            pk = numbers.get(str(row.get("number")))
            if pk is not None:
                per_school[pk] = Decimal(str(row.get("fte") or 0))
    conf = {m: settings_for(m).frequent_change_workers for m in mun_ids}
    out: dict[int, engine.Continuity] = {}
    for school in schools:
        spans: list[tuple[datetime.date, datetime.date]] = []
        for year in range(sy.start_year_of(lo), sy.start_year_of(hi) + 1):
            start, end = sy.bounds(year)
            if year in adopted:
                has_target = adopted[year].get(school.pk, Decimal(0)) > 0
            else:
                has_target = any(
                    f <= end and (t is None or t >= start) for f, t in served.get(school.pk, [])
                )
            if has_target:
                spans.append((start, end))
        out[school.pk] = engine.continuity(
            school=school.pk,
            stints=stints,
            target_spans=spans,
            window=(lo, hi),
            today=day,
            threshold=conf[school.municipality_id],
        )
    return out


def entfristung_municipalities(*, user: Any) -> QuerySet[Municipality]:
    """Where `user` sees Entfristung figures: the municipalities it
    coordinates or sits on the committee of, and its carriers'
    municipalities (a carrier sees its own contracts' figures)."""
    ids = perms.entfristung_municipality_ids(user)
    ids |= set(contract_carriers_visible_to(user=user).values_list("municipality_id", flat=True))
    return Municipality.objects.filter(pk__in=ids).order_by("name")


def funding_streams_for(*, staff: StaffMember) -> QuerySet[FundingStream]:
    """The streams a contract of `staff` may name: its municipality's."""
    return FundingStream.objects.filter(municipality_id=staff.municipality_id).order_by("name")
