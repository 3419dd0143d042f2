"""The school-year rule, in one place: a school year runs from 1 August to
31 July of the following year and is named by both years ("2025/26").

Pure Python (no Django): masterdata's `SchoolYear`, the statistics rollups,
retention and the reports all ask here.
"""

from __future__ import annotations

import datetime

FIRST_MONTH = 8  # August


def start_year_of(day: datetime.date) -> int:
    """The calendar year in which the school year containing `day` starts."""
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def bounds(start_year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of the school year starting in `start_year`."""
    if start_year < datetime.MINYEAR:  # the school year of a date in January-July of year 1
        return datetime.date.min, datetime.date(start_year + 1, 7, 31)
    return datetime.date(start_year, FIRST_MONTH, 1), datetime.date(start_year + 1, 7, 31)


def code(start_year: int) -> str:
    """The school year's name, e.g. ``2025/26``."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def calendar_year(start_year: int, month: int) -> int:
    """The calendar year of `month` (1-12) within the school year starting in `start_year`."""
    return start_year if month >= FIRST_MONTH else start_year + 1
