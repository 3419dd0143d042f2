"""Table exports as CSV and XLSX.

Every cell passes `neutralise()`: a value that a spreadsheet would read as a
formula (starting with =, +, -, @, tab or carriage return) gets a leading
apostrophe, so an export can never run a formula (CSV injection, OWASP).
Numbers stay numbers.

Every export says what it is (`ExportInfo`, issue 13): its title, when the
data were read (Datenstand, local time), the filters applied and whether the
figures are disclosure-controlled. Where that goes:

* XLSX: the table on the first sheet from cell A1 (header row frozen, with
  autofilter), so the file stays machine-readable and the platform's importers
  read it back; the description on a second sheet "Hinweise".
* CSV (semicolon, decimal comma, dates as 31.01.2026, UTF-8 with BOM: what
  German Excel opens directly) stays a bare table with its header in line 1,
  for scripts and the platform's importers: its file name says what it is.
* The file name: German, from the title, the school year, "geschuetzt" or
  "ungeschuetzt" for statistics and the date of the data
  (``statistik-...-2026-27-geschuetzt-stand-2026-12-03.xlsx``): a protected and
  an unprotected file never share a name.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import HttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Times are shown as on screen: local time (settings.TIME_ZONE), German order.
CSV_DATETIME_FORMAT = "%d.%m.%Y %H:%M:%S"
CSV_DATE_FORMAT = "%d.%m.%Y"
XLSX_DATETIME_FORMAT = "DD.MM.YYYY HH:MM:SS"
XLSX_DATE_FORMAT = "DD.MM.YYYY"
INFO_SHEET = "Hinweise"
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


@dataclass(frozen=True)
class ExportInfo:
    """What an export says about itself (title, Datenstand, filters, protection).

    `protected`: True for disclosure-controlled figures, False for exact
    figures of a view that may see them, None for lists of records (no
    disclosure control applies to them). `period` is the school year the
    figures belong to ("2026/27"); it goes into the file name.
    """

    title: str
    filters: Sequence[tuple[str, str]] = ()
    protected: bool | None = None
    threshold: int | None = None
    period: str = ""
    name: str = ""  # file name base; default: the title
    as_of: datetime.datetime = field(default_factory=timezone.now)

    def protection_text(self) -> str:
        if self.protected is None:
            return _(
                "no: a list of individual records without disclosure control; for official use only"
            )
        if self.protected:
            return _(
                "yes: with disclosure control; values under %(n)s are withheld (•), "
                "as are the values they could be worked out from"
            ) % {"n": self.threshold if self.threshold is not None else "–"}
        return _(
            "no: exact figures without disclosure control; for internal use only, do not publish"
        )

    def filter_text(self) -> str:
        if not self.filters:
            return _("none (every entry you may see)")
        return " · ".join(f"{label}: {value}" for label, value in self.filters)

    def as_of_text(self) -> str:
        return date_format(timezone.localtime(self.as_of), "SHORT_DATETIME_FORMAT")

    def lines(self) -> list[tuple[str, str]]:
        """The description as (label, value) pairs, in a fixed order."""
        return [
            (_("Title"), self.title),
            (_("Data as of"), self.as_of_text()),
            (_("Filters"), self.filter_text()),
            (_("Protected (disclosure control)"), self.protection_text()),
        ]

    def filename(self, fmt: str) -> str:
        parts = [slug(self.name or self.title)]
        if self.period:
            parts.append(slug(self.period))
        if self.protected is True:
            parts.append(pgettext("export file name", "protected"))
        elif self.protected is False:
            parts.append(pgettext("export file name", "unprotected"))
        day = timezone.localtime(self.as_of).date()
        parts.append(f"{pgettext('export file name', 'as-of')}-{day.isoformat()}")
        return f"{slug('-'.join(parts))}.{fmt}"


def slug(text: str) -> str:
    """ASCII for a file name: "Benutzer/innen 2026/27" -> "benutzer-innen-2026-27"."""
    ascii_text = str(text).translate(_UMLAUTS).lower()
    return (
        re.sub(r"[^a-z0-9]+", "-", ascii_text.encode("ascii", "ignore").decode()).strip("-")
        or "export"
    )


def describe_filters(form: forms.Form, *, skip: Sequence[str] = ()) -> list[tuple[str, str]]:
    """The filters a bound, valid form applies, as (label, value) in German words."""
    if not form.is_bound or not form.is_valid():
        return []
    described = []
    for name, form_field in form.fields.items():
        value = form.cleaned_data.get(name)
        if name in skip or value is None or value == "":
            continue
        if isinstance(value, list | tuple) and not value:
            continue
        if hasattr(value, "exists") and not value.exists():  # an empty multiple choice
            continue
        described.append((str(form_field.label or name), _display(form_field, value)))
    return described


def _display(form_field: forms.Field, value: Any) -> str:
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple) or hasattr(value, "exists"):
        return ", ".join(_display(form_field, v) for v in value)
    if isinstance(form_field, forms.ModelChoiceField):
        return str(value)
    if isinstance(form_field, forms.ChoiceField):
        choices = {str(k): v for k, v in _flat_choices(form_field.choices)}
        if str(value) in choices:
            return str(choices[str(value)])
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return f"„{value}“" if isinstance(value, str) else str(value)


def _flat_choices(choices: Any) -> Iterable[tuple[Any, Any]]:
    for key, label in choices:
        if isinstance(label, list | tuple):  # an optgroup
            yield from label
        else:
            yield key, label


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


def _csv_cell(value: Any) -> Any:
    if isinstance(value, decimal.Decimal | float):
        return str(value).replace(".", ",")
    if isinstance(value, datetime.datetime):
        return value.strftime(CSV_DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return value.strftime(CSV_DATE_FORMAT)
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([_csv_cell(neutralise(c)) for c in row])
    # UTF-8 with BOM so that Excel on Windows opens umlauts correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _sheet_title(title: str) -> str:
    return "".join(ch for ch in str(title) if ch not in "[]:*?/\\")[:31].strip() or "Export"


def xlsx_bytes(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    title: str = "Export",
    info: ExportInfo | None = None,
) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _sheet_title(title)
    _fill(sheet, header, rows)
    if info is not None:
        _info_sheet(workbook, info, table=sheet.title)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _decimal_format(value: decimal.Decimal) -> str:
    """German Excel shows "#,##0.00" as 1.234,50: grouping and the places the value has."""
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "#,##0" + ("." + "0" * places if places else "")


def _fill(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    sheet.append([str(neutralise(h)) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(h)) for h in header]
    for row in rows:
        values = []
        formats = []
        for value in row:
            safe = neutralise(value)
            number_format = None
            if isinstance(safe, decimal.Decimal):
                number_format = _decimal_format(safe)
                safe = float(safe)
            elif isinstance(safe, float):
                number_format = "#,##0.00"
            elif isinstance(safe, datetime.datetime):
                number_format = XLSX_DATETIME_FORMAT
            elif isinstance(safe, datetime.date):
                number_format = XLSX_DATE_FORMAT
            values.append(safe)
            formats.append(number_format)
        sheet.append(values)
        for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
            if number_format:
                cell.number_format = number_format
        for index, value in enumerate(values[: len(widths)]):
            widths[index] = max(widths[index], min(len(str(value)), 60))
    sheet.freeze_panes = "A2"
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{max(sheet.max_row, 1)}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(8, width + 2)


def _info_sheet(workbook: Any, info: ExportInfo, *, table: str) -> None:
    sheet = workbook.create_sheet(INFO_SHEET)
    for label, value in [
        *info.lines(),
        (_("Table"), _("sheet “%(sheet)s”, header in row 1") % {"sheet": table}),
    ]:
        sheet.append([neutralise(label), neutralise(value)])
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    for cell in sheet["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    workbook.properties.title = info.title
    workbook.properties.subject = info.protection_text()
    workbook.properties.keywords = info.filter_text()


def xlsx_sheets_bytes(
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> bytes:
    """A workbook with one sheet per (title, header, rows), cells as in `xlsx_bytes`."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(_sheet_title(title))
        _fill(sheet, header, rows)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_response(
    fmt: str, *, info: ExportInfo, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """The file a user downloads: the table with its description (`ExportInfo`),
    named by `ExportInfo.filename`. Audit the export in the caller."""
    name = info.filename("xlsx" if fmt == "xlsx" else "csv")
    if fmt == "xlsx":
        body = xlsx_bytes(header, rows, title=info.title, info=info)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = csv_bytes(header, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
