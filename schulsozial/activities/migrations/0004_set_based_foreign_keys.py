"""PostgreSQL: the foreign keys of the three high-volume tables (records,
their topics, their participant counts) are checked once per statement
instead of once per row.

A PostgreSQL foreign key checks every inserted row with its own query at
commit (Django makes them DEFERRABLE INITIALLY DEFERRED): about 7 µs each on
the reference machine, so a million-row import with its 2.1 million topic and
participant rows spent 60-120 s on 11 million checks alone (docs/performance.md).
Here each constraint becomes a pair of statement-level triggers that check
the same rule set-based:

* on the referencing table, AFTER INSERT and AFTER UPDATE with the
  statement's new rows as a transition table: every distinct non-null value
  must exist in the referenced table, and those rows are locked FOR KEY
  SHARE, as PostgreSQL's own check does, so that a concurrent delete waits
  for this transaction and then fails (below);
* on the referenced table, AFTER DELETE with the deleted rows: no
  referencing row may remain.

A violation raises SQLSTATE 23503 (foreign_key_violation), which Django
reports as IntegrityError, like a foreign key. The checks run at the end of
each statement rather than at commit; Django writes parents before children
and deletes children first, so nothing relied on the deferral. Primary keys
are never updated, so updates of referenced keys are not guarded.

Django's migration state keeps the fields as ordinary foreign keys (on
SQLite they stay real foreign keys, which cost little there). Any later
migration that alters one of these fields on PostgreSQL finds no foreign key
constraint to drop; it must recreate the triggers if it changes a column.
"""

from django.db import migrations

# (referencing table, column, referenced table): read from the models when
# the migration was written; the test suite checks it against them.
REFERENCES = (
    ("activities_activity", "school_id", "masterdata_school"),
    ("activities_activity", "worker_id", "masterdata_staffmember"),
    ("activities_activity", "author_id", "accounts_user"),
    ("activities_activity", "activity_type_id", "activities_catalogueentry"),
    ("activities_activity", "target_group_id", "activities_catalogueentry"),
    ("activities_activity", "contact_origin_id", "activities_catalogueentry"),
    ("activities_activity", "partner_id", "activities_catalogueentry"),
    ("activities_activity_topics", "activity_id", "activities_activity"),
    ("activities_activity_topics", "catalogueentry_id", "activities_catalogueentry"),
    ("activities_participantcount", "activity_id", "activities_activity"),
    ("activities_participantcount", "gender_id", "activities_catalogueentry"),
    ("activities_participantcount", "grade_band_id", "activities_catalogueentry"),
)
PREFIX = "ss_fk"


def _tables(index: int) -> list[str]:
    return sorted({ref[index] for ref in REFERENCES})


def _check_function(child: str) -> str:
    checks = []
    for table, column, parent in REFERENCES:
        if table != child:
            continue
        checks.append(
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
        )
    return f"""
CREATE OR REPLACE FUNCTION {PREFIX}_check_{child}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE wanted bigint; present bigint;
BEGIN{"".join(checks)}
    RETURN NULL;
END $$;
CREATE TRIGGER {PREFIX}_insert AFTER INSERT ON "{child}"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {PREFIX}_check_{child}();
CREATE TRIGGER {PREFIX}_update AFTER UPDATE ON "{child}"
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {PREFIX}_check_{child}();
"""


def _guard_function(parent: str) -> str:
    checks = []
    for child, column, table in REFERENCES:
        if table != parent:
            continue
        checks.append(
            f"""
    IF EXISTS (SELECT 1 FROM "{child}" c WHERE c."{column}" IN (SELECT id FROM old_rows)) THEN
        RAISE EXCEPTION 'delete on table "{parent}" violates foreign key "{column}" of table "{child}"'
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A deleted row is still referenced from table "{child}".';
    END IF;"""
        )
    return f"""
CREATE OR REPLACE FUNCTION {PREFIX}_guard_{parent}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{"".join(checks)}
    RETURN NULL;
END $$;
CREATE TRIGGER {PREFIX}_delete AFTER DELETE ON "{parent}"
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {PREFIX}_guard_{parent}();
"""


def _models(apps):
    names = {
        "activities_activity": ("activities", "Activity"),
        "activities_participantcount": ("activities", "ParticipantCount"),
    }
    out = {table: apps.get_model(*label) for table, label in names.items()}
    out["activities_activity_topics"] = out["activities_activity"].topics.through
    return out


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    models = _models(apps)
    for child, column, _parent in REFERENCES:
        model = models[child]
        for name in schema_editor._constraint_names(model, [column], foreign_key=True):
            schema_editor.execute(
                f'ALTER TABLE "{child}" DROP CONSTRAINT {schema_editor.quote_name(name)}'
            )
    for child in _tables(0):
        schema_editor.execute(_check_function(child))
    for parent in _tables(2):
        schema_editor.execute(_guard_function(parent))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for child in _tables(0):
        for trigger in ("insert", "update"):
            schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX}_{trigger} ON "{child}"')
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_check_{child}()")
    for parent in _tables(2):
        schema_editor.execute(f'DROP TRIGGER IF EXISTS {PREFIX}_delete ON "{parent}"')
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {PREFIX}_guard_{parent}()")
    models = _models(apps)
    for child, column, _parent in REFERENCES:
        model = models[child]
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        schema_editor.execute(
            schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s")
        )


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_lean_record_indexes"),
        ("accounts", "0001_initial"),
        ("masterdata", "0003_municipality_activity_correction_days_and_more"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
