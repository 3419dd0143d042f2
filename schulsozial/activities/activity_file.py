"""Parse an existing Excel documentation (XLSX or CSV) into plain rows.

Pure Python, no Django; ``importing.py`` resolves the category names against
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
männlich, divers, keine Angabe), case code (Fallcode).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from schulsozial.masterdata.school_file import (
    _ZIP_MAGIC,
    MAX_BYTES_DEFAULT,
    RowError,
    _column_letter,
    _count_outside_quotes,
    _csv_rows,
    _decode,
    _xlsx_rows,
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


@dataclass
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
            year = year + 2000 if year < 100 else year
            return datetime.date(year, int(match[2]), int(match[1]))
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]{5,15})?", value)
        if match:
            return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise _CellError(f"not a valid date: {value[:30]!r}") from exc
    raise _CellError(f"not a date (use 31.01.2025 or 2025-01-31): {value[:30]!r}")


def _number(text: str) -> Decimal:
    value = text.strip().replace(" ", "")
    if "," in value and "." in value:
        value = value.replace(".", "")
    value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise _CellError(f"not a number: {text.strip()[:30]!r}") from exc
    if not number.is_finite() or abs(number) > 10**9:
        raise _CellError(f"not a number: {text.strip()[:30]!r}")
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
        raise _CellError(f"minutes must lie between 1 and 720, got {minutes}")
    return minutes


def _count(text: str) -> int:
    if not text.strip():
        return 0
    number = _number(text)
    if number != number.to_integral_value() or not 0 <= number <= 2000:
        raise _CellError(f"a count is a whole number from 0 to 2000, got {text.strip()[:30]!r}")
    return int(number)


def _flag(text: str) -> bool:
    value = text.strip().casefold()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _CellError(f"answer yes or no (ja/nein), got {text.strip()[:30]!r}")


def _label(text: str) -> str:
    value = " ".join(text.split())
    if len(value) > 120:
        raise _CellError("a category name has at most 120 characters")
    return value


def _read_rows(
    data: bytes, filename: str, max_bytes: int, errors: list[RowError]
) -> list[tuple[int, list[str]]]:
    if len(data) > max_bytes:
        errors.append(RowError(0, "", f"the file has {len(data):,} bytes, more than {max_bytes:,}"))
        return []
    if not data.strip():
        errors.append(RowError(0, "", "the file is empty"))
        return []
    if data.startswith(_ZIP_MAGIC):
        rows = _xlsx_rows(data, max_bytes)
        if isinstance(rows, str):
            errors.append(RowError(0, "", rows))
            return []
        return rows
    if filename.lower().endswith((".xlsx", ".xls")):
        errors.append(
            RowError(0, "", "not an Excel workbook (.xlsx); old .xls files: save as .xlsx or CSV")
        )
        return []
    decoded = _decode(data)
    if isinstance(decoded, str):
        errors.append(RowError(0, "", decoded))
        return []
    text, _encoding = decoded
    first = text.split("\n", 1)[0].strip().lower()
    if first.startswith("sep=") and len(first) == 5:
        delimiter = first[4]
        text = text.split("\n", 1)[1] if "\n" in text else ""
    else:
        sample = [line for line in text[:65536].splitlines() if line.strip()][:5]
        counts = {d: sum(_count_outside_quotes(line, d) for line in sample) for d in _DELIMITERS}
        delimiter = max(_DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ";"
    return [(n, [c.strip() for c in cells]) for n, cells in _csv_rows(text, delimiter, errors)]


def parse_activity_file(
    data: bytes, *, filename: str = "", max_bytes: int = MAX_BYTES_DEFAULT
) -> ParsedFile:
    """Parse the bytes of an XLSX or CSV documentation. Never raises."""
    try:
        return _parse(bytes(data), filename=filename, max_bytes=max_bytes)
    except Exception as exc:  # the contract: errors are reported, never raised
        reason = f"internal error while reading the file ({type(exc).__name__}); please report it"
        return ParsedFile([], [RowError(0, "", reason)])


def _parse(data: bytes, *, filename: str, max_bytes: int) -> ParsedFile:
    errors: list[RowError] = []
    table = _read_rows(data, filename, max_bytes, errors)
    if errors:
        return ParsedFile([], errors)
    header_at = None
    for index, (_n, cells) in enumerate(table[: HEADER_SEARCH_ROWS * 5]):
        keys = {_BY_ALIAS.get(fold(c)) for c in cells}
        if "date" in keys and ("activity_type" in keys or "minutes" in keys):
            header_at = index
            break
    if header_at is None:
        return ParsedFile(
            [],
            [
                RowError(
                    0,
                    "",
                    "no header row found: the file needs columns such as "
                    "'Datum', 'Minuten', 'Art' and 'Zielgruppe'",
                )
            ],
        )
    header_row, header = table[header_at]
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
                    f"two columns mean the same ({header[columns[key]]!r} and {cell!r})",
                )
            )
            continue
        columns[key] = position
    for key in REQUIRED:
        if key not in columns:
            errors.append(RowError(header_row, ALIASES[key][0], "required column is missing"))
    if "minutes" not in columns and "hours" not in columns:
        errors.append(RowError(header_row, "minuten", "required column is missing"))
    if "minutes" in columns and "hours" in columns:
        errors.append(
            RowError(header_row, header[columns["hours"]], "give minutes or hours, not both")
        )
    if errors:
        return ParsedFile([], errors)
    names = {key: header[pos] for key, pos in columns.items()}
    rows: list[ActivityRow] = []
    try:
        for number, cells in table[header_at + 1 :]:
            if not any(cells):
                continue
            if len(rows) >= MAX_ROWS:
                errors.append(RowError(number, "", f"more than {MAX_ROWS:,} rows; split the file"))
                break
            row = _parse_row(number, cells, columns, names, header, errors)
            if row is not None:
                rows.append(row)
    except _StopError:
        pass
    if not rows and not errors:
        errors.append(RowError(0, "", "the file has no activity rows"))
    return ParsedFile(rows if not errors else [], errors, names)


def _parse_row(
    number: int,
    cells: list[str],
    columns: dict[str, int],
    names: dict[str, str],
    header: list[str],
    errors: list[RowError],
) -> ActivityRow | None:
    values: dict[str, object] = {}
    failed = False

    def cell(key: str) -> str:
        position = columns.get(key)
        return cells[position] if position is not None and position < len(cells) else ""

    def add(key: str, reason: str) -> None:
        nonlocal failed
        failed = True
        errors.append(
            RowError(number, names.get(key) or _column_letter(columns.get(key, 0) + 1), reason)
        )
        if len(errors) >= MAX_ERRORS:
            raise _StopError

    converters = {
        "date": _date,
        "minutes": lambda t: _minutes(t, hours=False),
        "hours": lambda t: _minutes(t, hours=True),
        "activity_type": _label,
        "target_group": _label,
        "school": lambda t: re.sub(r"\.0$", "", t.strip()),
        "contact_origin": _label,
        "partner": _label,
        "follow_up": _flag,
        "grade_band": _label,
        "participants": _count,
        "case_code": lambda t: t.strip(),
    }
    for key in columns:
        text = cell(key)
        if key in (*REQUIRED, "minutes", "hours") and not text.strip():
            add(key, "the cell is empty")
            continue
        try:
            if key in GENDER_COLUMNS:
                values[key] = _count(text)
            elif key == "topics":
                values[key] = [_label(t) for t in re.split(r"[,;|\n]", text) if t.strip()]
            else:
                values[key] = converters[key](text)
        except _CellError as exc:
            add(key, str(exc))
    code = str(values.get("case_code", ""))
    if len(code) > 40:
        add("case_code", "a case code has at most 40 characters")
    school = str(values.get("school", ""))
    if school and not re.fullmatch(r"\d{6}", school):
        add("school", f"a school number has 6 digits, got {school[:20]!r}")
    if failed:
        return None
    by_gender = {k: int(values[k]) for k in GENDER_COLUMNS if values.get(k)}  # type: ignore[call-overload]
    return ActivityRow(
        row=number,
        date=values["date"],  # type: ignore[arg-type]
        minutes=int(values.get("minutes") or values.get("hours")),  # type: ignore[call-overload]
        activity_type=str(values["activity_type"]),
        target_group=str(values["target_group"]),
        school=school,
        topics=list(values.get("topics") or []),  # type: ignore[call-overload]
        contact_origin=str(values.get("contact_origin", "")),
        partner=str(values.get("partner", "")),
        follow_up=bool(values.get("follow_up", False)),
        grade_band=str(values.get("grade_band", "")),
        participants=values.get("participants"),  # type: ignore[arg-type]
        by_gender=by_gender,
        case_code=code,
    )
