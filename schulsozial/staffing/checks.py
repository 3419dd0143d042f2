"""The rule checks a plan page shows: each rule and whether the plan keeps it.

Computed from the stored PROBLEM and PLAN dicts, independently of the solver
(a check that fails points at a solver error or at a plan changed by hand).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

#: An assignment below this many FTE is legal but odd (about a tenth of a
#: school week, e.g. a single step kept for continuity): the plan page shows
#: it as a hint on the row and under the rule checks, never as an error.
SMALL_ASSIGNMENT_FTE = Decimal("0.25")


@dataclass
class RuleCheck:
    rule: str
    holds: bool
    details: list[str] = field(default_factory=list)
    #: A hint to look at, not a rule: shown as "Hinweis", never as broken.
    hint: bool = False


def _fte(value: Decimal) -> str:
    return _("%(fte)s FTE") % {"fte": number_format(value, decimal_pos=2)}


def rule_checks(problem: dict[str, Any], plan: dict[str, Any]) -> list[RuleCheck]:
    if not problem or not plan:
        return []
    step = Decimal(str(problem.get("step_fte", "0.05")))
    rules = problem.get("rules", {})
    full = int(rules.get("max_schools_full_time", 2))
    half = int(rules.get("max_schools_half_time", 1))
    threshold = Decimal(str(rules.get("half_time_fte", "0.5")))
    staff = {s["id"]: s for s in problem.get("staff", [])}
    school_carrier = {s["id"]: s.get("carrier") for s in problem.get("schools", [])}
    assigned: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in plan.get("assignments", []):
        assigned[row["staff"]][row["school"]] = Decimal(str(row["fte"]))

    over, schools_rule, steps, carriers = [], [], [], []
    for person, rows in sorted(assigned.items()):
        capacity = Decimal(str(staff.get(person, {}).get("fte", 0)))
        total = sum(rows.values(), Decimal(0))
        if total > capacity:
            over.append(
                _("%(person)s: %(total)s planned, works %(capacity)s")
                % {"person": person, "total": _fte(total), "capacity": _fte(capacity)}
            )
        limit = full if capacity > threshold else half
        if len(rows) > limit:
            schools_rule.append(
                ngettext(
                    "%(person)s works %(fte)s and may serve at most %(limit)s school, planned: %(count)s",
                    "%(person)s works %(fte)s and may serve at most %(limit)s schools, planned: %(count)s",
                    limit,
                )
                % {"person": person, "fte": _fte(capacity), "limit": limit, "count": len(rows)}
            )
        carrier = staff.get(person, {}).get("carrier")
        for school, value in sorted(rows.items()):
            if value <= 0 or value % step:
                steps.append(
                    _("%(person)s at %(school)s: %(fte)s")
                    % {"person": person, "school": school, "fte": _fte(value)}
                )
            owner = school_carrier.get(school)
            if owner and owner != carrier:
                carriers.append(
                    _("%(person)s (%(carrier)s) at %(school)s, which is %(owner)s's")
                    % {"person": person, "carrier": carrier, "school": school, "owner": owner}
                )
    pins = [
        _("%(person)s at %(school)s: %(fte)s fixed")
        % {"person": p["staff"], "school": p["school"], "fte": _fte(Decimal(str(p["fte"])))}
        for p in problem.get("pinned", [])
        if assigned.get(p["staff"], {}).get(p["school"]) != Decimal(str(p["fte"]))
    ]
    pinned = {(p["staff"], p["school"]) for p in problem.get("pinned", [])}
    small = [
        _("%(person)s at %(school)s: %(fte)s") % {"person": p, "school": s, "fte": _fte(v)}
        for p, rows in sorted(assigned.items())
        for s, v in sorted(rows.items())
        if is_small_assignment(v, pinned=(p, s) in pinned)
    ]
    bans = [
        _("%(person)s at %(school)s") % {"person": b["staff"], "school": b["school"]}
        for b in problem.get("forbidden", [])
        if b["school"] in assigned.get(b["staff"], {})
    ]
    return [
        RuleCheck(_("Nobody is planned for more than their FTE"), not over, over),
        RuleCheck(
            _(
                "Funding rule: above %(threshold)s at most %(full)s schools, "
                "%(threshold)s or less at most %(half)s"
            )
            % {"threshold": _fte(threshold), "full": full, "half": half},
            not schools_rule,
            schools_rule,
        ),
        RuleCheck(
            _("Every assignment is a whole multiple of %(step)s") % {"step": _fte(step)},
            not steps,
            steps,
        ),
        RuleCheck(_("Fixed assignments are kept"), not pins, pins),
        RuleCheck(_("Excluded assignments do not occur"), not bans, bans),
        RuleCheck(
            _("Schools given to a carrier get only that carrier's staff"), not carriers, carriers
        ),
        *small_assignment_hint(small),
    ]


def is_small_assignment(fte: Decimal, *, pinned: bool) -> bool:
    """An assignment the plan page marks as very small: more than 0 but under
    SMALL_ASSIGNMENT_FTE, and not fixed by the user (a pin is meant). Used on
    the plan dict (rule_checks) and on the stored rows (selectors.plan_view)."""
    return 0 < fte < SMALL_ASSIGNMENT_FTE and not pinned


def small_assignment_hint(details: list[str]) -> list[RuleCheck]:
    """The hint on very small assignments (not fixed by the user), if any."""
    if not details:
        return []
    return [
        RuleCheck(
            _(
                "Very small assignments (under %(fte)s): allowed, but check whether the "
                "person should stay there; fix or exclude the assignment and calculate again"
            )
            % {"fte": _fte(SMALL_ASSIGNMENT_FTE)},
            False,
            details,
            hint=True,
        )
    ]
