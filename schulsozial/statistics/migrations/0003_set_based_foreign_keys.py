"""A no-op now (issue 12). It once replaced, on PostgreSQL, the foreign keys
of the rollup tables by statement-level triggers (the removed
core/foreign_keys.py); 0008_real_foreign_keys drops those triggers where a
database still has them and restores the constraints. The references below
are those foreign keys, as the models declare them."""

from django.db import migrations

TABLES = {
    "statistics_activityrollup": "ActivityRollup",
    "statistics_dimensionrollup": "DimensionRollup",
    "statistics_caserollup": "CaseRollup",
    "statistics_schoolrollup": "SchoolRollup",
    "statistics_schoolcaserollup": "SchoolCaseRollup",
}
_PLACE = (
    ("municipality_id", "masterdata_municipality"),
    ("school_id", "masterdata_school"),
    ("carrier_id", "masterdata_carrier"),
    ("worker_id", "masterdata_staffmember"),
)
# (referencing table, column, referenced table), as the models declare them;
# activities/tests/test_foreign_keys.py checks this list against the models.
REFERENCES = (
    *((table, column, parent) for table in list(TABLES)[:3] for column, parent in _PLACE),
    ("statistics_activityrollup", "activity_type_id", "activities_catalogueentry"),
    ("statistics_activityrollup", "target_group_id", "activities_catalogueentry"),
    ("statistics_dimensionrollup", "entry_id", "activities_catalogueentry"),
    *((table, column, parent) for table in list(TABLES)[3:] for column, parent in _PLACE[:2]),
)


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0002_school_rollups"),
        ("activities", "0004_set_based_foreign_keys"),
    ]

    operations = []  # see the docstring
