"""The server-side SVG charts carry their legends and escape their text."""

from __future__ import annotations

import re

from schulsozial.core.charts import Dot, dot_map


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
