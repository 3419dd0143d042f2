"""Who may import council papers from an OParl interface.

Coordination of a municipality starts imports for it and follows the runs
of its municipality (also those of colleagues and of the command line);
the platform itself (``import_oparl``, the background task) may import for
any municipality it is given. Nobody else sees the runs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    acting_as_system,
    coordinates,
    has_role,
    municipality_ids,
)


def can_use_oparl_import(user: Any) -> bool:
    """The import page (a municipality is still checked when a run starts)."""
    return has_role(user, Role.COORDINATION)


def can_import_oparl(user: Any, municipality_id: int | None) -> bool:
    return acting_as_system(user) or coordinates(user, municipality_id)


def import_municipality_ids(user: Any) -> set[int]:
    return municipality_ids(user, Role.COORDINATION)


def runs_visible_q(user: Any) -> Q:
    """OParlRun rows the user may follow."""
    ids = import_municipality_ids(user)
    return Q(source__municipality_id__in=ids) if ids else NOTHING
