"""Seed one contract per existing staff member from its masterdata fields
(contract start and end, weekly hours, FTE, employer), so that an existing
platform starts with a contract history. The funding stream is that of the
person's positions where they all share one; the reason of a fixed term was
never recorded and stays empty. Staff who already have a contract are
skipped, so running it on a database with contracts changes nothing."""

from django.db import migrations


def seed(apps, schema_editor):
    StaffMember = apps.get_model("masterdata", "StaffMember")
    Position = apps.get_model("masterdata", "Position")
    Contract = apps.get_model("contracts", "Contract")
    with_contract = set(Contract.objects.values_list("staff_member_id", flat=True))
    new = []
    for staff in StaffMember.objects.exclude(pk__in=with_contract).iterator():
        streams = set(
            Position.objects.filter(staff_member_id=staff.pk).values_list(
                "funding_stream_id", flat=True
            )
        )
        new.append(
            Contract(
                staff_member_id=staff.pk,
                carrier_id=staff.carrier_id,
                kind="fixed_term" if staff.contract_end else "permanent",
                start=staff.contract_start,
                end=staff.contract_end,
                funding_stream_id=streams.pop() if len(streams) == 1 else None,
                weekly_hours=staff.weekly_hours,
                fte=staff.fte,
                is_demo=staff.is_demo,
            )
        )
    Contract.objects.bulk_create(new)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0001_initial"),
        ("masterdata", "0003_municipality_activity_correction_days_and_more"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
