"""Formerly replaced the PostgreSQL foreign keys of the records, their topics
and participant counts by statement-level triggers (the deleted
schulsozial/core/foreign_keys.py). Now it does nothing: a new database keeps
the foreign keys Django declares, and 0006_restore_foreign_keys drops the
triggers of a database that ran the old version and puts the foreign keys
back. Kept so that the migration graph stays the same."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_lean_record_indexes"),
        ("accounts", "0002_initial"),
        ("masterdata", "0003_municipality_activity_correction_days_and_more"),
    ]

    operations: list[migrations.operations.base.Operation] = []
