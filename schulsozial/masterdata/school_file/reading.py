"""Reading bytes: the text encoding, the CSV delimiter and rows, the first
worksheet of an .xlsx workbook."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator

from .columns import _is_header
from .records import HEADER_SEARCH_ROWS, XLSX_UNPACKED_FACTOR, Message, RowError

_DELIMITERS = (";", ",", "\t")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls / .doc
_UTF16 = "unsupported encoding UTF-16; save the file as CSV UTF-8 (or CSV with semicolons)"


def _decode(data: bytes) -> tuple[str, str] | str:
    """Return (text, encoding) or an error reason."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return Message("unsupported encoding UTF-32; save the file as CSV UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Message(_UTF16)
    if b"\x00" in data:
        sample = data[:4096]
        nul_odd, nul_even = sample[1::2].count(0), sample[0::2].count(0)
        if max(nul_odd, nul_even) > len(sample) // 4:
            return Message(_UTF16)
        return Message("not a text file: it contains NUL bytes (is it a binary file?)")
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    try:
        return data.decode("utf-8"), encoding
    except UnicodeDecodeError as exc:
        if encoding == "utf-8-sig":
            line = data.count(b"\n", 0, exc.start) + 1
            return Message(
                "the file says it is UTF-8 but line %(line)s is not valid UTF-8", line=line
            )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        return Message(
            "cannot decode line %(line)s (byte %(byte)s): the file is neither UTF-8 nor Windows-1252",
            line=line,
            byte=f"0x{byte:02x}",
        )


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
                RowError(
                    row + 1,
                    "",
                    Message(
                        "broken CSV (%(detail)s); is a quote character not closed?", detail=exc
                    ),
                )
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
        return Message("not a valid .xlsx file (damaged ZIP archive)")
    if "mimetype" in names and b"opendocument" in data[:200]:
        return Message("OpenDocument spreadsheets (.ods) are not supported; save as .xlsx or CSV")
    if "xl/workbook.xml" not in names:
        return Message("not an Excel workbook (.xlsx): the ZIP archive has no xl/workbook.xml")
    if unpacked > max_bytes * XLSX_UNPACKED_FACTOR:
        return Message(
            "the workbook unpacks to %(size)s bytes, more than %(limit)s",
            size=unpacked,
            limit=max_bytes * XLSX_UNPACKED_FACTOR,
        )
    try:
        import openpyxl  # imported here: slow, and only workbooks need it

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        return Message("cannot read the .xlsx file (%(kind)s)", kind=type(exc).__name__)
    try:
        if not workbook.worksheets:
            return Message("the workbook has no worksheet")
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
        return Message("cannot read the .xlsx file (%(kind)s)", kind=type(exc).__name__)
    finally:
        workbook.close()
