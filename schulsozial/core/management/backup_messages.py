"""The words of the `backup` and `verify_backup` output, through gettext:
German by default (settings.LANGUAGE_CODE), English when English is active;
counts with their plural forms and in the language's number format
(12.345 Zeilen, 1,5 s / 12,345 rows, 1.5 s)."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


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


def table_problem(table: str, want: dict[str, Any] | None, got: dict[str, Any] | None) -> str:
    """What differs for one table between the manifest (`want`) and the
    restored database (`got`): the same cases as `backup.compare`."""
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
