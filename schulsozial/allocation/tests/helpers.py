"""Shared helpers for the engine tests (plain functions, no Django)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from schulsozial.allocation.engine import (
    Criterion,
    Layer,
    Rules,
    SchoolInput,
)

REPO = Path(__file__).resolve().parents[3]
DATA = REPO.parent / "shared" / "data"
EXAMPLES = REPO / "docs" / "examples"
HERNE_AGS = "05916000"


def data_file(name: str) -> Path:
    """A file of ../shared/data; skips the test if it is not there."""
    path = DATA / name
    if not path.exists():
        pytest.skip(f"real data not available: {path} is missing")
    return path


def herne_csv_text() -> str:
    """The 43 Herne schools of schulen_herne_kamen.csv as CSV text (same columns)."""
    path = data_file("schulen_herne_kamen.csv")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    ags = header.index("ags")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(row for row in rows[1:] if row[ags] == HERNE_AGS)
    return out.getvalue()


def pupils_rules(total: float, **layer: object) -> Rules:
    """One layer, pupils as the only criterion."""
    granularity = layer.pop("granularity", 0.25)
    method = layer.pop("method", "min-deviation")
    criteria = layer.pop("criteria", (Criterion(column="pupils"),))
    return Rules(
        layers=(Layer(total_fte=total, criteria=criteria, **layer),),  # type: ignore[arg-type]
        granularity=granularity,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
    )


def schools_from(pupils: dict[str, float | None], **fields: dict[str, float]) -> list[SchoolInput]:
    """Schools with a 'pupils' value each; ``fields`` maps e.g. current_fte -> {number: value}."""
    return [
        SchoolInput(
            schulnummer=number,
            values={"pupils": value},
            **{name: values.get(number) for name, values in fields.items()},
        )
        for number, value in pupils.items()
    ]
