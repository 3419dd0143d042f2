"""An htmx request that fails (issue 13): htmx swaps nothing on a 4xx/5xx
answer or when the server cannot be reached, so the user saw nothing happen.
static/js/app.js now says so in German in the page's live region
(role="alert"), with the status in words, and the page stays free of
serious accessibility findings."""

from __future__ import annotations

import pytest

from schulsozial.accounts.models import RoleAssignment
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def search(page, text: str) -> None:
    field = page.get_by_label("Suche")
    field.fill(text)
    field.press("End")  # the filter listens for keyup


def test_a_refused_htmx_request_and_an_unreachable_server_are_announced(live_server, page):
    build_world()
    base = live_server.url
    log_in(page, base, "administration")
    page.goto(base + "/accounts/users/")
    region = page.locator("#request-error")
    assert region.get_attribute("role") == "alert"
    assert region.inner_text() == ""

    # The search filters through htmx; it works while the role is there.
    with page.expect_response(lambda r: "q=koord" in r.url) as answer:
        search(page, "koord")
    assert answer.value.status == 200
    assert region.inner_text() == ""

    # The role is taken away while the page is open: the next search is refused.
    RoleAssignment.objects.filter(user__username="administration").delete()
    with page.expect_response(lambda r: "q=gremium" in r.url) as answer:
        search(page, "gremium")
    assert answer.value.status == 403
    message = (
        "Die Aktion konnte nicht ausgeführt werden (Fehler 403: keine Berechtigung). "
        "Bitte laden Sie die Seite neu."
    )
    alert = page.get_by_role("alert").filter(has_text="Die Aktion konnte nicht")
    alert.wait_for()
    assert alert.inner_text().strip() == message
    assert page.locator("#table-region").count() == 1  # nothing was swapped away
    assert axe_violations(page) == []

    # No server at all: a different message, not a status.
    page.route("**/accounts/users/?*", lambda route: route.abort("internetdisconnected"))
    search(page, "schul")
    page.get_by_role("alert").filter(has_text="Server war nicht erreichbar").wait_for()
    assert region.inner_text().strip() == (
        "Die Aktion konnte nicht ausgeführt werden: Der Server war nicht erreichbar. "
        "Bitte prüfen Sie die Netzwerkverbindung und laden Sie die Seite neu."
    )
