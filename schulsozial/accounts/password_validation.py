"""Password rule against the commonest pattern: a word or a place name with
digits and symbols around it (`Herne2026!!`, `Sommer2025!`, `P@ssw0rt1`).

Django's CommonPasswordValidator knows 20,000 whole passwords, mostly
English; it accepts `Herne2026!!` (security review F-16). This validator
strips the digits and symbols at both ends, undoes the usual letter
substitutions (`@` for a, `0` for o, ...) and refuses the password when
what is left is a word of the German list (data/common-words-de.txt), the
name of a municipality or school town on this platform, or the user's own
name. A phrase of several words passes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

WORDS_FILE = Path(__file__).resolve().parent / "data" / "common-words-de.txt"
_EDGES = re.compile(r"^[^a-zäöüß@$]+|[^a-zäöüß@$]+$")
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "1": "i", "3": "e", "$": "s", "5": "s", "7": "t"}
)
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(text: str) -> str:
    """Lower case, umlauts spelt out, letters only."""
    text = text.lower().translate(_UMLAUTS)
    return re.sub(r"[^a-z]", "", text)


def core_of(password: str) -> str:
    """The word inside `password`: digits and symbols at the ends removed,
    look-alike digits inside read as letters."""
    inner = _EDGES.sub("", password.lower())
    return normalise(inner.translate(_LEET))


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(normalise(line) for line in lines if line.strip() and not line.startswith("#"))


def place_names() -> set[str]:
    """Names of the municipalities and school towns on this platform."""
    from schulsozial.masterdata.models import Municipality, School

    names = set(Municipality.objects.values_list("name", flat=True))
    names |= set(School.objects.exclude(city="").values_list("city", flat=True).distinct())
    found: set[str] = set()
    for name in names:
        found.add(normalise(name))
        found.update(normalise(part) for part in re.split(r"[\s\-/]+", name) if len(part) >= 4)
    return found


class CommonPatternValidator:
    def validate(self, password: str, user: Any = None) -> None:
        core = core_of(password)
        if not core:
            return
        own = {
            normalise(str(getattr(user, attr, "") or ""))
            for attr in ("username", "display_name", "first_name", "last_name")
        }
        if core in common_words() or core in own or core in place_names():
            raise ValidationError(
                _(
                    "This password is a common word, a place name or your name with digits "
                    "or symbols added (like “Sommer2026!”). Such passwords are guessed first. "
                    "Choose a phrase of several words."
                ),
                code="password_common_pattern",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must not be a common word, a place name or your name with digits "
            "or symbols added."
        )
