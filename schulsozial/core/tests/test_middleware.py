"""Every response carries django-csp's Content-Security-Policy header, built
from settings.CONTENT_SECURITY_POLICY: our own origin only."""

from __future__ import annotations

import pytest

HEADER = "Content-Security-Policy"

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", [None, "coordinator"])
def test_pages_carry_the_policy_of_the_settings(world, client, client_for, who):
    page = (client_for(who) if who else client).get("/accounts/login/" if who is None else "/")
    assert page.status_code == 200
    policy = page[HEADER]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
