"""Starting rules for new scenarios, and writing the structured rules form
back as RULES.toml (the one format the engine, the CLI and the app share)."""

from __future__ import annotations

import json
import tomllib
from decimal import Decimal
from typing import Any

INDEX_TABLE = {
    "1": 0.8,
    "2": 0.85,
    "3": 0.9,
    "4": 1.0,
    "5": 1.1,
    "6": 1.2,
    "7": 1.35,
    "8": 1.5,
    "9": 1.65,
}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return f"{float(value):g}"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(str(k))} = {_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(str(value), ensure_ascii=False)


def to_toml(settings: dict[str, Any], criteria: list[dict[str, Any]]) -> str:
    """Write rules as TOML. `settings` are top-level keys (None = left out)."""
    lines = [
        f"{key} = {_value(value)}" for key, value in settings.items() if value not in (None, "")
    ]
    for criterion in criteria:
        lines.append("")
        lines.append("[[criteria]]")
        lines.extend(
            f"{key} = {_value(value)}"
            for key, value in criterion.items()
            if value not in (None, "")
        )
    return "\n".join(lines) + "\n"


def pupils_only(total_fte: Decimal, cost_per_fte_eur: Decimal | None = None) -> str:
    return to_toml(
        {
            "title": "Nur nach Schülerzahl",
            "total_fte": total_fte,
            "cost_per_fte_eur": cost_per_fte_eur,
            "granularity": 0.25,
            "base_fte": 0,
            "min_fte": 0,
            "max_fte": 4.0,
            "method": "min-deviation",
        },
        [
            {
                "name": "pupils",
                "column": "pupils",
                "weight": 1.0,
                "transform": "linear",
                "combine": "add",
                "missing": "median",
            }
        ],
    )


def base_index_startchancen(total_fte: Decimal, cost_per_fte_eur: Decimal | None = None) -> str:
    return to_toml(
        {
            "title": "Sockel + Schülerzahl × Sozialindex-Faktor + Startchancen-Zuschlag",
            "total_fte": total_fte,
            "cost_per_fte_eur": cost_per_fte_eur,
            "granularity": 0.25,
            "base_fte": 0.25,
            "min_fte": 0.25,
            "max_fte": 3.0,
            "method": "min-deviation",
        },
        [
            {
                "name": "pupils",
                "column": "pupils",
                "weight": 1.0,
                "transform": "linear",
                "combine": "add",
                "missing": "median",
            },
            {
                "name": "sozialindex",
                "column": "social_index",
                "transform": "table",
                "table": INDEX_TABLE,
                "combine": "multiply",
                "missing": "median",
            },
            {
                "name": "startchancen",
                "column": "startchancen",
                "transform": "table",
                "table": {"0": 1.0, "1": 1.2},
                "combine": "multiply",
                "missing": 1.0,
            },
        ],
    )


TEMPLATES = {
    "pupils": pupils_only,
    "index": base_index_startchancen,
}


def structured(rules_toml: str) -> dict[str, Any] | None:
    """The rules as form data, or None when they use features only the TOML
    editor offers (layers, per-school-type bases)."""
    try:
        data = tomllib.loads(rules_toml)
    except tomllib.TOMLDecodeError:
        return None
    if "layers" in data or isinstance(data.get("base_fte"), dict):
        return None
    return data
