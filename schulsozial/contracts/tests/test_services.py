"""Contract services: validation, extensions, permissions, the masterdata
fields kept in step, the audit."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from schulsozial.contracts import services
from schulsozial.contracts.models import Contract, Reason
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

from .factories import contracts_for_world

D = datetime.date
DAY = datetime.timedelta(days=1)


def make(world, member, start, end, *, by=SYSTEM, reason=Reason.PROJECT):
    return services.contract_create(
        staff=member,
        start=start,
        end=end,
        weekly_hours=Decimal("19.5"),
        reason=reason if end else "",
        by=by,
    )


def test_the_end_must_lie_after_the_start(world):
    member = world.staff[0]
    with pytest.raises(ValidationError) as error:
        make(world, member, D(2020, 8, 1), D(2020, 8, 1))
    assert error.value.message_dict["end"] == ["Das Ende muss nach dem Beginn liegen."]
    assert not Contract.objects.exists()


def test_contracts_of_one_person_must_not_overlap(world):
    member = world.staff[0]
    make(world, member, D(2020, 8, 1), D(2022, 7, 31))
    with pytest.raises(ValidationError) as error:
        make(world, member, D(2022, 7, 31), None)
    assert error.value.message_dict["start"] == [
        "Fachkraft T-01 hat bereits einen Vertrag vom 01.08.2020 bis 31.07.2022; "
        "Verträge einer Person dürfen sich nicht überschneiden."
    ]
    make(world, member, D(2022, 8, 1), None)  # the day after is fine
    assert Contract.objects.filter(staff_member=member).count() == 2


def test_an_open_contract_overlaps_every_later_one(world):
    member = world.staff[0]
    make(world, member, D(2020, 8, 1), None)
    with pytest.raises(ValidationError):
        make(world, member, D(2030, 8, 1), D(2031, 7, 31))


def test_a_fixed_term_needs_a_reason_and_other_needs_its_text(world):
    member = world.staff[0]
    with pytest.raises(ValidationError) as error:
        make(world, member, D(2020, 8, 1), D(2021, 7, 31), reason="")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make(world, member, D(2020, 8, 1), D(2021, 7, 31), reason=Reason.OTHER)
    assert error.value.message_dict["reason_text"] == ["Beschreiben Sie den anderen Grund."]


def test_the_kind_and_the_fte_follow_from_the_end_and_the_hours(world):
    contract = make(world, world.staff[0], D(2020, 8, 1), D(2021, 7, 31))
    assert contract.kind == Contract.Kind.FIXED_TERM
    assert contract.fte == Decimal("0.5000")
    permanent = make(world, world.staff[2], D(2020, 8, 1), None)
    assert permanent.kind == Contract.Kind.PERMANENT


def test_an_extension_must_lie_after_the_current_end(world):
    contract = make(world, world.staff[0], D(2020, 8, 1), D(2022, 7, 31))
    with pytest.raises(ValidationError) as error:
        services.contract_extend(
            contract=contract,
            new_end=D(2022, 7, 31),
            agreed_on=D(2022, 5, 1),
            reason=Reason.PROJECT,
            by=SYSTEM,
        )
    assert error.value.message_dict["new_end"] == [
        "Das neue Ende muss nach dem bisherigen Ende liegen, dem 31.07.2022."
    ]
    services.contract_extend(
        contract=contract,
        new_end=D(2024, 7, 31),
        agreed_on=D(2022, 5, 1),
        reason=Reason.PROJECT,
        by=SYSTEM,
    )
    contract.refresh_from_db()
    assert contract.end == D(2024, 7, 31)
    (ext,) = contract.extensions.all()
    assert (ext.previous_end, ext.new_end) == (D(2022, 7, 31), D(2024, 7, 31))


def test_an_extension_may_not_run_into_the_next_contract(world):
    member = world.staff[0]
    first = make(world, member, D(2020, 8, 1), D(2022, 7, 31))
    make(world, member, D(2023, 8, 1), None)
    with pytest.raises(ValidationError):
        services.contract_extend(
            contract=first,
            new_end=D(2023, 12, 31),
            agreed_on=D(2022, 5, 1),
            reason=Reason.PROJECT,
            by=SYSTEM,
        )


def test_an_extension_without_an_end_makes_the_contract_permanent(world):
    contract = make(world, world.staff[0], D(2020, 8, 1), D(2022, 7, 31))
    services.contract_extend(contract=contract, new_end=None, agreed_on=D(2022, 5, 1), by=SYSTEM)
    contract.refresh_from_db()
    assert (contract.kind, contract.end, contract.reason) == ("permanent", None, "")
    with pytest.raises(ValidationError):
        services.contract_extend(
            contract=contract, new_end=None, agreed_on=D(2022, 5, 2), by=SYSTEM
        )


def test_the_staff_members_contract_fields_follow_the_running_contract(world):
    member = world.staff[0]
    today = timezone.localdate()
    make(world, member, today - datetime.timedelta(days=100), today + datetime.timedelta(days=50))
    member.refresh_from_db()
    assert member.contract_end == today + datetime.timedelta(days=50)


def test_only_the_employer_writes_contracts(world):
    member = world.staff[1]  # Träger A
    with pytest.raises(PermissionDenied):
        make(world, member, D(2020, 8, 1), None, by=world.users["coordinator"])
    with pytest.raises(PermissionDenied):
        make(world, world.staff[3 - 1], D(2020, 8, 1), None, by=world.users["carrier"])  # Träger B
    contract = make(world, member, D(2020, 8, 1), None, by=world.users["carrier"])
    with pytest.raises(PermissionDenied):
        services.contract_update(contract=contract, pay_group="S 12", by=world.users["coordinator"])
    services.contract_update(contract=contract, pay_group="S 12", by=world.users["carrier"])
    contract.refresh_from_db()
    assert contract.pay_group == "S 12"


def test_writes_are_audited(world):
    contract = contracts_for_world(world)[1]
    services.contract_extend(
        contract=contract,
        new_end=contract.end + datetime.timedelta(days=365),
        agreed_on=timezone.localdate(),
        reason=Reason.FUNDING_ENDS,
        by=world.users["carrier"],
    )
    entries = AuditEntry.objects.filter(
        object_type="contracts.contract", object_id=str(contract.pk)
    )
    assert [e.action for e in entries.order_by("pk")] == ["create", "update"]
    assert entries.order_by("pk").last().actor == world.users["carrier"]


def test_a_contract_that_ended_more_than_three_months_ago_is_not_extended(world):
    today = timezone.localdate()
    carrier = world.users["carrier"]
    contract = make(world, world.staff[1], today - 900 * DAY, today - 93 * DAY)
    for agreed_on in (today, contract.end - 10 * DAY):  # a back-dated agreement too
        with pytest.raises(ValidationError) as error:
            services.contract_extend(
                contract=contract,
                new_end=today + 365 * DAY,
                agreed_on=agreed_on,
                reason=Reason.PROJECT,
                by=carrier,
            )
        assert error.value.message_dict["new_end"] == [
            f"Der Vertrag endete am {contract.end:%d.%m.%Y}, vor mehr als 92 Tagen; "
            "erfassen Sie einen neuen Vertrag statt einer Verlängerung."
        ]
    with pytest.raises(ValidationError):  # nor made permanent
        services.contract_extend(contract=contract, new_end=None, agreed_on=today, by=carrier)
    contract.refresh_from_db()
    assert contract.end == today - 93 * DAY and not contract.extensions.exists()


def test_a_contract_that_ended_within_three_months_is_extended(world):
    today = timezone.localdate()
    contract = make(world, world.staff[1], today - 900 * DAY, today - 92 * DAY)
    services.contract_extend(
        contract=contract,
        new_end=today + 365 * DAY,
        agreed_on=today,
        reason=Reason.PROJECT,
        by=world.users["carrier"],
    )
    contract.refresh_from_db()
    assert contract.end == today + 365 * DAY


def test_a_contract_with_a_later_contract_is_not_extended(world):
    today = timezone.localdate()
    member = world.staff[1]
    first = make(world, member, today - 900 * DAY, today - 30 * DAY)
    make(world, member, today + 10 * DAY, today + 400 * DAY)
    with pytest.raises(ValidationError) as error:
        services.contract_extend(  # would not even reach the later contract
            contract=first,
            new_end=today + DAY,
            agreed_on=today,
            reason=Reason.PROJECT,
            by=world.users["carrier"],
        )
    assert error.value.message_dict["new_end"] == [
        "Fachkraft T-02 hat bereits einen späteren Vertrag; verlängern Sie diesen."
    ]
    with pytest.raises(ValidationError):
        services.contract_extend(contract=first, new_end=None, agreed_on=today, by=SYSTEM)


def test_the_platform_records_an_old_extension_as_of_its_agreement(world):
    # The demo and data migrations load history: the window counts from the
    # day the extension was agreed, not from today.
    contract = make(world, world.staff[1], D(2018, 8, 1), D(2020, 7, 31))
    services.contract_extend(
        contract=contract,
        new_end=D(2022, 7, 31),
        agreed_on=D(2020, 6, 1),
        reason=Reason.PROJECT,
        by=SYSTEM,
    )
    contract.refresh_from_db()
    assert contract.end == D(2022, 7, 31)
    with pytest.raises(ValidationError):
        services.contract_extend(
            contract=contract,
            new_end=D(2024, 7, 31),
            agreed_on=D(2022, 11, 1),  # 93 days after the end
            reason=Reason.PROJECT,
            by=SYSTEM,
        )
