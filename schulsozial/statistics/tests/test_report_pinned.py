"""Every table of the report, pinned: the figures of each persona's view under several
filters, protected and not, on the school year of `test_differencing.RECORDS` (plus a
random one) in the persona world. The expected tables are in report_pinned.json,
written from the code before the report function was split into steps (issue 12);
rewrite it only for an intended change of a table:

    SCHULSOZIAL_PIN_WRITE=1 .venv/bin/python -m pytest schulsozial/statistics/tests/test_report_pinned.py

Ids differ between databases and runs, so rows are named by their label (schools,
carriers and catalogue entries have fixed names), months by their number and school
years by their distance from the reported year.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from schulsozial.statistics.selectors import Report, statistics_report

from .test_differencing import differencing_world, random_records, report, scope_of, year

pytestmark = pytest.mark.django_db

PINNED = Path(__file__).with_name("report_pinned.json")

VIEWS: list[tuple[str, dict[str, Any]]] = [
    ("coordinator", {}),
    ("coordinator", {"month_from": 9, "month_to": 11}),
    ("coordinator", {"school_type": "GS"}),
    ("carrier", {}),
    ("worker", {}),
    ("principal", {}),
    ("committee", {}),
    ("committee", {"month_from": 10, "month_to": 12}),
    ("committee", {"school_type": "GS"}),
    ("committee", {"carrier": "other"}),
]


def _plain(value: Any) -> Any:
    return None if value is None else str(value)


def tables(rep: Report) -> dict[str, Any]:
    """The report as plain data, without ids."""
    year_of_report = rep.filters.school_year
    out: dict[str, Any] = {
        "protected": rep.protected,
        "totals": {k: _plain(v) for k, v in rep.totals.items()},
        "suppressed": rep.suppressed,
    }
    for s in rep.sections:

        def name(row: Any, key: str = s.key) -> Any:
            if key == "month":
                return row.key
            if key == "trend":
                return row.key - year_of_report
            return row.label

        out[s.key] = {
            "title": s.title,
            "header": [s.label_header, *s.columns],
            "rows": [[name(r), *map(_plain, r.values)] for r in s.rows],
            "total": None if s.total is None else [s.total.label, *map(_plain, s.total.values)],
            "note": s.note,
            "withheld": s.withheld,
            "suppressed": s.suppressed,
            "chart": [s.chart, s.chart_column],
        }
    return out


def all_views(world: Any) -> dict[str, Any]:
    out = {}
    for persona, data in VIEWS:
        params = dict(data)
        if params.get("carrier") == "other":
            params["carrier"] = world.other_carrier.pk
        key = f"{persona} {sorted(data.items())}"
        rep = report(world, persona, **params)
        out[key] = tables(rep)
        if not rep.protected:  # the export of an unprotected view is protected
            out[key + " protected"] = tables(
                statistics_report(scope=rep.scope, filters=rep.filters, protected=True)
            )
    return out


@pytest.mark.parametrize("records", ["review", "random"])
def test_report_tables_are_pinned(world, records):
    differencing_world(world, None if records == "review" else random_records(11))
    scope_of(world, "committee")  # every persona has a scope
    got = all_views(world)
    assert year() == report(world, "committee").filters.school_year
    pinned = json.loads(PINNED.read_text()) if PINNED.exists() else {}
    if os.environ.get("SCHULSOZIAL_PIN_WRITE"):
        pinned[records] = got
        PINNED.write_text(json.dumps(pinned, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    assert got == pinned[records]
