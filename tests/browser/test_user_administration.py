"""The municipal administrator of the demo creates a user in Chromium, lands
on that user's page, gives a second role and finds the user in the list
(issue 13: the new user used to be lost, its page a 404). Every page of the
journey passes the accessibility scan and fits 768 px."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from schulsozial.accounts.models import User
from schulsozial.core.models import AuditEntry
from schulsozial.demo.builder import DemoBuilder
from schulsozial.masterdata.models import Municipality

from .conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def overflow(page) -> int:
    """How far the page runs over the window sideways (px)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_municipal_admin_creates_a_user_assigns_a_role_and_finds_it_in_the_list(live_server, page):
    DemoBuilder().build()
    herne = Municipality.objects.get(ags="05916000")
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.get_by_label("Benutzername").fill("herne.admin")
    page.get_by_label("Passwort").fill(settings.SCHULSOZIAL["DEMO_PASSWORD"])
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(base + "/")

    page.get_by_role("navigation").get_by_role("link", name="Benutzer/innen").click()
    page.wait_for_url(base + "/accounts/users/")
    page.get_by_role("link", name="Neu").click()
    page.wait_for_url(base + "/accounts/users/new/")
    assert axe_violations(page) == []
    # Only Herne's schools are offered, and no "all municipalities".
    assert "Kamen" not in page.locator("select[name=municipality]").inner_text()
    assert "alle Kommunen" not in page.content()

    page.get_by_label("Benutzername").fill("herne.neu")
    page.get_by_label("Erstpasswort").fill("Lange-Sonnen-Allee-7")
    page.get_by_label("erste Rolle").select_option(label="Fachkraft")
    school = page.locator("select[name=school] option", has_text="Galileo-Schule").first
    page.locator("select[name=school]").select_option(value=school.get_attribute("value"))
    page.get_by_role("button", name="Speichern").click()

    created = User.objects.get(username="herne.neu")
    page.wait_for_url(f"{base}/accounts/users/{created.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "herne.neu"
    assert page.get_by_text("Gespeichert.").count() == 1
    assert page.get_by_text(re.compile(r"^\s*Fachkraft \(Galileo-Schule")).count() == 1
    assert axe_violations(page) == []

    page.get_by_role("link", name="Rolle hinzufügen").click()
    page.wait_for_url(f"{base}/accounts/users/{created.pk}/roles/new/")
    page.get_by_label("Rolle", exact=True).select_option(label="Gremium")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(f"{base}/accounts/users/{created.pk}/")
    assert page.get_by_text(f"Gremium ({herne.name})").count() == 1
    assert set(created.role_assignments.values_list("municipality_id", flat=True)) == {herne.pk}

    page.goto(base + "/accounts/users/?q=herne.neu")
    row = page.locator("tbody tr", has_text="herne.neu")
    assert row.count() == 1
    assert "Fachkraft (Galileo-Schule" in row.inner_text()
    assert f"Gremium ({herne.name})" in row.inner_text()
    assert axe_violations(page) == []

    entries = AuditEntry.objects.filter(actor__username="herne.admin", municipality_id=herne.pk)
    assert entries.filter(action="create", object_type="accounts.user").count() == 1
    assert entries.filter(action="create", object_type="accounts.roleassignment").count() == 2

    page.set_viewport_size({"width": 768, "height": 900})
    for path in ("/accounts/users/", f"/accounts/users/{created.pk}/", "/accounts/users/new/"):
        page.goto(base + path)
        assert overflow(page) <= 0, path
