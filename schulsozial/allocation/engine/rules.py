"""Input types of the distribution engine and the RULES.toml reader.

Everything here is plain data: `SchoolInput` (one school with its indicator values),
`Criterion`, `Layer` (one funding stream) and `Rules`. `load_rules_toml` turns the text of a
RULES.toml file into `Rules` and rejects unknown keys, wrong types and impossible numbers with
a `RulesError` that says where the problem is. The format is documented in
docs/distribution.md.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

__all__ = [
    "AllocationError",
    "Combine",
    "Criterion",
    "Layer",
    "Method",
    "Rules",
    "RulesError",
    "SchoolInput",
    "SensitivitySettings",
    "Transform",
    "load_rules_toml",
    "normalise_key",
]

Transform = Literal["linear", "table", "per_pupil"]
Combine = Literal["add", "multiply"]
Method = Literal["min-deviation", "sainte-lague"]

TRANSFORMS: tuple[Transform, ...] = ("linear", "table", "per_pupil")
COMBINES: tuple[Combine, ...] = ("add", "multiply")
METHODS: tuple[Method, ...] = ("min-deviation", "sainte-lague")
Choice = TypeVar("Choice", bound=str)
MISSING_WORDS: tuple[str, ...] = ("median", "zero", "exclude")


class RulesError(ValueError):
    """The rules or the school data are invalid (unknown column or key, bad number, ...)."""


class AllocationError(ValueError):
    """The rules are valid but cannot be met (bounds, continuity limits and total clash)."""


def normalise_key(value: object) -> str | None:
    """Text form used to compare values with table keys and layer filters.

    Numbers that are whole become their integer text ("5.0", 5.0 and "05" all give "5"), so a
    table written as ``{ "5" = 1.2 }`` matches a CSV cell "5" and a Python float 5.0 alike.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text == "":
            return None
        try:
            number = float(text.replace(",", ".")) if text.count(",") <= 1 else math.nan
        except ValueError:
            return text
        if not math.isfinite(number):
            return text
    if number.is_integer():
        return str(int(number))
    return repr(number)


@dataclass(frozen=True)
class SchoolInput:
    """One school: its number, its indicator values and optional per-school limits.

    ``values`` maps column names to numbers or text (``None`` = missing). ``min_fte``,
    ``max_fte`` and ``fixed_fte`` apply to a distribution with a single layer; with several
    layers each layer names its own per-school columns in ``values``. ``current_fte`` is the
    school's current total: the change is reported against it, and a single layer also uses
    it for the continuity limit.
    """

    schulnummer: str
    values: Mapping[str, float | int | str | None] = field(default_factory=dict)
    current_fte: float | None = None
    min_fte: float | None = None
    max_fte: float | None = None
    fixed_fte: float | None = None


@dataclass(frozen=True)
class Criterion:
    """One indicator with its weight, transform, way of combining and rule for missing values.

    ``missing`` is "median" (median of the transformed values of the schools that have one),
    "zero" (transformed value 0), "exclude" (leave the criterion out for that school and
    renormalise) or a number (used as the transformed value).
    """

    column: str
    weight: float = 1.0
    transform: Transform = "linear"
    combine: Combine = "add"
    missing: str | float = "median"
    table: Mapping[str, float] | None = None
    rate: float = 1.0
    pupils_column: str = "schueler_2024_25"
    name: str = ""

    @property
    def label(self) -> str:
        """Name used in explanations and result columns."""
        return self.name or self.column


@dataclass(frozen=True)
class Layer:
    """One funding stream distributed over its eligible schools with its own criteria.

    ``where`` maps a column to the accepted values (text, compared after `normalise_key`); a
    school is eligible if every condition holds. ``base_fte`` is a number or a table by school
    type with an optional ``default`` entry. ``max_fte`` None means no maximum.
    """

    name: str = "main"
    total_fte: float | None = None
    budget_eur: float | None = None
    criteria: tuple[Criterion, ...] = ()
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    base_fte: float | Mapping[str, float] = 0.0
    min_fte: float = 0.0
    max_fte: float | None = None
    max_change: float | None = None
    method: Method | None = None
    current_column: str | None = None
    min_column: str | None = None
    max_column: str | None = None
    fixed_column: str | None = None


@dataclass(frozen=True)
class SensitivitySettings:
    """Defaults for the Monte Carlo run over the weights (the CLI may override them)."""

    samples: int = 1000
    spread: float = 0.2
    seed: int = 0
    flag_steps: int = 2


@dataclass(frozen=True)
class Rules:
    """A complete set of rules: one or more layers plus the settings they share."""

    layers: tuple[Layer, ...]
    granularity: float = 0.25
    cost_per_fte_eur: float | None = None
    method: Method = "min-deviation"
    school_type_column: str = "schulform"
    sensitivity: SensitivitySettings = field(default_factory=SensitivitySettings)

    def method_of(self, layer: Layer) -> Method:
        """The method a layer uses (its own or the shared one)."""
        return layer.method or self.method

    def columns(self) -> list[tuple[str, str]]:
        """Every school column the rules read, with where it is named (for error messages)."""
        found: list[tuple[str, str]] = []
        for layer in self.layers:
            prefix = f"layer '{layer.name}'" if len(self.layers) > 1 else "rules"
            for number, criterion in enumerate(layer.criteria, start=1):
                where = f"{prefix}, criterion {number} ({criterion.label})"
                found.append((criterion.column, where))
                if criterion.transform == "per_pupil":
                    found.append((criterion.pupils_column, f"{where}, pupils_column"))
            for column in layer.where:
                found.append((column, f"{prefix}, where"))
            if isinstance(layer.base_fte, Mapping):
                found.append((self.school_type_column, f"{prefix}, base_fte by school type"))
            for key in ("current_column", "min_column", "max_column", "fixed_column"):
                column = getattr(layer, key)
                if column:
                    found.append((column, f"{prefix}, {key}"))
        return found


# --- TOML ------------------------------------------------------------------------------------

_TOP_KEYS = {
    "total_fte",
    "budget_eur",
    "cost_per_fte_eur",
    "granularity",
    "base_fte",
    "min_fte",
    "max_fte",
    "max_change",
    "method",
    "criteria",
    "layers",
    "where",
    "school_type_column",
    "current_column",
    "min_column",
    "max_column",
    "fixed_column",
    "sensitivity",
    "name",
    "title",
    "description",
}
_SHARED_KEYS = {
    "cost_per_fte_eur",
    "granularity",
    "method",
    "school_type_column",
    "sensitivity",
    "layers",
    "title",
    "description",
}
_LAYER_KEYS = {
    "name",
    "description",
    "total_fte",
    "budget_eur",
    "criteria",
    "where",
    "base_fte",
    "min_fte",
    "max_fte",
    "max_change",
    "method",
    "current_column",
    "min_column",
    "max_column",
    "fixed_column",
}
_CRITERION_KEYS = {
    "name",
    "column",
    "weight",
    "transform",
    "table",
    "rate",
    "pupils_column",
    "combine",
    "missing",
    "description",
}
_SENSITIVITY_KEYS = {"samples", "spread", "seed", "flag_steps"}


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, sorted(allowed), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise RulesError(
                f"unknown key '{key}' in {where}{suggestion}; allowed keys: "
                + ", ".join(sorted(allowed))
            )


def _number(value: Any, key: str, where: str, *, minimum: float | None = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RulesError(f"{where}: '{key}' must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise RulesError(f"{where}: '{key}' must be a finite number, got {value!r}")
    if minimum is not None and number < minimum:
        raise RulesError(f"{where}: '{key}' must be at least {minimum:g}, got {number:g}")
    return number


def _text(value: Any, key: str, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: '{key}' must be a non-empty text, got {value!r}")
    return value.strip()


def _choice(value: Any, key: str, where: str, choices: tuple[Choice, ...]) -> Choice:
    text = _text(value, key, where)
    for choice in choices:
        if text == choice:
            return choice
    raise RulesError(f"{where}: '{key}' must be one of {', '.join(choices)}; got {text!r}")


def _criterion(raw: Any, where: str) -> Criterion:
    if not isinstance(raw, dict):
        raise RulesError(f"{where} must be a table")
    _check_keys(raw, _CRITERION_KEYS, where)
    if "column" not in raw:
        raise RulesError(f"{where}: 'column' is missing")
    column = _text(raw["column"], "column", where)
    where = f"{where} ({raw.get('name') or column})"
    transform = _choice(raw.get("transform", "linear"), "transform", where, TRANSFORMS)
    combine = _choice(raw.get("combine", "add"), "combine", where, COMBINES)
    weight = _number(raw.get("weight", 1.0), "weight", where)
    missing_raw = raw.get("missing", "median")
    missing: str | float
    if isinstance(missing_raw, str):
        missing = _choice(missing_raw, "missing", where, MISSING_WORDS)
    else:
        missing = _number(missing_raw, "missing", where)
    table: dict[str, float] | None = None
    if transform == "table":
        raw_table = raw.get("table")
        if not isinstance(raw_table, dict) or not raw_table:
            raise RulesError(f"{where}: transform 'table' needs a non-empty 'table'")
        table = {}
        for key, value in raw_table.items():
            normal = normalise_key(key)
            if normal is None:
                raise RulesError(f"{where}: empty key in 'table'")
            if normal in table:
                raise RulesError(f"{where}: table key {key!r} appears twice")
            table[normal] = _number(value, f"table.{key}", where)
    elif "table" in raw:
        raise RulesError(f"{where}: 'table' is only allowed with transform = \"table\"")
    if transform != "per_pupil":
        for key in ("rate", "pupils_column"):
            if key in raw:
                raise RulesError(f"{where}: '{key}' is only allowed with transform = \"per_pupil\"")
    rate = _number(raw.get("rate", 1.0), "rate", where)
    if transform == "per_pupil" and rate <= 0:
        raise RulesError(f"{where}: 'rate' must be above 0")
    pupils = _text(raw.get("pupils_column", "schueler_2024_25"), "pupils_column", where)
    name = _text(raw["name"], "name", where) if "name" in raw else ""
    return Criterion(
        column=column,
        weight=weight,
        transform=transform,
        combine=combine,
        missing=missing,
        table=table,
        rate=rate,
        pupils_column=pupils,
        name=name,
    )


def _where(raw: Any, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict) or not raw:
        raise RulesError(f"{where}: 'where' must be a table like {{ startchancen_2025_26 = 1 }}")
    result: dict[str, tuple[str, ...]] = {}
    for column, accepted in raw.items():
        values = accepted if isinstance(accepted, list) else [accepted]
        if not values:
            raise RulesError(f"{where}: 'where.{column}' needs at least one value")
        keys: list[str] = []
        for value in values:
            if isinstance(value, dict | list):
                raise RulesError(f"{where}: 'where.{column}' takes numbers or texts")
            key = normalise_key(value)
            if key is None:
                raise RulesError(f"{where}: 'where.{column}' has an empty value")
            keys.append(key)
        result[str(column)] = tuple(keys)
    return result


def _base(raw: Any, where: str) -> float | dict[str, float]:
    if isinstance(raw, dict):
        if not raw:
            raise RulesError(f"{where}: 'base_fte' table is empty")
        return {
            str(key).strip(): _number(value, f"base_fte.{key}", where) for key, value in raw.items()
        }
    return _number(raw, "base_fte", where)


def _layer(raw: Mapping[str, Any], where: str, name: str, criteria_key: str) -> Layer:
    if "total_fte" in raw and "budget_eur" in raw:
        raise RulesError(f"{where}: give either 'total_fte' or 'budget_eur', not both")
    if "total_fte" not in raw and "budget_eur" not in raw:
        raise RulesError(f"{where}: 'total_fte' or 'budget_eur' is missing")
    total = _number(raw["total_fte"], "total_fte", where) if "total_fte" in raw else None
    budget = _number(raw["budget_eur"], "budget_eur", where) if "budget_eur" in raw else None
    raw_criteria = raw.get("criteria", [])
    if not isinstance(raw_criteria, list) or not all(isinstance(c, dict) for c in raw_criteria):
        raise RulesError(f"{where}: 'criteria' must be written as [[{criteria_key}]] tables")
    criteria = tuple(
        _criterion(item, f"[[{criteria_key}]] number {number}")
        for number, item in enumerate(raw_criteria, start=1)
    )
    labels = [criterion.label for criterion in criteria]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise RulesError(
            f"{where}: criteria names must be unique; give 'name' to tell apart: "
            + ", ".join(duplicates)
        )
    min_fte = _number(raw.get("min_fte", 0.0), "min_fte", where)
    max_fte = _number(raw["max_fte"], "max_fte", where) if "max_fte" in raw else None
    if max_fte is not None and max_fte < min_fte:
        raise RulesError(f"{where}: max_fte {max_fte:g} is below min_fte {min_fte:g}")
    max_change = _number(raw["max_change"], "max_change", where) if "max_change" in raw else None
    method = _choice(raw["method"], "method", where, METHODS) if "method" in raw else None
    columns = {
        key: _text(raw[key], key, where)
        for key in ("current_column", "min_column", "max_column", "fixed_column")
        if key in raw
    }
    return Layer(
        name=name,
        total_fte=total,
        budget_eur=budget,
        criteria=criteria,
        where=_where(raw["where"], where) if "where" in raw else {},
        base_fte=_base(raw.get("base_fte", 0.0), where),
        min_fte=min_fte,
        max_fte=max_fte,
        max_change=max_change,
        method=method,
        **columns,
    )


def load_rules_toml(text: str) -> Rules:
    """Parse the text of a RULES.toml file (format in docs/distribution.md) into `Rules`."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"the rules file is not valid TOML: {error}") from None
    _check_keys(raw, _TOP_KEYS, "the rules file")
    granularity = _number(raw.get("granularity", 0.25), "granularity", "rules")
    if granularity <= 0:
        raise RulesError("rules: 'granularity' must be above 0")
    cost = (
        _number(raw["cost_per_fte_eur"], "cost_per_fte_eur", "rules")
        if "cost_per_fte_eur" in raw
        else None
    )
    if cost is not None and cost <= 0:
        raise RulesError("rules: 'cost_per_fte_eur' must be above 0")
    method = _choice(raw.get("method", "min-deviation"), "method", "rules", METHODS)
    type_column = _text(raw.get("school_type_column", "schulform"), "school_type_column", "rules")
    sensitivity = SensitivitySettings()
    if "sensitivity" in raw:
        table = raw["sensitivity"]
        if not isinstance(table, dict):
            raise RulesError("rules: 'sensitivity' must be a table [sensitivity]")
        _check_keys(table, _SENSITIVITY_KEYS, "[sensitivity]")
        sensitivity = SensitivitySettings(
            samples=int(_number(table.get("samples", 1000), "samples", "[sensitivity]", minimum=1)),
            spread=_number(table.get("spread", 0.2), "spread", "[sensitivity]"),
            seed=int(_number(table.get("seed", 0), "seed", "[sensitivity]")),
            flag_steps=int(
                _number(table.get("flag_steps", 2), "flag_steps", "[sensitivity]", minimum=1)
            ),
        )
        if sensitivity.spread >= 1:
            raise RulesError("[sensitivity]: 'spread' must be below 1 (it is ± a share)")

    if "layers" in raw:
        misplaced = sorted(set(raw) - _SHARED_KEYS)
        if misplaced:
            raise RulesError(
                "with [[layers]], these keys belong inside each layer, not at the top: "
                + ", ".join(misplaced)
            )
        raw_layers = raw["layers"]
        if not isinstance(raw_layers, list) or not raw_layers:
            raise RulesError("rules: 'layers' must be one or more [[layers]] tables")
        layers: list[Layer] = []
        for number, item in enumerate(raw_layers, start=1):
            if not isinstance(item, dict):
                raise RulesError(f"[[layers]] number {number} must be a table")
            where = f"[[layers]] number {number}"
            _check_keys(item, _LAYER_KEYS, where)
            name = _text(item.get("name", ""), "name", where)
            layers.append(_layer(item, f"layer '{name}'", name, "layers.criteria"))
        names = [layer.name for layer in layers]
        if len(set(names)) != len(names):
            raise RulesError("layer names must be unique: " + ", ".join(names))
    else:
        name = _text(raw.get("name", "main"), "name", "rules")
        layers = [_layer(raw, "rules", name, "criteria")]
    for layer in layers:
        if layer.max_change is not None and layer.current_column is None and len(layers) > 1:
            raise RulesError(
                f"layer '{layer.name}': 'max_change' needs 'current_column' naming the "
                "column with each school's current FTE in this layer"
            )
    return Rules(
        layers=tuple(layers),
        granularity=granularity,
        cost_per_fte_eur=cost,
        method=method,
        school_type_column=type_column,
        sensitivity=sensitivity,
    )
