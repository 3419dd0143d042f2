"""What every council service shares: the paper fields an import compares,
the upsert outcome, a consultation step as input, and the name and
reference helpers."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from schulsozial.accounts.models import User

PAPER_FIELDS = (
    "reference",
    "title",
    "paper_type",
    "status",
    "lead_department",
    "author",
    "date",
    "beschlussvorschlag",
    "sachverhalt",
    "oparl_id",
    "oparl_modified",
    "web_url",
    "is_demo",
)


class Upsert(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class ConsultationData:
    """One step of a Beratungsfolge as the paste page or an import gives it:
    the committee by name (created on the fly)."""

    committee: str
    date: datetime.date | None = None
    role: str = ""
    result: str = ""
    oparl_id: str = ""


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _person(by: Any) -> User | None:
    return by if isinstance(by, User) and by.is_authenticated else None


def clean_name(name: str) -> str:
    return " ".join((name or "").split())


def reference_key(reference: str) -> str:
    """A reference compared without spaces and case ("2015/0159" == " 2015 / 0159")."""
    return re.sub(r"\s+", "", reference or "").casefold()
