"""What every quality service shares: the permission and state checks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from schulsozial.accounts.models import User

from ..models import (
    SelfEvaluation,
)

ST = SelfEvaluation.Status


class InvalidStepError(ValidationError):
    """The self-evaluation is not in a state in which this step is possible."""


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_state(evaluation: SelfEvaluation, allowed: Iterable[str], step: str) -> None:
    if evaluation.status not in allowed:
        raise InvalidStepError(
            _("“%(step)s” is not possible in the status “%(status)s”.")
            % {"step": step, "status": evaluation.get_status_display()},
            code="invalid_step",
        )


def _person(by: Any) -> User | None:
    return by if isinstance(by, User) and by.is_authenticated else None
