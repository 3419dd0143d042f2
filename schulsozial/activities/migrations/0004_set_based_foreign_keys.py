"""PostgreSQL: the foreign keys of the records, their topics and their
participant counts are checked once per statement instead of once per row
(schulsozial/core/foreign_keys.py explains how and why). SQLite keeps its
foreign keys."""

from django.db import migrations

from schulsozial.core import foreign_keys

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


def _models(apps):
    activity = apps.get_model("activities", "Activity")
    return {
        "activities_activity": activity,
        "activities_activity_topics": activity.topics.through,
        "activities_participantcount": apps.get_model("activities", "ParticipantCount"),
    }


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0003_lean_record_indexes"),
        ("accounts", "0002_initial"),
        ("masterdata", "0003_municipality_activity_correction_days_and_more"),
    ]

    operations = [foreign_keys.operation(_models, REFERENCES)]
