"""The pseudonymisation of a person (privacy/services.py) also replaces
the person's name in the text snapshot (object_repr) of entries about the
person's staff record and account: object_repr joins the maintainable
columns. Type and id of the object stay guarded, so an entry still names
what it concerned. Same mechanism as 0003 (core/append_only.py)."""

from django.db import migrations

GUARDED = (
    "id",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "municipality_id",
    "changes",
)
MAINTAINABLE = ("ip_address", "ip_shortened", "actor_label", "object_repr")
PREVIOUS_MAINTAINABLE = ("ip_address", "ip_shortened", "actor_label")


def _pg_function(maintainable):
    minus = " ".join(f"- '{c}'" for c in maintainable)
    return f"""
    CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF coalesce(current_setting('schulsozial.audit_maintenance', true), '') = 'on' THEN
            IF TG_OP = 'DELETE' THEN
                RETURN OLD;
            END IF;
            IF (to_jsonb(NEW) {minus}) = (to_jsonb(OLD) {minus}) THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'core_auditentry is append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """


def _sqlite_update_trigger(guarded):
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in guarded)
    return [
        "DROP TRIGGER IF EXISTS core_auditentry_no_update",
        f"""
        CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
        WHEN schulsozial_audit_maintenance() = 0 OR {changed}
        BEGIN SELECT RAISE(ABORT, 'core_auditentry is append-only: UPDATE refused'); END
        """,
    ]


def _run(maintainable):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            statements = [_pg_function(maintainable)]
        elif vendor == "sqlite":
            columns = GUARDED + tuple(c for c in MAINTAINABLE if c not in maintainable)
            statements = _sqlite_update_trigger(columns)
        else:
            statements = []
        for sql in statements:
            schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0004_audit_action_lockout")]

    operations = [
        migrations.RunPython(_run(MAINTAINABLE), _run(PREVIOUS_MAINTAINABLE)),
    ]
