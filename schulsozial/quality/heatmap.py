"""The heat map of quality standards × schools (issue 16): pure arithmetic, no Django.

Input: one `Point` per rating with a value (the selectors leave "not applicable"
ratings out before they get here, so they never enter an average).

- cell (standard, school): the mean of the school's ratings of the standard, over
  the perspectives chosen (all, or one as a filter);
- town average of a standard: the mean of its school cells, so every school
  weighs the same whatever the number of perspectives that rated it;
- weakest / strongest standards: the town averages sorted (ties by code);
- trend: the town average of each standard per school year.

Averages are Decimals rounded half up to two places (shown with one or two).
The colour scale has five steps; every step's text colour is chosen for a
contrast ratio of at least 4.5:1 (WCAG AA) and the number is printed in every
cell, so the colour never carries the value alone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO_PLACES = Decimal("0.01")

# Low (weak) to high (strong): orange to blue, a colour-blind-safe diverging scale.
HEAT_COLOURS = ["#b35806", "#f1a340", "#fee0b6", "#b2abd2", "#542788"]
DARK_TEXT = "#1b1b1b"
LIGHT_TEXT = "#ffffff"
EMPTY_FILL = "#f0f0f0"


@dataclass(frozen=True)
class Point:
    standard: str  # standard code
    school: int  # school id
    year: str  # school year code, e.g. "2025/26"
    perspective: str
    value: int


@dataclass
class HeatMap:
    standards: list[str]
    schools: list[int]
    cells: dict[tuple[str, int], Decimal]
    counts: dict[tuple[str, int], int]
    town: dict[str, Decimal]
    schools_rated: dict[str, int] = field(default_factory=dict)

    def cell(self, standard: str, school: int) -> Decimal | None:
        return self.cells.get((standard, school))


def mean(values: Iterable[Decimal | int]) -> Decimal | None:
    numbers = [Decimal(v) for v in values]
    if not numbers:
        return None
    return (sum(numbers, Decimal(0)) / len(numbers)).quantize(TWO_PLACES, ROUND_HALF_UP)


def _exact_mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def build(
    points: Iterable[Point],
    *,
    standards: Sequence[str],
    schools: Sequence[int],
    perspective: str = "",
) -> HeatMap:
    """The cells and town averages of one school year's points (filter by
    perspective when given). The town average is taken from the unrounded cells."""
    values: dict[tuple[str, int], list[int]] = defaultdict(list)
    for p in points:
        if perspective and p.perspective != perspective:
            continue
        values[(p.standard, p.school)].append(p.value)
    exact = {key: _exact_mean([Decimal(v) for v in vals]) for key, vals in values.items() if vals}
    cells = {key: value.quantize(TWO_PLACES, ROUND_HALF_UP) for key, value in exact.items()}
    town: dict[str, Decimal] = {}
    rated: dict[str, int] = {}
    school_set = set(schools)
    for code in standards:
        per_school = [exact[(code, s)] for s in schools if (code, s) in exact]
        rated[code] = len(per_school)
        if per_school:
            town[code] = _exact_mean(per_school).quantize(TWO_PLACES, ROUND_HALF_UP)
    return HeatMap(
        standards=list(standards),
        schools=[s for s in schools if s in school_set],
        cells=cells,
        counts={key: len(vals) for key, vals in values.items()},
        town=town,
        schools_rated=rated,
    )


def ranked(town: dict[str, Decimal], *, count: int = 3, weakest: bool = True) -> list[str]:
    """The `count` weakest (or strongest) standards by town average; ties by
    code. At most half of the standards each, so that no standard is listed
    as one of the weakest and one of the strongest at once."""
    count = min(count, len(town) // 2)
    if weakest:
        order = sorted(town, key=lambda code: (town[code], code))
    else:
        order = sorted(town, key=lambda code: (-town[code], code))
    return order[:count]


def trend(
    points: Iterable[Point],
    *,
    standards: Sequence[str],
    years: Sequence[str],
    perspective: str = "",
) -> dict[str, list[tuple[str, Decimal | None]]]:
    """Per standard the town average of each school year (None: no rating that year)."""
    by_year: dict[str, list[Point]] = defaultdict(list)
    for p in points:
        by_year[p.year].append(p)
    result: dict[str, list[tuple[str, Decimal | None]]] = {code: [] for code in standards}
    for year in years:
        year_points = by_year.get(year, [])
        schools = sorted({p.school for p in year_points})
        town = build(year_points, standards=standards, schools=schools, perspective=perspective)
        for code in standards:
            result[code].append((year, town.town.get(code)))
    return result


def change(series: Sequence[tuple[str, Decimal | None]]) -> Decimal | None:
    """The last year's average minus the one before (both must exist)."""
    if len(series) < 2:
        return None
    last, before = series[-1][1], series[-2][1]
    if last is None or before is None:
        return None
    return last - before


# --------------------------------------------------------------------------- colours


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else float(((c + 0.055) / 1.055) ** 2.4)


def luminance(colour: str) -> float:
    """Relative luminance of "#rrggbb" (WCAG 2)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(fill: str) -> str:
    """Dark or white text, whichever contrasts more with the fill."""
    return DARK_TEXT if contrast(fill, DARK_TEXT) >= contrast(fill, LIGHT_TEXT) else LIGHT_TEXT


def fill_for(value: Decimal | None, steps: int) -> str:
    """The colour of a value on a scale 1..steps, in five equal bands."""
    if value is None:
        return EMPTY_FILL
    span = max(steps - 1, 1)
    share = (float(value) - 1) / span
    index = min(max(int(share * len(HEAT_COLOURS)), 0), len(HEAT_COLOURS) - 1)
    return HEAT_COLOURS[index]


def legend(steps: int) -> list[tuple[str, str, str]]:
    """(fill, text colour, range "1,0–1,6") of each band of the scale."""
    span = max(steps - 1, 1)
    width = span / len(HEAT_COLOURS)
    bands = []
    for i, fill in enumerate(HEAT_COLOURS):
        low = 1 + i * width
        high = 1 + (i + 1) * width
        label = f"{low:.1f}–{high:.1f}".replace(".", ",")
        bands.append((fill, text_colour(fill), label))
    return bands
