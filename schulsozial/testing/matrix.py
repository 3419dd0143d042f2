"""Shared helpers of the permission matrix (tests/test_permission_matrix.py).

Apps added after the first issues keep their rows in `<app>/tests/matrix.py`
(EXPECTED and url_args), so that they never edit the central file.
"""

from __future__ import annotations

from .personas import PERSONA_NAMES

LOGIN = 302  # anonymous visitors are sent to the login page

# The apps whose rows live in their own tests/matrix.py.
APP_MATRICES = (
    "schulsozial.council.tests.matrix",
    "schulsozial.staffing.tests.matrix",
    "schulsozial.contracts.tests.matrix",
    "schulsozial.quality.tests.matrix",
)


def row(*codes: int) -> dict[str, int]:
    if len(codes) != len(PERSONA_NAMES):
        raise ValueError(f"{len(codes)} outcomes for {len(PERSONA_NAMES)} personas")
    return dict(zip(PERSONA_NAMES, codes, strict=True))
