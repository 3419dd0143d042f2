# The rollups are maintained in the transaction of each write again (issue 12):
# the queue of records waiting for them goes.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("statistics", "0006_rollup_queue"),
    ]

    operations = [
        migrations.DeleteModel(name="PendingRollup"),
    ]
