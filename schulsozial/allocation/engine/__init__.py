"""Distribution engine: criteria-based allocation of FTE to schools (pure Python + numpy).

No Django here: the app calls these functions for scenarios, the CLI
(``python -m schulsozial.allocation``) calls them for files. The method, its guarantees and the
RULES.toml format are explained in docs/distribution.md.

    rules = load_rules_toml(Path("rules.toml").read_text())
    schools = read_schools_csv("schulen.csv", rules)
    result = allocate(schools, rules)            # AllocationResult
    result.fte_by_school["100014"]               # Decimal("1.00") with the Herne example
    result.explanation("100014").layers[0]       # every part, adding up exactly
    spread = sensitivity(schools, rules, samples=1000, spread=0.2, seed=1)
"""

from __future__ import annotations

from collections.abc import Sequence

from .core import prepare, solve_layer
from .explain import AllocationResult, CriterionPart, LayerPart, LayerSummary, SchoolExplanation
from .inputs import read_schools_csv
from .rules import (
    AllocationError,
    Criterion,
    Layer,
    Rules,
    RulesError,
    SchoolInput,
    SensitivitySettings,
    load_rules_toml,
)
from .sensitivity import SchoolSensitivity, SensitivityResult, sensitivity

__all__ = [
    "AllocationError",
    "AllocationResult",
    "Criterion",
    "CriterionPart",
    "Layer",
    "LayerPart",
    "LayerSummary",
    "Rules",
    "RulesError",
    "SchoolExplanation",
    "SchoolInput",
    "SchoolSensitivity",
    "SensitivityResult",
    "SensitivitySettings",
    "allocate",
    "load_rules_toml",
    "read_schools_csv",
    "sensitivity",
]


def allocate(schools: Sequence[SchoolInput], rules: Rules) -> AllocationResult:
    """Distribute each layer's total over its eligible schools; see docs/distribution.md.

    Raises `RulesError` for invalid input and `AllocationError` when bounds, continuity limits
    and the total cannot all be met (the message names the numbers and the schools).
    """
    prepared = prepare(schools, rules)
    return AllocationResult(prepared, [solve_layer(problem) for problem in prepared.layers])
