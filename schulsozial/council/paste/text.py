"""Normalised text, German dates, role words and result phrases.

Internal to the paste parser (``schulsozial.council.paste``)."""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata

# The roles of the platform's vocabulary (Consultation.role).
ROLE_HEARING = "Anhörung"
ROLE_PRELIMINARY = "Vorberatung"
ROLE_NOTE = "Kenntnisnahme"
ROLE_DECISION = "Entscheidung"

# --------------------------------------------------------------------------- text


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_IGNORABLE = "\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def _normalise(text: str) -> str:
    """One form for all inputs: NFKC, one dash, one space, one line break, no tabs lost."""
    text = text.replace("\r\n", "\n")
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        if char in _IGNORABLE:
            continue
        if char in _DASHES:
            out.append("-")
        elif char in _LINE_BREAKS:
            out.append("\n")
        elif char == "\t" or char == "\n":
            out.append(char)
        else:
            category = unicodedata.category(char)
            if category in ("Zs", "Cc", "Cf", "Cs", "Co", "Cn"):
                out.append(" ")
            else:
                out.append(char)
    return "".join(out)


def _clean(value: str) -> str:
    """Collapse whitespace and trim separators left over around a value."""
    value = re.sub(r"\s+", " ", value)
    return value.strip(" \t|;,")


def _words(value: str) -> list[str]:
    return re.findall(r"[^\W_]+", value.lower())


def _split_words(words: str) -> list[str]:
    """A word list written as one string (the vocabularies below)."""
    return words.split()


# --------------------------------------------------------------------------- dates

# Month names and their abbreviations, one string per month.
_MONTH_WORDS = [
    "januar jänner jan",
    "februar feb",
    "märz maerz mär mrz",
    "april apr",
    "mai",
    "juni jun",
    "juli jul",
    "august aug",
    "september sept sep",
    "oktober okt",
    "november nov",
    "dezember dez",
]
_MONTHS = {
    name: number for number, names in enumerate(_MONTH_WORDS, 1) for name in _split_words(names)
}
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE_NUMERIC = re.compile(
    r"(?<![0-9.])([0-9]{1,2})\.\s?([0-9]{1,2})\.\s?([0-9]{4}|[0-9]{2})(?![0-9])"
)
_DATE_TEXT = re.compile(
    r"(?<![0-9])([0-9]{1,2})\.\s*(" + _MONTH_NAMES + r")\.?\s+([0-9]{4})(?![0-9])",
    re.IGNORECASE,
)
_DATE_ISO = re.compile(r"(?<![0-9])([0-9]{4})-([0-9]{2})-([0-9]{2})(?![0-9])")
_WEEKDAYS = (
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|mo|di|mi|do|fr|sa|so"
)
_DATE_NOISE = re.compile(
    r"\b(?:" + _WEEKDAYS + r")\b\.?|\b[0-9]{1,2}[:.][0-9]{2}\b|\buhr\b|\bam\b|\bvom\b|\bab\b"
    r"|\bbis\b|[\s,;:()\[\]\-/|.]",
    re.IGNORECASE,
)


def _make_date(year: int, month: int, day: int) -> datetime.date | None:
    if not 1900 <= year <= 2199 or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    return datetime.date(year, month, day)


def _find_date(value: str) -> tuple[datetime.date, int, int] | None:
    """The first valid German (or ISO) date in the value, with its span."""
    found: list[tuple[int, int, datetime.date]] = []
    for match in _DATE_NUMERIC.finditer(value):
        year_text = match.group(3)
        year = int(year_text)
        if len(year_text) == 2:
            year += 2000 if year < 70 else 1900
        made = _make_date(year, int(match.group(2)), int(match.group(1)))
        if made is not None:
            found.append((match.start(), match.end(), made))
            break
    for match in _DATE_TEXT.finditer(value):
        month = _MONTHS.get(match.group(2).lower(), 0)
        made = _make_date(int(match.group(3)), month, int(match.group(1)))
        if made is not None:
            found.append((match.start(), match.end(), made))
            break
    for match in _DATE_ISO.finditer(value):
        made = _make_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if made is not None:
            found.append((match.start(), match.end(), made))
            break
    if not found:
        return None
    start, end, made = min(found, key=lambda item: item[0])
    return made, start, end


def _only_date(value: str) -> datetime.date | None:
    """The date if the value is a date and nothing else (weekday, time, "Uhr" allowed)."""
    located = _find_date(value)
    if located is None:
        return None
    made, start, end = located
    rest = value[:start] + " " + value[end:]
    if _DATE_NOISE.sub("", rest):
        return None
    return made


# --------------------------------------------------------------------------- roles and results


_ROLE_FILLER = {"zur", "zum", "die", "der", "federführend", "federführende", "federfuehrend", "und"}
_ROLE_FILLER |= {"abschließend", "abschliessend", "abschließende", "endgültig", "endgültige"}
_ROLE_FILLER |= {"fachlich", "ggf", "evtl"}
_ROLE_GROUPS: list[tuple[str, set[str]]] = [
    (
        ROLE_DECISION,
        set(
            _split_words(
                "entscheidung entscheidend entscheidungen entscheiden beschluss beschlussfassung"
                " beschließend beschliessend beschließen"
            )
        ),
    ),
    (ROLE_HEARING, set(_split_words("anhörung anhörend anhörungsrecht anhören stellungnahme"))),
    (
        ROLE_PRELIMINARY,
        set(
            _split_words(
                "vorberatung vorberatungen vorberatend vorberaten beratung beratend beraten"
                " empfehlung empfehlend"
            )
        ),
    ),
    (
        ROLE_NOTE,
        set(
            _split_words(
                "kenntnisnahme kenntnis information informativ info mitteilung unterrichtung"
            )
        ),
    ),
]
_ROLE_WORDS: set[str] = set().union(*(words for _, words in _ROLE_GROUPS))


def normalise_role(value: str) -> str | None:
    """The platform's role word for a role as a council system writes it.

    "Beratung" → Vorberatung, "zur Kenntnis" → Kenntnisnahme, "Beschluss",
    "beschließend", "federführend entscheidend" → Entscheidung, "Anhörung" →
    Anhörung. ``None`` if the value is no role word at all.
    """
    words = [word for word in _words(value) if word not in _ROLE_FILLER]
    if not words or len(words) > 4:
        return None
    if not all(word in _ROLE_WORDS for word in words):
        return None
    # A committee that decides after its own deliberation decides.
    for role, group in _ROLE_GROUPS:
        if any(word in group for word in words):
            return role
    return None


_RESULT = re.compile(
    r"(?<![^\W_])(?:einstimmig|mehrheitlich|mit\s+(?:\w+\s+)?(?:stimmenmehrheit|mehrheit|änderungen?)"
    r"|ungeändert|unverändert|geändert|wie\s+vorgeschlagen|zur\s+kenntnis\s+genommen"
    r"|kenntnis\s+genommen|beschlossen|abgelehnt|vertagt|zurückgestellt|zurückgezogen"
    r"|abgesetzt|zurückverwiesen|verwiesen|empfohlen|erledigt|angenommen|zugestimmt"
    r"|ohne\s+beschluss(?:fassung)?|ohne\s+votum|nicht\s+behandelt|beraten\s+und\s+\w+"
    r"|zustimmend|befürwortet|vorberaten|zur\s+kenntnis\s+gegeben)(?![^\W_])",
    re.IGNORECASE,
)
_GENITIVE_PREFIX = re.compile(r"^(?:des|der|dem|vom|im|durch|von|beim)\b", re.IGNORECASE)
