"""The transition period of a framework version (issue 13): school concepts
approved on an earlier version stay valid for `transition_months` after the
adoption. The version adopted now gets the default period from its decision
date. School concepts that are no longer acknowledged lose the
acknowledgement date and review date of their previous round."""

import calendar

import django.core.validators
from django.db import migrations, models

DEFAULT_MONTHS = 6


def add_months(day, months):
    years, month = divmod(day.month - 1 + months, 12)
    year = day.year + years
    return day.replace(
        year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1])
    )


def forwards(apps, schema_editor):
    FrameworkVersion = apps.get_model("concepts", "FrameworkVersion")
    SchoolConcept = apps.get_model("concepts", "SchoolConcept")
    for version in FrameworkVersion.objects.filter(status="adopted", decision_date__isnull=False):
        version.transition_until = add_months(version.decision_date, DEFAULT_MONTHS)
        version.save(update_fields=["transition_until"])
    SchoolConcept.objects.exclude(status="acknowledged").update(
        acknowledged_at=None, review_due=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("concepts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="frameworkversion",
            name="transition_months",
            field=models.PositiveSmallIntegerField(
                default=DEFAULT_MONTHS,
                help_text="After the adoption, school concepts approved on an earlier version stay valid for this many months (0: no transition period).",
                validators=[django.core.validators.MaxValueValidator(36)],
                verbose_name="transition period (months)",
            ),
        ),
        migrations.AddField(
            model_name="frameworkversion",
            name="transition_until",
            field=models.DateField(
                blank=True,
                null=True,
                verbose_name="school concepts on earlier versions valid until",
            ),
        ),
        migrations.AddConstraint(
            model_name="frameworkversion",
            constraint=models.CheckConstraint(
                condition=models.Q(transition_months__lte=36),
                name="framework_transition_at_most_36_months",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
