# SQL here is built from model table and column names only; values are parameters.
# ruff: noqa: S608
"""INSERT statements built once, for the writes of a single request.

`Model.save()`, `Model.objects.create()` and `bulk_create()` build and
compile their SQL anew on every call; for one small row that is most of
their cost (0.3-1 ms of Python each, docs/performance.md, Entry, run 7).
An `Insert` builds its SQL text once per row count and database vendor and
runs it through Django's cursor, so it takes part in the caller's
transaction, is logged and counted like any query (tests bound the queries
of an entry), and passes execute wrappers. Values are adapted by each
field's `get_db_prep_save`, as `save()` does; nothing else of `save()`
happens (no signals, no `auto_now`): the caller passes every value.

Use it only where a write path is measured to be hot, from a service, with
the model's fields named explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models


class Insert:
    """``INSERT INTO table (fields) VALUES (...), ... [ON CONFLICT (...)
    [WHERE ... IS NOT NULL] DO NOTHING] [RETURNING ...]`` for `model`, by
    field names (foreign keys by their field name, e.g. "school")."""

    def __init__(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        *,
        returning: Sequence[str] = (),
        skip_conflicts_on: Sequence[str] = (),
        conflict_not_null: Sequence[str] = (),
        using: str = "default",
    ) -> None:
        meta = model._meta
        self.fields = [meta.get_field(name) for name in fields]
        self.returning = [meta.get_field(name) for name in returning]
        self.conflict = [meta.get_field(name) for name in skip_conflicts_on]
        # A partial unique index (e.g. UNIQUE ... WHERE x IS NOT NULL) is
        # named by its predicate too; a full index on the columns matches it.
        self.conflict_not_null = [meta.get_field(name) for name in conflict_not_null]
        self.table = meta.db_table
        self.using = using
        self._sql: dict[tuple[str, int], str] = {}

    def sql(self, rows: int) -> str:
        connection = connections[self.using]
        key = (connection.vendor, rows)
        text = self._sql.get(key)
        if text is None:
            q = connection.ops.quote_name
            row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
            text = (
                f"INSERT INTO {q(self.table)} ({', '.join(q(f.column) for f in self.fields)}) "
                f"VALUES {', '.join([row] * rows)}"
            )
            if self.conflict:
                text += f" ON CONFLICT ({', '.join(q(f.column) for f in self.conflict)})"
                if self.conflict_not_null:
                    text += " WHERE " + " AND ".join(
                        f"{q(f.column)} IS NOT NULL" for f in self.conflict_not_null
                    )
                text += " DO NOTHING"
            if self.returning:
                text += f" RETURNING {', '.join(q(f.column) for f in self.returning)}"
            self._sql[key] = text
        return text

    def params(self, rows: Iterable[Sequence[Any]]) -> list[Any]:
        connection = connections[self.using]
        return [
            field.get_db_prep_save(value, connection)
            for row in rows
            for field, value in zip(self.fields, row, strict=True)
        ]

    def execute(self, rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        """Insert `rows` (values in the order of `fields`); with `returning`,
        the returned columns of the rows inserted (conflicting rows skipped
        return nothing)."""
        if not rows:
            return []
        with connections[self.using].cursor() as cursor:
            cursor.execute(self.sql(len(rows)), self.params(rows))
            return cursor.fetchall() if self.returning else []


class Columns:
    """The columns of a model in a hand-written SELECT (``alias.col, ...``)
    and the instance made from them, with the database's converters applied
    as the ORM applies them (SQLite returns dates as text, booleans as 0/1).
    For the reads of a hot request path whose ORM query would cost more to
    compile than to run (docs/architecture.md, "SQL built once")."""

    def __init__(self, model: type[models.Model], alias: str, *, using: str = "default") -> None:
        self.model = model
        self.alias = alias
        self.using = using
        self.fields = list(model._meta.concrete_fields)
        self.names = [f.attname for f in self.fields]
        self.pk_index = next(i for i, f in enumerate(self.fields) if f.primary_key)
        self._prepared: dict[str, tuple[str, list[tuple[int, list[Any], Any]]]] = {}

    def _for(self, connection: Any) -> tuple[str, list[tuple[int, list[Any], Any]]]:
        prepared = self._prepared.get(connection.vendor)
        if prepared is None:
            q = connection.ops.quote_name
            sql = ", ".join(f"{self.alias}.{q(f.column)}" for f in self.fields)
            converters = []
            for i, field in enumerate(self.fields):
                col = field.get_col(self.alias)
                found = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
                if found:
                    converters.append((i, found, col))
            prepared = self._prepared[connection.vendor] = (sql, converters)
        return prepared

    @property
    def sql(self) -> str:
        return self._for(connections[self.using])[0]

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, row: Sequence[Any], start: int = 0) -> Any:
        """The instance in `row` from column `start` on; None when a LEFT
        JOIN found none (its primary key is NULL)."""
        return self.instances([row], start)[0]

    def instances(self, rows: Iterable[Sequence[Any]], start: int = 0) -> list[Any]:
        """`instance` for many rows."""
        connection = connections[self.using]
        converters = self._for(connection)[1]
        end, pk, from_db = start + len(self.fields), self.pk_index, self.model.from_db
        out = []
        for row in rows:
            values = list(row[start:end])
            if values[pk] is None:
                out.append(None)
                continue
            for i, found, col in converters:
                for convert in found:
                    values[i] = convert(values[i], col, connection)
            out.append(from_db(self.using, self.names, values))
        return out


def fetch(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]]:
    """Run a hand-written SELECT through Django's cursor (logged and counted
    like any query) and return its rows."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
