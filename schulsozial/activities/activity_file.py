"""Parse an existing Excel documentation (XLSX or CSV) into plain rows.

Pure Python, no Django but its translations (messages are German with the
German locale); ``importing.py`` resolves the category names against
the municipality's catalogues and writes. Reading bytes reuses the school
list reader (encoding detection UTF-8 / UTF-8 with BOM / Windows-1252;
delimiter ``;`` ``,`` or tab; ``sep=;`` line; first worksheet of an .xlsx).

Never raises: every problem is a ``RowError`` "row N, column C: reason" (row
as a spreadsheet shows it, header = row 1; column as written in the header).

Columns (names compared case-, space-, punctuation- and umlaut-blind):
date (Datum), minutes (Minuten / Dauer; or Stunden), activity type (Art,
Tätigkeit, Angebot), target group (Zielgruppe), and optionally school
(Schulnummer), topics (Themen; several separated by , ; or |), contact
(Zugang), partner (Partner), follow-up (Folgetermin: ja/nein/x), grade band
(Stufe), participants (Teilnehmende) and counts per gender (weiblich,
männlich, divers, keine Angabe), case code (Fallcode), and for a carrier's
import the staff member (Fachkraft, as the carrier's staff list names them).

``open_activity_file`` reads a CSV row by row (the encoding is checked in
chunks first), so a file of a million rows never exists as one string or
list; ``parse_activity_file`` collects the rows into a list for small files.
"""

from __future__ import annotations

import codecs
import datetime
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import BinaryIO

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from schulsozial.masterdata.importing import message_text
from schulsozial.masterdata.school_file import (
    _ZIP_MAGIC,
    MAX_BYTES_DEFAULT,
    RowError,
    _column_letter,
    _count_outside_quotes,
    _xlsx_rows,
    csv_rows,
)

MAX_ERRORS = 500
MAX_ROWS = 50_000
HEADER_SEARCH_ROWS = 20
_DELIMITERS = (";", ",", "\t")


def fold(text: str) -> str:
    """Compare column names: lower case, umlauts spelled out, only letters and digits."""
    text = text.casefold().replace("ß", "ss")
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]", "", text)


ALIASES: dict[str, tuple[str, ...]] = {
    "date": ("datum", "date", "tag", "termin"),
    "school": ("schulnummer", "schulnr", "schule", "school", "schoolnumber"),
    "minutes": (
        "minuten",
        "dauer",
        "dauerinminuten",
        "dauermin",
        "zeitinminuten",
        "min",
        "minutes",
    ),
    "hours": ("stunden", "dauerinstunden", "zeitinstunden", "std", "hours"),
    "activity_type": (
        "art",
        "taetigkeit",
        "angebot",
        "leistung",
        "aktivitaet",
        "artdertaetigkeit",
        "kategorie",
        "activitytype",
        "type",
        "leistungsart",
    ),
    "target_group": ("zielgruppe", "targetgroup", "adressaten"),
    "topics": ("themen", "thema", "anlass", "themenbereich", "topics", "topic"),
    "contact_origin": (
        "zugang",
        "kontaktaufnahme",
        "kontakt",
        "vermitteltdurch",
        "initiative",
        "wiekamderkontaktzustande",
        "contactorigin",
    ),
    "partner": ("partner", "kooperationspartner", "beteiligtestelle", "beteiligterpartner"),
    "follow_up": ("folgetermin", "followup", "wiedervorlage", "weiterfuehrung", "folgekontakt"),
    "grade_band": ("stufe", "jahrgangsstufe", "schulstufe", "gradeband"),
    "participants": (
        "teilnehmende",
        "teilnehmer",
        "teilnehmerinnen",
        "anzahl",
        "personen",
        "participants",
    ),
    "female": ("weiblich", "maedchen", "female", "w"),
    "male": ("maennlich", "jungen", "male", "m"),
    "diverse": ("divers", "diverse", "d"),
    "not_stated": ("keineangabe", "ka", "notstated", "ohneangabe"),
    "case_code": ("fallcode", "fall", "casecode", "fallkennung"),
    "staff": ("fachkraft", "mitarbeitende", "mitarbeiter", "mitarbeiterin", "staff"),
}
_BY_ALIAS = {alias: key for key, aliases in ALIASES.items() for alias in aliases}
REQUIRED = ("date", "activity_type", "target_group")
GENDER_COLUMNS = ("female", "male", "diverse", "not_stated")
CATEGORY_COLUMNS = (
    "activity_type",
    "target_group",
    "topics",
    "contact_origin",
    "partner",
    "grade_band",
)
_YES = {"ja", "j", "x", "1", "yes", "y", "true", "wahr"}
_NO = {"nein", "n", "0", "no", "false", "falsch", "", "-"}


@dataclass(slots=True)
class ActivityRow:
    row: int
    date: datetime.date
    minutes: int
    activity_type: str
    target_group: str
    school: str = ""
    topics: list[str] = field(default_factory=list)
    contact_origin: str = ""
    partner: str = ""
    follow_up: bool = False
    grade_band: str = ""
    participants: int | None = None
    by_gender: dict[str, int] = field(default_factory=dict)
    case_code: str = ""
    staff: str = ""  # a carrier's import: the staff member as the carrier's staff list names them
    case_hash: str = ""  # a kept preview's row: the code hashed already (never from a file)


@dataclass
class ParsedFile:
    rows: list[ActivityRow]
    errors: list[RowError]
    columns: dict[str, str] = field(default_factory=dict)  # field -> header as written

    @property
    def ok(self) -> bool:
        return not self.errors


class _CellError(Exception):
    pass


class _StopError(Exception):
    pass


def _date(text: str) -> datetime.date:
    value = text.strip()
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})", value)
    try:
        if match:
            year = int(match[3])
            year = year + 2000 if len(match[3]) == 2 else year  # "0001" is the year 1
            return datetime.date(year, int(match[2]), int(match[1]))
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]{5,15})?", value)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise _CellError(_("not a valid date: %(value)s") % {"value": repr(value[:30])}) from exc
    raise _CellError(
        _("not a date (use 31.01.2025 or 2025-01-31): %(value)s") % {"value": repr(value[:30])}
    )


def _number(text: str) -> Decimal:
    value = text.strip().replace(" ", "")
    if "," in value and "." in value:
        value = value.replace(".", "")
    value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise _CellError(_("not a number: %(value)s") % {"value": repr(text.strip()[:30])}) from exc
    if not number.is_finite() or abs(number) > 10**9:
        raise _CellError(_("not a number: %(value)s") % {"value": repr(text.strip()[:30])})
    return number


def _minutes(text: str, *, hours: bool) -> int:
    """Minutes from "45", "45,0", "1:30" (h:mm) or, in an hours column, "1,5"."""
    value = text.strip()
    clock = re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?", value)
    if clock:
        number = Decimal(int(clock[1]) * 60 + int(clock[2]))
    else:
        number = _number(value) * (60 if hours else 1)
    minutes = int(number.quantize(Decimal("1")))
    if not 1 <= minutes <= 720:
        raise _CellError(
            _("minutes must lie between 1 and 720, got %(minutes)s") % {"minutes": minutes}
        )
    return minutes


def _count(text: str) -> int:
    if not text.strip():
        return 0
    number = _number(text)
    if number != number.to_integral_value() or not 0 <= number <= 2000:
        raise _CellError(
            _("a count is a whole number from 0 to 2000, got %(value)s")
            % {"value": repr(text.strip()[:30])}
        )
    return int(number)


def _flag(text: str) -> bool:
    value = text.strip().casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _CellError(
        _("answer yes or no (ja/nein), got %(value)s") % {"value": repr(text.strip()[:30])}
    )


def _label(text: str) -> str:
    value = " ".join(text.split())
    if len(value) > 120:
        raise _CellError(_("a category name has at most 120 characters"))
    return value


_CHUNK = 1 << 20
_CACHE_LIMIT = 50_000

Source = bytes | bytearray | memoryview | BinaryIO


class _FileError(Exception):
    pass


def _size_of(stream: BinaryIO) -> int:
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size


def _encoding_of(stream: BinaryIO, head: bytes) -> str:
    """The rules of the school list reader (``_decode``), applied chunk by
    chunk so that a large file is checked without holding its text."""
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise _FileError(_("unsupported encoding UTF-32; save the file as CSV UTF-8"))
    utf16 = _("unsupported encoding UTF-16; save the file as CSV UTF-8 (or CSV with semicolons)")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _FileError(utf16)
    bom = head.startswith(codecs.BOM_UTF8)
    stream.seek(len(codecs.BOM_UTF8) if bom else 0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    bad_line = 0
    lines = 0
    while chunk := stream.read(_CHUNK):
        if b"\x00" in chunk:
            sample = head[:4096]
            nul_odd, nul_even = sample[1::2].count(0), sample[0::2].count(0)
            if max(nul_odd, nul_even) > len(sample) // 4:
                raise _FileError(utf16)
            raise _FileError(_("not a text file: it contains NUL bytes (is it a binary file?)"))
        if not bad_line:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_line = lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
        lines += chunk.count(b"\n")
    if not bad_line:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad_line = lines + 1
    if not bad_line:
        return "utf-8-sig" if bom else "utf-8"
    if bom:
        raise _FileError(
            _("the file says it is UTF-8 but line %(line)s is not valid UTF-8") % {"line": bad_line}
        )
    stream.seek(0)
    lines = 0
    while chunk := stream.read(_CHUNK):
        try:
            chunk.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = lines + chunk.count(b"\n", 0, exc.start) + 1
            raise _FileError(
                _(
                    "cannot decode line %(line)s (byte 0x%(byte)s): "
                    "the file is neither UTF-8 nor Windows-1252"
                )
                % {"line": line, "byte": f"{chunk[exc.start]:02x}"}
            ) from exc
        lines += chunk.count(b"\n")
    return "cp1252"


def _csv_stream(
    lines: Iterable[str], delimiter: str, errors: list[RowError]
) -> Iterator[tuple[int, list[str]]]:
    """(row number, stripped cells); a CSV syntax error ends the file with an error
    (the shared reader's reason, in the user's language)."""
    broken: list[RowError] = []
    for row, cells in csv_rows(lines, delimiter, broken):
        yield row, [c.strip() for c in cells]
    errors.extend(RowError(e.row, e.column, message_text(e.reason)) for e in broken)


def _read_rows(
    source: Source, filename: str, max_bytes: int, errors: list[RowError]
) -> Iterator[tuple[int, list[str]]]:
    """The table of a file, row by row. A CSV is decoded while it is read, so
    a file of a million rows never exists as one string or one list."""
    stream: BinaryIO = (
        io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray | memoryview) else source
    )
    size = _size_of(stream)
    if size > max_bytes:
        errors.append(
            RowError(
                0,
                "",
                _("the file has %(size)s bytes, more than %(limit)s")
                % {"size": _grouped(size), "limit": _grouped(max_bytes)},
            )
        )
        return iter(())
    head = stream.read(65536)
    if not head.strip() and size <= len(head):
        errors.append(RowError(0, "", _("the file is empty")))
        return iter(())
    if head.startswith(_ZIP_MAGIC):
        stream.seek(0)
        rows = _xlsx_rows(stream.read(), max_bytes)
        if isinstance(rows, str):
            errors.append(RowError(0, "", message_text(rows)))  # a Message, in German
            return iter(())
        return iter(rows)
    if filename.lower().endswith((".xlsx", ".xls")):
        errors.append(
            RowError(
                0, "", _("not an Excel workbook (.xlsx); old .xls files: save as .xlsx or CSV")
            )
        )
        return iter(())
    try:
        encoding = _encoding_of(stream, head)
    except _FileError as exc:
        errors.append(RowError(0, "", str(exc)))
        return iter(())
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    first_line = text.readline()
    first = first_line.split("\n", 1)[0].strip().lower()
    if first.startswith("sep=") and len(first) == 5:
        return _csv_stream(text, first[4], errors)
    head_text = first_line + text.read(max(0, 65536 - len(first_line)))
    head_text += text.readline()  # up to the end of a line, so no row is cut in two
    sample = [line for line in head_text[:65536].splitlines() if line.strip()][:5]
    counts = {d: sum(_count_outside_quotes(line, d) for line in sample) for d in _DELIMITERS}
    delimiter = max(_DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ";"
    lines = itertools.chain(io.StringIO(head_text, newline=""), text)
    return _csv_stream(lines, delimiter, errors)


@dataclass
class ActivityStream:
    """A documentation file opened for reading row by row.

    ``columns`` and file-level ``errors`` are known at once; iterating
    ``rows`` yields each valid row and appends every row error to ``errors``
    (the same list), so a caller can validate and write a million rows in
    batches and still see every problem at the end."""

    columns: dict[str, str]
    errors: list[RowError]
    rows: Iterator[ActivityRow]

    @property
    def ok(self) -> bool:
        return not self.errors


def open_activity_file(
    source: Source,
    *,
    filename: str = "",
    max_bytes: int = MAX_BYTES_DEFAULT,
    max_rows: int = MAX_ROWS,
) -> ActivityStream:
    """Open the bytes (or a binary file object) of an XLSX or CSV
    documentation for streaming. Never raises, neither here nor while the
    rows are iterated."""
    errors: list[RowError] = []
    try:
        table = _read_rows(source, filename, max_bytes, errors)
        if errors:
            return ActivityStream({}, errors, iter(()))
        return _open(table, errors, max_rows)
    except Exception as exc:  # the contract: errors are reported, never raised
        errors.append(RowError(0, "", _internal(exc)))
        return ActivityStream({}, errors, iter(()))


def _grouped(number: int) -> str:
    """A count with digit grouping of the user's language (1.234 in German)."""
    return number_format(number, force_grouping=True)


def _internal(exc: Exception) -> str:
    return _("internal error while reading the file (%(error)s); please report it") % {
        "error": type(exc).__name__
    }


def parse_activity_file(
    data: bytes, *, filename: str = "", max_bytes: int = MAX_BYTES_DEFAULT
) -> ParsedFile:
    """Parse the bytes of an XLSX or CSV documentation into a list. Never raises."""
    stream = open_activity_file(data, filename=filename, max_bytes=max_bytes)
    rows = list(stream.rows)
    return ParsedFile(rows if not stream.errors else [], stream.errors, stream.columns)


def _open(
    table: Iterator[tuple[int, list[str]]], errors: list[RowError], max_rows: int
) -> ActivityStream:
    top = list(itertools.islice(table, HEADER_SEARCH_ROWS * 5))
    if errors:  # a broken CSV within the first rows
        return ActivityStream({}, errors, iter(()))
    header_at = None
    for index, (_n, cells) in enumerate(top):
        keys = {_BY_ALIAS.get(fold(c)) for c in cells}
        if "date" in keys and ("activity_type" in keys or "minutes" in keys):
            header_at = index
            break
    if header_at is None:
        errors.append(
            RowError(
                0,
                "",
                _(
                    "no header row found: the file needs columns such as "
                    "'Datum', 'Minuten', 'Art' and 'Zielgruppe'"
                ),
            )
        )
        return ActivityStream({}, errors, iter(()))
    header_row, header = top[header_at]
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        key = _BY_ALIAS.get(fold(cell))
        if key is None:
            continue
        if key in columns:
            errors.append(
                RowError(
                    header_row,
                    cell,
                    _("two columns mean the same (%(first)s and %(second)s)")
                    % {"first": repr(header[columns[key]]), "second": repr(cell)},
                )
            )
            continue
        columns[key] = position
    for key in REQUIRED:
        if key not in columns:
            errors.append(RowError(header_row, ALIASES[key][0], _("required column is missing")))
    if "minutes" not in columns and "hours" not in columns:
        errors.append(RowError(header_row, "minuten", _("required column is missing")))
    if "minutes" in columns and "hours" in columns:
        errors.append(
            RowError(header_row, header[columns["hours"]], _("give minutes or hours, not both"))
        )
    if errors:
        return ActivityStream({}, errors, iter(()))
    names = {key: header[pos] for key, pos in columns.items()}
    body = itertools.chain(top[header_at + 1 :], table)
    parser = _RowParser(columns, names, errors)
    return ActivityStream(names, errors, _rows(body, parser, errors, max_rows))


def _rows(
    body: Iterator[tuple[int, list[str]]],
    parser: _RowParser,
    errors: list[RowError],
    max_rows: int,
) -> Iterator[ActivityRow]:
    count = 0
    try:
        for number, cells in body:
            if not any(cells):
                continue
            if count >= max_rows:
                errors.append(
                    RowError(
                        number,
                        "",
                        _("more than %(max)s rows; split the file") % {"max": _grouped(max_rows)},
                    )
                )
                return
            row = parser.parse(number, cells)
            if row is not None:
                count += 1
                yield row
    except _StopError:
        return
    except Exception as exc:  # the contract: errors are reported, never raised
        errors.append(RowError(0, "", _internal(exc)))
        return
    if not count and not errors:
        errors.append(RowError(0, "", _("the file has no activity rows")))


def _topics(text: str) -> tuple[str, ...]:
    return tuple(_label(t) for t in re.split(r"[,;|\n]", text) if t.strip())


def _school(text: str) -> str:
    return re.sub(r"\.0$", "", text.strip())


_CONVERTERS: dict[str, Callable[[str], object]] = {
    "date": _date,
    "minutes": lambda t: _minutes(t, hours=False),
    "hours": lambda t: _minutes(t, hours=True),
    "activity_type": _label,
    "target_group": _label,
    "school": _school,
    "topics": _topics,
    "contact_origin": _label,
    "partner": _label,
    "follow_up": _flag,
    "grade_band": _label,
    "participants": _count,
    "case_code": str.strip,
    "staff": _label,
    **dict.fromkeys(GENDER_COLUMNS, _count),
}
_MUST_HAVE = frozenset((*REQUIRED, "minutes", "hours"))


def _required(convert: Callable[[str], object]) -> Callable[[str], object]:
    def required(text: str) -> object:
        if not text.strip():
            raise _CellError(_("the cell is empty"))
        return convert(text)

    return required


class _RowParser:
    """Cell conversion with the column layout worked out once and each
    distinct cell text converted once (dates, categories and durations
    repeat a great deal in a long documentation)."""

    def __init__(self, columns: dict[str, int], names: dict[str, str], errors: list[RowError]):
        # (key, column index, converter, cache of converted texts or None, column name)
        self.layout: list[
            tuple[str, int, Callable[[str], object], dict[str, tuple[bool, object]] | None, str]
        ] = [
            (
                key,
                position,
                _required(_CONVERTERS[key]) if key in _MUST_HAVE else _CONVERTERS[key],
                {} if key != "case_code" else None,
                names.get(key) or _column_letter(position + 1),
            )
            for key, position in columns.items()
        ]
        self.columns = columns
        self.names = names
        self.errors = errors

    def _add(self, number: int, key: str, reason: str) -> None:
        self.errors.append(
            RowError(
                number,
                self.names.get(key) or _column_letter(self.columns.get(key, 0) + 1),
                reason,
            )
        )
        if len(self.errors) >= MAX_ERRORS:
            raise _StopError

    def parse(self, number: int, cells: list[str]) -> ActivityRow | None:
        values: dict[str, object] = {}
        failed = False
        width = len(cells)
        for key, position, convert, cache, column in self.layout:
            text = cells[position] if position < width else ""
            if cache is None:
                values[key] = convert(text)
                continue
            hit = cache.get(text)
            if hit is None:
                try:
                    hit = (True, convert(text))
                except _CellError as exc:
                    hit = (False, str(exc))
                if len(cache) < _CACHE_LIMIT:
                    cache[text] = hit
            if hit[0]:
                values[key] = hit[1]
            else:
                failed = True
                self.errors.append(RowError(number, column, str(hit[1])))  # the reason
                if len(self.errors) >= MAX_ERRORS:
                    raise _StopError
        code = str(values.get("case_code", ""))
        if len(code) > 40:
            failed = True
            self._add(number, "case_code", _("a case code has at most 40 characters"))
        school = str(values.get("school", ""))
        if school and not _SCHOOL_NUMBER.fullmatch(school):
            failed = True
            self._add(
                number,
                "school",
                _("a school number has 6 digits, got %(value)s") % {"value": repr(school[:20])},
            )
        if failed:
            return None
        by_gender = {k: values[k] for k in GENDER_COLUMNS if values.get(k)}
        return ActivityRow(
            row=number,
            date=values["date"],  # type: ignore[arg-type]
            minutes=int(values.get("minutes") or values.get("hours")),  # type: ignore[call-overload]
            activity_type=str(values["activity_type"]),
            target_group=str(values["target_group"]),
            school=school,
            topics=list(values.get("topics") or ()),  # type: ignore[call-overload]
            contact_origin=str(values.get("contact_origin", "")),
            partner=str(values.get("partner", "")),
            follow_up=bool(values.get("follow_up", False)),
            grade_band=str(values.get("grade_band", "")),
            participants=values.get("participants"),  # type: ignore[arg-type]
            by_gender=by_gender,  # type: ignore[arg-type]
            case_code=code,
            staff=str(values.get("staff", "")),
        )


_SCHOOL_NUMBER = re.compile(r"\d{6}")


# --------------------------------------------------------------------------- a kept preview

PENDING_FORMAT = "activities-1"
_HASH = re.compile(r"[0-9a-f]{64}")


def pending_header(columns: dict[str, str]) -> str:
    """The first line of a kept preview: the format and the mapped columns'
    names as the file wrote them (error messages name them)."""
    return json.dumps({"format": PENDING_FORMAT, "columns": columns}, ensure_ascii=False) + "\n"


def pending_line(row: ActivityRow, *, school: str, case_hash: str) -> str:
    """One row of a kept preview: what the parser read from the mapped
    columns, the school resolved and the case code replaced by its hash."""
    return (
        json.dumps(
            [
                row.row,
                row.date.isoformat(),
                row.minutes,
                row.activity_type,
                row.target_group,
                school,
                row.topics,
                row.contact_origin,
                row.partner,
                row.follow_up,
                row.grade_band,
                row.participants,
                row.by_gender,
                case_hash,
                row.staff,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n"
    )


def open_pending(data: bytes) -> ActivityStream:
    """Read a kept preview (``pending_header`` and ``pending_line``s) as the
    stream ``open_activity_file`` gives. Never raises."""
    errors: list[RowError] = []
    lines = iter(data.decode("utf-8", errors="replace").splitlines())
    try:
        header = json.loads(next(lines, "{}"))
        if not isinstance(header, dict) or header.get("format") != PENDING_FORMAT:
            raise ValueError("unknown format")
        columns = {str(k): str(v) for k, v in dict(header["columns"]).items()}
    except (ValueError, KeyError, TypeError):
        errors.append(
            RowError(0, "", _("the preview cannot be read; please upload the file again"))
        )
        return ActivityStream({}, errors, iter(()))
    return ActivityStream(columns, errors, _pending_rows(lines, errors))


def _pending_rows(lines: Iterator[str], errors: list[RowError]) -> Iterator[ActivityRow]:
    for line in lines:
        try:
            (
                number,
                day,
                minutes,
                activity_type,
                target_group,
                school,
                topics,
                contact_origin,
                partner,
                follow_up,
                grade_band,
                participants,
                by_gender,
                case_hash,
                staff,
            ) = json.loads(line)
            if case_hash and not _HASH.fullmatch(case_hash):
                raise ValueError("not a case hash")
            yield ActivityRow(
                row=int(number),
                date=datetime.date.fromisoformat(day),
                minutes=int(minutes),
                activity_type=str(activity_type),
                target_group=str(target_group),
                school=str(school),
                topics=[str(t) for t in topics],
                contact_origin=str(contact_origin),
                partner=str(partner),
                follow_up=bool(follow_up),
                grade_band=str(grade_band),
                participants=None if participants is None else int(participants),
                by_gender={str(k): int(v) for k, v in dict(by_gender).items()},
                case_hash=str(case_hash),
                staff=str(staff),
            )
        except (ValueError, TypeError) as exc:
            errors.append(RowError(0, "", _internal(exc)))
            return
