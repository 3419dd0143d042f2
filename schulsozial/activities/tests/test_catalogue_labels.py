"""Catalogue pages name an entry by its label, never by its code (issue 13)."""

from __future__ import annotations

from django.urls import reverse

from schulsozial.activities.tests.factories import entry


def test_the_edit_page_names_the_entry_by_its_label(dw, world, client_for):
    counselling = entry(world.town, "activity_type", "counselling_pupil")
    html = (
        client_for("coordinator")
        .get(reverse("activities:catalogue_update", args=[counselling.pk]))
        .content.decode()
    )
    assert f"Art der Tätigkeit: {counselling.label}" in html
    assert "counselling_pupil" not in html
