"""The parse: find the header, map the columns, convert every row into a
record or errors (see the package docstring for the rules)."""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .cells import _CONVERTERS, _show, join_name_parts
from .columns import _LABEL, _column_letter, _Columns, _is_header, _map_columns, _school_year
from .reading import _OLE_MAGIC, _ZIP_MAGIC, _choose_delimiter, _csv_rows, _decode, _xlsx_rows
from .records import (
    HEADER_SEARCH_ROWS,
    MAX_BYTES_DEFAULT,
    MAX_ERRORS,
    Message,
    ParseResult,
    RowError,
    SchoolRecord,
    _CellError,
)

MAX_KEPT_ROWS = 100_000  # rows kept for a re-parse when the header has errors
_SCHOOL_YEAR_TEXT = re.compile(r"^\s*((?:19|20)\d\d)(?:\s*[/_\-]\s*(\d{4}|\d\d))?\s*$")


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
            raise _CellError(
                "default school year must look like 2024/25, got %(value)s", value=_show(text)
            )
        return _school_year(int(match[1]), match[2])
    except _CellError as exc:
        errors.append(RowError(0, "", exc.message))
        return None


def parse_school_file(
    data: bytes,
    *,
    filename: str = "",
    max_bytes: int = MAX_BYTES_DEFAULT,
    default_school_year: str | None = None,
    school_year: str | None = None,
    mapping: dict[str, str] | None = None,
) -> ParseResult:
    """Parse a school list (CSV or XLSX bytes). Never raises; see the module docstring.

    ``filename`` only sharpens messages (a ``.xls`` or fake ``.xlsx``);
    ``default_school_year`` ("2024/25") is the year of pupils, Sozialindex and
    Startchancen columns whose name has no year; ``school_year`` is the year
    of all of them, whatever their names say. ``mapping`` gives a field
    (``pupils``, ``street``, ... or "" for none) to headings the parser does
    not recognise.
    """
    options = _Options(default_school_year, school_year, mapping or {})
    try:
        return _parse(data, filename=filename, max_bytes=max_bytes, options=options)
    except Exception as exc:  # the contract: errors are reported, never raised
        return _internal_error(exc)


def reparse_school_rows(
    rows: list[tuple[int, list[str]]],
    *,
    default_school_year: str | None = None,
    school_year: str | None = None,
    mapping: dict[str, str] | None = None,
) -> ParseResult:
    """Parse rows read before (``ParseResult.rows``: the header row first, each
    row as ``(row number, cells)``) again, with another mapping or school year."""
    options = _Options(default_school_year, school_year, mapping or {})
    try:
        if not rows:
            return ParseResult([], [RowError(0, "", Message("file is empty"))], "", "", [])
        errors = _Errors()
        return _parse_table(rows[0], iter(rows[1:]), errors, options, "", "", "")
    except Exception as exc:  # the contract: errors are reported, never raised
        return _internal_error(exc)


@dataclass(frozen=True)
class _Options:
    default_school_year: str | None
    school_year: str | None
    mapping: dict[str, str]


def _internal_error(exc: Exception) -> ParseResult:
    reason = Message(
        "internal error while reading the file (%(kind)s); please report it",
        kind=type(exc).__name__,
    )
    return ParseResult([], [RowError(0, "", reason)], "", "", [])


def _file_error(reason: str, **extra: Any) -> ParseResult:
    return ParseResult([], [RowError(0, "", reason)], extra.pop("encoding", ""), "", [], **extra)


def _parse(data: bytes, *, filename: str, max_bytes: int, options: _Options) -> ParseResult:
    if isinstance(data, bytearray | memoryview):
        data = bytes(data)
    if not isinstance(data, bytes):
        return _file_error(
            Message("expected the file's bytes, got %(kind)s", kind=type(data).__name__)
        )
    if len(data) > max_bytes:
        return _file_error(
            Message(
                "file is too large: %(size)s bytes, at most %(limit)s",
                size=len(data),
                limit=max_bytes,
            )
        )
    if not data.strip() or data.strip() == codecs.BOM_UTF8:
        return _file_error(Message("file is empty"))
    lower_name = filename.lower()

    errors = _Errors()
    if data.startswith(_ZIP_MAGIC):
        file_format, encoding, delimiter = "xlsx", "", ""
        xlsx = _xlsx_rows(data, max_bytes)
        if isinstance(xlsx, str):
            return _file_error(xlsx, file_format="xlsx")
        rows: Iterator[tuple[int, list[str]]] = iter(xlsx)
    elif data.startswith(_OLE_MAGIC):
        return _file_error(
            Message("old Excel format (.xls) is not supported; save as .xlsx or CSV")
        )
    else:
        if lower_name.endswith((".xlsx", ".xlsm")):
            return _file_error(Message("the file is named .xlsx but is not an Excel workbook"))
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
                Message("unusable delimiter %(delimiter)r in the sep= line", delimiter=delimiter),
                encoding=encoding,
            )
        rows = _csv_rows(text, delimiter, errors)

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
            empty = (
                Message("the first worksheet is empty")
                if file_format == "xlsx"
                else Message("file is empty")
            )
            errors.append(RowError(0, "", empty))
            return ParseResult([], list(errors), encoding, delimiter, [], file_format)
        header = skipped[0]
        rows = itertools.chain(skipped[1:], rows)  # the rows searched belong to the table
    return _parse_table(header, rows, errors, options, encoding, delimiter, file_format)


def _parse_table(
    header: tuple[int, list[str]],
    rows: Iterator[tuple[int, list[str]]],
    errors: _Errors,
    options: _Options,
    encoding: str,
    delimiter: str,
    file_format: str,
) -> ParseResult:
    default_year = _normalise_default_year(options.default_school_year, errors)
    chosen_year = _normalise_default_year(options.school_year, errors)
    header_row, header_cells = header[0], [cell.strip() for cell in header[1]]
    columns = _map_columns(
        header_cells,
        header_row,
        default_year,
        errors,
        mapping=options.mapping,
        school_year=chosen_year,
    )
    result = ParseResult(
        records=[],
        errors=[],
        encoding=encoding,
        delimiter=delimiter,
        columns=header_cells,
        file_format=file_format,
        column_map=dict(columns.header),
        years=dict(columns.years),
        heading_years=dict(columns.heading_years),
        ignored=list(columns.ignored),
    )
    if errors:  # keep the rows: a mapping of the columns may still make them readable
        kept = [header, *itertools.islice(rows, MAX_KEPT_ROWS)]
        return replace(result, errors=list(errors), rows=kept)

    records: list[SchoolRecord] = []
    seen: list[tuple[int, list[str]]] = []
    try:
        _parse_rows(_kept(rows, seen), header_cells, columns, delimiter, records, errors)
    except _ErrorLimitError:
        last = errors[-1].row
        errors.append(
            RowError(last, "", Message("too many errors: stopped after %(n)s", n=MAX_ERRORS))
        )
    if not records and not errors:
        errors.append(RowError(header_row, "", Message("no data rows below the header")))
    return replace(result, records=records, errors=list(errors), rows=[header, *seen])


def _kept(
    rows: Iterator[tuple[int, list[str]]], seen: list[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    for row in rows:
        seen.append(row)
        yield row


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
                errors.add(RowError(number, head[name], exc.message))
                failed = True

        school_number = values.get("school_number")
        if school_number is not None:
            if school_number in first_seen:
                reason = Message(
                    "duplicate school number %(number)s (first seen in row %(first)s)",
                    number=school_number,
                    first=first_seen[school_number],
                )
                errors.add(RowError(number, head["school_number"], reason))
                failed = True
            else:
                first_seen[school_number] = number
        if failed:
            continue

        name = join_name_parts(values.get(key, "") for key in ("name", "name_2", "name_3"))
        if not name:
            errors.add(RowError(number, head["name"], Message("name is empty")))
            continue
        if len(name) > 300:
            errors.add(
                RowError(
                    number,
                    head["name"],
                    Message("name too long: %(length)s characters, at most 300", length=len(name)),
                )
            )
            continue
        if not values["school_type_label"]:
            errors.add(RowError(number, head["school_type_label"], Message("school type is empty")))
            continue
        lat, lon = values.get("lat"), values.get("lon")
        if (lat is None) != (lon is None):
            missing = "lat" if lat is None else "lon"
            errors.add(
                RowError(
                    number,
                    head[missing],
                    Message(
                        "%(field)s is empty but the other coordinate is given",
                        field=Message(_LABEL[missing]),
                    ),
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
                school_number=values["school_number"],
                name=name,
                short_name=values.get("short_name", ""),
                school_type_label=values["school_type_label"],
                school_type_code=values.get("school_type_code", ""),
                legal_status=values.get("legal_status", ""),
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
    msgid = "row has %(fields)s fields, the header has %(width)s"
    if delimiter and any("\n" in cell or '"' in cell for cell in cells):  # quoting went astray
        msgid = 'row has %(fields)s fields, the header has %(width)s; is a quote character (") not closed?'
    errors.add(RowError(number, column, Message(msgid, fields=len(cells), width=width)))
