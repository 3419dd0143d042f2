"""What differs between the source trees the benchmarks measure (HEAD, and the
base commit that bench/compare.py checks out beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def older_tree() -> bool:
    """A tree from before issue 12: rollups kept by its own worker (rollup_worker),
    services that took `by=None` for the platform and catalogues without an actor."""
    return (ROOT / "schulsozial/statistics/management/commands/rollup_worker.py").exists()


def platform_actor() -> Any:
    """The actor for set-up writes: SYSTEM today, None in an older tree."""
    from schulsozial.core.actors import SYSTEM

    return None if older_tree() else SYSTEM


def ensure_catalogues(municipality: Any) -> None:
    """The default catalogues of a municipality, as this tree's service takes them."""
    from schulsozial.activities.services import catalogues_ensure_defaults

    if older_tree():
        catalogues_ensure_defaults(municipality=municipality)
    else:
        catalogues_ensure_defaults(municipality=municipality, by=platform_actor())
