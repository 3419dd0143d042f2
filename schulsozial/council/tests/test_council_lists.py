"""The page "Gremien und Vorlagenarten" (issue 14): add, rename, order and
remove committees and paper types; refusal when used; unique names; scoping
to the coordinated municipality; audit entries."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.council import selectors, services
from schulsozial.council.models import Committee, Consultation, PaperType
from schulsozial.council.tests.factories import paper


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _post(client, world, **data):
    return client.post(reverse("council:lists_change", args=[world.town.pk]), data, follow=True)


def test_page_lists_committees_and_types_and_is_linked(world, client_for):
    paper(world.town)
    client = client_for("coordinator")
    page = client.get(reverse("council:lists")).content.decode()
    assert "Gremien und Vorlagenarten" in page
    assert "Schulausschuss" in page and "Berichtsvorlage" in page
    listing = client.get(reverse("council:paper_list")).content.decode()
    assert reverse("council:lists") in listing
    assert (
        reverse("council:lists")
        not in client_for("committee").get(reverse("council:paper_list")).content.decode()
    )


def test_add_rename_remove_committee(world, client_for):
    client = client_for("coordinator")
    page = _post(client, world, op="committee_add", name="  Sozialausschuss ").content.decode()
    assert "Das Gremium „Sozialausschuss“ wurde angelegt." in page
    item = Committee.objects.get(municipality=world.town, name="Sozialausschuss")
    page = _post(client, world, op="committee_rename", pk=item.pk, name="Sozialausschuss neu")
    item.refresh_from_db()
    assert item.name == "Sozialausschuss neu"
    _post(client, world, op="committee_remove", pk=item.pk)
    assert not Committee.objects.filter(pk=item.pk).exists()
    actions = list(
        AuditEntry.objects.filter(object_type="council.committee", object_id=str(item.pk))
        .order_by("at", "pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    update = AuditEntry.objects.get(
        object_type="council.committee", object_id=str(item.pk), action="update"
    )
    assert update.changes == {"name": ["Sozialausschuss", "Sozialausschuss neu"]}
    assert update.actor_id == world.users["coordinator"].pk


def test_rename_keeps_consultations_and_used_committee_is_not_removed(world, client_for):
    item = paper(world.town)
    committee = Committee.objects.get(municipality=world.town, name="Schulausschuss")
    client = client_for("coordinator")
    _post(client, world, op="committee_rename", pk=committee.pk, name="Ausschuss für Schule")
    step = Consultation.objects.get(paper=item, committee__name="Ausschuss für Schule")
    assert step.committee_id == committee.pk
    page = _post(client, world, op="committee_remove", pk=committee.pk).content.decode()
    assert "kann nicht entfernt werden: 1 Beratung verweist darauf" in page
    assert Committee.objects.filter(pk=committee.pk).exists()


def test_paper_types_add_update_order_remove_and_refusal(world, client_for):
    paper(world.town)
    client = client_for("coordinator")
    _post(client, world, op="type_add", name="Dringlichkeitsvorlage")
    new = PaperType.objects.get(municipality=world.town, name="Dringlichkeitsvorlage")
    assert new.order == PaperType.objects.filter(municipality=world.town).count()
    _post(client, world, op="type_update", pk=new.pk, name="Eilvorlage", order="0")
    new.refresh_from_db()
    assert (new.name, new.order) == ("Eilvorlage", 0)
    assert PaperType.objects.filter(municipality=world.town).first() == new
    used = PaperType.objects.get(municipality=world.town, name="Berichtsvorlage")
    page = _post(client, world, op="type_remove", pk=used.pk).content.decode()
    assert "kann nicht entfernt werden: 1 Vorlage verwendet sie" in page
    assert PaperType.objects.filter(pk=used.pk).exists()
    _post(client, world, op="type_remove", pk=new.pk)
    assert not PaperType.objects.filter(pk=new.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="council.papertype", object_id=str(new.pk), action="delete"
    ).exists()


def test_names_are_unique_per_municipality(world, client_for):
    paper(world.town)
    client = client_for("coordinator")
    page = _post(client, world, op="committee_add", name="schulausschuss").content.decode()
    assert "In dieser Kommune gibt es bereits ein Gremium „schulausschuss“." in page
    assert (
        Committee.objects.filter(municipality=world.town, name__iexact="schulausschuss").count()
        == 1
    )
    types = PaperType.objects.filter(municipality=world.town)
    page = _post(
        client, world, op="type_update", pk=types[1].pk, name=types[0].name
    ).content.decode()
    assert "In dieser Kommune gibt es bereits eine Vorlagenart" in page
    # the same name in another municipality is fine
    services.committee_create(municipality_id=world.other_town.pk, name="Schulausschuss", by=SYSTEM)
    with pytest.raises(ValidationError):
        services.committee_create(municipality_id=world.town.pk, name="", by=SYSTEM)


def test_scoping_other_municipality(world, client_for):
    foreign = services.committee_create(
        municipality_id=world.other_town.pk, name="Fremder Ausschuss", by=SYSTEM
    )
    client = client_for("coordinator")
    response = client.post(
        reverse("council:lists_change", args=[world.town.pk]),
        {"op": "committee_rename", "pk": foreign.pk, "name": "Gekapert"},
    )
    assert response.status_code == 404
    response = client.post(
        reverse("council:lists_change", args=[world.other_town.pk]),
        {"op": "committee_remove", "pk": foreign.pk},
    )
    assert response.status_code == 403
    foreign.refresh_from_db()
    assert foreign.name == "Fremder Ausschuss"
    with pytest.raises(PermissionDenied):
        services.committee_rename(committee=foreign, name="x", by=world.users["coordinator"])
    with pytest.raises(PermissionDenied):
        services.paper_type_create(
            municipality_id=world.town.pk, name="x", by=world.users["carrier"]
        )
    assert "Fremder Ausschuss" not in client.get(reverse("council:lists")).content.decode()


def test_list_selectors_give_the_coordinated_municipality_with_usage_and_nothing_to_others(world):
    paper(world.town)
    services.committee_create(municipality_id=world.other_town.pk, name="Fremd", by=SYSTEM)
    coordinator = world.users["coordinator"]
    committees = {
        c.name: c.used
        for c in selectors.committees_managed_by(user=coordinator, municipality_id=world.town.pk)
    }
    assert committees["Schulausschuss"] == 1
    assert "Fremd" not in committees
    types = selectors.paper_types_managed_by(user=coordinator, municipality_id=world.town.pk)
    assert [t.order for t in types] == sorted(t.order for t in types)
    assert {t.name: t.used for t in types}["Berichtsvorlage"] == 1
    for persona in ("carrier", "committee", "admin"):
        user = world.users[persona]
        assert not selectors.committees_managed_by(user=user, municipality_id=world.town.pk)
        assert not selectors.paper_types_managed_by(user=user, municipality_id=world.town.pk)
    assert not selectors.committees_managed_by(
        user=coordinator, municipality_id=world.other_town.pk
    )


def test_lists_page_needs_a_fixed_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    for n in range(5):
        services.committee_create(municipality_id=world.town.pk, name=f"Ausschuss {n}", by=SYSTEM)
    client = client_for("coordinator")
    with django_assert_max_num_queries(12):
        page = client.get(reverse("council:lists")).content.decode()
    assert "Ausschuss 4" in page


def test_coordinator_adds_the_missing_default_paper_types_and_keeps_the_existing_ones(
    world, client_for
):
    paper(world.town)  # creates the default list; the paper uses "Berichtsvorlage"
    types = PaperType.objects.filter(municipality=world.town)
    report = types.get(name="Berichtsvorlage")
    services.paper_type_update(paper_type=report, name="Berichtsvorlage", order=7, by=SYSTEM)
    services.paper_type_remove(paper_type=types.get(name="Antrag"), by=SYSTEM)
    services.paper_type_remove(paper_type=types.get(name="Anfrage"), by=SYSTEM)
    services.paper_type_create(municipality_id=world.town.pk, name="Eilvorlage", by=SYSTEM)
    client = client_for("coordinator")
    page = client.get(reverse("council:lists")).content.decode()
    assert "Standard-Vorlagenarten anlegen" in page
    assert "Aus der Standardliste der Vorlagenarten fehlen: Antrag, Anfrage." in page
    url = reverse("council:paper_types_defaults", args=[world.town.pk])
    page = client.post(url, follow=True).content.decode()
    assert "2 Standard-Vorlagenarten wurden angelegt: Antrag, Anfrage." in page
    assert "Standard-Vorlagenarten anlegen" not in page
    names = list(types.order_by("order", "name").values_list("name", "order"))
    assert names[-2:] == [("Antrag", 9), ("Anfrage", 10)]
    assert ("Berichtsvorlage", 7) in names and ("Eilvorlage", 8) in names
    report.refresh_from_db()
    assert report.papers.count() == 1
    entry = AuditEntry.objects.filter(object_type="council.papertype", action="create").latest("pk")
    assert entry.changes == {"names": ["Antrag", "Anfrage"]}
    assert entry.actor_id == world.users["coordinator"].pk
    # a second press changes nothing and writes no audit entry
    audits = AuditEntry.objects.count()
    page = client.post(url, follow=True).content.decode()
    assert "Alle Standard-Vorlagenarten sind bereits vorhanden" in page
    assert AuditEntry.objects.count() == audits
    assert types.count() == 6


def test_default_paper_types_for_an_empty_list_and_only_by_its_coordination(world, client_for):
    url = reverse("council:paper_types_defaults", args=[world.town.pk])
    assert client_for("carrier").post(url).status_code == 403
    assert client_for("committee").post(url).status_code == 403
    assert not PaperType.objects.filter(municipality=world.town).exists()
    other = reverse("council:paper_types_defaults", args=[world.other_town.pk])
    assert client_for("coordinator").post(other).status_code == 403
    assert not PaperType.objects.filter(municipality=world.other_town).exists()
    page = client_for("coordinator").get(reverse("council:lists")).content.decode()
    assert "Noch keine Vorlagenarten." in page and "Standard-Vorlagenarten anlegen" in page
    client_for("coordinator").post(url)
    assert list(
        PaperType.objects.filter(municipality=world.town)
        .order_by("order")
        .values_list("name", flat=True)
    ) == ["Berichtsvorlage", "Beschlussvorlage", "Mitteilungsvorlage", "Antrag", "Anfrage"]
    with pytest.raises(PermissionDenied):
        services.paper_types_add_defaults(municipality_id=world.town.pk, by=world.users["carrier"])
