"""Read a council paper (Vorlage) from the text of its page, as pasted by a user.

A pure package (no Django, mypy strict): ``parse_council_paper(text)`` returns
a ``ParsedPaper`` with what the text states and ``None`` for everything it does
not state. It reads the layouts of the German council information systems:

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

The package: ``text`` (normalisation, dates, role words, result phrases),
``labels`` (the head's labels and their values), ``consultations`` (the
Beratungsfolge's cells and rows) and here the paper put together.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from .consultations import (
    _HEADING,
    _NOISE,
    _consultations,
    _Row,
    _section_lines,
)
from .labels import (
    _AGENDA,
    _GENERIC_TYPES,
    _HEADER_LINE,
    _SD_NET_AGENDA_TITLE,
    _TOP_TITLE,
    _TYPE_LINE,
    _URL,
    _VALIDATORS,
    _continues,
    _date_value,
    _is_section,
    _leading_label,
    _reference_value,
    _short_value,
    _split_inline,
)
from .text import (
    _DASHES,
    _IGNORABLE,
    _clean,
    _normalise,
    _words,
    normalise_role,
)

__all__ = [
    "NOTE_AGENDA_ITEM",
    "NOTE_CONSULTATION_UNDATED",
    "NOTE_MESSAGES",
    "NOTE_REFERENCE_UNREADABLE",
    "NOTE_UNMATCHED_LABELS",
    "ParseNote",
    "ParsedConsultation",
    "ParsedPaper",
    "normalise_role",
    "parse_council_paper",
]

PAPER_FIELDS = ("reference", "title", "paper_type", "status", "lead_department", "author", "date")


# The notes for the reviewer: English msgids (a Django view translates them with
# gettext, the German msgstr is in locale/de) and the German text the parser puts
# into ``ParsedPaper.warnings`` for a caller without translation.
NOTE_UNMATCHED_LABELS = "Several labels without matching values: please check the fields by hand."
NOTE_REFERENCE_UNREADABLE = "The paper number could not be read reliably: please enter it by hand."
NOTE_CONSULTATION_UNDATED = "Consultation %(number)s (%(body)s): the date is missing."
NOTE_AGENDA_ITEM = (
    "The text looks like an agenda item, not a paper: please enter the paper number by hand."
)
NOTE_MESSAGES: dict[str, str] = {
    NOTE_UNMATCHED_LABELS: (
        "Mehrere Bezeichnungen ohne passende Werte: bitte die Angaben von Hand prüfen."
    ),
    NOTE_REFERENCE_UNREADABLE: (
        "Die Vorlagennummer ließ sich nicht sicher lesen: bitte von Hand eintragen."
    ),
    NOTE_CONSULTATION_UNDATED: "Beratung %(number)s (%(body)s): Datum fehlt.",
    NOTE_AGENDA_ITEM: (
        "Der Text sieht nach einem Tagesordnungspunkt aus, nicht nach einer Vorlage: "
        "die Vorlagennummer bitte von Hand eintragen."
    ),
}


@dataclass(frozen=True)
class ParseNote:
    """A note for the reviewer: an English msgid and its parameters.

    ``gettext(note.message) % note.params`` in a view; ``note.german()`` without one.
    """

    message: str
    params: dict[str, str] = field(default_factory=dict)

    def german(self) -> str:
        return NOTE_MESSAGES.get(self.message, self.message) % self.params


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
    # Notes for the reviewer (e.g. a consultation without a date): ``notes`` with
    # English msgids and parameters for translation, ``warnings`` the same in German.
    notes: list[ParseNote] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def note(self, message: str, **params: str) -> None:
        entry = ParseNote(message, params)
        self.notes.append(entry)
        self.warnings.append(entry.german())


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
            if _TYPE_LINE.match(stripped):
                offer("paper_type", stripped)
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
            paper.note(NOTE_UNMATCHED_LABELS)

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
            paper.note(NOTE_REFERENCE_UNREADABLE)
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
            paper.note(NOTE_CONSULTATION_UNDATED, number=str(number), body=consultation.body or "")
    if agenda and paper.reference is None:
        paper.note(NOTE_AGENDA_ITEM)
    return paper
