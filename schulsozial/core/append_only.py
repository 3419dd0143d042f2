"""The audit log is append-only in the database, not only in the code.

Migration core/0003 puts triggers on ``core_auditentry`` that refuse every
UPDATE and DELETE, whoever sends it (the ORM's ``update()``/``delete()``, raw
SQL, a script). The two deliberate exceptions, audit retention (deleting
entries past AUDIT_RETENTION_DAYS, shortening addresses) and the
pseudonymisation of a person (its label in ``actor_label``), run inside
`maintenance()`:

- PostgreSQL: ``set_config('schulsozial.audit_maintenance', 'on', true)``,
  local to the transaction; the trigger then allows DELETE and an UPDATE
  that changes only the columns of ``AuditEntry.MAINTAINABLE``.
- SQLite: the trigger asks the function ``schulsozial_audit_maintenance()``,
  which this module registers on every connection Django opens and which
  answers from a flag on that connection, set only inside `maintenance()`.
  A connection that is not Django's (the sqlite3 shell) has no such function,
  so its UPDATE or DELETE on the table fails as well.

``manage.py flush`` (and the test runner's flush between transactional
tests) empties every table deliberately: on SQLite it runs in maintenance
mode; on PostgreSQL it uses TRUNCATE, which row triggers do not see.
docs/operations.md says what each database enforces.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

SQLITE_FUNCTION = "schulsozial_audit_maintenance"
PG_SETTING = "schulsozial.audit_maintenance"
_FLAG = "_schulsozial_audit_maintenance"


@contextmanager
def maintenance(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A transaction in which the audit triggers allow deletion and the
    maintainable columns' updates. Only core/retention.py and the privacy
    service (privacy/services.py) use it."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
            try:
                yield
            finally:
                if not connection.needs_rollback:
                    with connection.cursor() as cursor:
                        cursor.execute("SELECT set_config(%s, 'off', true)", [PG_SETTING])
        else:
            previous = getattr(connection, _FLAG, False)
            setattr(connection, _FLAG, True)
            try:
                yield
            finally:
                setattr(connection, _FLAG, previous)


def register_sqlite(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created: give a SQLite connection the function the
    triggers ask, and run its flush in maintenance mode."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: 1 if getattr(connection, _FLAG, False) else 0
    )
    ops = connection.ops
    if getattr(ops, "_schulsozial_flush_wrapped", False):
        return
    plain_flush = ops.execute_sql_flush

    def execute_sql_flush(sql_list: Any) -> None:
        previous = getattr(connection, _FLAG, False)
        setattr(connection, _FLAG, True)
        try:
            plain_flush(sql_list)
        finally:
            setattr(connection, _FLAG, previous)

    ops.execute_sql_flush = execute_sql_flush
    ops._schulsozial_flush_wrapped = True
