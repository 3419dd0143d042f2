# The rollups are maintained in the transaction of each write again (issue 12):
# the queue of records waiting for them goes. Records still in the queue
# were never added to the rollups, so dropping it would lose them from the
# statistics: the migration refuses while any wait, and says what to do.

from django.db import migrations

WAITING = (
    "{n} record(s) still wait in the rollup queue (statistics.PendingRollup) and "
    "would be missing from the statistics. Run `manage.py rollup_worker --once` "
    "with the previous version of schulsozial first (docs/operations.md: "
    "the upgrade that removes the rollup queue), then migrate again."
)


def refuse_while_records_wait(apps, schema_editor):
    waiting = apps.get_model("statistics", "PendingRollup").objects.using(
        schema_editor.connection.alias
    )
    n = waiting.count()
    if n:
        raise RuntimeError(WAITING.format(n=n))


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0006_rollup_queue"),
    ]

    operations = [
        migrations.RunPython(refuse_while_records_wait, migrations.RunPython.noop),
        migrations.DeleteModel(name="PendingRollup"),
    ]
