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


class Message(str):
    """An English message that remembers its msgid and arguments.

    It is the formatted English text (so it compares, prints and serialises as
    before), and a caller with translations renders it in German from
    ``msgid`` and ``args`` (``importing.error_text``); the parser itself
    imports no Django. An argument that is itself a Message (a field label) is
    translated too.
    """

    msgid: str
    args: dict[str, object]

    def __new__(cls, msgid: str, **args: object) -> Message:
        self = super().__new__(cls, msgid % args if args else msgid)
        self.msgid = msgid
        self.args = args
        return self

    def __reduce__(self) -> tuple[object, ...]:  # copy and pickle keep msgid and args
        return (_message, (self.msgid, self.args))


def _message(msgid: str, args: dict[str, object]) -> Message:
    return Message(msgid, **args)


@dataclass(frozen=True)
class SchoolRecord:
    """One valid school row. Text fields are stripped; an absent column or an
    empty cell gives "" (None for numbers, coordinates and Startchancen;
    "" for the legal status), which the import reads as "keep the stored value"."""

    row: int
    school_number: str
    name: str
    short_name: str
    school_type_label: str
    school_type_code: str
    legal_status: str  # PUBLIC, PRIVATE or "" (not given)
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
            return str(self.reason)
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
    # field -> school year its figures count for (pupils, social_index, startchancen)
    years: dict[str, str | None] = field(default_factory=dict)
    # field -> school year its column's heading names ("Schüler/innen 2026/27")
    heading_years: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)  # non-empty headings not recognised
    # every row below the header as read (row number, cells): for a re-parse
    # with another column mapping; never stored as such (see importing.py)
    rows: list[tuple[int, list[str]]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """True if nothing was rejected (a file without data rows is rejected)."""
        return not self.errors


class _CellError(Exception):
    """A cell value is rejected; the message (a Message) is the reason."""

    def __init__(self, msgid: str, **args: object) -> None:
        super().__init__(Message(msgid, **args))

    @property
    def message(self) -> Message:
        message = self.args[0]
        return message if isinstance(message, Message) else Message(str(message))
