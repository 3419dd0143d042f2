"""Server-side SVG charts. Each returns markup that works without JavaScript,
inside pages and PDFs alike; the page shows the same numbers in a data table
beside it. Only presentation attributes are used (no inline style), so the
strict Content-Security-Policy holds. Text is escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

BLUE = "#0b5cad"
GREY = "#8a94a3"
DARK = "#0b2a4a"
# Sozialindex 1 (least burden) .. 9 (highest): a colour-blind-safe sequential scale.
INDEX_COLOURS = [
    "#fde725",
    "#b5de2b",
    "#6ece58",
    "#35b779",
    "#1f9e89",
    "#26828e",
    "#31688e",
    "#3e4989",
    "#482878",
]
NO_INDEX = "#bdbdbd"


def _attr(value: object) -> str:
    return escape(str(value), {'"': "&quot;"})


def _num(value: float) -> str:
    """A number as shown (tick labels, values, tooltips): at most two decimals,
    with the German decimal comma (0,75)."""
    return _data(value).replace(".", ",")


def _data(value: float) -> str:
    """A number for a data attribute: at most two decimals, with a point."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text part above is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{_attr(title)}" class="chart"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    secondary: float | None = None  # e.g. the ideal share, drawn as a marker
    low: float | None = None  # a band from low to high (e.g. 5th-95th percentile)
    high: float | None = None


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    unit: str = "",
    value_label: str = "",
    marker_label: str = "",
) -> SafeString:
    """Horizontal bars, one per row, in the given order; optional marker and band."""
    row_h, label_w, width, pad = 18, 230, 760, 40
    height = pad + row_h * len(bars) + 30
    ticks = _ticks(max([1.0] + [max(b.value, b.secondary or 0, b.high or 0) for b in bars]))
    scale = (width - label_w - 70) / ticks[-1]
    body: list[str] = []
    for tick in ticks:
        x = label_w + tick * scale
        body.append(
            f'<line x1="{x:.1f}" y1="{pad - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="#e1e4e8"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{pad - 10}" font-size="11" text-anchor="middle" fill="#38404a">{_num(tick)}</text>'
        )
    for i, bar in enumerate(bars):
        y = pad + i * row_h
        label = bar.label if len(bar.label) <= 34 else bar.label[:33] + "…"
        body.append(
            f'<text x="{label_w - 6}" y="{y + 12}" font-size="11" text-anchor="end" fill="{DARK}">{escape(label)}</text>'
        )
        if bar.low is not None and bar.high is not None:
            x1, x2 = label_w + bar.low * scale, label_w + bar.high * scale
            body.append(
                f'<rect x="{x1:.1f}" y="{y + 3}" width="{max(x2 - x1, 1):.1f}" height="{row_h - 6}" fill="#c9daf0"/>'
            )
            body.append(
                f'<rect x="{label_w}" y="{y + 8}" width="{bar.value * scale:.1f}" height="3" fill="{BLUE}"/>'
            )
        else:
            body.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{bar.value * scale:.1f}" height="{row_h - 6}" fill="{BLUE}">'
                f"<title>{escape(bar.label)}: {_num(bar.value)} {escape(unit)}</title></rect>"
            )
        if bar.secondary is not None:
            x = label_w + bar.secondary * scale
            body.append(
                f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + row_h - 1}" stroke="#b3261e" stroke-width="2"/>'
            )
        body.append(
            f'<text x="{label_w + max(bar.value, bar.high or 0) * scale + 4:.1f}" y="{y + 12}" font-size="11" fill="{DARK}">{_num(bar.value)}</text>'
        )
    legend_y = height - 8
    body.append(f'<rect x="{label_w}" y="{legend_y - 9}" width="14" height="9" fill="{BLUE}"/>')
    body.append(
        f'<text x="{label_w + 18}" y="{legend_y}" font-size="11" fill="{DARK}">{escape(value_label or unit)}</text>'
    )
    if marker_label:
        body.append(
            f'<line x1="{label_w + 200}" y1="{legend_y - 10}" x2="{label_w + 200}" y2="{legend_y + 1}" stroke="#b3261e" stroke-width="2"/>'
        )
        body.append(
            f'<text x="{label_w + 206}" y="{legend_y}" font-size="11" fill="{DARK}">{escape(marker_label)}</text>'
        )
    return _svg(width, height, title, body)


@dataclass(frozen=True)
class Point:
    label: str
    x: float
    y: float


def scatter_chart(points: Sequence[Point], *, title: str, x_label: str, y_label: str) -> SafeString:
    """One dot per row on equal axes with the diagonal y = x, e.g. the ideal
    share (x) against the allocation (y): dots above the line got more."""
    size, left, bottom, pad = 420, 56, 44, 16
    width, height = size + left + pad, size + bottom + pad
    ticks = _ticks(max([1.0] + [max(p.x, p.y) for p in points]))
    top = ticks[-1]
    scale = size / top

    def xy(x: float, y: float) -> tuple[float, float]:
        return left + x * scale, pad + size - y * scale

    body: list[str] = []
    for tick in ticks:
        tx, ty = xy(tick, tick)
        body.append(
            f'<line x1="{tx:.1f}" y1="{pad}" x2="{tx:.1f}" y2="{pad + size}" stroke="#e1e4e8"/>'
        )
        body.append(
            f'<line x1="{left}" y1="{ty:.1f}" x2="{left + size}" y2="{ty:.1f}" stroke="#e1e4e8"/>'
        )
        body.append(
            f'<text x="{tx:.1f}" y="{pad + size + 16}" font-size="11" text-anchor="middle" '
            f'fill="#38404a">{_num(tick)}</text>'
        )
        body.append(
            f'<text x="{left - 6}" y="{ty + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#38404a">{_num(tick)}</text>'
        )
    (x0, y0), (x1, y1) = xy(0, 0), xy(top, top)
    body.append(
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" stroke="#b3261e" '
        'stroke-width="1.5" stroke-dasharray="5 4"/>'
    )
    for point in points:
        cx, cy = xy(point.x, point.y)
        body.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="{BLUE}" fill-opacity="0.75" '
            f'stroke="{DARK}" stroke-width="0.6" data-point="{_attr(point.label)}">'
            f"<title>{escape(point.label)}: {escape(x_label)} {_num(point.x)}, "
            f"{escape(y_label)} {_num(point.y)}</title></circle>"
        )
    body.append(
        f'<text x="{left + size / 2:.1f}" y="{height - 6}" font-size="11" text-anchor="middle" '
        f'fill="{DARK}">{escape(x_label)}</text>'
    )
    body.append(
        f'<text x="12" y="{pad + size / 2:.1f}" font-size="11" text-anchor="middle" '
        f'fill="{DARK}" transform="rotate(-90 12 {pad + size / 2:.1f})">{escape(y_label)}</text>'
    )
    return _svg(width, height, title, body)


def _ticks(top: float, *, most: int = 6) -> list[float]:
    """Round ticks from 0 up to the first tick at or above `top`: steps of 1, 2
    or 5 times a power of ten, the smallest that needs at most `most` intervals.
    The last tick is the end of the axis, so every value up to `top` lies on it."""
    if top <= 0:
        return [0.0, 1.0]
    magnitude = 10.0 ** math.floor(math.log10(top / most))
    for step in (m * magnitude for m in (1, 2, 5, 10, 20)):
        # The tolerance keeps 0.6 / 0.2 (2.9999...) at three intervals, not four.
        intervals = max(math.ceil(top / step - 1e-9), 1)
        if intervals <= most:
            break
    return [round(step * i, 10) for i in range(intervals + 1)]


@dataclass(frozen=True)
class Dot:
    label: str
    lat: float
    lon: float
    size: float  # e.g. FTE
    category: int | None  # e.g. Sozialindex 1..9


def dot_map(dots: Sequence[Dot], *, title: str, size_label: str, category_label: str) -> SafeString:
    """An offline dot map: positions from coordinates (equirectangular, scaled
    to the municipality), no map tiles and no third-party request."""
    width, height, pad = 760, 520, 30
    placed = [d for d in dots if d.lat is not None and d.lon is not None]
    body: list[str] = [f'<rect x="0" y="0" width="{width}" height="{height}" fill="#f6f7f9"/>']
    top_size = max([d.size for d in placed] + [0.25])

    def radius(size: float) -> float:
        return 3 + 14 * math.sqrt(max(size, 0) / top_size)

    if placed:
        lat0 = sum(d.lat for d in placed) / len(placed)
        kx = math.cos(math.radians(lat0))
        xs = [d.lon * kx for d in placed]
        ys = [d.lat for d in placed]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-6)
        scale = min((width - 2 * pad - 160) / span, (height - 2 * pad) / span)
        for d in sorted(placed, key=lambda d: -d.size):
            x = pad + (d.lon * kx - min(xs)) * scale
            y = height - pad - (d.lat - min(ys)) * scale
            colour = (
                INDEX_COLOURS[d.category - 1] if d.category and 1 <= d.category <= 9 else NO_INDEX
            )
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius(d.size):.1f}" fill="{colour}" fill-opacity="0.85" '
                f'stroke="{DARK}" stroke-width="0.8"><title>{escape(d.label)}: {_num(d.size)} '
                f"({escape(size_label)}), {escape(category_label)} {d.category or '–'}</title></circle>"
            )
    lx = width - 150
    body.append(
        f'<text x="{lx}" y="{pad}" font-size="12" font-weight="bold" fill="{DARK}">{escape(category_label)}</text>'
    )
    for i, colour in enumerate([*INDEX_COLOURS, NO_INDEX]):
        y = pad + 12 + i * 18
        body.append(
            f'<circle cx="{lx + 8}" cy="{y + 4}" r="6" fill="{colour}" stroke="{DARK}" stroke-width="0.6"/>'
        )
        label = str(i + 1) if i < 9 else "–"
        body.append(f'<text x="{lx + 20}" y="{y + 8}" font-size="11" fill="{DARK}">{label}</text>')
    size_y = pad + 12 + 10 * 18 + 16
    body.append(
        f'<text x="{lx}" y="{size_y}" font-size="11" fill="{DARK}">{escape(size_label)}</text>'
    )
    # Size legend: the largest value on the map and half of it, drawn with the
    # same radius rule as the dots.
    y = size_y + 8
    for size in dict.fromkeys((top_size, top_size / 2)):
        r = radius(size)
        body.append(
            f'<circle cx="{lx + 18}" cy="{y + r:.1f}" r="{r:.1f}" fill="none" stroke="{DARK}" '
            f'stroke-width="0.8" data-legend-size="{_data(size)}"/>'
        )
        body.append(
            f'<text x="{lx + 42}" y="{y + r + 4:.1f}" font-size="11" fill="{DARK}">{_num(size)}</text>'
        )
        y += 2 * r + 8
    return _svg(width, height, title, body)


def line_chart(points: Sequence[tuple[str, float]], *, title: str, unit: str = "") -> SafeString:
    """A line over ordered categories (months, school years) with a dot and
    the value at each point; gaps (withheld values) are left out by the caller."""
    width, height, left, right, top_pad, bottom = 760, 260, 50, 20, 24, 40
    values = [float(v) for _label, v in points]
    ticks = _ticks(max([1.0, *values]))
    top = ticks[-1]
    inner_w, inner_h = width - left - right, height - top_pad - bottom
    step = inner_w / max(len(points) - 1, 1)

    def xy(i: int, value: float) -> tuple[float, float]:
        return left + i * step, top_pad + inner_h - value / top * inner_h

    body: list[str] = []
    for tick in ticks:
        y = top_pad + inner_h - tick / top * inner_h
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e1e4e8"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" fill="#38404a">{_num(tick)}</text>'
        )
    coords = [xy(i, v) for i, v in enumerate(values)]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="{BLUE}" stroke-width="2"/>')
    for (label, value), (x, y) in zip(points, coords, strict=True):
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{BLUE}"><title>{escape(label)}: '
            f"{_num(float(value))} {escape(unit)}</title></circle>"
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" fill="{DARK}">{escape(label)}</text>'
        )
    body.append(
        f'<text x="{left}" y="{top_pad - 8}" font-size="11" fill="{DARK}">{escape(unit)}</text>'
    )
    return _svg(width, height, title, body)
