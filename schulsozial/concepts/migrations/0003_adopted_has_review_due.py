"""An adopted framework version needs a review date; its decision is a linked
council paper from now on (issue 14), so the check no longer asks for the
decision date (council 0003 moves the decisions, concepts 0004 drops the fields)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("concepts", "0002_transition_period"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="frameworkversion",
            name="framework_adopted_has_decision",
        ),
        migrations.AddConstraint(
            model_name="frameworkversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "adopted"), _negated=True)
                | models.Q(("review_due__isnull", False)),
                name="framework_adopted_has_review_due",
            ),
        ),
    ]
