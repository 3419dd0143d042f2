"""Table exports as CSV and XLSX.

Every cell passes `neutralise()`: a value that a spreadsheet would read as a
formula (starting with =, +, -, @, tab or carriage return) gets a leading
apostrophe, so an export can never run a formula (CSV injection, OWASP).
Numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Times are shown as on screen: local time (settings.TIME_ZONE), German order.
CSV_DATETIME_FORMAT = "%d.%m.%Y %H:%M:%S"
XLSX_DATETIME_FORMAT = "DD.MM.YYYY HH:MM:SS"


def neutralise(value: Any) -> Any:
    """Return a cell value that cannot be interpreted as a spreadsheet formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        # Spreadsheets know no time zones (openpyxl refuses aware values):
        # the local wall-clock time, as the pages show it.
        return timezone.make_naive(value)
    if isinstance(value, int | float | decimal.Decimal | datetime.date):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _safe_filename(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "export"


def _csv_cell(value: Any) -> Any:
    if isinstance(value, decimal.Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, datetime.datetime):
        return value.strftime(CSV_DATETIME_FORMAT)
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(neutralise(c)) for c in row])
    # UTF-8 with BOM so that Excel on Windows opens umlauts correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Export"
) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31] or "Export"
    _fill(sheet, header, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _fill(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append([str(neutralise(h)) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = []
        for value in row:
            safe = neutralise(value)
            if isinstance(safe, decimal.Decimal):
                safe = float(safe)
            values.append(safe)
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, datetime.datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
    sheet.freeze_panes = "A2"


def xlsx_sheets_bytes(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> bytes:
    """A workbook with one sheet per (title, header, rows), cells as in `xlsx_bytes`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        safe_title = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31] or "Export"
        sheet = workbook.create_sheet(safe_title)
        _fill(sheet, header, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(
    fmt: str, *, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    name = _safe_filename(filename)
    if fmt == "xlsx":
        body = xlsx_bytes(header, rows, title=name)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = csv_bytes(header, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
