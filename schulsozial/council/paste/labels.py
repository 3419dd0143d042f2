"""The labels of a paper's head and the checks of their values.

Internal to the paste parser (``schulsozial.council.paste``)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

from .text import (
    _clean,
    _find_date,
    _split_words,
    _words,
    normalise_role,
)

# --------------------------------------------------------------------------- labels

# (field, label pattern). The field None marks labels that are read only to end
# the value before them ("Bearbeiter/-in:" after the lead department).
_LABEL_SPECS: list[tuple[str | None, str]] = [
    ("reference", r"Vorlagen?[- ]?(?:Nr\.?|Nummer)"),
    ("reference", r"Vorlagennr\.?"),
    ("reference", r"Drucksachen?[- ]?(?:Nr\.?|Nummer)"),
    ("reference", r"Drucksache"),
    ("reference", r"DS[- ]?Nr\.?"),
    ("reference", r"Vorlage"),
    ("title", r"Betreff"),
    ("title", r"Titel"),
    ("title", r"Gegenstand"),
    ("title", r"Bezeichnung"),
    ("paper_type", r"Vorlagen?[- ]?[Aa]rt"),
    ("paper_type", r"Art der Vorlage"),
    ("paper_type", r"Vorlagen?[- ]?[Tt]yp"),
    ("paper_type", r"Drucksachen?[- ]?[Aa]rt"),
    ("paper_type", r"Dokumentart"),
    ("paper_type", r"Art"),
    ("paper_type", r"Typ"),
    ("status", r"Öffentlichkeitsstatus"),
    ("status", r"Öffentlichkeit"),
    ("status", r"Status"),
    ("lead_department", r"Federführende[rs]? (?:Amt|Stelle|Fachbereich|Dienststelle|Bereich)"),
    ("lead_department", r"Federführend"),
    ("lead_department", r"Federführung"),
    ("lead_department", r"Organisationseinheit"),
    ("lead_department", r"Fachbereich"),
    ("lead_department", r"Dienststelle"),
    ("lead_department", r"Amt"),
    ("author", r"Verfasser(?:/-?in|\(in\)|in)?"),
    ("author", r"Autor(?:/-?in|in)?"),
    ("author", r"Ersteller(?:/-?in|in)?"),
    ("author", r"Erstellt von"),
    ("author", r"Verfasst von"),
    ("date", r"Vorlagen?datum"),
    ("date", r"Datum der Vorlage"),
    ("date", r"Erstellungsdatum"),
    ("date", r"Erstellt am"),
    ("date", r"Erstellt"),
    ("date", r"Datum"),
    (None, r"(?:Sach)?[Bb]earbeiter(?:/-?in|\(in\)|in)?"),
    (None, r"Bearbeitung"),
    (None, r"Beteiligte?(?: [A-ZÄÖÜ]\w+)?"),
    (None, r"Aktenzeichen"),
    (None, r"Az\."),
    (None, r"Tel\.?"),
    (None, r"Telefon"),
    (None, r"E-Mail"),
    (None, r"Dezernat"),
    (None, r"Dezernent(?:/-?in|in)?"),
    (None, r"Sitzungsort"),
    (None, r"Gremium"),
    (None, r"Sitzung"),
    (None, r"Uhrzeit"),
    (None, r"Raum"),
    (None, r"Produkt"),
    (None, r"Zuständig(?:keit)?"),
    (None, r"Antragsteller(?:/-?in|in)?"),
    (None, r"Einreicher(?:/-?in|in)?"),
    (None, r"Berichterstatter(?:/-?in|in)?"),
    (None, r"Mitzeichnung"),
    (None, r"Sichtvermerk"),
]
_LABELS: list[tuple[str | None, re.Pattern[str], re.Pattern[str]]] = [
    (
        name,
        # At the start of a line, any case: "Betreff:", "Betreff" alone, "Betreff<TAB>…".
        re.compile(r"^\s*(?:" + pattern + r")\s*(?::|\t|$)", re.IGNORECASE),
        # Inside a line, as written: "öffentlichVorlage-Art:Berichtsvorlage".
        re.compile(r"(?:" + pattern + r")\s*:"),
    )
    for name, pattern in _LABEL_SPECS
]
_INLINE_LABELS = re.compile("|".join("(?:" + pattern + r")\s*:" for _, pattern in _LABEL_SPECS))

_SECTION = re.compile(
    r"^[.\s]*(?:sachverhalt|begründung|beschlussvorschlag|beschlussempfehlung|beschluss"
    r"|anlagen?|anlage/n|finanzielle\s+auswirkungen?|darstellung\s+der\s+sach\S*"
    r"|problembeschreibung|sach-\s+und\s+rechtslage|erläuterungen?|vorlagentext"
    r"|text\s+der\s+vorlage|beschlusstext|wortlaut|abstimmungsergebnis|inhalt|zusammenfassung"
    r"|ausgangslage|anlass|rechtsgrundlagen?|haushaltsmäßige\s+auswirkungen|auswirkungen"
    r"|stellungnahme|protokoll|niederschrift)(?![^\W_])",
    re.IGNORECASE,
)


def _is_section(line: str) -> bool:
    """A heading of the paper's text (Sachverhalt, Beschlussvorschlag, Anlagen, …)."""
    stripped = line.strip()
    if not stripped or len(stripped) > 120 or _SECTION.match(stripped) is None:
        return False
    if not stripped.endswith(":") and normalise_role(stripped) is not None:
        return False  # "Beschluss" or "Stellungnahme" as a role in a Beratungsfolge
    if stripped.endswith(".") and not stripped.startswith("."):
        return False  # a sentence ("Anlage 1 zeigt die Verteilung.")
    return stripped.endswith(":") or len(stripped.split()) <= 8


_REFERENCE = re.compile(
    r"(?=[^0-9\s]*[0-9])[A-Za-zÄÖÜäöü0-9][A-Za-zÄÖÜäöü0-9/._\-]{0,39}(?<![./\-_])"
)
_HEADER_LINE = re.compile(
    r"^\s*(?P<type>[A-Za-zÄÖÜäöüß\-]{0,40}(?:vorlage|antrag|anfrage|mitteilung|drucksache"
    r"|beschlussempfehlung|bericht|stellungnahme|vorschlag))\s*(?:-|:|\bNr\.?|\s)\s*"
    r"(?P<ref>\S{1,40})\s*$",
    re.IGNORECASE,
)
_GENERIC_TYPES = {"vorlage", "drucksache"}
# A paper type alone on a line of the head (ALLRIS 4 may show it under the header).
_TYPE_LINE = re.compile(
    r"^(?:(?:Beschluss|Berichts|Mitteilungs|Informations|Verwaltungs|Dringlichkeits|Ergänzungs"
    r"|Änderungs|Tisch|Sitzungs)vorlage|Antrag|Anfrage|Mitteilung|Änderungsantrag"
    r"|Dringlichkeitsantrag|Beschlussempfehlung)$"
)
# Words of a meeting's or agenda item's page, as written (in the head, not the text).
_AGENDA = re.compile(
    r"\b(?:TOP|Tagesordnungspunkt|Tagesordnung|Sitzungsort|Sitzungsraum|Öffentliche Sitzung"
    r"|Nichtöffentliche Sitzung|Nicht öffentliche Sitzung|ÖFFENTLICHE SITZUNG)\b"
)
_TOP_TITLE = re.compile(
    r"^TOP\s*(?:Ö|N|NÖ|ö|nö)?\s*[0-9]{1,3}(?:\.[0-9]{1,3})*\.?\s*[:.\-]?\s+(\S.{2,})$"
)
_SD_NET_AGENDA_TITLE = re.compile(r"^[0-9]{1,3}(?:\.[0-9]{1,3})*\.?\s*/\s*[\w/.\-]+\.\s+(\S.{2,})$")
_URL = re.compile(r"^\s*(?:https?://|www\.)\S*\s*$", re.IGNORECASE)


def _reference_value(value: str) -> str | None:
    value = _clean(value)
    value = re.sub(r"^(?:Nr\.?|Nummer)\s*", "", value, flags=re.IGNORECASE)
    match = _REFERENCE.fullmatch(value)
    if match is None or _find_date(value) is not None:
        return None
    return match.group(0)


def _status_value(value: str) -> str | None:
    words = _words(value)
    joined = "".join(words)
    if joined in ("öffentlich", "ö", "oeffentlich", "public"):
        return "öffentlich"
    if joined in ("nichtöffentlich", "nö", "n", "nichtoeffentlich", "nöffentlich"):
        return "nichtöffentlich"
    return None


# Words a wrapped title line can end with: the title continues on the next line.
_OPEN_ENDINGS = set(
    _split_words(
        "und oder der die das des dem den für in im zur zum an am mit von vom auf bei aus nach über"
        " sowie bzw gem gemäß einer eines einem"
    )
)


def _continues(title: str, following: str) -> bool:
    """Whether a line continues a wrapped title: it starts small, or the title stops open."""
    if len(following) > 200 or following.endswith(":"):
        return False
    if following[:1].islower():
        return True
    if title.endswith(("-", ",", "/", "(")):
        return True
    words = _words(title)
    return bool(words) and words[-1] in _OPEN_ENDINGS


def _paper_status_value(value: str) -> str | None:
    """ "öffentlich", "nicht öffentlich", also with a note after it ("öffentlich (TOP 5)")."""
    words = _words(value)
    if not words:
        return None
    if words[0] in ("nichtöffentlich", "nichtoeffentlich") or words[:2] == ["nicht", "öffentlich"]:
        return "nichtöffentlich"
    if words[0] in ("öffentlich", "oeffentlich"):
        return "öffentlich"
    return _status_value(value)


_CONTACT = re.compile(
    r"[,;/(]?\s*\b(?:Tel\.?|Telefon|Fon|Fax|E-Mail|Mail|Durchwahl|Zimmer|Raum)\b.*$",
    re.IGNORECASE,
)


def _person_value(value: str) -> str | None:
    value = _clean(_CONTACT.sub("", value))
    if not value or len(value) > 200 or not re.search(r"[^\W\d_]", value):
        return None
    return value


def _short_value(value: str) -> str | None:
    value = _clean(value)
    if not value or len(value) > 200 or not re.search(r"[^\W\d_]", value):
        return None
    return value


def _title_value(value: str) -> str | None:
    value = _clean(value)
    if not value or len(value) > 1000 or not re.search(r"[^\W\d_]", value):
        return None
    return value


def _type_value(value: str) -> str | None:
    value = _clean(value)
    if not value or len(value) > 80 or _find_date(value) is not None:
        return None
    if not re.search(r"[^\W\d_]", value):
        return None
    return value


def _date_value(value: str) -> datetime.date | None:
    located = _find_date(value)
    return None if located is None else located[0]


_VALIDATORS: dict[str, Callable[[str], str | None]] = {
    "reference": _reference_value,
    "title": _title_value,
    "paper_type": _type_value,
    "status": _paper_status_value,
    "lead_department": _short_value,
    "author": _person_value,
}


def _leading_label(line: str) -> tuple[str | None, int] | None:
    """The label a line starts with (field name, end of the label), the longest one."""
    best: tuple[str | None, int] | None = None
    for name, leading, _inline in _LABELS:
        match = leading.match(line)
        if match is not None and (best is None or match.end() > best[1]):
            best = (name, match.end())
    return best


def _split_inline(line: str) -> list[tuple[str | None, str]]:
    """'Status:öffentlichVorlage-Art:Berichtsvorlage' → [(status, …), (paper_type, …)]."""
    first = _leading_label(line)
    if first is None:
        return []
    name, end = first
    pairs: list[tuple[str | None, str]] = []
    rest = line[end:]
    while True:
        match = _INLINE_LABELS.search(rest)
        if match is None:
            pairs.append((name, rest))
            return pairs
        pairs.append((name, rest[: match.start()]))
        label = _leading_label(match.group(0))
        name = None if label is None else label[0]
        rest = rest[match.end() :]
