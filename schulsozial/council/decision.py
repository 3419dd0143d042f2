"""The decision rule of a council paper (pure, no Django).

A paper *decided* what it concerns only if one of its consultations has the
role Entscheidung and a result that says "beschlossen" ("einstimmig
beschlossen", "ungeändert beschlossen", …) and neither rejects nor defers it
("abgelehnt", "vertagt", "nicht beschlossen", "zurückgezogen"). Herne's paper
2015/0159 went to three committees for a hearing, and each took note ("zur
Kenntnis genommen"): it is a paper that was taken note of, not an adoption.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

DECISION_ROLE = "decision"

_NEGATIVE = ("abgelehnt", "vertagt", "nicht beschlossen", "zurückgezogen", "zurückgestellt")


class Kind(StrEnum):
    DECIDED = "decided"  # a deciding committee adopted it
    REJECTED = "rejected"  # the deciding committee rejected it
    TAKEN_NOTE = "taken_note"  # the committees only took note
    PENDING = "pending"  # no decision yet (no result, recommended, deferred, withdrawn)


@dataclass(frozen=True)
class Step:
    role: str
    result: str
    date: datetime.date | None = None
    body: str = ""


@dataclass(frozen=True)
class Outcome:
    kind: Kind
    step: Step | None = None  # the deciding (or rejecting) step

    @property
    def decided(self) -> bool:
        return self.kind is Kind.DECIDED

    @property
    def date(self) -> datetime.date | None:
        return self.step.date if self.step else None


def _norm(text: str) -> str:
    return " ".join((text or "").lower().split())


def step_decides(step: Step) -> bool:
    """True when this step is a deciding committee's adoption."""
    if step.role != DECISION_ROLE:
        return False
    result = _norm(step.result)
    if "beschlossen" not in result:
        return False
    return not any(word in result for word in _NEGATIVE)


def step_rejects(step: Step) -> bool:
    result = _norm(step.result)
    return step.role == DECISION_ROLE and ("abgelehnt" in result or "nicht beschlossen" in result)


def _takes_note(result: str) -> bool:
    return "kenntnis" in result


def outcome(steps: list[Step]) -> Outcome:
    """What the Beratungsfolge amounts to. The last deciding (or rejecting)
    step wins; without one, a sequence whose results all took note is
    TAKEN_NOTE (Herne 2015/0159), anything else (a recommendation without the
    deciding committee's vote, a deferral, no result yet) is PENDING."""
    for step in reversed(steps):
        if step_decides(step):
            return Outcome(Kind.DECIDED, step)
        if step_rejects(step):
            return Outcome(Kind.REJECTED, step)
    results = [_norm(step.result) for step in steps if _norm(step.result)]
    decision_open = any(step.role == DECISION_ROLE and not _norm(step.result) for step in steps)
    if results and all(_takes_note(result) for result in results) and not decision_open:
        return Outcome(Kind.TAKEN_NOTE)
    return Outcome(Kind.PENDING)
