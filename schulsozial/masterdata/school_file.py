"""Parse school lists (NRW open data, Excel exports) into plain records.

Pure Python, no Django: the import service in ``importing.py`` upserts the
result. The parser accepts

* the official NRW list (``schulen_nrw.csv``: comma, UTF-8, one header row),
* CSV exports from Excel or LibreOffice: UTF-8 with or without BOM or
  Windows-1252; comma, semicolon or tab; decimal comma; an optional
  ``sep=;`` first line; German column names in many spellings,
* ``.xlsx`` workbooks (recognised by their ZIP signature; first sheet).

It never raises. Every problem becomes a :class:`RowError` that names the row
(as a spreadsheet shows it: header = row 1, first data row = row 2) and the
column (as written in the file's header; a cell right of the header gets its
spreadsheet letter, e.g. "AB"). Problems with the whole file use row 0 and
column ""; a missing required column uses the header row and the canonical
column name (``schulnummer``, ``bezeichnung_1``, ``schulform``). Rows with an
error yield no record, so a result is importable only when
:attr:`ParseResult.ok` is true. After ``MAX_ERRORS`` errors the parse stops.

Decisions worth knowing:

* School numbers must have exactly 6 digits. A 5-digit value is rejected, not
  padded: every NRW school number lies between 100000 and 199999, so a
  5-digit value is a typo, not a lost leading zero. ``100014.0`` (a float
  from Excel or pandas) is read as ``100014``.
* Values that must start with a zero and that Excel turns into numbers are
  padded: a 7-digit AGS (``5916000`` -> ``05916000``), a 4-digit postcode and a
  1-digit school type code (``2`` -> ``02``).
* Column names are compared case-, space-, punctuation- and umlaut-blind:
  ``Schülerzahl``, ``schuelerzahl`` and ``SCHUELER_ZAHL`` are the same. A year in
  the name of the pupils, Sozialindex or Startchancen column (``schueler_2024_25``,
  ``Sozialindex 2025/26``, ``Schüler SJ 2024/2025``) sets the school year of
  that figure; a single year (``Schüler 2024``) means the school year starting
  then. Without a year in the name, ``default_school_year`` is used.
* If several pupils (or Sozialindex, Startchancen) columns carry different
  years, the latest one is used; two columns that mean the same thing
  otherwise are an error.
* Up to 20 lines before the header (a title, a blank line) are skipped; the
  header is the first row with a school number column.
* Entirely empty rows are skipped anywhere in the file.
* Startchancen: an empty cell is "unknown" (None), except in a column that
  marks participants with ``x`` and never says no: there, empty means False.
* Legal status: empty or no column means public; "Privat", "Ersatzschule",
  "frei(er Träger)", "kirchlich" mean private.
* Text is stripped and inner runs of whitespace become one space. The name
  lines ``bezeichnung_1..3`` are joined by :func:`join_name_parts`.
* Limits: ``max_bytes`` for the file (an ``.xlsx`` may unpack to ten times
  that); a CSV field may hold at most 131,072 characters (csv module).
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "MAX_BYTES_DEFAULT",
    "MAX_ERRORS",
    "ParseResult",
    "RowError",
    "SchoolRecord",
    "join_name_parts",
    "parse_school_file",
]

MAX_BYTES_DEFAULT = 20 * 1024 * 1024
MAX_ERRORS = 1000  # stop collecting after this many; the user fixes these first
XLSX_UNPACKED_FACTOR = 10  # an .xlsx may unpack to at most max_bytes * this
HEADER_SEARCH_ROWS = 20  # non-empty rows searched for the header

PUBLIC = "public"
PRIVATE = "private"

_DELIMITERS = (";", ",", "\t")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls / .doc


@dataclass(frozen=True)
class SchoolRecord:
    """One valid school row. Text fields are stripped; absent columns give ""."""

    row: int
    school_number: str
    name: str
    short_name: str
    school_type_label: str
    school_type_code: str
    legal_status: str  # PUBLIC or PRIVATE
    authority_number: str
    authority_name: str
    ags: str
    municipality_name: str
    street: str
    postcode: str
    city: str
    lat: Decimal | None
    lon: Decimal | None
    pupils: int | None
    pupils_year: str | None
    social_index: int | None
    index_year: str | None
    startchancen: bool | None
    startchancen_year: str | None


@dataclass(frozen=True)
class RowError:
    """A rejected cell, row or file. Row 0 and column "" mean the whole file."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        if self.row == 0:  # the reason speaks of the file itself
            return self.reason
        if not self.column:
            return f"row {self.row}: {self.reason}"
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class ParseResult:
    """Records of all valid rows plus every error found.

    ``encoding`` is ``utf-8``, ``utf-8-sig`` (with BOM) or ``cp1252`` for CSV
    and "" for XLSX or unreadable files; ``delimiter`` is "" for XLSX.
    ``columns`` is the header as written; ``column_map`` maps each recognised
    field (``school_number``, ``pupils``, ...) to its header text.
    """

    records: list[SchoolRecord]
    errors: list[RowError]
    encoding: str
    delimiter: str
    columns: list[str]
    file_format: str = ""  # "csv", "xlsx" or "" if the file was not readable
    column_map: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True if nothing was rejected (a file without data rows is rejected)."""
        return not self.errors


# --------------------------------------------------------------------------- column names


@functools.lru_cache(maxsize=2048)
def _norm(text: str) -> str:
    """Fold a header or keyword: lower case, no accents, umlauts, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if ch.isascii() and ch.isalnum())
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _fold(text: str) -> str:
    """_norm for file content: long texts (never a column name or keyword) fold to ""."""
    return _norm(text) if len(text) <= 80 else ""


def _aliases(*names: str) -> frozenset[str]:
    return frozenset(_norm(name) for name in names)


# Fields whose column name may carry a school year.
_YEARFUL: dict[str, frozenset[str]] = {
    "pupils": _aliases(
        "Schüler",
        "Schülerzahl",
        "Schülerzahlen",
        "Schülerinnen",
        "Schülerinnen und Schüler",
        "SuS",
        "Schüler gesamt",
        "Schülerinnen und Schüler gesamt",
        "Anzahl Schüler",
        "Anzahl Schülerinnen und Schüler",
        "pupils",
    ),
    "social_index": _aliases(
        "Sozialindex", "Sozialindexstufe", "Sozialindex Stufe", "schulscharfer Sozialindex"
    ),
    "startchancen": _aliases(
        "Startchancen",
        "Startchancen-Schule",
        "Startchancenschule",
        "Startchancen-Programm",
        "Startchancenprogramm",
    ),
}

_PLAIN: dict[str, frozenset[str]] = {
    "school_number": _aliases(
        "Schulnummer", "Schulnr", "Schul-Nr.", "SNR", "school number", "Schulkennziffer"
    ),
    "name": _aliases(
        "Name",
        "Schulname",
        "Bezeichnung",
        "Schulbezeichnung",
        "Name der Schule",
        "amtliche Bezeichnung",
        "bezeichnung_1",
        "Name 1",
        "Schulname 1",
        "school name",
    ),
    "name_2": _aliases("bezeichnung_2", "Name 2", "Schulname 2"),
    "name_3": _aliases("bezeichnung_3", "Name 3", "Schulname 3"),
    "short_name": _aliases("Kurzbezeichnung", "Kurzbez", "Kurzname", "short name"),
    "school_type_label": _aliases(
        "Schulform", "Schulart", "Schultyp", "Schulformbezeichnung", "school type"
    ),
    "school_type_code": _aliases(
        "Schulformschlüssel",
        "Schulform-Schl.",
        "Schulformnummer",
        "Schulform-Nr.",
        "Schulformcode",
        "Schulformkennziffer",
    ),
    "legal_status": _aliases("Rechtsstatus", "Rechtsform", "Trägerschaft", "öffentlich/privat"),
    "authority_number": _aliases(
        "Trägernummer", "Träger-Nr.", "Schulträgernummer", "Schulträger-Nr."
    ),
    "authority_name": _aliases(
        "traeger_abgeleitet", "Träger", "Schulträger", "Trägername", "Schulträgername"
    ),
    "ags": _aliases(
        "AGS",
        "Gemeindeschlüssel",
        "amtlicher Gemeindeschlüssel",
        "Gemeindekennziffer",
        "GKZ",
    ),
    "municipality_name": _aliases("Gemeinde", "Gemeindename", "Kommune"),
    "street": _aliases(
        "Straße",
        "Str.",
        "Straße und Hausnummer",
        "Straße/Hausnummer",
        "Straße und Hausnr.",
        "Straße/Hausnr.",
        "Anschrift",
        "Adresse",
    ),
    "postcode": _aliases("PLZ", "Postleitzahl"),
    "city": _aliases("Ort", "Schulort", "Postort", "Stadt"),
    "lat": _aliases("lat", "latitude", "Breitengrad", "Breite", "geographische Breite"),
    "lon": _aliases(
        "lon", "lng", "long", "longitude", "Längengrad", "Länge", "geographische Länge"
    ),
}
for _field, _names in _YEARFUL.items():
    _PLAIN[_field] = _names

_FIELD_OF: dict[str, str] = {alias: name for name, names in _PLAIN.items() for alias in names}
_YEARFUL_KEY: dict[str, str] = {alias: name for name, names in _YEARFUL.items() for alias in names}

_REQUIRED = {
    "school_number": "schulnummer",
    "name": "bezeichnung_1",
    "school_type_label": "schulform",
}
_REQUIRED_HINT = {
    "school_number": "Schulnummer, SchulNr",
    "name": "Name, Schulname, Bezeichnung, bezeichnung_1",
    "school_type_label": "Schulform, Schulart",
}
_LABEL = {
    "school_number": "school number",
    "name": "name",
    "name_2": "name (line 2)",
    "name_3": "name (line 3)",
    "short_name": "short name",
    "school_type_label": "school type",
    "school_type_code": "school type code",
    "legal_status": "legal status",
    "authority_number": "authority number",
    "authority_name": "authority",
    "ags": "AGS",
    "municipality_name": "municipality",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
    "lat": "latitude",
    "lon": "longitude",
    "pupils": "pupils",
    "social_index": "Sozialindex",
    "startchancen": "Startchancen",
}

_YEAR_IN_NAME = re.compile(r"^(?P<base>[a-z]*?)(?P<y1>(?:19|20)\d\d)(?P<y2>\d{4}|\d\d)?$")
_YEAR_PREFIXES = ("imschuljahr", "schuljahr", "stand", "sj")
_SCHOOL_YEAR_TEXT = re.compile(r"^\s*((?:19|20)\d\d)(?:\s*[/_\-]\s*(\d{4}|\d\d))?\s*$")


class _CellError(Exception):
    """A cell value is rejected; the message is the reason."""


def _school_year(start: int, second: str | None) -> str:
    """'2024' + '25' or '2025' or None -> '2024/25'; raise _CellError if not consecutive."""
    follow = start + 1
    if second is not None:
        ok = int(second) == (follow if len(second) == 4 else follow % 100)
        if not ok:
            raise _CellError(f"school year {start}/{second} is not two consecutive years")
    return f"{start}/{follow % 100:02d}"


def _yearful_header(key: str) -> tuple[str, str | None] | None:
    """(field, school year) if a folded header is a pupils/Sozialindex/Startchancen name
    followed by a year, e.g. 'schuler202425' -> ('pupils', '2024/25'); else None.

    Raises _CellError if the year is impossible ('2024/26').
    """
    match = _YEAR_IN_NAME.match(key)
    if match is None:
        return None
    base = match["base"]
    for prefix in _YEAR_PREFIXES:
        if base.endswith(prefix) and len(base) > len(prefix):
            base = base[: -len(prefix)]
            break
    name = _YEARFUL_KEY.get(base)
    if name is None:
        return None
    return name, _school_year(int(match["y1"]), match["y2"])


@dataclass
class _Columns:
    index: dict[str, int]
    header: dict[str, str]
    years: dict[str, str | None]


def _map_columns(
    cells: list[str], header_row: int, default_year: str | None, errors: list[RowError]
) -> _Columns:
    """Recognise the header cells; report ambiguous, impossible and missing columns."""
    found: dict[str, list[tuple[int, str | None]]] = {}
    for position, cell in enumerate(cells):
        key = _fold(cell)
        if not key:
            continue
        name = _FIELD_OF.get(key)
        year: str | None = None
        if name is None:
            try:
                yearful = _yearful_header(key)
            except _CellError as exc:
                errors.append(RowError(header_row, cell, str(exc)))
                continue
            if yearful is None:
                continue
            name, year = yearful
        found.setdefault(name, []).append((position, year))

    columns = _Columns(index={}, header={}, years={})
    ambiguous: set[str] = set()
    for name, places in found.items():
        chosen = places[0]
        if len(places) > 1:
            years = [year for _, year in places]
            if None in years or len(set(years)) != len(years):
                first, second = cells[places[0][0]], cells[places[1][0]]
                errors.append(
                    RowError(
                        header_row,
                        second,
                        f"columns '{first}' and '{second}' both mean {_LABEL[name]}; keep only one",
                    )
                )
                ambiguous.add(name)
                continue
            chosen = max(places, key=lambda place: place[1] or "")
        position, year = chosen
        columns.index[name] = position
        columns.header[name] = cells[position]
        if name in _YEARFUL:
            columns.years[name] = year or default_year

    looks_like_data = bool(cells) and re.fullmatch(r"\d{6}", cells[0].strip()) is not None
    for name, canonical in _REQUIRED.items():
        if name not in columns.index and name not in ambiguous:
            reason = f"required column missing (accepted names include {_REQUIRED_HINT[name]})"
            if looks_like_data:
                reason += "; the first row looks like data: is the header row missing?"
            errors.append(RowError(header_row, canonical, reason))
    if ("lat" in columns.index) != ("lon" in columns.index):
        present, absent = ("lat", "lon") if "lat" in columns.index else ("lon", "lat")
        errors.append(
            RowError(
                header_row,
                columns.header[present],
                f"{_LABEL[present]} column without a {_LABEL[absent]} column",
            )
        )
    return columns


def _is_header(cells: list[str]) -> bool:
    return any(_FIELD_OF.get(_fold(cell)) == "school_number" for cell in cells)


# --------------------------------------------------------------------------- cell values


def _show(text: str) -> str:
    """Quote a cell value for a message, shortened."""
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


def _digits(text: str) -> str | None:
    """'0123' -> '0123'; '100014.0' -> '100014' (Excel float); else None."""
    if text.isascii() and text.isdigit():
        return text
    head, sep, tail = text.replace(",", ".").partition(".")
    if sep and head.isascii() and head.isdigit() and tail and set(tail) == {"0"}:
        return head
    return None


def _school_number(text: str) -> str:
    if not text:
        raise _CellError("school number is empty")
    digits = _digits(text)
    if digits is None or len(digits) != 6:
        raise _CellError(f"school number must have exactly 6 digits, got {_show(text)}")
    return digits


def _ags(text: str) -> str:
    if not text:
        return ""
    digits = _digits(text)
    if digits is not None and len(digits) == 7:  # Excel dropped the leading zero
        digits = "0" + digits
    if digits is None or len(digits) != 8:
        raise _CellError(f"AGS must have 8 digits, got {_show(text)}")
    return digits


def _postcode(text: str) -> str:
    if not text:
        return ""
    bare = text[2:].lstrip("-") if text[:2] in ("D-", "D ") else text
    digits = _digits(bare)
    if digits is None or len(digits) not in (4, 5):
        raise _CellError(f"postcode must have 5 digits, got {_show(text)}")
    return digits.zfill(5)


def _type_code(text: str) -> str:
    if not text:
        return ""
    digits = _digits(text)
    if digits is None or len(digits) > 2:
        raise _CellError(f"school type code must have 1 or 2 digits, got {_show(text)}")
    return digits.zfill(2)


def _authority_number(text: str) -> str:
    if not text:
        return ""
    digits = _digits(text)
    if digits is None or len(digits) > 10:
        raise _CellError(f"authority number must be up to 10 digits, got {_show(text)}")
    return digits


_WHOLE = re.compile(r"[+-]?\d{1,12}(?:[.,]0+)?")
_GROUPED = re.compile(r"\d{1,3}([.,' \u00a0\u202f])\d{3}(?:\1\d{3}){0,3}")


def _whole_number(text: str) -> int | None:
    """'840', '840.0', '1.490', '1 490' -> int; '' -> None; text -> _CellError."""
    if not text:
        return None
    if _WHOLE.fullmatch(text):
        return int(re.split(r"[.,]", text, maxsplit=1)[0])
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    raise _CellError(f"not a whole number: {_show(text)}")


def _pupils(text: str) -> int | None:
    value = _whole_number(text)
    if value is not None and not 0 <= value <= 100_000:
        raise _CellError(f"pupils must be between 0 and 100000, got {value}")
    return value


_STAGE = re.compile(r"^(?:stufe|si)\s*", re.IGNORECASE)


def _social_index(text: str) -> int | None:
    bare = _STAGE.sub("", text, count=1) if text[:1].isalpha() else text  # "Stufe 5"
    try:
        value = _whole_number(bare)
    except _CellError:
        raise _CellError(f"not a whole number: {_show(text)}") from None
    if value is not None and not 1 <= value <= 9:
        raise _CellError(f"Sozialindex must be between 1 and 9, got {value}")
    return value


_DECIMAL = re.compile(r"[+-]?\d{1,4}(?:[.,]\d{1,20})?(?:[eE][+-]?\d{1,3})?")


def _coordinate(text: str, limit: int, label: str) -> Decimal | None:
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise _CellError(f"not a decimal number: {_show(text)}")
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise _CellError(f"not a decimal number: {_show(text)}") from None
    if not -limit <= value <= limit:
        raise _CellError(f"{label} must be between -{limit} and {limit}, got {text}")
    return value


def _lat(text: str) -> Decimal | None:
    return _coordinate(text, 90, "latitude")


def _lon(text: str) -> Decimal | None:
    return _coordinate(text, 180, "longitude")


_TRUE = frozenset({"1", "1.0", "1,0", "ja", "j", "x", "true", "wahr", "yes", "y", "✓", "✔"})
_FALSE = frozenset({"0", "0.0", "0,0", "nein", "n", "false", "falsch", "no", "-"})


def _startchancen(text: str) -> bool | None:
    if not text:
        return None
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _CellError(f"Startchancen must be 1/0, ja/nein or x, got {_show(text)}")


_PRIVATE_WORDS = ("privat", "private", "ersatz", "frei", "kirchl")
_PUBLIC_WORDS = ("offentl", "public", "kommunal", "stadtisch", "staatlich")


def _legal_status(text: str) -> str:
    if not text:
        return PUBLIC
    key = _fold(text)
    if key == "p" or any(word in key for word in _PRIVATE_WORDS):
        return PRIVATE
    if key == "o" or key.startswith(_PUBLIC_WORDS):
        return PUBLIC
    raise _CellError(f"legal status must be Öffentlich or Privat, got {_show(text)}")


def _text(limit: int) -> Callable[[str], str]:
    def convert(text: str) -> str:
        text = " ".join(text.split())
        if len(text) > limit:
            raise _CellError(f"text too long: {len(text)} characters, at most {limit}")
        return text

    return convert


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "school_number": _school_number,
    "name": _text(300),
    "name_2": _text(300),
    "name_3": _text(300),
    "short_name": _text(200),
    "school_type_label": _text(100),
    "school_type_code": _type_code,
    "legal_status": _legal_status,
    "authority_number": _authority_number,
    "authority_name": _text(200),
    "ags": _ags,
    "municipality_name": _text(200),
    "street": _text(200),
    "postcode": _postcode,
    "city": _text(100),
    "lat": _lat,
    "lon": _lon,
    "pupils": _pupils,
    "social_index": _social_index,
    "startchancen": _startchancen,
}

_DECORATED = re.compile(r"(?:^|\s)-")
_CONJUNCTIONS = frozenset({"und", "u.", "oder", "bzw.", "sowie"})


def join_name_parts(parts: Iterable[str]) -> str:
    """Join the official name lines (bezeichnung_1..3) into one name.

    A line ending in a hyphenated word continues in the next line:
    ``Förder-`` + ``schule m. d.`` -> ``Förderschule m. d.``,
    ``Montessori-`` + ``Grundschule`` -> ``Montessori-Grundschule``,
    ``Wirtschafts-`` + ``und Verwaltung`` -> ``Wirtschafts- und Verwaltung``.
    A trailing dash that closes ``- Primarstufe -`` style decoration is kept
    and followed by a space.
    """
    name = previous = ""
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        if not name:
            name = previous = part
            continue
        hyphenated = len(previous) >= 2 and previous[-1] == "-" and previous[-2].isalnum()
        if hyphenated and not _DECORATED.search(previous[:-1]):
            first_word = part.split(" ", 1)[0]
            if part[0].isupper() or part[0].isdigit():
                name += part
            elif part[0].islower() and first_word not in _CONJUNCTIONS:
                name = name[:-1] + part
            else:
                name += " " + part
        else:
            name += " " + part
        previous = part
    return name


# --------------------------------------------------------------------------- reading bytes


def _decode(data: bytes) -> tuple[str, str] | str:
    """Return (text, encoding) or an error reason."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "unsupported encoding UTF-32; save the file as CSV UTF-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "unsupported encoding UTF-16; save the file as CSV UTF-8 (or CSV with semicolons)"
    if b"\x00" in data:
        sample = data[:4096]
        nul_odd, nul_even = sample[1::2].count(0), sample[0::2].count(0)
        if max(nul_odd, nul_even) > len(sample) // 4:
            return (
                "unsupported encoding UTF-16; save the file as CSV UTF-8 (or CSV with semicolons)"
            )
        return "not a text file: it contains NUL bytes (is it a binary file?)"
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    try:
        return data.decode("utf-8"), encoding
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig":
            line = data.count(b"\n", 0, exc.start) + 1
            return f"the file says it is UTF-8 but line {line} is not valid UTF-8"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        return f"cannot decode line {line} (byte 0x{byte:02x}): the file is neither UTF-8 nor Windows-1252"


def _count_outside_quotes(line: str, delimiter: str) -> int:
    return re.sub(r'"[^"]*"', "", line).count(delimiter)


def _choose_delimiter(text: str) -> str:
    """The delimiter that makes a header out of one of the first lines; else the most frequent."""
    lines = [line for line in text[:65536].splitlines()[:200] if line.strip()][:HEADER_SEARCH_ROWS]
    for line in lines:
        counts = {d: _count_outside_quotes(line, d) for d in _DELIMITERS}
        for delimiter in sorted(_DELIMITERS, key=lambda d: -counts[d]):
            if counts[delimiter] and _is_header(next(csv.reader([line], delimiter=delimiter))):
                return delimiter
    if not lines:
        return ","
    counts = {d: _count_outside_quotes(lines[0], d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str, delimiter: str, errors: list[RowError]) -> Iterator[tuple[int, list[str]]]:
    return csv_rows(io.StringIO(text, newline=""), delimiter, errors)


def csv_rows(
    lines: Iterable[str], delimiter: str, errors: list[RowError]
) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) from lines read with newline=""; a CSV syntax
    error ends the file with an error. Shared with the documentation parser."""
    reader = csv.reader(lines, delimiter=delimiter)
    row = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.append(
                RowError(row + 1, "", f"broken CSV ({exc}); is a quote character not closed?")
            )
            return
        row += 1
        yield row, cells


def _cell_text(value: object) -> str:
    """An XLSX cell value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, str):
        return value
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def _xlsx_rows(data: bytes, max_bytes: int) -> list[tuple[int, list[str]]] | str:
    """All rows of the first worksheet, or an error reason."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception:  # zipfile raises many kinds on damaged archives
        return "not a valid .xlsx file (damaged ZIP archive)"
    if "mimetype" in names and b"opendocument" in data[:200]:
        return "OpenDocument spreadsheets (.ods) are not supported; save as .xlsx or CSV"
    if "xl/workbook.xml" not in names:
        return "not an Excel workbook (.xlsx): the ZIP archive has no xl/workbook.xml"
    if unpacked > max_bytes * XLSX_UNPACKED_FACTOR:
        return f"the workbook unpacks to {unpacked:,} bytes, more than {max_bytes * XLSX_UNPACKED_FACTOR:,}"
    try:
        import openpyxl  # imported here: slow, and only workbooks need it

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        return f"cannot read the .xlsx file ({type(exc).__name__})"
    try:
        if not workbook.worksheets:
            return "the workbook has no worksheet"
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # trust the cells, not a stored (possibly huge) sheet size
        rows: list[tuple[int, list[str]]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value).strip() for value in values]
            while cells and not cells[-1]:
                cells.pop()
            rows.append((number, cells))
        return rows
    except Exception as exc:
        return f"cannot read the .xlsx file ({type(exc).__name__})"
    finally:
        workbook.close()


# --------------------------------------------------------------------------- parsing


class _ErrorLimitError(Exception):
    pass


class _Errors(list[RowError]):
    """An error list that stops the parse after MAX_ERRORS entries."""

    def add(self, error: RowError) -> None:
        self.append(error)
        if len(self) >= MAX_ERRORS:
            raise _ErrorLimitError


def _normalise_default_year(text: str | None, errors: list[RowError]) -> str | None:
    if text is None:
        return None
    match = _SCHOOL_YEAR_TEXT.match(text)
    try:
        if match is None:
            raise _CellError(f"default school year must look like 2024/25, got {_show(text)}")
        return _school_year(int(match[1]), match[2])
    except _CellError as exc:
        errors.append(RowError(0, "", str(exc)))
        return None


def parse_school_file(
    data: bytes,
    *,
    filename: str = "",
    max_bytes: int = MAX_BYTES_DEFAULT,
    default_school_year: str | None = None,
) -> ParseResult:
    """Parse a school list (CSV or XLSX bytes). Never raises; see the module docstring.

    ``filename`` only sharpens messages (a ``.xls`` or fake ``.xlsx``);
    ``default_school_year`` ("2024/25") is the year of pupils, Sozialindex and
    Startchancen columns whose name has no year.
    """
    try:
        return _parse(
            data, filename=filename, max_bytes=max_bytes, default_school_year=default_school_year
        )
    except Exception as exc:  # the contract: errors are reported, never raised
        reason = f"internal error while reading the file ({type(exc).__name__}); please report it"
        return ParseResult([], [RowError(0, "", reason)], "", "", [])


def _file_error(reason: str, **extra: Any) -> ParseResult:
    return ParseResult([], [RowError(0, "", reason)], extra.pop("encoding", ""), "", [], **extra)


def _parse(
    data: bytes, *, filename: str, max_bytes: int, default_school_year: str | None
) -> ParseResult:
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        return _file_error(f"expected the file's bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        return _file_error(f"file is too large: {len(data):,} bytes, at most {max_bytes:,}")
    if not data.strip() or data.strip() == codecs.BOM_UTF8:
        return _file_error("file is empty")
    lower_name = filename.lower()

    errors = _Errors()
    if data.startswith(_ZIP_MAGIC):
        file_format, encoding, delimiter = "xlsx", "", ""
        xlsx = _xlsx_rows(data, max_bytes)
        if isinstance(xlsx, str):
            return _file_error(xlsx, file_format="xlsx")
        rows: Iterator[tuple[int, list[str]]] = iter(xlsx)
    elif data.startswith(_OLE_MAGIC):
        return _file_error("old Excel format (.xls) is not supported; save as .xlsx or CSV")
    else:
        if lower_name.endswith((".xlsx", ".xlsm")):
            return _file_error("the file is named .xlsx but is not an Excel workbook")
        decoded = _decode(data)
        if isinstance(decoded, str):
            return _file_error(decoded)
        text, encoding = decoded
        text = text.lstrip("\ufeff").rstrip("\x1a")
        file_format = "csv"
        first_line, _, rest = text.partition("\n")
        sep = re.fullmatch(r'"?sep=(.)"?\r?', first_line.strip("\r"), re.IGNORECASE)
        if sep:  # Excel's "sep=;" hint line; Excel hides it, so rows count from the next line
            delimiter, text = sep[1], rest
        else:
            delimiter = _choose_delimiter(text)
        if delimiter in ('"', "\r", "\n"):
            return _file_error(
                f"unusable delimiter {delimiter!r} in the sep= line", encoding=encoding
            )
        rows = _csv_rows(text, delimiter, errors)

    default_year = _normalise_default_year(default_school_year, errors)

    # The header: the first of the first non-empty rows that names a school number column.
    skipped: list[tuple[int, list[str]]] = []
    header: tuple[int, list[str]] | None = None
    for number, cells in rows:
        if not "".join(cells).strip():
            continue
        if _is_header(cells):
            header = (number, cells)
            break
        skipped.append((number, cells))
        if len(skipped) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not skipped:
            empty = "the first worksheet is empty" if file_format == "xlsx" else "file is empty"
            errors.append(RowError(0, "", empty))
            return ParseResult([], list(errors), encoding, delimiter, [], file_format)
        header = skipped[0]
    header_row, header_cells = header[0], [cell.strip() for cell in header[1]]
    columns = _map_columns(header_cells, header_row, default_year, errors)
    result = {
        "encoding": encoding,
        "delimiter": delimiter,
        "columns": header_cells,
        "file_format": file_format,
        "column_map": dict(columns.header),
    }
    if errors:
        return ParseResult([], list(errors), **result)

    records: list[SchoolRecord] = []
    try:
        _parse_rows(rows, header_cells, columns, delimiter, records, errors)
    except _ErrorLimitError:
        last = errors[-1].row
        errors.append(RowError(last, "", f"too many errors: stopped after {MAX_ERRORS}"))
    if not records and not errors:
        errors.append(RowError(header_row, "", "no data rows below the header"))
    return ParseResult(records, list(errors), **result)


_ALL_FIELDS = tuple(_CONVERTERS)


def _parse_rows(
    rows: Iterator[tuple[int, list[str]]],
    header: list[str],
    columns: _Columns,
    delimiter: str,
    records: list[SchoolRecord],
    errors: _Errors,
) -> None:
    """Convert data rows into records; collect errors (raises _ErrorLimitError at the cap).

    CSV rows (``delimiter`` set) must have the header's width; XLSX rows may be shorter.
    """
    width = len(header)
    plan = [
        (name, columns.index[name], _CONVERTERS[name])
        for name in _ALL_FIELDS
        if name in columns.index
    ]
    head = columns.header
    first_seen: dict[str, int] = {}
    x_marked = said_no = False
    for number, cells in rows:
        if len(cells) != width:
            if not "".join(cells).strip():
                continue
            if delimiter or len(cells) > width:  # XLSX rows may end early
                _width_error(number, cells, header, delimiter, errors)
                continue
            cells = cells + [""] * (width - len(cells))
        elif not "".join(cells).strip():
            continue

        values: dict[str, Any] = {}
        failed = False
        for name, position, convert in plan:
            try:
                values[name] = convert(cells[position].strip())
            except _CellError as exc:
                errors.add(RowError(number, head[name], str(exc)))
                failed = True

        school_number = values.get("school_number")
        if school_number is not None:
            if school_number in first_seen:
                reason = f"duplicate school number {school_number} (first seen in row {first_seen[school_number]})"
                errors.add(RowError(number, head["school_number"], reason))
                failed = True
            else:
                first_seen[school_number] = number
        if failed:
            continue

        name = join_name_parts(values.get(key, "") for key in ("name", "name_2", "name_3"))
        if not name:
            errors.add(RowError(number, head["name"], "name is empty"))
            continue
        if len(name) > 300:
            errors.add(
                RowError(
                    number, head["name"], f"name too long: {len(name)} characters, at most 300"
                )
            )
            continue
        if not values["school_type_label"]:
            errors.add(RowError(number, head["school_type_label"], "school type is empty"))
            continue
        lat, lon = values.get("lat"), values.get("lon")
        if (lat is None) != (lon is None):
            missing = "lat" if lat is None else "lon"
            errors.add(
                RowError(
                    number,
                    head[missing],
                    f"{_LABEL[missing]} is empty but the other coordinate is given",
                )
            )
            continue
        if "startchancen" in columns.index:
            mark = cells[columns.index["startchancen"]].strip().casefold()
            x_marked = x_marked or mark == "x"
            said_no = said_no or values["startchancen"] is False

        records.append(
            SchoolRecord(
                row=number,
                school_number=school_number,
                name=name,
                short_name=values.get("short_name", ""),
                school_type_label=values["school_type_label"],
                school_type_code=values.get("school_type_code", ""),
                legal_status=values.get("legal_status", PUBLIC),
                authority_number=values.get("authority_number", ""),
                authority_name=values.get("authority_name", ""),
                ags=values.get("ags", ""),
                municipality_name=values.get("municipality_name", ""),
                street=values.get("street", ""),
                postcode=values.get("postcode", ""),
                city=values.get("city", ""),
                lat=lat,
                lon=lon,
                pupils=values.get("pupils"),
                pupils_year=columns.years.get("pupils"),
                social_index=values.get("social_index"),
                index_year=columns.years.get("social_index"),
                startchancen=values.get("startchancen"),
                startchancen_year=columns.years.get("startchancen"),
            )
        )

    if x_marked and not said_no:  # "x" marks participants; an empty cell means no
        records[:] = [
            replace(record, startchancen=False) if record.startchancen is None else record
            for record in records
        ]


def _column_letter(number: int) -> str:
    """1 -> 'A', 28 -> 'AB': the column as a spreadsheet names it."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _width_error(
    number: int, cells: list[str], header: list[str], delimiter: str, errors: _Errors
) -> None:
    """A row longer or shorter than the header: name the first missing or surplus column."""
    width = len(header)
    if len(cells) < width:
        column = header[len(cells)] or _column_letter(len(cells) + 1)
    else:
        surplus = next((i for i in range(width, len(cells)) if cells[i].strip()), width)
        column = _column_letter(surplus + 1)
    reason = f"row has {len(cells)} fields, the header has {width}"
    if delimiter and any("\n" in cell or '"' in cell for cell in cells):  # quoting went astray
        reason += '; is a quote character (") not closed?'
    errors.add(RowError(number, column, reason))
