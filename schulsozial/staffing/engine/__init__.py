"""Staffing solver: who works at which school next school year (issue 15), pure Python + HiGHS.

No Django here: the app builds a PROBLEM dict from the database and calls `solve`; the command
line (``python -m schulsozial.staffing --problem PROBLEM.json --out PLAN.json``) reads files.
The model and its guarantees are described in docs/architecture.md ("Staffing solver").

    plan = solve(problem_dict, time_limit=30)   # PLAN dict (see solve.plan_from_run)
    plan["status"]        # "optimal" | "time_limit"
    plan["objective"]     # the plan's own value under the documented formula
    plan["bound"]         # proven lower bound (== objective when optimal)

Bad input raises `ProblemError` (malformed, unknown person or school, not whole steps),
impossible pins raise `ConflictError`; both carry German ``messages`` naming the conflict.
"""

from __future__ import annotations

from .model import Progress
from .problem import (
    ConflictError,
    Problem,
    ProblemError,
    StaffingError,
    fmt_fte,
    parse_problem,
)
from .solve import check_plan, plan_objective, solve

__all__ = [
    "ConflictError",
    "Problem",
    "ProblemError",
    "Progress",
    "StaffingError",
    "check_plan",
    "fmt_fte",
    "parse_problem",
    "plan_objective",
    "solve",
]
