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
    TAKEN_NOTE = "taken_note"  # committees only took note / no decision step
    PENDING = "pending"  # no result yet (or deferred, withdrawn)


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
    return step.role == DECISION_ROLE and "abgelehnt" in _norm(step.result)


def outcome(steps: list[Step]) -> Outcome:
    """What the Beratungsfolge amounts to (the last deciding step wins)."""
    for step in reversed(steps):
        if step_decides(step):
            return Outcome(Kind.DECIDED, step)
        if step_rejects(step):
            return Outcome(Kind.REJECTED, step)
    if any(step.role == DECISION_ROLE and not _norm(step.result) for step in steps):
        return Outcome(Kind.PENDING)
    results = [_norm(step.result) for step in steps if _norm(step.result)]
    if results and not any(
        word in result for result in results for word in ("vertagt", "zurückgezogen")
    ):
        return Outcome(Kind.TAKEN_NOTE)
    return Outcome(Kind.PENDING)
