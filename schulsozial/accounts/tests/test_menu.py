"""The main menu per role (issue 13): each role sees what it does, the
current page is marked with aria-current."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

_NAV = re.compile(r'<nav class="kern-container site-nav".*?</nav>', re.S)
_ITEM = re.compile(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>')


def _menu(client, url="/") -> list[tuple[str, str, bool]]:
    page = client.get(url).content.decode()
    (nav,) = _NAV.findall(page)
    return [(label, href, bool(current)) for href, current, label in _ITEM.findall(nav)]


def _labels(client, url="/") -> list[str]:
    return [label for label, _, _ in _menu(client, url)]


MENUS = {
    "coordinator": [
        "Übersicht",
        "Schulen",
        "Träger",
        "Personal",
        "Stellen",
        "Finanzierung",
        "Verträge",
        "Verteilung",
        "Stellenplanung",
        "Konzepte",
        "Qualität",
        "Ratsvorlagen",
        "Kataloge",
        "Statistik",
        "Kommunen",
        "Schuljahre",
    ],
    "carrier": [
        "Übersicht",
        "Schulen",
        "Personal",
        "Stellen",
        "Verträge",
        "Konzepte",
        "Qualität",
        "Verteilung",
        "Stellenplanung",
        "Ratsvorlagen",
        "Statistik",
        "API-Zugang",
    ],
    "worker": [
        "Übersicht",
        "Dokumentation der Arbeit",
        "Konzepte",
        "Qualität",
        "Ratsvorlagen",
        "Statistik",
    ],
    "principal": [
        "Übersicht",
        "Schulen",
        "Konzepte",
        "Qualität",
        "Verteilung",
        "Ratsvorlagen",
        "Statistik",
    ],
    "committee": [
        "Übersicht",
        "Schulen",
        "Träger",
        "Verteilung",
        "Konzepte",
        "Qualität",
        "Ratsvorlagen",
        "Statistik",
    ],
    "admin": ["Übersicht", "Benutzer/innen", "Protokoll", "Single Sign-On"],
}


@pytest.mark.parametrize("persona", sorted(MENUS))
def test_each_role_has_its_own_menu(client_for, persona):
    labels = _labels(client_for(persona))
    assert sorted(labels) == sorted(MENUS[persona])


def test_social_worker_menu_has_no_master_data(client_for):
    labels = _labels(client_for("worker"))
    for master in ("Träger", "Personal", "Stellen", "Kommunen", "Schuljahre", "Verteilung"):
        assert master not in labels
    # The activity documentation says what it is (not the help, not the API).
    assert "Dokumentation der Arbeit" in labels and "Dokumentation" not in labels


def test_menu_entries_open_for_their_role(client_for):
    for persona in MENUS:
        client = client_for(persona)
        for label, href, _ in _menu(client):
            response = client.get(href, follow=True)
            assert response.status_code == 200, (persona, label, href)


@pytest.mark.parametrize(
    ("persona", "url", "current"),
    [
        ("coordinator", "/", "Übersicht"),
        ("coordinator", "/stammdaten/schools/", "Schulen"),
        ("coordinator", "/stammdaten/staff/", "Personal"),
        ("coordinator", "/dokumentation/kataloge/", "Kataloge"),
        ("carrier", "/dokumentation/api-zugang/", "API-Zugang"),
        ("worker", "/dokumentation/neu/", "Dokumentation der Arbeit"),
        ("worker", "/dokumentation/woche/", "Dokumentation der Arbeit"),
        ("committee", "/statistik/", "Statistik"),
        ("admin", "/accounts/audit/", "Protokoll"),
    ],
)
def test_the_current_page_is_marked(client_for, persona, url, current):
    menu = _menu(client_for(persona), url)
    assert [label for label, _, is_current in menu if is_current] == [current]


def test_detail_pages_mark_their_list_entry(client_for, world):
    url = reverse("masterdata:school_detail", args=[world.schools[0].pk])
    menu = _menu(client_for("coordinator"), url)
    assert [label for label, _, is_current in menu if is_current] == ["Schulen"]


def test_the_committee_s_quality_entry_opens_the_published_overview(client_for):
    """The committee sees no self-evaluation, only the town-wide averages of
    the standards: its entry Qualität goes there, not to a page it may not open."""
    (href,) = [href for label, href, _ in _menu(client_for("committee")) if label == "Qualität"]
    assert href == reverse("quality:heatmap")
    (href,) = [href for label, href, _ in _menu(client_for("coordinator")) if label == "Qualität"]
    assert href == reverse("quality:home")


def test_council_paper_drafts_are_reached_from_the_council_papers(client_for):
    client = client_for("coordinator")
    labels = _labels(client)
    assert "Vorlagenentwürfe" not in labels  # no entry of their own in the main menu
    page = client.get(reverse("council:paper_list")).content.decode()
    assert f'href="{reverse("council:draft_list")}"' in page
    # On a draft page the entry Ratsvorlagen is marked as the current one.
    at_drafts = _menu(client, reverse("council:draft_list"))
    assert [label for label, _href, is_current in at_drafts if is_current] == ["Ratsvorlagen"]
