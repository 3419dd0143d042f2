"""A contract timeline as server-side SVG (one row per person, one bar per
contract, a tick per extension, a line for today; a contract made permanent
by an extension is orange up to the end it had before). Only presentation
attributes, every text escaped (as core/charts.py); the page shows the same
contracts in a data table beside it."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

FIXED = "#c05a00"  # fixed-term (orange, dark enough for 3:1 against white)
PERMANENT = "#0b5cad"  # permanent (blue)
DARK = "#0b2a4a"


@dataclass(frozen=True)
class Bar:
    start: datetime.date
    end: datetime.date | None
    fixed: bool
    label: str  # tooltip: "01.08.2024 – 31.07.2026, befristet"
    extensions: tuple[datetime.date, ...] = ()


@dataclass(frozen=True)
class Row:
    label: str
    bars: Sequence[Bar] = field(default_factory=tuple)


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def timeline(
    rows: Sequence[Row],
    *,
    title: str,
    today: datetime.date,
    fixed_label: str,
    permanent_label: str,
    today_label: str,
) -> SafeString:
    """The SVG of `rows` from the earliest start to a year after today (or
    the latest end, whichever is later)."""
    starts = [b.start for r in rows for b in r.bars]
    ends = [b.end for r in rows for b in r.bars if b.end]
    lo = min([*starts, today - datetime.timedelta(days=365)])
    lo = datetime.date(lo.year, 1, 1)
    hi = max([*ends, today + datetime.timedelta(days=365)])
    hi = datetime.date(hi.year + 1, 1, 1)
    row_h, label_w, width, top = 22, 200, 760, 30
    height = top + row_h * max(len(rows), 1) + 34
    span = (hi - lo).days or 1
    inner = width - label_w - 10

    def x(day: datetime.date) -> float:
        return label_w + (min(max(day, lo), hi) - lo).days / span * inner

    body: list[str] = []
    for year in range(lo.year, hi.year + 1):
        gx = x(datetime.date(year, 1, 1))
        body.append(
            f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 28}" stroke="#e1e4e8"/>'
        )
        if year < hi.year:
            body.append(
                f'<text x="{gx + 2:.1f}" y="{top - 10}" font-size="11" fill="#38404a">{year}</text>'
            )
    for i, row in enumerate(rows):
        y = top + i * row_h
        label = row.label if len(row.label) <= 28 else row.label[:27] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 14}" font-size="11" text-anchor="end" '
            f'fill="{DARK}">{escape(label)}</text>'
        )
        for bar in row.bars:
            x1, x2 = x(bar.start), x(bar.end or hi)
            parts = [(x1, x2, FIXED if bar.fixed else PERMANENT)]
            if not bar.fixed and bar.extensions:
                # Made permanent by an extension: fixed-term up to the end
                # that extension replaced.
                xm = x(max(bar.extensions))
                parts = [(x1, xm, FIXED), (xm, x2, PERMANENT)]
            for a, b, colour in parts:
                body.append(
                    f'<rect x="{a:.1f}" y="{y + 4}" width="{max(b - a, 2):.1f}" '
                    f'height="{row_h - 8}" fill="{colour}"><title>{escape(row.label)}: '
                    f"{escape(bar.label)}</title></rect>"
                )
            for ext in bar.extensions:
                ex = x(ext)
                body.append(
                    f'<line x1="{ex:.1f}" y1="{y + 1}" x2="{ex:.1f}" y2="{y + row_h - 1}" '
                    f'stroke="{DARK}" stroke-width="2"/>'
                )
    tx = x(today)
    body.append(
        f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{height - 28}" '
        f'stroke="#b3261e" stroke-width="2" stroke-dasharray="4 2"/>'
    )
    legend_y = height - 8
    legend = [(FIXED, fixed_label), (PERMANENT, permanent_label)]
    lx = label_w
    for colour, text in legend:
        body.append(f'<rect x="{lx}" y="{legend_y - 9}" width="14" height="9" fill="{colour}"/>')
        body.append(
            f'<text x="{lx + 18}" y="{legend_y}" font-size="11" fill="{DARK}">{escape(text)}</text>'
        )
        lx += 150
    body.append(
        f'<line x1="{lx}" y1="{legend_y - 10}" x2="{lx}" y2="{legend_y + 1}" stroke="#b3261e" '
        f'stroke-width="2"/><text x="{lx + 6}" y="{legend_y}" font-size="11" fill="{DARK}">'
        f"{escape(today_label)}</text>"
    )
    return mark_safe(  # noqa: S308 - every text part above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{_attr(title)}" class="chart"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )
