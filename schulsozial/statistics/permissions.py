"""Who may see which statistics (the only place that knows these rules).

- coordination: every school of its municipalities, unprotected on screen;
- carrier: the records of its own staff, protected;
- worker: their own records, unprotected (they wrote them);
- principal: their school, protected;
- committee: the municipality, protected.

Exports are always protected unless an unprotected view asks for its own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import carrier_ids, has_role, municipality_ids, school_ids

STATISTICS_ROLES = (Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL, Role.COMMITTEE)


@dataclass(frozen=True)
class StatisticsRules:
    """What the statistics of a user cover, by role (ids of the grants' scopes)."""

    municipalities: frozenset[int]
    committee_municipalities: frozenset[int]
    carriers: frozenset[int]
    worker: bool
    worker_schools: frozenset[int]
    principal_schools: frozenset[int]


def statistics_rules(user: object) -> StatisticsRules:
    worker = has_role(user, Role.WORKER)
    return StatisticsRules(
        municipalities=frozenset(municipality_ids(user, Role.COORDINATION)),
        committee_municipalities=frozenset(municipality_ids(user, Role.COMMITTEE)),
        carriers=frozenset(carrier_ids(user)),
        worker=worker,
        worker_schools=frozenset(school_ids(user, Role.WORKER)) if worker else frozenset(),
        principal_schools=frozenset(school_ids(user, Role.PRINCIPAL)),
    )


def can_view_statistics(user: object) -> bool:
    return has_role(user, *STATISTICS_ROLES)
