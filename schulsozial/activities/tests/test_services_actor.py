"""The catalogue and API token services decide their actor's permission
themselves (issue 12): a caller that skips the views (a command, another app,
a test) cannot write what the permission rules refuse, and no actor
(by=None) is refused too. The municipality's coordination keeps its
catalogues, the importing social worker remembers the file's category names,
a carrier creates and revokes its own keys (coordination revokes too), and
the platform (SYSTEM) may all of it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from schulsozial.accounts.models import Role
from schulsozial.activities import services
from schulsozial.activities.models import ApiToken, CatalogueEntry, ImportMapping
from schulsozial.activities.tests.factories import entry
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.testing.personas import make_user

pytestmark = pytest.mark.django_db


def _actor(world, name):
    if name == "none":
        return None
    if name == "system":
        return SYSTEM
    if name == "other_coordinator":
        return make_user("nachbar", Role.COORDINATION, municipality=world.other_town)
    if name == "other_carrier":
        return make_user("nachbar-traeger", Role.CARRIER, carrier=world.other_carrier)
    return world.users[name]


def _audit_count(object_type: str) -> int:
    return AuditEntry.objects.filter(object_type=object_type).count()


# --------------------------------------------------------------------------- catalogues

CATALOGUE_REFUSED = [
    "carrier",
    "worker",
    "principal",
    "committee",
    "admin",
    "other_coordinator",
    "none",
]


@pytest.mark.parametrize("name", CATALOGUE_REFUSED)
def test_default_catalogues_are_refused_to_who_does_not_coordinate_the_town(world, name):
    with pytest.raises(PermissionDenied):
        services.catalogues_ensure_defaults(municipality=world.town, by=_actor(world, name))
    assert not CatalogueEntry.objects.filter(municipality=world.town).exists()
    assert _audit_count("activities.catalogueentry") == 0


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_default_catalogues_are_written_by_coordination_and_the_platform(world, name):
    added = services.catalogues_ensure_defaults(municipality=world.town, by=_actor(world, name))
    assert added == CatalogueEntry.objects.filter(municipality=world.town).count() > 0


@pytest.mark.parametrize("name", CATALOGUE_REFUSED)
def test_catalogue_entry_add_is_refused_to_who_does_not_coordinate_the_town(dw, world, name):
    before = CatalogueEntry.objects.count(), _audit_count("activities.catalogueentry")
    with pytest.raises(PermissionDenied):
        services.catalogue_entry_add(
            municipality=world.town, kind="topic", label="Cybermobbing", by=_actor(world, name)
        )
    assert not CatalogueEntry.objects.filter(label="Cybermobbing").exists()
    assert (CatalogueEntry.objects.count(), _audit_count("activities.catalogueentry")) == before


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_catalogue_entry_add_is_written_by_coordination_and_the_platform(dw, world, name):
    added = services.catalogue_entry_add(
        municipality=world.town, kind="topic", label="Cybermobbing", by=_actor(world, name)
    )
    assert CatalogueEntry.objects.get(pk=added.pk).label == "Cybermobbing"
    assert AuditEntry.objects.filter(object_id=str(added.pk), action="create").exists()


@pytest.mark.parametrize("name", CATALOGUE_REFUSED)
def test_catalogue_entry_update_is_refused_to_who_does_not_coordinate_the_town(dw, world, name):
    topic = dw.entry("topic", "bullying")
    label, before = topic.label, _audit_count("activities.catalogueentry")
    with pytest.raises(PermissionDenied):
        services.catalogue_entry_update(
            entry=topic, label="Mobbing (neu)", retired=True, by=_actor(world, name)
        )
    topic.refresh_from_db()
    assert (topic.label, topic.retired) == (label, False)
    assert _audit_count("activities.catalogueentry") == before


def test_catalogue_entry_update_of_another_town_is_refused_to_the_coordinator(dw, world):
    foreign = dw.entry("topic", "bullying", municipality=world.other_town)
    label = foreign.label
    with pytest.raises(PermissionDenied):
        services.catalogue_entry_update(
            entry=foreign, label="Fremd", retired=False, by=world.users["coordinator"]
        )
    foreign.refresh_from_db()
    assert foreign.label == label


@pytest.mark.parametrize("name", ["coordinator", "system"])
def test_catalogue_entry_update_is_written_by_coordination_and_the_platform(dw, world, name):
    topic = dw.entry("topic", "bullying")
    services.catalogue_entry_update(
        entry=topic, label="Mobbing (neu)", retired=True, by=_actor(world, name)
    )
    topic.refresh_from_db()
    assert (topic.label, topic.retired) == ("Mobbing (neu)", True)


# --------------------------------------------------------------------------- import mappings

MAPPING_REFUSED = [
    "carrier",
    "foreign_worker",
    "principal",
    "committee",
    "admin",
    "other_coordinator",
    "none",
]


def _mapping_actor(world, name):
    if name == "foreign_worker":
        # A social worker of the neighbouring town imports into that town only.
        return _foreign_worker(world)
    return _actor(world, name)


def _foreign_worker(world):
    from schulsozial.masterdata import services as masterdata

    user = make_user("nachbar-fachkraft", Role.WORKER, school=world.other_school)
    masterdata.staff_update(staff=world.foreign_staff, user=user, by=SYSTEM)
    return user


def _map(world, by):
    return services.import_mapping_set(
        municipality=world.town,
        kind="activity_type",
        source_label="Beratungsgespräch",
        entry=entry(world.town, "activity_type", "counselling_pupil"),
        by=by,
    )


@pytest.mark.parametrize("name", MAPPING_REFUSED)
def test_import_mapping_is_refused_to_who_does_not_import_into_the_town(dw, world, name):
    with pytest.raises(PermissionDenied):
        _map(world, _mapping_actor(world, name))
    assert not ImportMapping.objects.exists()
    assert _audit_count("activities.importmapping") == 0


@pytest.mark.parametrize("name", ["worker", "system"])
def test_import_mapping_is_remembered_for_the_importing_worker_and_the_platform(dw, world, name):
    mapping = _map(world, _actor(world, name))
    assert ImportMapping.objects.get().entry == mapping.entry
    assert mapping.entry.code == "counselling_pupil"
    assert _audit_count("activities.importmapping") == 1


# --------------------------------------------------------------------------- API tokens

TOKEN_CREATE_REFUSED = [
    "coordinator",  # coordination sees and revokes keys, never creates one
    "worker",
    "principal",
    "committee",
    "admin",
    "other_coordinator",
    "other_carrier",
    "none",
]


@pytest.mark.parametrize("name", TOKEN_CREATE_REFUSED)
def test_api_token_create_is_refused_to_who_is_not_the_carrier(world, name):
    with pytest.raises(PermissionDenied):
        services.api_token_create(carrier=world.carrier, name="Fremd", by=_actor(world, name))
    assert not ApiToken.objects.exists()
    assert _audit_count("activities.apitoken") == 0


@pytest.mark.parametrize("name", ["carrier", "system"])
def test_api_token_create_is_done_by_the_carrier_and_the_platform(world, name):
    by = _actor(world, name)
    token, key = services.api_token_create(carrier=world.carrier, name="Fachsoftware", by=by)
    assert ApiToken.objects.get().pk == token.pk and key.startswith(token.prefix)
    assert token.created_by == (by if name == "carrier" else None)
    assert _audit_count("activities.apitoken") == 1


TOKEN_REVOKE_REFUSED = [
    "worker",
    "principal",
    "committee",
    "admin",
    "other_coordinator",
    "other_carrier",
    "none",
]


@pytest.mark.parametrize("name", TOKEN_REVOKE_REFUSED)
def test_api_token_revoke_is_refused_to_who_neither_owns_nor_coordinates(dw, world, name):
    before = _audit_count("activities.apitoken")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(token=dw.token, by=_actor(world, name))
    dw.token.refresh_from_db()
    assert not dw.token.revoked
    assert _audit_count("activities.apitoken") == before


@pytest.mark.parametrize("name", ["carrier", "coordinator", "system"])
def test_api_token_revoke_is_done_by_the_carrier_coordination_and_the_platform(dw, world, name):
    services.api_token_revoke(token=dw.token, by=_actor(world, name))
    dw.token.refresh_from_db()
    assert dw.token.revoked
    assert AuditEntry.objects.filter(
        object_type="activities.apitoken", changes={"revoked": [False, True]}
    ).exists()
