"""The heat map and its trend as server-side SVG (the project's chart
conventions, core/charts.py): presentation attributes only (strict CSP),
every text escaped, the number printed in each cell in a colour of
sufficient contrast (heatmap.text_colour), and the page shows the same
numbers in a data table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString

from schulsozial.core.charts import BLUE, DARK, _attr, _num, _svg

from .heatmap import EMPTY_FILL, fill_for, text_colour

CELL_W, CELL_H, LABEL_W, HEAD_H = 58, 30, 230, 34


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def heatmap_svg(
    *,
    columns: Sequence[tuple[str, str]],  # (code, title)
    rows: Sequence[tuple[str, Sequence[Decimal | None]]],  # (label, value per column)
    steps: int,
    title: str,
    empty: str = "–",
) -> SafeString:
    width = LABEL_W + CELL_W * max(len(columns), 1) + 4
    height = HEAD_H + CELL_H * max(len(rows), 1) + 4
    body: list[str] = []
    for j, (code, name) in enumerate(columns):
        x = LABEL_W + j * CELL_W + CELL_W / 2
        body.append(
            f'<text x="{x:.1f}" y="{HEAD_H - 10}" font-size="12" font-weight="bold" '
            f'text-anchor="middle" fill="#0b2a4a">{escape(code)}<title>{escape(code)} '
            f"{escape(name)}</title></text>"
        )
    for i, (label, values) in enumerate(rows):
        y = HEAD_H + i * CELL_H
        body.append(
            f'<text x="{LABEL_W - 8}" y="{y + CELL_H / 2 + 4:.1f}" font-size="12" '
            f'text-anchor="end" fill="#1b1b1b">{escape(_short(label))}<title>{escape(label)}'
            "</title></text>"
        )
        for j, value in enumerate(values):
            x = LABEL_W + j * CELL_W
            fill = fill_for(value, steps) if value is not None else EMPTY_FILL
            shown = _num(float(value)) if value is not None else empty
            code = columns[j][0]
            body.append(
                f'<g data-cell="{_attr(code)}"><rect x="{x + 1}" y="{y + 1}" width="{CELL_W - 2}" '
                f'height="{CELL_H - 2}" fill="{fill}" stroke="#ffffff"/>'
                f'<text x="{x + CELL_W / 2:.1f}" y="{y + CELL_H / 2 + 4:.1f}" font-size="12" '
                f'text-anchor="middle" fill="{text_colour(fill)}">{escape(shown)}</text>'
                f"<title>{escape(label)} · {escape(code)}: {escape(shown)}</title></g>"
            )
    return _svg(width, height, title, body)


def trend_svg(*, points: Sequence[tuple[str, float]], steps: int, title: str) -> SafeString:
    """The average rating per school year as a line on the rating scale: the
    y-axis runs from step 1 to the highest step (or the highest value, should
    an earlier year have used a longer scale) with a tick on every step, so
    the axis always reaches above the data. The right margin leaves room for
    half of the last school year's label, which is centred on its point."""
    width, height, left, right, top_pad, bottom = 760, 260, 50, 40, 24, 40
    values = [float(v) for _label, v in points]
    low = 1
    high = max(steps, math.ceil(max(values, default=1)), low + 1)
    inner_w, inner_h = width - left - right, height - top_pad - bottom
    step_x = inner_w / max(len(points) - 1, 1)

    def y_of(value: float) -> float:
        return top_pad + inner_h - (value - low) / (high - low) * inner_h

    body: list[str] = []
    for tick in range(low, high + 1):
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e1e4e8"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#38404a">{tick}</text>'
        )
    coords = [(left + i * step_x, y_of(v)) for i, v in enumerate(values)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    for (label, value), (x, y) in zip(points, coords, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BLUE}"><title>{escape(label)}: '
            f"{_num(float(value))}</title></circle>"
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" '
            f'fill="{DARK}">{escape(label)}</text>'
        )
    return _svg(width, height, title, body)
