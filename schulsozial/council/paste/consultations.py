"""The Beratungsfolge: cells, their kinds and the rows built from them.

Internal to the paste parser (``schulsozial.council.paste``)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from .labels import (
    _is_section,
    _leading_label,
    _reference_value,
    _status_value,
)
from .text import (
    _GENITIVE_PREFIX,
    _RESULT,
    _clean,
    _find_date,
    _only_date,
    _split_words,
    _words,
    normalise_role,
)

# --------------------------------------------------------------------------- consultations

# The heading of a Beratungsfolge. The first words may have the table on the same line
# ("Beratungsfolge: Jugendhilfeausschuss (Vorberatung) …"); the others only stand alone,
# as "Beratungen" can also start a sentence.
_HEADING = re.compile(
    r"^\s*(?:geplante\s+)?(?:(?:beratungsfolge|beratungsreihenfolge|gremienfolge)(?![^\W_])"
    r"\s*:?\s*(?P<rest>.*)|(?:beratungsverlauf|beratungsgang|beratungsergebnisse?|beratungen)"
    r"\s*:?\s*)$",
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

# Column names of a Beratungsfolge table (letters only, lower case) and what they hold.
_HEADER_WORDS: dict[str, str] = {
    **dict.fromkeys(_split_words("gremium gremien beratungsgremium ausschuss organ"), BODY),
    **dict.fromkeys(_split_words("datum sitzungsdatum sitzungstermin termin"), DATE),
    **dict.fromkeys(_split_words("sitzung sitzungen"), MEETING),
    **dict.fromkeys(
        _split_words("rolle zuständigkeit beratungstyp beratungsart artderberatung beratungsrolle"),
        ROLE,
    ),
    **dict.fromkeys(
        _split_words(
            "ergebnis beschlussart abstimmungsergebnis beratungsergebnis beschlussergebnis"
            " beschluss"
        ),
        RESULT,
    ),
    **dict.fromkeys(_split_words("önö öffentlichkeit"), PUBLIC),
    **dict.fromkeys(
        _split_words(
            "topnr top spnr nr na niederschrift vorlage status beschlussnr sitzungsnummer"
        ),
        SKIP,
    ),
}
# Words of the page's controls, copied with the text ("Reduzieren" in ALLRIS 4).
_NOISE = set(
    _split_words(
        "reduzieren erweitern zumseitenanfang drucken details aufklappen zuklappen einblenden"
        " ausblenden mehr weniger"
    )
) | {""}
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


_AMBIGUOUS_HEADERS = set(
    _split_words(
        "beschluss sitzung sitzungen status vorlage top nr na ausschuss termin organ niederschrift"
    )
)


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
    before, _space, last = value.rpartition(" ")
    trailing = _status_value(last) if last in ("Ö", "ö", "NÖ", "nö", "Nö") else None
    if before and trailing is not None and depth < 3:
        # ALLRIS classic: "Schulausschuss Anhörung Ö".
        return [*_classify(before, depth + 1), _Cell(PUBLIC, trailing)]
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
        # "Jugendhilfeausschuss am 24.09.2019": the preposition belongs to the date.
        before = re.sub(r"\b(?:am|vom|den|ab)\s*$", "", value[:start], flags=re.IGNORECASE)
        return [
            *_classify(before, depth + 1),
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
        # "des Integrationsrates" in a cell of its own (ALLRIS classic, copied as a
        # table): the committee named again before its result.
        return [_Cell(BODY, _body_text(value), weak=_GENITIVE_PREFIX.match(value) is not None)]
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
    if value.endswith((".", "!", "?")) and len(value.split(" ")) > 4:
        return False  # a sentence, not a committee
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
            starts.append((index, index + 1, match.group("rest") or ""))
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
    replaced: dict[int, list[_Cell]] = {}
    for at, cell in enumerate(flat):
        if cell.alternative is None:
            continue
        neighbours = flat[max(at - 1, 0) : at] + flat[at + 1 : at + 2]
        if not any(other.kind == HEADER for other in neighbours):
            replaced[id(cell)] = cell.alternative
    line_cells = [
        [new for cell in line for new in replaced.get(id(cell), [cell])] for line in line_cells
    ]
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
