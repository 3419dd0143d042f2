"""Key figures for the role dashboards, computed in the database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from schulsozial.masterdata.models import (
    Carrier,
    Function,
    FundingBudget,
    Municipality,
    Position,
    PositionAssignment,
    School,
    SchoolType,
    SchoolYear,
    StaffMember,
)
from schulsozial.masterdata.rules import RuleWarning
from schulsozial.masterdata.selectors import (
    ZERO,
    current_school_year,
    rule_warnings,
    schools_without_social_work,
    with_latest_figures,
)
from schulsozial.statistics.disclosure import protect

TWO = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return Decimal(value).quantize(TWO, ROUND_HALF_UP)


@dataclass(frozen=True)
class TypeRow:
    school_type: str
    label: str
    schools: int
    fte: Decimal


@dataclass(frozen=True)
class BudgetRow:
    stream_id: int
    stream: str
    available: Decimal
    planned: Decimal
    fte: Decimal
    cost_per_fte: Decimal

    @property
    def balance(self) -> Decimal:
        return self.available - self.planned

    @property
    def over(self) -> bool:
        return self.planned > self.available


@dataclass(frozen=True)
class CarrierStaffRow:
    """Persons employed by one carrier today; None where withheld."""

    carrier: str
    permanent: int | None
    fixed_term: int | None
    total: int | None


@dataclass(frozen=True)
class StaffTable:
    """Headcount per carrier (permanent / fixed-term) with its totals; None where withheld."""

    rows: list[CarrierStaffRow]
    permanent: int | None
    fixed_term: int | None
    total: int | None

    @property
    def withheld(self) -> bool:
        cells = [v for r in self.rows for v in (r.permanent, r.fixed_term, r.total)]
        return None in [*cells, self.permanent, self.fixed_term, self.total]


def staff_table(
    *, municipality: Municipality, day: datetime.date, threshold: int | None
) -> StaffTable:
    """Persons employed today per carrier of `municipality`. With a `threshold` (the
    committee's view) the table passes disclosure control like every statistic:
    primary and secondary suppression by `statistics.disclosure.protect`, so that no
    withheld count can be worked out from the published cells and totals."""
    carriers = list(
        Carrier.objects.filter(municipality=municipality).order_by("name").values_list("pk", "name")
    )
    counts = {
        c: (p, f)
        for c, p, f in StaffMember.objects.employed_on(day)
        .filter(municipality=municipality)
        .values("carrier")
        .annotate(
            p=Count("pk", filter=Q(contract_end__isnull=True)),
            f=Count("pk", filter=Q(contract_end__isnull=False)),
        )
        .values_list("carrier", "p", "f")
    }
    cells = [list(counts.get(pk, (0, 0))) for pk, _name in carriers]
    names = [name for _pk, name in carriers]
    if threshold is None or not cells:
        rows = [CarrierStaffRow(n, p, f, p + f) for n, (p, f) in zip(names, cells, strict=True)]
        return StaffTable(
            rows=rows,
            permanent=sum(c[0] for c in cells),
            fixed_term=sum(c[1] for c in cells),
            total=sum(c[0] + c[1] for c in cells),
        )
    table = protect(cells, threshold=threshold)
    return StaffTable(
        rows=[
            CarrierStaffRow(n, row[0], row[1], total)
            for n, row, total in zip(names, table.cells, table.row_totals, strict=True)
        ],
        permanent=table.column_totals[0],
        fixed_term=table.column_totals[1],
        total=table.grand_total,
    )


@dataclass
class CoordinationFigures:
    municipality: Municipality
    day: datetime.date
    school_year: SchoolYear | None
    school_count: int
    fte_total: Decimal
    fte_assigned: Decimal
    fte_by_type: list[TypeRow]
    pupils_total: int
    pupils_per_fte: Decimal | None
    target_pupils_per_fte: int
    schools_without: int
    #: None where withheld: a committee's view counts persons only from the
    #: municipality's disclosure threshold on (see `coordination_figures`).
    contracts_ending: int | None
    fixed_term_fte: Decimal | None
    staff_fte: Decimal
    budgets: list[BudgetRow]
    warnings: list[RuleWarning] = field(default_factory=list)
    threshold: int | None = None  # set when the figures are protected
    staff_table: StaffTable | None = None

    @property
    def fixed_term_share(self) -> Decimal | None:
        if not self.staff_fte or self.fixed_term_fte is None:
            return None
        return _q(self.fixed_term_fte / self.staff_fte * 100)

    @property
    def fte_needed_for_target(self) -> Decimal | None:
        if not self.target_pupils_per_fte:
            return None
        return _q(Decimal(self.pupils_total) / self.target_pupils_per_fte)


def ending_within_months(day: datetime.date, months: int = 12) -> datetime.date:
    ending: datetime.date = day + relativedelta(months=months)
    return ending


def _withheld(persons: int, threshold: int) -> bool:
    return 0 < persons < threshold


def coordination_figures(
    *, municipality: Municipality, day: datetime.date, protected: bool = False
) -> CoordinationFigures:
    """The coordination dashboard's key figures. With `protected` (the
    committee's view) the figures about contracts, which concern a few
    identifiable employees, are withheld when fewer than the municipality's
    disclosure threshold of persons stand behind them (and not 0)."""
    school_year = current_school_year(day)
    schools = School.objects.active().filter(municipality=municipality)
    active_positions = Position.objects.active_on(day).filter(municipality=municipality)
    social_positions = active_positions.filter(function=Function.SOCIAL_WORK)
    fte_total = social_positions.aggregate(t=Coalesce(Sum("fte"), ZERO))["t"]
    week = municipality.fulltime_week_hours

    hours_by_type = dict(
        PositionAssignment.objects.filter(position__in=social_positions, school__in=schools)
        .values("school__school_type")
        .annotate(hours=Sum("weekly_hours"))
        .values_list("school__school_type", "hours")
    )
    count_by_type = dict(
        schools.values("school_type").annotate(n=Count("pk")).values_list("school_type", "n")
    )
    labels = dict(SchoolType.choices)
    fte_by_type = [
        TypeRow(
            code,
            str(labels.get(code, code)),
            count_by_type.get(code, 0),
            _q(hours_by_type.get(code, 0) / week),
        )
        for code in sorted(
            count_by_type, key=lambda c: list(labels).index(c) if c in labels else 99
        )
    ]
    fte_assigned = _q(sum((row.fte for row in fte_by_type), Decimal(0)))

    annotated: str = "pupils"  # by with_latest_figures, unknown to the type checker
    pupils: list[int | None] = list(
        with_latest_figures(schools, school_year).values_list(annotated, flat=True)
    )
    pupils_total = sum(p or 0 for p in pupils)
    pupils_per_fte = _q(Decimal(pupils_total) / fte_total) if fte_total else None

    staff = StaffMember.objects.employed_on(day).filter(municipality=municipality)
    staff_sums = staff.aggregate(
        total=Coalesce(Sum("fte"), ZERO),
        fixed=Coalesce(Sum("fte", filter=Q(contract_end__isnull=False)), ZERO),
        ending=Count("pk", filter=Q(contract_end__lte=ending_within_months(day))),
        fixed_persons=Count("pk", filter=Q(contract_end__isnull=False)),
    )
    contracts_ending: int | None = staff_sums["ending"]
    fixed_term_fte: Decimal | None = _q(staff_sums["fixed"])
    threshold = municipality.disclosure_threshold if protected else None
    staff_by_carrier = staff_table(municipality=municipality, day=day, threshold=threshold)
    if threshold is not None:
        if _withheld(staff_sums["ending"], threshold):
            contracts_ending = None
        # The share follows the published fixed-term headcount: withheld with it, so the
        # share cannot reveal what the staff table withholds.
        if staff_by_carrier.fixed_term is None or _withheld(staff_sums["fixed_persons"], threshold):
            fixed_term_fte = None

    budgets: list[BudgetRow] = []
    if school_year is not None:
        fte_by_stream = dict(
            active_positions.values("funding_stream")
            .annotate(f=Sum("fte"))
            .values_list("funding_stream", "f")
        )
        for budget in (
            FundingBudget.objects.filter(stream__municipality=municipality, school_year=school_year)
            .select_related("stream")
            .order_by("stream__name")
        ):
            fte = Decimal(fte_by_stream.get(budget.stream_id) or 0)
            budgets.append(
                BudgetRow(
                    budget.stream_id,
                    budget.stream.name,
                    budget.available_eur,
                    _q(fte * budget.cost_per_fte_eur),
                    _q(fte),
                    budget.cost_per_fte_eur,
                )
            )

    return CoordinationFigures(
        municipality=municipality,
        day=day,
        school_year=school_year,
        school_count=schools.count(),
        fte_total=_q(fte_total),
        fte_assigned=fte_assigned,
        fte_by_type=fte_by_type,
        pupils_total=pupils_total,
        pupils_per_fte=pupils_per_fte,
        target_pupils_per_fte=municipality.target_pupils_per_fte,
        schools_without=schools_without_social_work(municipality=municipality, day=day).count(),
        contracts_ending=contracts_ending,
        fixed_term_fte=fixed_term_fte,
        staff_fte=_q(staff_sums["total"]),
        budgets=budgets,
        # The committee sees aggregates only, never warnings naming staff.
        warnings=[] if protected else rule_warnings(municipality=municipality, day=day),
        threshold=threshold,
        staff_table=staff_by_carrier,
    )


def carrier_figures(*, carrier: Any, day: datetime.date) -> dict[str, Any]:
    staff = StaffMember.objects.employed_on(day).filter(carrier=carrier)
    sums = staff.aggregate(
        n=Count("pk"),
        total_fte=Coalesce(Sum("fte"), ZERO),
        fixed=Coalesce(Sum("fte", filter=Q(contract_end__isnull=False)), ZERO),
        ending=Count("pk", filter=Q(contract_end__lte=ending_within_months(day))),
    )
    positions = Position.objects.active_on(day).filter(carrier=carrier)
    return {
        "carrier": carrier,
        "staff_count": sums["n"],
        "staff_fte": _q(sums["total_fte"]),
        "fixed_share": _q(sums["fixed"] / sums["total_fte"] * 100) if sums["total_fte"] else None,
        "contracts_ending": sums["ending"],
        "positions": positions.count(),
        "vacant": positions.filter(staff_member__isnull=True).count(),
        "schools": School.objects.filter(assignments__position__in=positions).distinct().count(),
        "warnings": [
            w
            for w in rule_warnings(municipality=carrier.municipality, day=day)
            if w.staff_id is not None and staff.filter(pk=w.staff_id).exists()
        ],
    }
