"""The group mapping form (issue 13, as the role form in AD-3): carrier and
school were labelled "– optional" although the carrier, social worker and
principal roles need one of them. Now neither says optional, each says
which role needs it, and a missing scope is named at its field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from schulsozial.accounts.login_models import OIDCGroupMapping
from schulsozial.accounts.models import Role

from .test_role_form import _hint, _label

pytestmark = pytest.mark.django_db


@pytest.fixture
def url():
    return reverse("accounts:oidc_mappings")


def test_carrier_and_school_are_not_labelled_optional_and_say_which_role_needs_them(
    world, client_for, url
):
    page = client_for("admin").get(url).content.decode()
    assert _label(page, "carrier") == "Träger"
    assert _label(page, "school") == "Schule"
    assert "optional" not in page
    assert _hint(page, "carrier") == (
        "Benötigt für die Rolle Träger; bei allen anderen Rollen bleibt das Feld leer."
    )
    assert _hint(page, "school") == (
        "Benötigt für die Rollen Fachkraft und Schulleitung; "
        "bei allen anderen Rollen bleibt das Feld leer."
    )
    # The chosen role decides, not the browser.
    assert 'name="school" required' not in page and 'name="carrier" required' not in page


@pytest.mark.parametrize(
    ("role", "field", "message"),
    [
        (Role.CARRIER, "carrier", "Die Rolle „Träger“ braucht eine Angabe im Feld „Träger“."),
        (Role.WORKER, "school", "Die Rolle „Fachkraft“ braucht eine Angabe im Feld „Schule“."),
        (
            Role.PRINCIPAL,
            "school",
            "Die Rolle „Schulleitung“ braucht eine Angabe im Feld „Schule“.",
        ),
    ],
)
def test_a_missing_scope_is_named_at_its_field(world, client_for, url, role, field, message):
    data = {"municipality": world.town.pk, "group": "ss-x", "role": role}
    response = client_for("admin").post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors[field] == [message]
    assert message in response.content.decode()
    assert not OIDCGroupMapping.objects.exists()


def test_roles_without_carrier_or_school_are_saved_with_both_empty(world, client_for, url):
    data = {"municipality": world.town.pk, "group": "ss-koordination", "role": Role.COORDINATION}
    assert client_for("admin").post(url, data).status_code == 302
    mapping = OIDCGroupMapping.objects.get()
    assert (mapping.role, mapping.carrier, mapping.school) == (Role.COORDINATION, None, None)


def test_a_worker_mapping_with_its_school_is_saved(world, client_for, url):
    school = world.schools[0]
    data = {
        "municipality": world.town.pk,
        "group": "ss-fk",
        "role": Role.WORKER,
        "school": school.pk,
    }
    assert client_for("admin").post(url, data).status_code == 302
    assert OIDCGroupMapping.objects.get().school == school
