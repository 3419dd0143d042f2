"""The municipality's assignment of schools to carriers (issue 15): the
service, the page for coordination and what the solver gets from it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.staffing import adapter, services
from schulsozial.staffing.models import SchoolCarrier

from .helpers import adopted_scenario

pytestmark = pytest.mark.django_db

URL = reverse("staffing:school_carriers")


def _owners(world) -> dict[int, int]:
    return dict(SchoolCarrier.objects.values_list("school_id", "carrier_id"))


def _field(school) -> str:
    return f"school_{school.pk}"


def test_set_and_clear_with_an_audit_entry_in_german_words(world):
    coordinator = world.users["coordinator"]
    s0, s2 = world.schools[0], world.schools[2]
    with translation.override("de"):
        changes = services.school_carriers_set(
            municipality=world.town,
            mapping={s0.pk: world.carrier.pk, s2.pk: world.other_carrier.pk},
            by=coordinator,
        )
    assert _owners(world) == {s0.pk: world.carrier.pk, s2.pk: world.other_carrier.pk}
    assert changes == sorted(
        [f"{s0.name}: kein fester Träger → Träger A", f"{s2.name}: kein fester Träger → Träger B"]
    )
    entry = AuditEntry.objects.filter(object_type="staffing.schoolcarrier").latest("pk")
    assert entry.actor == coordinator
    assert entry.municipality_id == world.town.pk
    assert entry.changes == {"schools": changes}
    assert entry.object_repr == "Zuordnung der Schulen zu Trägern"

    with translation.override("de"):
        changes = services.school_carriers_set(
            municipality=world.town,
            mapping={s0.pk: None, s2.pk: world.carrier.pk},
            by=coordinator,
        )
    assert _owners(world) == {s2.pk: world.carrier.pk}
    assert changes == sorted(
        [f"{s0.name}: Träger A → kein fester Träger", f"{s2.name}: Träger B → Träger A"]
    )
    count = AuditEntry.objects.filter(object_type="staffing.schoolcarrier").count()
    # The same mapping again changes nothing and writes no entry.
    assert (
        services.school_carriers_set(
            municipality=world.town, mapping={s0.pk: None, s2.pk: world.carrier.pk}, by=SYSTEM
        )
        == []
    )
    assert AuditEntry.objects.filter(object_type="staffing.schoolcarrier").count() == count


def test_a_carrier_of_another_municipality_is_refused_naming_the_school(world):
    school = world.schools[1]
    with translation.override("de"), pytest.raises(ValidationError) as exc:
        services.school_carriers_set(
            municipality=world.town, mapping={school.pk: world.foreign_carrier.pk}, by=SYSTEM
        )
    assert school.name in exc.value.messages[0]
    assert "nicht" in exc.value.messages[0]
    assert _owners(world) == {}


def test_another_municipalitys_school_and_other_roles_are_refused(world):
    with pytest.raises(ValidationError):
        services.school_carriers_set(
            municipality=world.town,
            mapping={world.other_school.pk: world.carrier.pk},
            by=SYSTEM,
        )
    for persona in ("carrier", "worker", "principal", "committee", "admin"):
        with pytest.raises(PermissionDenied):
            services.school_carriers_set(
                municipality=world.town,
                mapping={world.schools[0].pk: world.carrier.pk},
                by=world.users[persona],
            )
    assert _owners(world) == {}


def test_the_adapter_gives_the_solver_the_carrier_of_the_school(world):
    school = world.schools[3]
    services.school_carriers_set(
        municipality=world.town, mapping={school.pk: world.other_carrier.pk}, by=SYSTEM
    )
    plan = services.plan_create(scenario=adopted_scenario(world), by=SYSTEM)
    problem = adapter.build_problem(plan)
    carriers = {s["id"]: s.get("carrier") for s in problem["schools"]}
    assert carriers[school.school_number] == "Träger B"
    assert carriers[world.schools[0].school_number] is None


def test_page_lists_the_own_schools_saves_all_at_once_and_warns_of_conflicts(world, client_for):
    client = client_for("coordinator")
    page = client.get(URL).content.decode()
    for school in world.schools:
        assert school.name in page
    assert world.other_school.name not in page
    assert "Träger C" not in page  # the other municipality's carrier is not offered
    assert "kein fester Träger" in page
    assert 'data-conflicts="' not in page

    data = {_field(s): "" for s in world.schools}
    data[_field(world.schools[2])] = str(world.carrier.pk)
    data[_field(world.schools[0])] = str(world.other_carrier.pk)
    response = client.post(URL, data)
    assert response.status_code == 302
    assert _owners(world) == {
        world.schools[2].pk: world.carrier.pk,
        world.schools[0].pk: world.other_carrier.pk,
    }
    page = client.get(URL).content.decode()
    # T-03 (Träger B) works at school 2 (now Träger A); T-01 (Träger A) at school 0 (now B).
    assert 'data-conflicts="2"' in page
    assert 'data-conflict="Fachkraft T-03"' in page
    assert 'data-conflict="Fachkraft T-01"' in page
    assert 'data-conflict="Fachkraft T-02"' not in page
    assert "2 aktuelle Zuordnungen" in page
    assert "mit 29,25 Wochenstunden" in page and "mit 19,5 Wochenstunden" in page


def test_page_refuses_a_foreign_carrier_and_ignores_other_schools(world, client_for):
    client = client_for("coordinator")
    school = world.schools[1]
    data = {_field(s): "" for s in world.schools}
    data[_field(school)] = str(world.foreign_carrier.pk)
    data[_field(world.other_school)] = str(world.carrier.pk)
    response = client.post(URL, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{school.name}: Der Träger gehört nicht" in page
    assert _owners(world) == {}
    # Another municipality's school is no field of the form: never stored.
    data[_field(school)] = ""
    assert client.post(URL, data).status_code == 302
    assert _owners(world) == {}


def test_the_plan_pages_link_the_page_for_coordination_only(world, client_for):
    assert (
        'data-link="school-carriers"'
        in client_for("coordinator").get(reverse("staffing:plan_list")).content.decode()
    )
    assert (
        'data-link="school-carriers"'
        not in client_for("carrier").get(reverse("staffing:plan_list")).content.decode()
    )
    plan = services.plan_create(scenario=adopted_scenario(world), by=SYSTEM)
    assert (
        'data-link="school-carriers"'
        in client_for("coordinator").get(plan.get_absolute_url()).content.decode()
    )


def test_selectors_show_the_mapping_and_conflicts_only_to_its_coordination(world):
    from schulsozial.staffing import selectors

    services.school_carriers_set(
        municipality=world.town,
        mapping={world.schools[2].pk: world.carrier.pk},
        by=world.users["coordinator"],
    )
    data = selectors.school_carriers_of(user=world.users["coordinator"])
    assert data is not None and data.municipality == world.town
    assert data.schools == sorted(world.schools, key=lambda s: (s.name, s.pk))
    assert data.current == {world.schools[2].pk: world.carrier.pk}
    assert world.foreign_carrier not in data.carriers
    conflicts = selectors.school_carrier_conflicts(
        user=world.users["coordinator"], municipality=world.town
    )
    assert [c.staff for c in conflicts] == ["Fachkraft T-03"]
    for persona in ("carrier", "worker", "principal", "committee", "admin"):
        assert selectors.school_carriers_of(user=world.users[persona]) is None, persona
        assert (
            selectors.school_carrier_conflicts(user=world.users[persona], municipality=world.town)
            == []
        ), persona
