# SQL here is built from table and column names given by migrations, never from input.
# ruff: noqa: S608
"""Foreign keys checked once per statement instead of once per row
(PostgreSQL only; used by migrations).

A PostgreSQL foreign key checks every inserted row with its own query (at
commit, as Django declares them DEFERRABLE INITIALLY DEFERRED): about 7 µs
a row and reference on the reference machine. The documentation import of a
million rows writes 3.1 million record, topic and participant rows and some
hundred thousand rollup cells: 11 million checks, 60-120 s, more than the
whole import may take (docs/performance.md, "Import"). For the high-volume
tables each foreign key becomes statement-level triggers that enforce the
same rule set-based:

* on the referencing table, AFTER INSERT and AFTER UPDATE, with the
  statement's rows as transition tables: every distinct non-null value must
  exist in the referenced table, and those rows are locked FOR KEY SHARE, as
  PostgreSQL's own check does, so that a concurrent delete waits for this
  transaction and then fails (below). An UPDATE that changes none of the
  references (a rollup upsert adding to its counts) costs one query;
* on the referenced table, AFTER DELETE, with the deleted rows: no
  referencing row may remain.

A violation raises SQLSTATE 23503 (foreign_key_violation), which Django
reports as IntegrityError, like a foreign key. The checks run at the end of
each statement instead of at commit; Django writes parents before children
and deletes children first, so nothing relied on the deferral. Primary keys
are never updated, so updates of referenced keys are not guarded.

Django's migration state keeps the fields as ordinary foreign keys (on
SQLite they stay real foreign keys, which cost little there: about 0.3 µs a
check). A later migration that alters one of these columns on PostgreSQL
finds no foreign key constraint to drop and must call `install` again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any

from django.db import migrations

PREFIX = "ss_fk"
Reference = tuple[str, str, str]  # (referencing table, column, referenced table)


def _short(*parts: str) -> str:
    """A function name under PostgreSQL's 63 characters."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def _check_sql(child: str, refs: list[Reference]) -> str:
    checks = "".join(
        f"""
    SELECT count(*) INTO wanted FROM (SELECT DISTINCT "{column}" FROM new_rows
        WHERE "{column}" IS NOT NULL) d;
    SELECT count(*) INTO present FROM (SELECT p.id FROM "{parent}" p
        WHERE p.id IN (SELECT "{column}" FROM new_rows) FOR KEY SHARE OF p) x;
    IF present < wanted THEN
        RAISE EXCEPTION 'insert or update on table "{child}" violates foreign key "{column}"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A value of "{column}" is not present in table "{parent}".';
    END IF;"""
        for _child, column, parent in refs
    )
    changed = " OR ".join(f'n."{column}" IS DISTINCT FROM o."{column}"' for _c, column, _p in refs)
    name = f"{PREFIX}_check_{_short(child)}"
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE wanted bigint; present bigint;
BEGIN
    IF TG_OP = 'UPDATE' THEN  -- nested: old_rows exists only for updates
        IF NOT EXISTS (
            SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}
        ) THEN
            RETURN NULL;
        END IF;
    END IF;{checks}
    RETURN NULL;
END $$;
CREATE TRIGGER {PREFIX}_insert AFTER INSERT ON "{child}"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
CREATE TRIGGER {PREFIX}_update AFTER UPDATE ON "{child}"
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _guard_sql(parent: str, child: str, refs: list[Reference]) -> str:
    checks = "".join(
        f"""
    IF EXISTS (SELECT 1 FROM "{child}" c WHERE c."{column}" IN (SELECT id FROM old_rows)) THEN
        RAISE EXCEPTION 'delete on table "{parent}" violates foreign key "{column}" of table "{child}"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A deleted row is still referenced from table "{child}".';
    END IF;"""
        for _child, column, _parent in refs
    )
    name = f"{PREFIX}_guard_{_short(parent, child)}"
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{checks}
    RETURN NULL;
END $$;
CREATE TRIGGER {PREFIX}_from_{child} AFTER DELETE ON "{parent}"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""


def _by(refs: Iterable[Reference], *keys: int) -> dict[tuple[str, ...], list[Reference]]:
    out: dict[tuple[str, ...], list[Reference]] = {}
    for ref in refs:
        out.setdefault(tuple(ref[k] for k in keys), []).append(ref)
    return out


def install(schema_editor: Any, models: dict[str, Any], references: Iterable[Reference]) -> None:
    """Replace the foreign keys of `references` by statement-level checks.
    `models`: referencing table -> model (for the constraint names)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    refs = list(references)
    for child, column, _parent in refs:
        for name in schema_editor._constraint_names(models[child], [column], foreign_key=True):
            schema_editor.execute(
                f'ALTER TABLE "{child}" DROP CONSTRAINT {schema_editor.quote_name(name)}'
            )
    for (child,), group in _by(refs, 0).items():
        schema_editor.execute(_check_sql(child, group))
    for (parent, child), group in _by(refs, 2, 0).items():
        schema_editor.execute(_guard_sql(parent, child, group))


def uninstall(schema_editor: Any, models: dict[str, Any], references: Iterable[Reference]) -> None:
    """Drop the triggers and put the foreign keys back."""
    if schema_editor.connection.vendor != "postgresql":
        return
    refs = list(references)
    for (child,), _group in _by(refs, 0).items():
        for trigger in ("insert", "update"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX}_{trigger} ON "{child}"')
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_check_{_short(child)}()")
    for (parent, child), _group in _by(refs, 2, 0).items():
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX}_from_{child} ON "{parent}"')
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_guard_{_short(parent, child)}()")
    for child, column, _parent in refs:
        model = models[child]
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


def operation(
    models: Callable[[Any], dict[str, Any]], references: Iterable[Reference]
) -> migrations.RunPython:
    """The migration operation: `install` forwards, `uninstall` backwards.
    `models(apps)` maps each referencing table to its historical model."""
    refs = tuple(references)

    def forwards(apps: Any, schema_editor: Any) -> None:
        install(schema_editor, models(apps), refs)

    def backwards(apps: Any, schema_editor: Any) -> None:
        uninstall(schema_editor, models(apps), refs)

    return migrations.RunPython(forwards, backwards)
