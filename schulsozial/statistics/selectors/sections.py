"""Presentation: the sections of a report (tables with their headers, notes and totals)
from its figures; protected or not, the same layout. One function per section."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from schulsozial.activities.models import CatalogueKind
from schulsozial.core import school_year

from ..sources import SCHOOL_YEAR_MONTHS
from . import facts
from .facts import Entry
from .figures import Figures, Line, Part, published
from .scopes import Filters, Scope

SUPPRESSED = "•"


@dataclass
class Row:
    label: str
    values: list[Any]  # None = suppressed; "" = not applicable
    key: Any = None


@dataclass
class Section:
    key: str
    title: str
    label_header: str
    columns: list[str]
    rows: list[Row]
    total: Row | None = None
    chart: str = "bar"  # bar | line
    chart_column: int = 0
    note: str = ""
    suppressed: int = 0
    #: Why a protected view does not show this table with the chosen filters (then it has
    #: no rows; the page and the exports print this instead).
    withheld: str = ""

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """Header and rows for exports: suppressed values as the symbol."""
        header = [self.label_header, *self.columns]
        if self.withheld:
            return header, [[self.withheld]]
        body = [[r.label, *(SUPPRESSED if v is None else v for v in r.values)] for r in self.rows]
        if self.total is not None:
            body.append(
                [self.total.label, *(SUPPRESSED if v is None else v for v in self.total.values)]
            )
        return header, body

    def count_suppressed(self) -> None:
        self.suppressed = sum(1 for r in self.rows for v in r.values if v is None) + (
            sum(1 for v in self.total.values if v is None) if self.total else 0
        )


@dataclass
class Report:
    scope: Scope
    filters: Filters
    protected: bool
    threshold: int
    sections: list[Section] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)

    @property
    def suppressed(self) -> int:
        return sum(s.suppressed for s in self.sections)


def hours(minutes: int | None) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def month_label(month: int, start_year: int) -> str:
    """``Aug 2025``: the month of the school year starting in `start_year`."""
    day = datetime.date(school_year.calendar_year(start_year, month), month, 1)
    return date_format(day, "M Y")


def counted(line: Line) -> list[Any]:
    """Activities and hours of a line (hours only where the count is shown)."""
    return [line.count, published(line.count, hours(line.minutes))]


@dataclass(frozen=True)
class Labels:
    """Names and sort orders of the report's rows."""

    entries: dict[int, Entry]
    school_names: dict[int, str]

    def entry(self, entry_id: int | None) -> str:
        entry = self.entries.get(entry_id) if entry_id else None
        return entry.label if entry else "–"

    def entry_order(self, entry_id: int) -> tuple[int, str, int]:
        # The id breaks ties: several municipalities' catalogues share labels.
        entry = self.entries.get(entry_id)
        return (entry.sort_order, entry.label, entry_id) if entry else (9999, "", entry_id)

    def school(self, school_id: int) -> str:
        return self.school_names.get(school_id, str(school_id))

    def school_order(self, school_id: int) -> tuple[str, int]:
        return (self.school_names.get(school_id, ""), school_id)


def _entry_rows(part: Part, labels: Labels) -> list[Row]:
    return [
        Row(labels.entry(x.key), counted(x), x.key)
        for x in sorted(part.lines, key=lambda x: labels.entry_order(x.key))
    ]


def activity_type_section(figures: Figures, labels: Labels) -> Section:
    types = figures.types
    return Section(
        key="activity_type",
        title=_("Activities by activity type"),
        label_header=_("Activity type"),
        columns=[_("Activities"), _("Hours")],
        rows=_entry_rows(types, labels),
        total=Row(_("Total"), counted(types.total or figures.summary)),
        withheld=types.missing,
    )


def dimension_sections(figures: Figures, labels: Labels) -> list[Section]:
    """Topics, contact origins and partners."""
    sections = []
    for kind, key, title, header in (
        (CatalogueKind.TOPIC, "topic", _("Activities by topic"), _("Topic")),
        (
            CatalogueKind.CONTACT_ORIGIN,
            "contact_origin",
            _("How contacts came about"),
            _("Contact came about through"),
        ),
        (CatalogueKind.PARTNER, "partner", _("Referrals to partners"), _("Partner involved")),
    ):
        part = figures.dimensions[str(kind)]
        topic = kind == CatalogueKind.TOPIC
        sections.append(
            Section(
                key=key,
                title=title,
                label_header=header,
                columns=[_("Activities"), _("Hours")],
                rows=_entry_rows(part, labels),
                total=Row(_("Total"), [part.total.count if part.total else None, ""])
                if topic and not part.missing
                else None,
                note=_(
                    "An activity with several topics counts once for each topic."
                    " Topics, contact origins and partners are counted per school year, over"
                    " all activity types: the month and activity-type filters do not apply."
                )
                if topic
                else "",
                withheld=part.missing,
            )
        )
    return sections


def _per_fte(line: Line, fte_value: Decimal | None) -> Any:
    if not fte_value:
        return ""
    return (Decimal(line.minutes) / 60 / fte_value).quantize(Decimal("0.1"))


def school_section(
    figures: Figures, labels: Labels, school_lines: list[Line], fte: dict[int, Decimal]
) -> Section:
    """By school, with hours per FTE."""
    fte_sum = sum(fte.values(), Decimal(0))
    total = figures.schools.total or figures.summary
    return Section(
        key="school",
        title=_("Activities by school"),
        label_header=_("School"),
        columns=[_("Activities"), _("Hours"), _("Participants"), _("FTE"), _("Hours per FTE")],
        rows=[
            Row(
                labels.school(x.key),
                [
                    *counted(x),
                    published(x.count, x.participants),
                    fte[x.key].quantize(Decimal("0.01")) if x.key in fte else "",
                    published(x.count, _per_fte(x, fte.get(x.key))),
                ],
                x.key,
            )
            for x in school_lines
        ],
        total=Row(
            _("Total"),
            [
                *counted(total),
                published(total.count, total.participants),
                fte_sum.quantize(Decimal("0.01")),
                published(total.count, _per_fte(total, fte_sum)),
            ],
        ),
        note=_(
            "Hours per FTE: documented hours over the FTE assigned to the school on the"
            " reference day (end of the school year, or today)."
        ),
        withheld=figures.schools.missing,
    )


def carrier_section(figures: Figures, names: dict[int, str]) -> Section:
    """By carrier (the worker's employer)."""
    carriers = figures.carriers
    return Section(
        key="carrier",
        title=_("Activities by carrier"),
        label_header=_("Carrier"),
        columns=[_("Activities"), _("Hours")],
        rows=[
            Row(names.get(x.key, "–"), counted(x), x.key)
            for x in sorted(carriers.lines, key=lambda x: (names.get(x.key, ""), x.key))
        ],
        total=Row(_("Total"), counted(carriers.total or figures.summary)),
        withheld=carriers.missing,
    )


def month_section(figures: Figures, start_year: int) -> Section:
    """By month, in school-year order."""
    months = figures.months
    position = {m: i for i, m in enumerate(SCHOOL_YEAR_MONTHS)}
    return Section(
        key="month",
        title=_("Activities by month"),
        label_header=_("Month"),
        columns=[_("Activities"), _("Hours")],
        rows=[
            Row(month_label(x.key, start_year), counted(x), x.key)
            for x in sorted(months.lines, key=lambda x: position[x.key])
        ],
        total=Row(_("Total"), counted(months.total or figures.summary)),
        chart="line",
        withheld=months.missing,
    )


def trend_section(figures: Figures) -> Section:
    """Trends over school years (the same filters, earlier years)."""
    return Section(
        key="trend",
        title=_("Trend over school years"),
        label_header=_("School year"),
        columns=[_("Activities"), _("Hours")],
        rows=[
            Row(school_year.code(x.key), counted(x), x.key)
            for x in sorted(figures.trend.lines, key=lambda x: x.key)
        ],
        chart="line",
        withheld=figures.trend.missing,
    )


def cases_section(figures: Figures, labels: Labels) -> Section:
    """Distinct cases per school."""
    cases = figures.cases
    return Section(
        key="cases",
        title=_("Distinct cases"),
        label_header=_("School"),
        columns=[_("Distinct cases")],
        rows=[
            Row(labels.school(x.key), [x.count], x.key)
            for x in sorted(cases.lines, key=lambda x: labels.school_order(x.key))
        ],
        total=None
        if cases.missing
        else Row(_("Total"), [cases.total.count if cases.total else None]),
        note=_(
            "Cases are counted by their anonymous case code, per school: the same code at"
            " two schools is two cases. Counted per school year, over all activity types."
        ),
        withheld=cases.missing,
    )


def reach_section(
    figures: Figures,
    labels: Labels,
    reach: list[tuple[int, list[int | None]]],
    pupils: dict[int, int],
) -> Section:
    """Reach per school: participants at class, group and individual level."""

    def share(value: int | None, school_id: int) -> Any:
        if value is None:
            return None
        n = pupils.get(school_id)
        if not n:
            return ""
        return (Decimal(min(value, n)) * 100 / n).quantize(Decimal("0.1"))

    return Section(
        key="reach",
        title=_("Reach per school"),
        label_header=_("School"),
        columns=[
            _("Pupils"),
            _("Class level"),
            _("Class level (%)"),
            _("Group level"),
            _("Group level (%)"),
            _("Individual level"),
            _("Individual level (%)"),
        ],
        rows=[
            Row(
                labels.school(s),
                [pupils.get(s, ""), *[x for v in values for x in (v, share(v, s))]],
                s,
            )
            for s, values in reach
        ],
        chart_column=2,
        note=_(
            "Participants of activities with the target group class, group or individual"
            " pupils, over the school's pupils, capped at 100 %. A pupil met twice counts"
            " twice, so this is a share of pupil contacts, not of distinct pupils."
        ),
        withheld=figures.reach_missing,
    )


def build_sections(
    report: Report, figures: Figures, entries: dict[int, Entry], scope: Scope, filters: Filters
) -> None:
    """The totals and sections of the report from its figures, with the master data they
    name (FTE, carrier names, pupils: one query each)."""
    labels = Labels(entries, figures.school_names)
    summary = figures.summary
    school_lines = sorted(figures.schools.lines, key=lambda x: labels.school_order(x.key))
    report.totals = {
        "activities": summary.count,
        "hours": published(summary.count, hours(summary.minutes)),
        "schools": len(school_lines) if not figures.schools.missing else len(labels.school_names),
    }
    fte = facts.fte(scope, filters, [x.key for x in school_lines])
    carrier_names = facts.carrier_names([x.key for x in figures.carriers.lines])
    reach = sorted(figures.reach, key=lambda x: labels.school_order(x[0]))
    pupils = facts.pupils([s for s, _v in reach], filters.school_year, scope.municipality_ids)
    report.sections = [
        activity_type_section(figures, labels),
        *dimension_sections(figures, labels),
        school_section(figures, labels, school_lines, fte),
        carrier_section(figures, carrier_names),
        month_section(figures, filters.school_year),
        trend_section(figures),
        cases_section(figures, labels),
        reach_section(figures, labels, reach, pupils),
    ]
    for section in report.sections:
        section.count_suppressed()
