"""Database guard: the hours a position assigns to schools never exceed the
position's hours. The services check the same rule with a readable message;
these triggers catch writes that bypass the services (admin, shell, SQL)."""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER masterdata_assignment_hours_insert
    BEFORE INSERT ON masterdata_positionassignment
    WHEN (SELECT COALESCE(SUM(weekly_hours), 0) FROM masterdata_positionassignment
          WHERE position_id = NEW.position_id) + NEW.weekly_hours
         > (SELECT weekly_hours FROM masterdata_position WHERE id = NEW.position_id) + 0.0001
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assigned hours exceed the position''s hours'); END
    """,
    """
    CREATE TRIGGER masterdata_assignment_hours_update
    BEFORE UPDATE OF weekly_hours, position_id ON masterdata_positionassignment
    WHEN (SELECT COALESCE(SUM(weekly_hours), 0) FROM masterdata_positionassignment
          WHERE position_id = NEW.position_id AND id != OLD.id) + NEW.weekly_hours
         > (SELECT weekly_hours FROM masterdata_position WHERE id = NEW.position_id) + 0.0001
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assigned hours exceed the position''s hours'); END
    """,
    """
    CREATE TRIGGER masterdata_position_hours_update
    BEFORE UPDATE OF weekly_hours ON masterdata_position
    WHEN (SELECT COALESCE(SUM(weekly_hours), 0) FROM masterdata_positionassignment
          WHERE position_id = NEW.id) > NEW.weekly_hours + 0.0001
    BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: assigned hours exceed the position''s hours'); END
    """,
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS masterdata_assignment_hours_insert",
    "DROP TRIGGER IF EXISTS masterdata_assignment_hours_update",
    "DROP TRIGGER IF EXISTS masterdata_position_hours_update",
]

POSTGRES = [
    """
    CREATE OR REPLACE FUNCTION masterdata_check_assignment_hours() RETURNS trigger AS $$
    DECLARE
        pid bigint;
        assigned numeric;
        capacity numeric;
    BEGIN
        IF TG_TABLE_NAME = 'masterdata_position' THEN pid := NEW.id; ELSE pid := NEW.position_id; END IF;
        SELECT COALESCE(SUM(weekly_hours), 0) INTO assigned
          FROM masterdata_positionassignment WHERE position_id = pid;
        SELECT weekly_hours INTO capacity FROM masterdata_position WHERE id = pid;
        IF assigned > capacity THEN
            RAISE EXCEPTION 'assigned hours (%) exceed the position''s hours (%)', assigned, capacity
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER masterdata_assignment_hours
    AFTER INSERT OR UPDATE ON masterdata_positionassignment
    FOR EACH ROW EXECUTE FUNCTION masterdata_check_assignment_hours()
    """,
    """
    CREATE CONSTRAINT TRIGGER masterdata_position_hours
    AFTER UPDATE OF weekly_hours ON masterdata_position
    FOR EACH ROW EXECUTE FUNCTION masterdata_check_assignment_hours()
    """,
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS masterdata_assignment_hours ON masterdata_positionassignment",
    "DROP TRIGGER IF EXISTS masterdata_position_hours ON masterdata_position",
    "DROP FUNCTION IF EXISTS masterdata_check_assignment_hours()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("masterdata", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
