"""Real foreign-key constraints for the rollup tables again (issue 12).

Migration 0003 once replaced them on PostgreSQL by statement-level triggers
(core/foreign_keys.py, removed); 0003 is a no-op now, so a new database
keeps Django's constraints throughout. A database migrated before gets its
triggers and trigger functions dropped here (the names 0003 gave them) and
every missing constraint created as Django creates it (DEFERRABLE
INITIALLY DEFERRED). SQLite always kept its foreign keys: nothing to do.
"""

import hashlib

from django.db import migrations

MODELS = ("ActivityRollup", "DimensionRollup", "CaseRollup", "SchoolRollup", "SchoolCaseRollup")


def _short(*parts):
    """The suffix 0003 gave its trigger functions."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        model = apps.get_model("statistics", name)
        child = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if f.is_relation]
        for trigger in ("insert", "update"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS ss_fk_{trigger} ON "{child}"')
        schema_editor.execute(f"DROP FUNCTION IF EXISTS ss_fk_check_{_short(child)}()")
        for parent in sorted({f.related_model._meta.db_table for f in fields}):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS ss_fk_from_{child} ON "{parent}"')
            schema_editor.execute(f"DROP FUNCTION IF EXISTS ss_fk_guard_{_short(parent, child)}()")
        for field in fields:
            if not schema_editor._constraint_names(model, [field.column], foreign_key=True):
                schema_editor.execute(
                    schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
                )


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0007_remove_rollup_queue"),
    ]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop)]
