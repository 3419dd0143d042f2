"""Triggers that make core_auditentry append-only (core/append_only.py).

PostgreSQL: one row trigger before UPDATE or DELETE; it passes only inside
the maintenance mode (the transaction-local setting
schulsozial.audit_maintenance = 'on'), and then an UPDATE only when nothing
but the maintainable columns changed. SQLite: two triggers with RAISE(ABORT)
that ask the connection's function schulsozial_audit_maintenance().

A later migration that rebuilds core_auditentry on SQLite (Django's SQLite
schema editor copies the table for most ALTERs, and the copy has no
triggers) must run FORWARD again; core/tests/test_audit.py checks the
triggers exist after all migrations.
"""

from django.db import migrations

# Every column but the maintainable ones (AuditEntry.MAINTAINABLE).
GUARDED = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "municipality_id",
    "changes",
)
MAINTAINABLE = ("ip_address", "ip_shortened", "actor_label")

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF coalesce(current_setting('schulsozial.audit_maintenance', true), '') = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            IF (to_jsonb(NEW) - 'ip_address' - 'ip_shortened' - 'actor_label')
               = (to_jsonb(OLD) - 'ip_address' - 'ip_shortened' - 'actor_label') THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'core_auditentry is append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER core_auditentry_append_only
    BEFORE UPDATE OR DELETE ON core_auditentry
    FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only()",
]

_CHANGED = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in GUARDED)
SQLITE_FORWARD = [
    """
    CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
    WHEN schulsozial_audit_maintenance() = 0
    BEGIN SELECT RAISE(ABORT, 'core_auditentry is append-only: DELETE refused'); END
    """,
    f"""
    CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
    WHEN schulsozial_audit_maintenance() = 0 OR {_CHANGED}
    BEGIN SELECT RAISE(ABORT, 'core_auditentry is append-only: UPDATE refused'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete",
    "DROP TRIGGER IF EXISTS core_auditentry_no_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only_fields")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
