"""Read a council paper (Vorlage) from the text of its page, as pasted by a user.

Pure module (no Django): ``parse_council_paper(text)`` returns a ``ParsedPaper``
with what the text states and ``None`` for everything it does not state. It
reads the layouts of the German council information systems:

- ALLRIS classic ("Vorlage - 2015/0159", "Betreff:", "Status:…Vorlage-Art:…" on
  one line, "Federführend:", a Beratungsfolge of "committee role" / date /
  result lines),
- ALLRIS 4 ("Beschlussvorlage - 2013/0381/3.2", a Beratungsfolge table or cards),
- SessionNet (a label on one line, its value on the next; "Beratungsreihenfolge"
  with Gremium, Datum, Zuständigkeit, Ergebnis),
- SD.NET / Sternberg ("Drucksache", "Drucksachen-Nr.", a table "Gremium |
  Sitzung | Sitzungsdatum | ö / nö | Beratungstyp | …"),
- text copied from a PDF, where a table can arrive row by row, column after
  column, or as a block of labels followed by a block of values.

The parser never invents a value and never raises: every number it converts is
matched by ``[0-9]`` first, every date is checked against the calendar before it
is built, and every list access is bounded. The reference it returns is always a
substring of the input.
"""

from __future__ import annotations

import calendar
import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ParsedConsultation", "ParsedPaper", "normalise_role", "parse_council_paper"]

# The roles of the platform's vocabulary (Consultation.role).
ROLE_HEARING = "Anhörung"
ROLE_PRELIMINARY = "Vorberatung"
ROLE_NOTE = "Kenntnisnahme"
ROLE_DECISION = "Entscheidung"

PAPER_FIELDS = ("reference", "title", "paper_type", "status", "lead_department", "author", "date")


@dataclass
class ParsedConsultation:
    """One line of the Beratungsfolge: a committee, its meeting date, role and result."""

    body: str | None = None
    date: datetime.date | None = None
    role: str | None = None
    result: str | None = None


@dataclass
class ParsedPaper:
    """What the pasted text says about a paper; ``None`` where it says nothing."""

    reference: str | None = None
    title: str | None = None
    paper_type: str | None = None
    status: str | None = None
    lead_department: str | None = None
    author: str | None = None
    date: datetime.date | None = None
    consultations: list[ParsedConsultation] = field(default_factory=list)
    # The texts under "Beschlussvorschlag" and "Sachverhalt" (or "Begründung"), as
    # written, paragraphs separated by an empty line; not counted in ``missing``.
    beschlussvorschlag: str | None = None
    sachverhalt: str | None = None
    # Names of the attributes above that the text did not give ("bitte von Hand ergänzen").
    missing: list[str] = field(default_factory=list)
    # German notes for the reviewer (e.g. a consultation without a date).
    warnings: list[str] = field(default_factory=list)


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


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "januar": 1,
    "jänner": 1,
    "jan": 1,
    "februar": 2,
    "feb": 2,
    "märz": 3,
    "maerz": 3,
    "mär": 3,
    "mrz": 3,
    "april": 4,
    "apr": 4,
    "mai": 5,
    "juni": 6,
    "jun": 6,
    "juli": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "okt": 10,
    "november": 11,
    "nov": 11,
    "dezember": 12,
    "dez": 12,
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
        {
            "entscheidung",
            "entscheidend",
            "entscheidungen",
            "beschluss",
            "beschlussfassung",
            "beschließend",
            "beschliessend",
            "beschließen",
            "entscheiden",
        },
    ),
    (ROLE_HEARING, {"anhörung", "anhörend", "anhörungsrecht", "anhören", "stellungnahme"}),
    (
        ROLE_PRELIMINARY,
        {
            "vorberatung",
            "vorberatend",
            "vorberaten",
            "beratung",
            "beratend",
            "beraten",
            "empfehlung",
            "empfehlend",
            "vorberatungen",
        },
    ),
    (
        ROLE_NOTE,
        {
            "kenntnisnahme",
            "kenntnis",
            "information",
            "informativ",
            "mitteilung",
            "unterrichtung",
            "info",
        },
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
    ("date", r"Vorlagen?datum"),
    ("date", r"Datum der Vorlage"),
    ("date", r"Erstellungsdatum"),
    ("date", r"Erstellt am"),
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


_OPEN_ENDINGS = {
    "und",
    "oder",
    "der",
    "die",
    "das",
    "des",
    "dem",
    "den",
    "für",
    "in",
    "im",
    "zur",
    "zum",
    "an",
    "am",
    "mit",
    "von",
    "vom",
    "auf",
    "bei",
    "aus",
    "nach",
    "über",
    "sowie",
    "bzw",
    "gem",
    "gemäß",
    "einer",
    "eines",
    "einem",
}


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


# --------------------------------------------------------------------------- consultations

_HEADING = re.compile(
    r"^\s*(?:geplante\s+)?(?:beratungsfolge|beratungsreihenfolge|beratungsverlauf|beratungsgang"
    r"|gremienfolge|beratungsergebnisse?|beratungen)\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)

BODY, DATE, ROLE, RESULT, MEETING, PUBLIC, HEADER, SKIP = (
    "body",
    "date",
    "role",
    "result",
    "meeting",
    "public",
    "header",
    "skip",
)
_FIELD_KINDS = (BODY, DATE, ROLE, RESULT)

_HEADER_WORDS: dict[str, str] = {
    "gremium": BODY,
    "gremien": BODY,
    "beratungsgremium": BODY,
    "ausschuss": BODY,
    "organ": BODY,
    "datum": DATE,
    "sitzungsdatum": DATE,
    "sitzungstermin": DATE,
    "termin": DATE,
    "sitzung": MEETING,
    "sitzungen": MEETING,
    "rolle": ROLE,
    "zuständigkeit": ROLE,
    "beratungstyp": ROLE,
    "beratungsart": ROLE,
    "artderberatung": ROLE,
    "beratungsrolle": ROLE,
    "ergebnis": RESULT,
    "beschlussart": RESULT,
    "abstimmungsergebnis": RESULT,
    "beratungsergebnis": RESULT,
    "beschlussergebnis": RESULT,
    "beschluss": RESULT,
    "önö": PUBLIC,
    "öffentlichkeit": PUBLIC,
    "topnr": SKIP,
    "top": SKIP,
    "spnr": SKIP,
    "nr": SKIP,
    "na": SKIP,
    "niederschrift": SKIP,
    "vorlage": SKIP,
    "status": SKIP,
    "beschlussnr": SKIP,
    "sitzungsnummer": SKIP,
}
_NOISE = {
    "reduzieren",
    "erweitern",
    "zumseitenanfang",
    "drucken",
    "details",
    "aufklappen",
    "zuklappen",
    "einblenden",
    "ausblenden",
    "mehr",
    "weniger",
    "",
}
_MEETING = re.compile(r"sitzung(?:en)?\b", re.IGNORECASE)
_COMMITTEE = re.compile(
    r"ausschuss|rat\b|^rat|beirat|gremium|kommission|versammlung|vertretung|konferenz|bezirk"
    r"|kreistag|senat|forum|runde",
    re.IGNORECASE,
)


@dataclass
class _Cell:
    kind: str
    text: str
    date: datetime.date | None = None
    forced: bool = False
    # A committee named again before a result ("Integrationsrat zur Kenntnis genommen"):
    # it fills a row that has no committee yet, it never starts a new row.
    weak: bool = False
    # For a word that names a column only beside other column names ("Beschluss",
    # "Sitzung"): what it is as a value.
    alternative: list[_Cell] | None = None


_AMBIGUOUS_HEADERS = {
    "beschluss",
    "sitzung",
    "sitzungen",
    "status",
    "vorlage",
    "top",
    "nr",
    "na",
    "ausschuss",
    "termin",
    "organ",
    "niederschrift",
}


def _header_kind(value: str) -> str | None:
    key = "".join(_words(value))
    if not key:
        return None
    return _HEADER_WORDS.get(key)


def _classify(value: str, depth: int = 0) -> list[_Cell]:
    """One piece of a Beratungsfolge as cells of known kinds (a line can hold several)."""
    value = _clean(value)
    key = "".join(_words(value))
    if key in _NOISE or not key:
        return []
    status = _status_value(value)
    if status is not None:
        return [_Cell(PUBLIC, status)]
    first, _space, rest = value.partition(" ")
    marker = _status_value(first) if len(first) <= 2 else None
    if marker is not None and rest and depth < 3:
        # ALLRIS 4: "Ö Vorberatung", "N Entscheidung".
        return [_Cell(PUBLIC, marker), *_classify(rest, depth + 1)]
    only = _only_date(value)
    if only is not None:
        return [_Cell(DATE, value, only)]
    if _MEETING.search(value) and len(value) <= 150:
        located = _find_date(value)
        return [_Cell(MEETING, value, None if located is None else located[0])]
    result = _RESULT.search(value)
    if result is not None:
        prefix = value[: result.start()].strip(" ,;:-")
        cells: list[_Cell] = []
        if prefix and not _GENITIVE_PREFIX.match(prefix) and depth < 3:
            cells = _classify(prefix, depth + 1)
            if all(cell.kind == BODY for cell in cells):
                for cell in cells:
                    cell.weak = True
        return [*cells, _Cell(RESULT, _clean(value[result.start() :]))]
    located = _find_date(value)
    if located is not None and depth < 3:
        _made, start, end = located
        return [
            *_classify(value[:start], depth + 1),
            _Cell(DATE, value[start:end], located[0]),
            *_classify(value[end:], depth + 1),
        ]
    if normalise_role(value) is not None:
        return [_Cell(ROLE, value)]
    words = value.split(" ")
    for size in (3, 2, 1):
        if len(words) > size:
            tail = " ".join(words[-size:])
            head = " ".join(words[:-size])
            if normalise_role(tail) is not None and _body_like(head):
                return [_Cell(BODY, _body_text(head)), _Cell(ROLE, tail)]
    for size in (3, 2, 1):
        if len(words) > size:
            lead = " ".join(words[:size])
            rest = " ".join(words[size:])
            if normalise_role(lead) is not None and _body_like(rest):
                return [_Cell(ROLE, lead), _Cell(BODY, _body_text(rest))]
    if _body_like(value):
        return [_Cell(BODY, _body_text(value))]
    return [_Cell(SKIP, value)]


_ENUMERATION = re.compile(r"^(?:[0-9]{1,2}[.)]|[a-zA-Z]\)|[-•*·▪>])\s+(?=\S)")


def _body_text(value: str) -> str:
    """A committee's name without the list numbering before it ("1. Jugendhilfeausschuss")."""
    stripped = _ENUMERATION.sub("", value, count=1)
    return stripped if _body_like(stripped) else value


def _body_like(value: str) -> bool:
    value = _clean(value)
    if not value or len(value) > 150 or len(value.split(" ")) > 16:
        return False
    if not re.search(r"[^\W\d_]{2,}", value):
        return False
    if _reference_value(value) is not None and " " not in value:
        return False
    return _header_kind(value) is None and normalise_role(value) is None


def _split_line(line: str) -> list[str]:
    if "\t" in line:
        return line.split("\t")
    if "|" in line:
        return line.split("|")
    if re.search(r"\S {3,}\S", line):
        return re.split(r" {3,}", line)
    return [line]


def _cells_of_line(line: str) -> list[_Cell]:
    cells: list[_Cell] = []
    pieces = _split_line(line)
    # A header row written with single spaces ("Gremium Datum Rolle Ergebnis").
    if len(pieces) == 1 and ":" not in pieces[0]:
        words = pieces[0].split()
        if len(words) >= 2 and all(_header_kind(word) is not None for word in words):
            pieces = words
    pieces = [_clean(piece) for piece in pieces]
    row_of_headers = sum(1 for piece in pieces if _header_kind(piece) is not None) >= 2
    for piece in pieces:
        if not piece:
            continue
        header = _header_kind(piece)
        if header is not None:
            ambiguous = "".join(_words(piece)) in _AMBIGUOUS_HEADERS and not row_of_headers
            cell = _Cell(HEADER, header)
            if ambiguous and not piece.endswith(":"):
                cell.alternative = _classify(piece)
            cells.append(cell)
            continue
        labelled = re.match(r"^([^:]{2,30}):\s*(.*)$", piece)
        if labelled is not None and _header_kind(labelled.group(1)) is not None:
            kind = _header_kind(labelled.group(1)) or SKIP
            cells.append(_Cell(HEADER, kind))
            value = labelled.group(2)
            if value.strip():
                cells.extend(_forced(kind, value))
            continue
        cells.extend(_classify(piece))
    return cells


def _forced(kind: str, value: str) -> list[_Cell]:
    """A value under a known column or label: it is of that kind if it can be."""
    value = _clean(value)
    if not value:
        return []
    if kind in (DATE, MEETING):
        located = _find_date(value)
        return [
            _Cell(
                kind if kind == MEETING else DATE,
                value,
                None if located is None else located[0],
                True,
            )
        ]
    if kind == RESULT:
        return [_Cell(RESULT, value, None, True)]
    if kind == ROLE:
        return [_Cell(ROLE, value, None, True)]
    if kind == BODY:
        return [_Cell(BODY, _body_text(value), None, True)]
    if kind == PUBLIC:
        status = _status_value(value)
        return [_Cell(PUBLIC, status)] if status else []
    return [_Cell(SKIP, value, None, True)]


@dataclass
class _Row:
    body: str | None = None
    date: datetime.date | None = None
    date_text: str | None = None
    role: str | None = None
    result: str | None = None
    meeting_date: datetime.date | None = None

    def empty(self) -> bool:
        return (
            self.body is None
            and self.date_text is None
            and self.role is None
            and self.result is None
        )

    def has(self, kind: str) -> bool:
        return {
            BODY: self.body is not None,
            DATE: self.date_text is not None,
            ROLE: self.role is not None,
            RESULT: self.result is not None,
        }.get(kind, False)

    def put(self, cell: _Cell) -> None:
        if cell.kind == BODY:
            self.body = cell.text
        elif cell.kind == DATE:
            self.date_text = cell.text
            self.date = cell.date
        elif cell.kind == ROLE:
            self.role = cell.text
        elif cell.kind == RESULT:
            self.result = cell.text
        elif cell.kind == MEETING and self.meeting_date is None:
            self.meeting_date = cell.date


def _rows_by_sequence(cells: list[_Cell], start: str | None) -> list[_Row]:
    """Row after row: a new row where the first column's kind comes again or a field repeats."""
    rows: list[_Row] = []
    row = _Row()
    for cell in cells:
        if cell.weak:
            if row.body is None:
                row.put(cell)
            continue
        if cell.kind in _FIELD_KINDS:
            if start is None:
                start = cell.kind
            if row.has(cell.kind) or (cell.kind == start and not row.empty()):
                rows.append(row)
                row = _Row()
        row.put(cell)
    rows.append(row)
    return rows


def _rows_by_columns(cells: list[_Cell]) -> list[_Row] | None:
    """Column after column (all committees, then all dates, …), or None if not so."""
    runs: list[tuple[str, list[_Cell]]] = []
    for cell in cells:
        if cell.kind not in _FIELD_KINDS or cell.weak:
            continue
        if runs and runs[-1][0] == cell.kind:
            runs[-1][1].append(cell)
        else:
            runs.append((cell.kind, [cell]))
    kinds = [kind for kind, _ in runs]
    if len(runs) < 2 or len(set(kinds)) != len(kinds):
        return None
    size = len(runs[0][1])
    if size < 2 or BODY not in kinds:
        return None
    if any(len(run) > size for _, run in runs):
        return None
    rows = [_Row() for _ in range(size)]
    for _kind, run in runs:
        for index, cell in enumerate(run):
            rows[index].put(cell)
    return rows


def _rows_by_position(lines: list[list[str]], columns: list[str]) -> list[_Row] | None:
    """Cells under a header, by position: one line per row, or the cells in groups."""
    if not columns:
        return None
    width = len(columns)
    groups: list[list[str]] = []
    if lines and all(len(line) == width for line in lines):
        groups = lines
    else:
        flat = [piece for line in lines for piece in line]
        if not flat or len(flat) % width:
            return None
        groups = [flat[index : index + width] for index in range(0, len(flat), width)]
    rows: list[_Row] = []
    for group in groups:
        row = _Row()
        for kind, value in zip(columns, group, strict=False):
            for cell in _forced(kind, value):
                row.put(cell)
        rows.append(row)
    return rows


def _score(rows: list[_Row]) -> int:
    score = 0
    for row in rows:
        if row.date_text is None and row.meeting_date is None and row.role is None:
            score -= 2
        if row.body is None:
            score -= 3
        elif _body_like(row.body) and _only_date(row.body) is None:
            score += 3 if _COMMITTEE.search(row.body) else 2
        else:
            score -= 3
        if row.date_text is not None:
            score += 1 if row.date is not None else -2
        elif row.meeting_date is not None:
            score += 1
        if row.role is not None:
            score += 1 if normalise_role(row.role) is not None else -1
            if _find_date(row.role) is not None:
                score -= 2
        if row.result is not None:
            score += 1 if _RESULT.search(row.result) else 0
            if _only_date(row.result) is not None:
                score -= 2
    return score


def _section_lines(lines: list[str]) -> list[tuple[int, int, list[str]]]:
    """Each Beratungsfolge in the text (after its heading or from its header row).

    Its first and last line number and its lines (the heading's rest first)."""
    sections: list[tuple[int, int, list[str]]] = []
    starts: list[tuple[int, int, str]] = []
    for index, line in enumerate(lines):
        match = _HEADING.match(line)
        if match is not None and len(line) <= 120:
            starts.append((index, index + 1, match.group("rest")))
    if not starts:
        for index, line in enumerate(lines):
            cells = _cells_of_line(line)
            kinds = {cell.text for cell in cells if cell.kind == HEADER}
            if BODY in kinds and kinds & {DATE, ROLE, RESULT, MEETING}:
                starts.append((index, index, ""))
                break
            # A header written one cell per line: "Gremium" then "|" or "Sitzung" …
            if len(cells) == 1 and cells[0].kind == HEADER and cells[0].text == BODY:
                following = [
                    cell.text
                    for later in lines[index + 1 : index + 6]
                    for cell in _cells_of_line(later)
                    if cell.kind == HEADER
                ]
                if set(following) & {DATE, ROLE, RESULT, MEETING}:
                    starts.append((index, index, ""))
                    break
    for first, start, rest in starts:
        # In a PDF the heading names the committees' column: "Beratungsfolge  Datum  Rolle".
        rest_cells = _cells_of_line(rest)
        if (
            len(rest_cells) >= 1
            and all(cell.kind == HEADER for cell in rest_cells)
            and BODY not in {cell.text for cell in rest_cells}
        ):
            rest = "Gremium\t" + "\t".join(
                _clean(piece) for piece in _split_line(rest) if _clean(piece)
            )
        section: list[str] = [rest] if rest.strip() else []
        end = start
        for line in lines[start : start + 400]:
            stripped = line.strip()
            if _HEADING.match(stripped) and len(stripped) <= 120:
                break
            if _is_section(stripped):
                break
            label = _leading_label(stripped)
            if (
                label is not None
                and label[0] not in (None, "date", "status")
                and _header_kind(stripped[: label[1]]) is None
            ):
                break
            if len(stripped) > 250:
                break
            section.append(line)
            end += 1
        sections.append((first, end, section))
    return sections


def _consultations(section: list[str]) -> tuple[list[_Row], list[str]]:
    """The rows of one Beratungsfolge and the public status its table may show."""
    line_cells = [_cells_of_line(line) for line in section]
    flat = [cell for line in line_cells for cell in line]
    # "Beschluss" or "Sitzung" alone among values is a value, beside column names a column.
    for line_cell_list in line_cells:
        for position, cell in enumerate(list(line_cell_list)):
            if cell.alternative is None:
                continue
            at = next(number for number, other in enumerate(flat) if other is cell)
            before = flat[at - 1] if at > 0 else None
            after = flat[at + 1] if at + 1 < len(flat) else None
            beside = [
                other for other in (before, after) if other is not None and other.kind == HEADER
            ]
            if not beside:
                line_cell_list[position : position + 1] = cell.alternative
    cells = [cell for line in line_cells for cell in line]
    statuses = [cell.text for cell in cells if cell.kind == PUBLIC]
    headers = [position for position, cell in enumerate(cells) if cell.kind == HEADER]
    candidates: list[list[_Row]] = []
    data = [cell for cell in cells if cell.kind != HEADER]
    bonus = 0

    # A header row (at least two column names before any value, none after them).
    leading = 0
    while leading < len(cells) and cells[leading].kind == HEADER:
        leading += 1
    if leading >= 2 and len(headers) == leading:
        columns = [cell.text for cell in cells[:leading]]
        seen = 0
        last_header_line = 0
        for number, line_cell_list in enumerate(line_cells):
            seen += sum(1 for cell in line_cell_list if cell.kind == HEADER)
            if seen >= leading:
                last_header_line = number
                break
        data_lines: list[list[str]] = []
        for line in section[last_header_line + 1 :]:
            pieces = [_clean(piece) for piece in _split_line(line)]
            pieces = [piece for piece in pieces if "".join(_words(piece)) not in _NOISE]
            if pieces:
                data_lines.append(pieces)
        positional = _rows_by_position(data_lines, columns)
        if positional is not None:
            candidates.append(positional)
            if all(len(line) == len(columns) for line in data_lines):
                # One line per row under a header row of the same width: the table's
                # own structure, stronger than any guess from the cells' content.
                bonus = len(positional)
        first = next((kind for kind in columns if kind in _FIELD_KINDS), None)
        candidates.append(_rows_by_sequence(data, first))
    elif headers:
        # Labels with their values (cards), or a label before each column (PDF).
        data = []
        current: str | None = None
        for cell in cells:
            if cell.kind == HEADER:
                current = cell.text
            elif cell.forced or current is None or cell.kind == current:
                data.append(cell)
            elif current in _FIELD_KINDS or current in (MEETING, PUBLIC):
                data.extend(_forced(current, cell.text) if cell.kind != DATE else [cell])
        candidates.append(_rows_by_sequence(data, None))
    else:
        candidates.append(_rows_by_sequence(data, None))
    by_columns = _rows_by_columns(data)
    if by_columns is not None:
        candidates.append(by_columns)
    best: list[_Row] = []
    best_score: int | None = None
    for number, rows in enumerate(candidates):
        kept = [row for row in rows if not row.empty()]
        score = _score(kept) + (bonus if number == 0 else 0)
        if best_score is None or score > best_score:
            best, best_score = kept, score
    return best, statuses


def _to_consultation(row: _Row) -> ParsedConsultation | None:
    body = None if row.body is None else _short_value(row.body)
    if body is None:
        return None
    role: str | None = None
    if row.role is not None:
        role = normalise_role(row.role) or _short_value(row.role)
    result = None if row.result is None else _short_value(row.result)
    day = row.date if row.date is not None else row.meeting_date
    return ParsedConsultation(body=body, date=day, role=role, result=result)


# --------------------------------------------------------------------------- the paper


_PROPOSAL = re.compile(r"^[.\s]*(?:beschlussvorschlag|beschlussempfehlung)", re.IGNORECASE)
_FACTS = re.compile(
    r"^[.\s]*(?:sachverhalt|begründung|darstellung\s+der\s+sach|sach-\s+und\s+rechtslage"
    r"|erläuterung|problembeschreibung|ausgangslage|anlass)",
    re.IGNORECASE,
)
_TEXT_LIMIT = 100_000


def _texts(lines: list[str]) -> tuple[str | None, str | None]:
    """The Beschlussvorschlag and the Sachverhalt: the longest text under each heading."""
    found: dict[str, str] = {}
    current: str | None = None
    collected: list[str] = []

    def close() -> None:
        if current is None:
            return
        text = "\n".join(collected)
        text = re.sub(r"\n{3,}", "\n\n", text).strip()[:_TEXT_LIMIT]
        if text and len(text) > len(found.get(current, "")):
            found[current] = text

    for line in lines:
        stripped = _clean(line)
        if _is_section(stripped) or (_HEADING.match(stripped) and len(stripped) <= 120):
            kind = (
                "proposal"
                if _PROPOSAL.match(stripped)
                else "facts"
                if _FACTS.match(stripped)
                else None
            )
            if kind is not None and kind == current:
                # A second heading of the same text ("Beschlussvorschlag" then
                # "Beschlussvorschlag:"), or a sub-heading of the Sachverhalt.
                if kind == "facts" and any(collected):
                    collected.append(stripped)
                continue
            close()
            current, collected = kind, []
            # "Beschlussvorschlag: Der Rat beschließt …" on one line.
            if kind is not None and ":" in stripped:
                after = stripped.split(":", 1)[1].strip()
                if after and kind == "proposal":
                    collected.append(after)
            continue
        if current is not None and "".join(_words(stripped)) not in _NOISE - {""}:
            collected.append(stripped)
    close()
    return found.get("proposal"), found.get("facts")


def _locate_reference(reference: str, original: str) -> str | None:
    """The reference as the input writes it (the parser reads a normalised copy)."""
    if reference in original:
        return reference
    gap = "[" + _IGNORABLE + "]*"
    parts = ["[-" + _DASHES + "]" if char == "-" else re.escape(char) for char in reference]
    match = re.search(gap.join(parts), original)
    return None if match is None else match.group(0)


def parse_council_paper(text: str) -> ParsedPaper:
    """Read a pasted council paper page; ``None`` for what the text does not give."""
    paper = ParsedPaper()
    if not isinstance(text, str):
        paper.missing = [*PAPER_FIELDS, "consultations"]
        return paper
    normal = _normalise(text)
    lines = [line.rstrip() for line in normal.split("\n")]
    found: dict[str, str] = {}
    found_date: datetime.date | None = None

    # The head: everything before the first text section (Sachverhalt, Beschlussvorschlag, …).
    head_end = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _is_section(stripped):
            head_end = index
            break
    sections = _section_lines(lines)
    inside = {number for first, last, _ in sections for number in range(first, last)}
    head = [line for number, line in enumerate(lines[:head_end]) if number not in inside]
    # A PDF's head in two columns ("Stadt Herne      Vorlage Nr. 2015/0159"): one piece
    # after the other. Tabs stay: SessionNet writes "Betreff<TAB>value".
    head = [piece for line in head for piece in re.split(r" {3,}", line)]
    agenda = _AGENDA.search("\n".join(head)) is not None

    def offer(name: str | None, value: str) -> bool:
        nonlocal found_date
        if name is None:
            return True
        if name == "date":
            if found_date is None and not agenda:
                found_date = _date_value(value)
            return found_date is not None
        validator = _VALIDATORS.get(name)
        if validator is None or name in found:
            return False
        checked = validator(value)
        if checked is None:
            return False
        found[name] = checked
        return True

    def continue_title(index: int) -> int:
        """A Betreff wrapped onto the next lines (PDF): join them while they continue it."""
        while index < len(head) and len(found.get("title", "")) < 500:
            following = head[index].strip()
            title = found.get("title", "")
            if not following or not _continues(title, following):
                break
            if (
                _leading_label(following) is not None
                or _HEADING.match(following)
                or _HEADER_LINE.match(following)
                or _URL.match(following)
            ):
                break
            if title.endswith("-") and following[:1].islower():
                found["title"] = _clean(title[:-1] + following)
            elif title.endswith("-"):
                found["title"] = _clean(title + following)
            else:
                found["title"] = _clean(title + " " + following)
            index += 1
        return index

    index = 0
    while index < len(head):
        stripped = head[index].strip()
        index += 1
        if not stripped or _URL.match(stripped):
            continue
        header = _HEADER_LINE.match(stripped)
        if header is not None and _reference_value(header.group("ref")) is not None:
            offer("reference", header.group("ref"))
            kind = header.group("type")
            if kind.lower() not in _GENERIC_TYPES:
                offer("paper_type", kind)
            continue
        if _HEADING.match(stripped):
            continue
        pairs = _split_inline(stripped.replace("\t", " \t ") if "\t" in stripped else stripped)
        if not pairs:
            continue
        if any(_clean(value) for _, value in pairs):
            for name, value in pairs:
                if _clean(value) and offer(name, value) and name == "title":
                    index = continue_title(index)
            continue
        # Bare labels: SessionNet puts the value on the next line; a PDF may give a
        # block of labels followed by a block of values.
        labels: list[str | None] = [pairs[0][0]]
        while index < len(head):
            following = head[index].strip()
            if not following:
                index += 1
                continue
            more = _split_inline(following)
            if more and len(more) == 1 and not _clean(more[0][1]):
                labels.append(more[0][0])
                index += 1
                continue
            break
        values: list[str] = []
        while index < len(head) and len(values) < len(labels):
            following = head[index].strip()
            if not following:
                if values:
                    break
                index += 1
                continue
            if _leading_label(following) is not None or _HEADING.match(following):
                break
            values.append(following)
            index += 1
        if len(values) == len(labels):
            for name, value in zip(labels, values, strict=True):
                if offer(name, value) and name == "title" and len(labels) == 1:
                    index = continue_title(index)
        elif values:
            offer(labels[-1], values[0])
            paper.warnings.append(
                "Mehrere Bezeichnungen ohne passende Werte: bitte die Angaben von Hand prüfen."
            )

    # SD.NET agenda item ("2. / jha/3/2/13. Bekanntgabe …"): its subject, never a reference.
    if agenda and "title" not in found:
        for line in lines:
            match = _SD_NET_AGENDA_TITLE.match(line.strip()) or _TOP_TITLE.match(line.strip())
            if match is not None:
                offer("title", match.group(1))
                break

    statuses: list[str] = []
    for _first, _last, section in sections:
        rows, section_statuses = _consultations(section)
        consultations = [item for item in map(_to_consultation, rows) if item is not None]
        statuses.extend(section_statuses)
        if consultations:
            paper.consultations = consultations
            break
    if "status" not in found and statuses and len(set(statuses)) == 1:
        found["status"] = statuses[0]

    reference = found.get("reference")
    if reference is not None:
        located = _locate_reference(reference, text)
        if located is None:
            paper.warnings.append(
                "Die Vorlagennummer ließ sich nicht sicher lesen: bitte von Hand eintragen."
            )
        paper.reference = located
    paper.title = found.get("title")
    paper.paper_type = found.get("paper_type")
    paper.status = found.get("status")
    paper.lead_department = found.get("lead_department")
    paper.author = found.get("author")
    paper.date = found_date
    paper.beschlussvorschlag, paper.sachverhalt = _texts(lines)
    paper.missing = [name for name in PAPER_FIELDS if getattr(paper, name) is None]
    if not paper.consultations:
        paper.missing.append("consultations")
    for number, consultation in enumerate(paper.consultations, start=1):
        if consultation.date is None:
            paper.warnings.append(f"Beratung {number} ({consultation.body}): Datum fehlt.")
    if agenda and paper.reference is None:
        paper.warnings.append(
            "Der Text sieht nach einem Tagesordnungspunkt aus, nicht nach einer Vorlage: "
            "die Vorlagennummer bitte von Hand eintragen."
        )
    return paper
