"""The role form (walk item AD-3, issue 13): municipality, carrier and
school were labelled "– optional" although the chosen role needs one of
them, which the user learnt only from the error. Now no scope field says
optional, each says which role needs it, and a missing scope is named."""

from __future__ import annotations

import re

import pytest

from schulsozial.accounts.models import Role, RoleAssignment
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db


def _label(page: str, field: str) -> str:
    found = re.search(rf'<label class="kern-label" for="id_{field}">(.*?)</label>', page, re.S)
    assert found, field
    return found.group(1)


def _hint(page: str, field: str) -> str:
    found = re.search(rf'<div class="kern-hint" id="id_{field}-hint">(.*?)</div>', page, re.S)
    assert found, field
    return found.group(1)


@pytest.mark.parametrize("address", ["/accounts/users/new/", "roles"])
def test_scope_fields_are_not_labelled_optional_and_say_which_role_needs_them(
    world, client_for, address
):
    if address == "roles":
        address = f"/accounts/users/{world.users['committee'].pk}/roles/new/"
    page = client_for("admin").get(address).content.decode()
    assert _label(page, "municipality") == "Kommune"
    assert _label(page, "carrier") == "Träger"
    assert _label(page, "school") == "Schule"
    assert "Benötigt für die Rollen Koordination, Gremium und Administration" in _hint(
        page, "municipality"
    )
    assert "Benötigt für die Rolle Träger;" in _hint(page, "carrier")
    assert "Benötigt für die Rollen Fachkraft und Schulleitung;" in _hint(page, "school")
    # The browser does not insist: most roles leave carrier and school empty.
    assert not re.search(r'<select name="(carrier|school)"[^>]*\brequired\b', page)


def test_a_missing_school_is_named_at_the_school_field(world, client_for):
    subject = world.users["committee"]
    response = client_for("admin").post(
        f"/accounts/users/{subject.pk}/roles/new/",
        {"role": Role.WORKER, "municipality": world.town.pk, "carrier": "", "school": ""},
    )
    assert response.status_code == 200
    page = response.content.decode()
    error = re.search(r'<p class="kern-error" id="id_school-error"[^>]*>(.*?)</p>', page, re.S)
    assert error
    assert "Die Rolle „Fachkraft“ braucht eine Angabe im Feld „Schule“." in error.group(1)
    assert not RoleAssignment.objects.filter(user=subject, role=Role.WORKER).exists()


def test_a_missing_carrier_is_named_at_the_carrier_field(world, client_for):
    subject = world.users["committee"]
    form = (
        client_for("admin")
        .post(
            f"/accounts/users/{subject.pk}/roles/new/",
            {"role": Role.CARRIER, "municipality": world.town.pk, "carrier": "", "school": ""},
        )
        .context["form"]
    )
    assert form.errors["carrier"] == ["Die Rolle „Träger“ braucht eine Angabe im Feld „Träger“."]
    assert "school" not in form.errors


def test_a_role_that_needs_neither_carrier_nor_school_is_saved_with_both_empty(world, client_for):
    subject = world.users["worker"]
    response = client_for("admin").post(
        f"/accounts/users/{subject.pk}/roles/new/",
        {"role": Role.COMMITTEE, "municipality": world.town.pk, "carrier": "", "school": ""},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=subject, role=Role.COMMITTEE)
    assert (assignment.municipality, assignment.carrier, assignment.school) == (
        world.town,
        None,
        None,
    )


def test_a_global_administrator_still_gives_a_global_administration_role(world, client):
    client.force_login(make_user("betrieb", Role.ADMINISTRATION))
    subject = world.users["committee"]
    page = client.get(f"/accounts/users/{subject.pk}/roles/new/").content.decode()
    assert "leer, ist Administration dann für alle Kommunen" in _hint(page, "municipality")
    response = client.post(
        f"/accounts/users/{subject.pk}/roles/new/",
        {"role": Role.ADMINISTRATION, "municipality": "", "carrier": "", "school": ""},
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.filter(
        user=subject, role=Role.ADMINISTRATION, municipality__isnull=True
    ).exists()
