# SQL here is built from model table and column names only; values are parameters.
# ruff: noqa: S608
"""Sessions in the database, as Django's own backend keeps them, read with
SQL built once (core/statements.py): every request of a logged-in user reads
its session, and the ORM spent more time compiling that one-row lookup than
the database spent answering it (docs/performance.md, Entry, run 7).
Writing, expiry and the session table are Django's, unchanged."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

from schulsozial.core.statements import Columns, fetch


class SessionStore(db.SessionStore):
    _columns: Columns | None = None
    _sql: dict[str, str] = {}  # one text per database vendor, shared

    def _get_session_from_db(self) -> Any:
        key = self.session_key
        if not key:  # never stored, or refused as invalid by _set_session_key
            self._session_key = None
            return None
        cls = type(self)
        if cls._columns is None:
            cls._columns = Columns(self.model, "s", using=router.db_for_read(self.model))
        columns = cls._columns
        connection = connections[columns.using]
        sql = cls._sql.get(connection.vendor)
        if sql is None:
            q = connection.ops.quote_name
            sql = cls._sql[connection.vendor] = (
                f"SELECT {columns.sql} FROM {q(self.model._meta.db_table)} s "
                f"WHERE s.{q('session_key')} = %s AND s.{q('expire_date')} > %s"
            )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        rows = fetch(sql, [key, now], using=columns.using)
        if not rows:
            self._session_key = None
            return None
        return columns.instance(rows[0])
