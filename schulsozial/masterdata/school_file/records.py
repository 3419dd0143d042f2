"""What a parse gives: the records of valid rows, the errors, the limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

MAX_BYTES_DEFAULT = 20 * 1024 * 1024
MAX_ERRORS = 1000  # stop collecting after this many; the user fixes these first
XLSX_UNPACKED_FACTOR = 10  # an .xlsx may unpack to at most max_bytes * this
HEADER_SEARCH_ROWS = 20  # non-empty rows searched for the header

PUBLIC = "public"
PRIVATE = "private"


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


class _CellError(Exception):
    """A cell value is rejected; the message is the reason."""
