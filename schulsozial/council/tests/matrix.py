"""This app's rows of the permission matrix (tests/test_permission_matrix.py).

EXPECTED: URL name -> (method, outcome per persona), built with `row(...)` in
the order coordinator, carrier, worker, worker2, principal, committee, admin,
anonymous. `url_args(name, world)` returns the reverse() arguments of the
app's URL names (create the objects it needs in `world.town`).
"""

from __future__ import annotations

from schulsozial.testing.matrix import LOGIN, row  # noqa: F401

EXPECTED: dict[str, tuple[str, dict[str, int]]] = {}


def url_args(name: str, world) -> dict[str, list]:
    return {}
