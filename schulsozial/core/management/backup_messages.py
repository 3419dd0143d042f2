"""The words of the `backup` and `verify_backup` output and of
`core.backup`'s errors, through gettext: German by default
(settings.LANGUAGE_CODE), English when English is active; counts with their
plural forms and in the language's number format (12.345 Zeilen, 1,5 s /
12,345 rows, 1.5 s). `core.backup.compare` returns what differs as data
(`TableDifference`); `table_problem` is the one place that words it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

if TYPE_CHECKING:
    from schulsozial.core.backup import TableDifference


def count(n: int) -> str:
    """A whole number with the language's thousands separator."""
    return number_format(n, force_grouping=True)


def seconds(value: float) -> str:
    """A duration in seconds with one decimal place (1,5 s)."""
    return f"{number_format(round(value, 1), decimal_pos=1)} s"


def tables(n: int) -> str:
    return ngettext("%(count)s table", "%(count)s tables", n) % {"count": count(n)}


def rows(n: int) -> str:
    return ngettext("%(count)s row", "%(count)s rows", n) % {"count": count(n)}


def size(n: int) -> str:
    return ngettext("%(count)s byte", "%(count)s bytes", n) % {"count": count(n)}


def table_problem(difference: TableDifference) -> str:
    """What differs for one table between the manifest and the restored
    database, one sentence per kind of `TableDifference`."""
    table, want, got = difference.table, difference.expected, difference.restored
    if got is None:
        return _("Table %(table)s is missing from the restored database.") % {"table": table}
    if want is None:
        return _("Table %(table)s is in the restored database but not in the manifest.") % {
            "table": table
        }
    if want["rows"] != got["rows"]:
        return _("Table %(table)s: %(expected)s in the manifest, %(restored)s restored.") % {
            "table": table,
            "expected": rows(want["rows"]),
            "restored": rows(got["rows"]),
        }
    return ngettext(
        "Table %(table)s: the checksum differs (the same %(count)s row, other content).",
        "Table %(table)s: the checksum differs (the same %(count)s rows, other content).",
        got["rows"],
    ) % {"table": table, "count": count(got["rows"])}


def not_verified(differences: list[TableDifference]) -> str:
    """The closing line of a failed verification, naming the tables."""
    names = [d.table for d in differences]
    return ngettext(
        "Backup NOT verified: %(count)s table differs (%(names)s).",
        "Backup NOT verified: %(count)s tables differ (%(names)s).",
        len(names),
    ) % {"count": count(len(names)), "names": ", ".join(names)}


def written(
    path: Path, *, dump_bytes: int, table_count: int, row_count: int, duration: float
) -> str:
    """The line of a finished backup."""
    return _("Backup written: %(path)s (%(size)s), %(tables)s, %(rows)s in %(seconds)s.") % {
        "path": path,
        "size": size(dump_bytes),
        "tables": tables(table_count),
        "rows": rows(row_count),
        "seconds": seconds(duration),
    }


def verified(*, table_count: int, row_count: int, duration: float) -> str:
    """The line of a verification in which every table matches."""
    return _("Backup verified: %(tables)s and %(rows)s match the manifest (%(seconds)s).") % {
        "tables": tables(table_count),
        "rows": rows(row_count),
        "seconds": seconds(duration),
    }


def kept(name: str) -> str:
    """The line naming the restored database that stays."""
    return _("The restored database is kept: %(name)s") % {"name": name}
