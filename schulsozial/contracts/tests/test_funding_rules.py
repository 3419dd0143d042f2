"""The NRW funding caps (issue 15): the pure check and where budgets and
cost rates are entered (masterdata services and forms)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from schulsozial.contracts.funding_rules import (
    FundingCaps,
    check_cost_rate,
    check_stream,
    funded_per_fte,
)
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata import services as mservices
from schulsozial.masterdata.models import FundingBudget, FundingStream

CAPS = FundingCaps()
D = Decimal


def codes(findings):
    return [(f.code, f.severity) for f in findings]


def test_a_land_grant_at_90_percent_is_an_error():
    found = check_stream(
        kind="land", share_percent=D("90"), max_eligible_per_fte=D("70000"), caps=CAPS
    )
    assert codes(found) == [("share_above_max", "error")]
    assert found[0].field == "funding_share_percent"


def test_a_land_stream_without_a_cap_at_90_percent_is_a_warning_land_employees_are_paid_in_full():
    found = check_stream(kind="land", share_percent=D("90"), max_eligible_per_fte=None, caps=CAPS)
    assert codes(found) == [("share_above_max", "warning")]


def test_the_warning_on_a_land_stream_at_100_percent_without_a_cap_does_not_say_impossible():
    from django.utils import translation

    from schulsozial.contracts.funding_checks import finding_text

    (warning,) = check_stream(
        kind="land", share_percent=D("100"), max_eligible_per_fte=None, caps=CAPS
    )
    (error,) = check_stream(
        kind="land", share_percent=D("100"), max_eligible_per_fte=D("70000"), caps=CAPS
    )
    with translation.override("de"):
        assert finding_text(warning) == (
            "Nach der Förderrichtlinie zahlt das Land höchstens 80 % der förderfähigen Kosten; "
            "100 % passt nur zu Stellen von Landesbediensteten (Landesstellen), die das Land "
            "ganz bezahlt. Bitte prüfen."
        )
        assert finding_text(error).endswith("100 % ist nicht möglich.")


def test_a_land_stream_at_80_percent_and_70000_passes():
    assert (
        check_stream(kind="land", share_percent=D("80"), max_eligible_per_fte=D("70000"), caps=CAPS)
        == []
    )


def test_eligible_costs_of_90000_per_fte_are_an_error_above_the_justified_cap():
    found = check_stream(
        kind="land", share_percent=D("80"), max_eligible_per_fte=D("90000"), caps=CAPS
    )
    assert codes(found) == [("eligible_above_justified", "error")]


def test_eligible_costs_of_80000_are_a_justified_case_to_confirm():
    found = check_stream(
        kind="land", share_percent=None, max_eligible_per_fte=D("80000"), caps=CAPS
    )
    assert codes(found) == [("eligible_justified", "warning")]


def test_kamens_cost_rate_of_72000_against_the_70000_cap_is_a_warning():
    found = check_cost_rate(
        kind="land", cost_per_fte=D("72000"), max_eligible_per_fte=D("70000"), caps=CAPS
    )
    assert codes(found) == [("rate_above_cap", "warning")]
    assert found[0].args["own"] == D("2000")
    assert (
        check_cost_rate(kind="land", cost_per_fte=D("70000"), max_eligible_per_fte=None, caps=CAPS)
        == []
    )


def test_kamens_municipal_stream_passing_on_land_funding_is_held_to_its_cap():
    found = check_cost_rate(
        kind="municipal", cost_per_fte=D("72000"), max_eligible_per_fte=D("70000"), caps=CAPS
    )
    assert codes(found) == [("rate_above_cap", "warning")]


def test_municipal_streams_are_not_checked_against_the_land_rule():
    assert (
        check_stream(
            kind="municipal", share_percent=D("100"), max_eligible_per_fte=D("95000"), caps=CAPS
        )
        == []
    )
    assert (
        check_cost_rate(
            kind="municipal", cost_per_fte=D("95000"), max_eligible_per_fte=None, caps=CAPS
        )
        == []
    )


def test_the_land_pays_80_percent_of_at_most_70000():
    assert funded_per_fte(
        kind="land",
        cost_per_fte=D("72000"),
        share_percent=D("90"),
        max_eligible_per_fte=D("70000"),
        caps=CAPS,
    ) == D("56000.00")
    assert funded_per_fte(
        kind="land",
        cost_per_fte=D("60000"),
        share_percent=D("50"),
        max_eligible_per_fte=None,
        caps=CAPS,
    ) == D("30000.00")


def test_the_caps_are_configurable_per_municipality(world):
    from schulsozial.contracts import services
    from schulsozial.contracts.selectors import caps_for

    services.contract_settings_set(
        municipality=world.town,
        by=SYSTEM,
        land_max_share_percent=D("90"),
        land_max_eligible_per_fte_eur=D("70000"),
        land_max_eligible_justified_eur=D("80000"),
    )
    assert caps_for(world.town).max_share_percent == D("90")
    assert caps_for(world.other_town).max_share_percent == D("80")


# --------------------------------------------------------------------------- services


def test_the_service_refuses_a_land_stream_at_90_percent(world):
    with pytest.raises(ValidationError) as error:
        mservices.funding_stream_create(
            by=SYSTEM,
            municipality=world.town,
            code="L90",
            name="Land 90",
            kind=FundingStream.Kind.LAND,
            funding_share_percent=D("90"),
            max_eligible_per_fte=D("70000"),
        )
    assert error.value.message_dict["funding_share_percent"] == [
        "Das Land zahlt höchstens 80 % der förderfähigen Kosten; 90 % ist nicht möglich."
    ]
    assert not FundingStream.objects.filter(code="L90").exists()


def test_the_service_refuses_eligible_costs_of_90000(world):
    with pytest.raises(ValidationError) as error:
        mservices.funding_stream_update(
            stream=world.stream,
            by=SYSTEM,
            max_eligible_per_fte=D("90000"),
            confirm_rule_warnings=True,
        )
    assert "90.000 €" in error.value.message_dict["max_eligible_per_fte"][0]
    world.stream.refresh_from_db()
    assert world.stream.max_eligible_per_fte is None


def test_a_cost_rate_above_the_cap_needs_a_confirmation_and_is_audited(world):
    mservices.funding_stream_update(stream=world.stream, by=SYSTEM, max_eligible_per_fte=D("70000"))
    with pytest.raises(ValidationError) as error:
        mservices.budget_set(
            stream=world.stream,
            school_year=world.year,
            available_eur=D("1000"),
            cost_per_fte_eur=D("72000"),
            by=SYSTEM,
            confirm_rule_warnings=False,
        )
    (text, hint) = error.value.message_dict["__all__"]
    assert hint.startswith("Prüfen Sie die Eingabe")
    assert text == (
        "Der Kostensatz von 72.000 € je VZÄ liegt über den förderfähigen 70.000 €: "
        "auf die 2.000 € darüber zahlt das Land nichts."
    )
    assert FundingBudget.objects.get(stream=world.stream).cost_per_fte_eur == D("70000")
    mservices.budget_set(
        stream=world.stream,
        school_year=world.year,
        available_eur=D("1000"),
        cost_per_fte_eur=D("72000"),
        by=SYSTEM,
        confirm_rule_warnings=True,
    )
    assert FundingBudget.objects.get(stream=world.stream).cost_per_fte_eur == D("72000")
    entry = AuditEntry.objects.filter(object_type="masterdata.fundingbudget").latest("pk")
    assert entry.changes == {"funding_rule_warnings_confirmed": [text]}


# --------------------------------------------------------------------------- forms


def test_the_budget_form_asks_to_confirm_kamens_72000(world, client_for):
    client = client_for("coordinator")
    url = reverse("masterdata:funding_budget", args=[world.stream.pk])
    data = {"school_year": world.year.pk, "available_eur": "100000", "cost_per_fte_eur": "72000"}
    response = client.post(url, data)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Der Kostensatz von 72.000 € je VZÄ liegt über den förderfähigen 70.000 €" in body
    assert FundingBudget.objects.get(stream=world.stream).cost_per_fte_eur == D("70000")
    response = client.post(url, {**data, "confirm_rule_warnings": "on"})
    assert response.status_code == 302
    assert FundingBudget.objects.get(stream=world.stream).cost_per_fte_eur == D("72000")


def test_the_stream_form_refuses_90_percent_even_when_confirmed(world, client_for):
    client = client_for("coordinator")
    url = reverse("masterdata:funding_update", args=[world.stream.pk])
    response = client.post(
        url,
        {
            "code": "FRL",
            "name": "Förderrichtlinie",
            "kind": "land",
            "funding_share_percent": "90",
            "max_eligible_per_fte": "70000",
            "active": "on",
            "confirm_rule_warnings": "on",
        },
    )
    assert response.status_code == 200
    assert (
        "höchstens 80 % der förderfähigen Kosten; 90 % ist nicht möglich"
        in response.content.decode()
    )
    world.stream.refresh_from_db()
    assert world.stream.funding_share_percent == D("80")
