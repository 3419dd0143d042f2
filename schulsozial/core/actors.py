"""Who acts when no person does.

Services take an explicit actor (`by=`). A person is a user; the platform
itself (loading the demo, a management command run by the operator, a
scheduled job) is `SYSTEM`, never `None`. Permission functions decide what
SYSTEM may do (everything a command line may do), and the audit log records
its entries without a user.
"""

from __future__ import annotations

from typing import Any, Final


class SystemActor:
    """The platform acting on its own (demo, commands, background jobs)."""

    pk: Final = None
    is_authenticated: Final = False
    is_active: Final = True

    def __repr__(self) -> str:
        return "SYSTEM"

    def __str__(self) -> str:
        return "System"


SYSTEM: Final = SystemActor()


def is_system(actor: Any) -> bool:
    return actor is SYSTEM
