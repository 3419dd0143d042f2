"""PostgreSQL: real foreign keys again for the records, their topics and
participant counts (DEFERRABLE INITIALLY DEFERRED, as Django declares them).
A database that ran the former 0004 has statement-level triggers instead:
they and their functions are dropped, and every foreign key the models
declare and the database lacks is created (a new database has them all, and
this does nothing). SQLite always kept its foreign keys."""

import hashlib

from django.db import migrations

# (referencing table, column, referenced table), as the models declare them;
# activities/tests/test_foreign_keys.py checks this list against the models.
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


def _short(*parts):
    """The former triggers' function name suffix."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:12]


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    activity = apps.get_model("activities", "Activity")
    models = {
        "activities_activity": activity,
        "activities_activity_topics": activity.topics.through,
        "activities_participantcount": apps.get_model("activities", "ParticipantCount"),
    }
    run = schema_editor.execute
    for child in sorted({child for child, _column, _parent in REFERENCES}):
        run(f'DROP TRIGGER IF EXISTS ss_fk_insert ON "{child}"')
        run(f'DROP TRIGGER IF EXISTS ss_fk_update ON "{child}"')
        run(f"DROP FUNCTION IF EXISTS ss_fk_check_{_short(child)}()")
    for parent, child in sorted({(parent, child) for child, _column, parent in REFERENCES}):
        run(f'DROP TRIGGER IF EXISTS ss_fk_from_{child} ON "{parent}"')
        run(f"DROP FUNCTION IF EXISTS ss_fk_guard_{_short(parent, child)}()")
    for child, column, _parent in REFERENCES:
        model = models[child]
        if schema_editor._constraint_names(model, [column], foreign_key=True):
            continue
        field = next(f for f in model._meta.concrete_fields if f.column == column)
        run(schema_editor._create_fk_sql(model, field, "_fk_%(to_table)s_%(to_column)s"))


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0005_import_records_without_client_id"),
    ]

    operations = [migrations.RunPython(restore, migrations.RunPython.noop, elidable=True)]
