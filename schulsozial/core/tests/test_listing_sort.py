"""An unknown ?sort= (a field that is no column, e.g. -password) falls back to the
list's default order. It left the list unordered before: pages could repeat or skip
rows (Django's UnorderedObjectListWarning, seen in the query-string test)."""

from __future__ import annotations

import warnings

import pytest
from django.core.paginator import UnorderedObjectListWarning
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("sort", ["-password", "municipality__name", "nosuchfield", ""])
def test_an_unknown_sort_falls_back_to_the_default_order(world, client_for, sort):
    client = client_for("coordinator")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        response = client.get(reverse("masterdata:carrier_list"), {"sort": sort})
    assert response.status_code == 200
    names = [c.name for c in response.context["page"].object_list]
    assert names == sorted(names) and len(names) >= 2
    assert response.context["sort"] == "name"
