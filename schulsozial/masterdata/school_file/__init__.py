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

from .cells import join_name_parts
from .columns import _LABEL as FIELD_LABELS
from .columns import MAPPABLE, _column_letter
from .parsing import parse_school_file, reparse_school_rows
from .reading import _ZIP_MAGIC, _count_outside_quotes, _xlsx_rows, csv_rows
from .records import MAX_BYTES_DEFAULT, MAX_ERRORS, Message, ParseResult, RowError, SchoolRecord

__all__ = [
    "FIELD_LABELS",
    "MAPPABLE",
    "MAX_BYTES_DEFAULT",
    "MAX_ERRORS",
    "_ZIP_MAGIC",
    "Message",
    "ParseResult",
    "RowError",
    "SchoolRecord",
    "_column_letter",
    "_count_outside_quotes",
    "_xlsx_rows",
    "csv_rows",
    "join_name_parts",
    "parse_school_file",
    "reparse_school_rows",
]
