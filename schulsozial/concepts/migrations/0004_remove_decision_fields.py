"""The three decision fields of a framework version go: council 0003 moved
them into council papers (issue 14)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("concepts", "0003_adopted_has_review_due"),
        ("council", "0003_framework_decisions"),
    ]

    operations = [
        migrations.RemoveField(model_name="frameworkversion", name="decision_body"),
        migrations.RemoveField(model_name="frameworkversion", name="decision_date"),
        migrations.RemoveField(model_name="frameworkversion", name="paper_number"),
    ]
