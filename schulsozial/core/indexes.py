"""Dropping single-column indexes in migrations with plain DROP INDEX.

Left to Django, removing ``db_index`` from a field makes SQLite copy the
whole table once per field (its schema editor rebuilds the table for every
altered column); a table of millions of records would be copied several
times to drop a few indexes. Migrations therefore change Django's state
with ``SeparateDatabaseAndState`` and run `drop_operation` for the database:
the index names are Django's own, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import migrations

Index = tuple[str, str, str]  # (table, column, index name)


def drop_operation(indexes: Iterable[Index]) -> migrations.RunPython:
    """Drop these indexes (forwards); create them again (backwards)."""
    indexes = tuple(indexes)

    def forwards(apps: Any, schema_editor: Any) -> None:
        for _table, _column, name in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    def backwards(apps: Any, schema_editor: Any) -> None:
        q = schema_editor.quote_name
        for table, column, name in indexes:
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {q(name)} ON {q(table)} ({q(column)})"
            )

    return migrations.RunPython(forwards, backwards)
