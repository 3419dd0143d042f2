"""The entry form's catalogue selects share one read of the municipality's
catalogues (forms.Catalogues) and accept exactly what they offer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from schulsozial.activities import services
from schulsozial.activities.forms import ActivityForm
from schulsozial.activities.models import CatalogueEntry
from schulsozial.activities.tests.factories import activity_input, entry
from schulsozial.activities.tests.test_views import _post_data
from schulsozial.masterdata.models import School

pytestmark = pytest.mark.django_db


def _form(world, data, activity=None):
    return ActivityForm(
        data,
        schools=School.objects.filter(pk__in=[s.pk for s in world.schools]),
        municipality_id=world.town.pk,
        activity=activity,
    )


def test_the_selects_validate_against_one_read_of_the_catalogues(dw, world):
    data = _post_data(world)
    with CaptureQueriesContext(connection) as queries:
        form = _form(world, data)
        assert form.is_valid(), form.errors
    catalogue_reads = [q for q in queries.captured_queries if "catalogueentry" in q["sql"]]
    assert len(catalogue_reads) == 1, catalogue_reads
    data = form.cleaned_data
    town = world.town
    assert data["activity_type"] == entry(town, "activity_type", "group_offer")
    assert data["target_group"] == entry(town, "target_group", "group")
    # Topics come back as entries, in catalogue order (as the queryset gave them).
    expected = list(
        CatalogueEntry.objects.filter(
            pk__in=[entry(town, "topic", "bullying").pk, entry(town, "topic", "media").pk]
        ).order_by("sort_order", "label", "id")
    )
    assert data["topics"] == expected
    assert data["contact_origin"] is None and data["partner"] is None


@pytest.mark.parametrize(
    "field", ["activity_type", "target_group", "topics", "contact_origin", "partner"]
)
def test_an_entry_of_another_catalogue_or_municipality_is_refused(dw, world, field):
    town, other = world.town, world.other_town
    wrong = {
        # another municipality's entry of the same catalogue
        "activity_type": entry(other, "activity_type", "group_offer").pk,
        "topics": [entry(town, "topic", "bullying").pk, entry(other, "topic", "media").pk],
        # an entry of this municipality, but of another catalogue
        "target_group": entry(town, "activity_type", "group_offer").pk,
        "contact_origin": entry(town, "topic", "bullying").pk,
        "partner": "not a number",
    }[field]
    form = _form(world, _post_data(world, **{field: wrong}))
    assert not form.is_valid()
    assert list(form.errors) == [field]
    assert form.errors.as_data()[field][0].code == "invalid_choice"


def test_a_retired_entry_is_refused_unless_the_corrected_record_uses_it(dw, world):
    bullying = entry(world.town, "topic", "bullying")
    record, _ = services.activity_record(
        data=activity_input(world.town, world.schools[0], topics=(bullying,)),
        by=world.users["worker"],
    )
    CatalogueEntry.objects.filter(pk=bullying.pk).update(retired=True)
    form = _form(world, _post_data(world))
    assert not form.is_valid() and list(form.errors) == ["topics"]
    form = _form(world, _post_data(world), activity=record)
    assert form.is_valid(), form.errors
    assert bullying in form.cleaned_data["topics"]


def test_the_page_offers_the_catalogues_from_the_same_read(dw, world):
    with CaptureQueriesContext(connection) as queries:
        html = _form(world, None).as_div()
    assert len([q for q in queries.captured_queries if "catalogueentry" in q["sql"]]) == 1
    media = entry(world.town, "topic", "media")
    assert f'value="{media.pk}"' in html and media.label in html
