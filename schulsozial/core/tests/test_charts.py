"""The server-side SVG charts carry their legends and escape their text."""

from __future__ import annotations

import itertools
import math
import re

import pytest

from schulsozial.core.charts import Bar, Dot, Point, bar_chart, dot_map, line_chart, scatter_chart


def test_dot_map_legend_shows_the_sizes_it_draws():
    dots = [
        Dot(label="Schule A", lat=51.53, lon=7.22, size=3.0, category=8),
        Dot(label="Schule B", lat=51.55, lon=7.18, size=0.5, category=None),
    ]
    svg = str(dot_map(dots, title="Karte", size_label="VZÄ", category_label="Sozialindex"))
    legend = dict(re.findall(r'r="([\d.]+)"[^>]*data-legend-size="([\d.]+)"', svg))
    assert sorted(legend.values(), key=float) == ["1.5", "3"]
    # The legend circle for the largest value has the radius of the largest dot.
    largest_dot = re.search(r'r="([\d.]+)" fill="#3e4989"', svg)
    assert largest_dot and largest_dot.group(1) in legend


def test_dot_map_without_coordinates_still_has_its_legend_and_escapes_labels():
    svg = str(
        dot_map(
            [Dot(label="<script>", lat=None, lon=None, size=1.0, category=3)],
            title="A & B",
            size_label="VZÄ",
            category_label="Sozialindex",
        )
    )
    assert "<script>" not in svg and "A &amp; B" in svg
    assert "data-legend-size" in svg


def test_scatter_puts_a_school_on_the_diagonal_when_it_gets_its_ideal_share():
    svg = str(
        scatter_chart(
            [Point("Genau", 1.0, 1.0), Point("Mehr", 0.5, 1.5), Point("<b>", 2.0, 0.0)],
            title="Ideal",
            x_label="rechnerisch",
            y_label="zugeteilt",
        )
    )
    dots = {
        label: (float(cx), float(cy))
        for cx, cy, label in re.findall(
            r'cx="([\d.]+)" cy="([\d.]+)"[^>]*data-point="([^"]+)"', svg
        )
    }
    diagonal = re.search(
        r'x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)" stroke="#b3261e"', svg
    )
    x1, y1, x2, y2 = map(float, diagonal.groups())
    # The exact school lies on the line from (x1, y1) to (x2, y2); "Mehr" lies above it.
    cx, cy = dots["Genau"]
    assert abs((cy - y1) * (x2 - x1) - (y2 - y1) * (cx - x1)) < 1
    mx, my = dots["Mehr"]
    line_y = y1 + (y2 - y1) * (mx - x1) / (x2 - x1)
    assert my < line_y  # SVG y grows downwards: above the diagonal
    assert "&lt;b&gt;" in svg and "<b>" not in svg


def test_shown_numbers_have_the_german_decimal_comma():
    """Tick labels, values and tooltips read 0,75, never 0.75 (issue 13); the
    coordinates and data attributes keep the point SVG needs."""
    from schulsozial.core.charts import Bar, bar_chart, line_chart

    svgs = [
        str(bar_chart([Bar("Schule A", 0.75), Bar("Schule B", 1.5)], title="VZÄ", unit="VZÄ")),
        str(line_chart([("2025/26", 2.25), ("2026/27", 0.5)], title="Verlauf", unit="%")),
        str(scatter_chart([Point("Schule A", 0.26, 0.25)], title="I", x_label="x", y_label="y")),
        str(
            dot_map(
                [Dot(label="Schule A", lat=51.5, lon=7.2, size=0.75, category=3)],
                title="Karte",
                size_label="VZÄ",
                category_label="Sozialindex",
            )
        ),
    ]
    shown = [
        text
        for svg in svgs
        for text in re.findall(r">([^<>]+)<", svg)  # text nodes: labels and titles
    ]
    assert "Schule A: 0,75 VZÄ" in shown and "Schule B: 1,5 VZÄ" in shown
    assert "2025/26: 2,25 %" in shown and "0,75" in shown
    assert "Schule A: x 0,26, y 0,25" in shown
    assert not [t for t in shown if re.search(r"\d\.\d", t)], shown
    assert 'data-legend-size="0.75"' in svgs[3]


def _tick_labels(svg: str, anchor: str) -> list[float]:
    """The axis tick labels (grey text) of a chart, as numbers."""
    pattern = rf'text-anchor="{anchor}" fill="#38404a">([^<]+)<'
    return [float(t.replace(",", ".")) for t in re.findall(pattern, svg)]


def _is_round_step(step: float) -> bool:
    mantissa = step / 10 ** math.floor(math.log10(step))
    return any(abs(mantissa - m) < 1e-6 for m in (1, 2, 5))


@pytest.mark.parametrize("largest", [17, 23, 101, 0.7, 1, 0.25, 3.2, 48])
def test_value_axis_ends_at_or_above_the_largest_value_with_round_ticks(largest):
    """The y-axis of the line chart and the value axis of the bar chart reach
    the largest value (a 17 stood above the top tick 15), in steps of 1, 2 or 5
    times a power of ten."""
    values = [largest / 3, largest, largest / 2]
    line = str(line_chart([(f"{i}", v) for i, v in enumerate(values)], title="Verlauf"))
    bars = str(bar_chart([Bar(f"Schule {i}", v) for i, v in enumerate(values)], title="VZÄ"))
    for ticks in (_tick_labels(line, "end"), _tick_labels(bars, "middle")):
        assert ticks[0] == 0
        assert ticks[-1] >= largest, ticks
        steps = {round(b - a, 6) for a, b in itertools.pairwise(ticks)}
        assert len(steps) == 1 and _is_round_step(steps.pop()), ticks
        assert len(ticks) <= 7, ticks
    # Every dot of the line lies inside the plot area, none above the top tick.
    top_tick_y = min(float(y) for y in re.findall(r'<line x1="50" y1="([\d.]+)" x2="740"', line))
    assert all(float(cy) >= top_tick_y - 0.1 for cy in re.findall(r'cy="([\d.]+)"', line))
    # The longest bar ends no further right than the last tick line.
    last_tick_x = max(float(x) for x in re.findall(r'<line x1="([\d.]+)" y1="34"', bars))
    widths = [float(w) for w in re.findall(r'<rect x="230" y="[\d.]+" width="([\d.]+)"', bars)]
    assert max(widths) + 230 <= last_tick_x + 0.1
