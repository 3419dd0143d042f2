"""Several reads that must see the same committed state.

A protected statistics report reads its table family in several statements;
a record committed between them would make the tables disagree (found by the
load test). `read_snapshot()` gives the reads one snapshot:

- PostgreSQL: a REPEATABLE READ, READ ONLY transaction (every statement sees
  the state of the first one).
- SQLite: a deferred read transaction. In WAL mode it keeps the snapshot of its
  first read and takes no write lock; Django's atomic() would not do here,
  because the settings begin every transaction IMMEDIATE, which takes the
  write lock and would make a report wait for a running import.

Inside a transaction the caller already has (a test's, a service's), the
caller's transaction decides, and nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def read_snapshot() -> Iterator[None]:
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    yield
