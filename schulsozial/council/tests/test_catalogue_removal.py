"""committee_remove and paper_type_remove (one shared helper): a used entry is
refused with its German message (singular and plural) and error code, an unused
one is removed with an audit entry naming it, and a user without the right to
manage the lists is refused before anything changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.council import services
from schulsozial.council.models import Committee, PaperType
from schulsozial.council.tests.factories import paper


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_used_committee_is_refused_with_count_and_code(world):
    paper(world.town)
    paper(world.town, "2015/0160")
    committee = Committee.objects.get(municipality=world.town, name="Schulausschuss")
    with pytest.raises(ValidationError) as error:
        services.committee_remove(committee=committee, by=SYSTEM)
    assert error.value.code == "committee_used"
    assert error.value.messages == [
        "Das Gremium „Schulausschuss“ kann nicht entfernt werden: 2 Beratungen verweisen darauf."
    ]
    assert Committee.objects.filter(pk=committee.pk).exists()


def test_used_paper_type_is_refused_with_count_and_code(world):
    paper(world.town)
    used = PaperType.objects.get(municipality=world.town, name="Berichtsvorlage")
    with pytest.raises(ValidationError) as error:
        services.paper_type_remove(paper_type=used, by=SYSTEM)
    assert error.value.code == "paper_type_used"
    assert error.value.messages == [
        "Die Vorlagenart „Berichtsvorlage“ kann nicht entfernt werden: 1 Vorlage verwendet sie."
    ]
    assert PaperType.objects.filter(pk=used.pk).exists()


def test_unused_entries_are_removed_and_audited(world):
    paper(world.town)
    committee = services.committee_create(
        municipality_id=world.town.pk, name="Jugendhilfeausschuss", by=SYSTEM
    )
    kind = PaperType.objects.get(municipality=world.town, name="Antrag")
    services.committee_remove(committee=committee, by=world.users["coordinator"])
    services.paper_type_remove(paper_type=kind, by=world.users["coordinator"])
    assert not Committee.objects.filter(pk=committee.pk).exists()
    assert not PaperType.objects.filter(pk=kind.pk).exists()
    deleted = AuditEntry.objects.filter(action="delete").order_by("pk")
    assert [(e.changes, e.actor_id, e.municipality_id) for e in deleted][-2:] == [
        ({"name": "Jugendhilfeausschuss"}, world.users["coordinator"].pk, world.town.pk),
        ({"name": "Antrag"}, world.users["coordinator"].pk, world.town.pk),
    ]


def test_removal_without_the_right_is_refused(world):
    paper(world.town)
    kind = PaperType.objects.get(municipality=world.town, name="Antrag")
    with pytest.raises(PermissionDenied):
        services.paper_type_remove(paper_type=kind, by=world.users["committee"])
    assert PaperType.objects.filter(pk=kind.pk).exists()
