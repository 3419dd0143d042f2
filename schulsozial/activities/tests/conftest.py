import pytest

from schulsozial.activities.tests.factories import doc_world


@pytest.fixture
def dw(world):
    return doc_world(world)
