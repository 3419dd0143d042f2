"""In-app help (issue 13): the user guide and the glossary served by the
platform, with contents and anchors; every page's help link opens the chapter
that explains it."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from schulsozial.core import help as help_docs

pytestmark = pytest.mark.django_db


def test_anchors_spell_out_german_letters():
    assert help_docs.anchor_for("Übersicht (Koordination)") == "uebersicht-koordination"
    assert help_docs.anchor_for("Passwort ändern, Passwort vergessen, Sperre") == (
        "passwort-aendern-passwort-vergessen-sperre"
    )
    assert help_docs.anchor_for("Größe & Maß") == "groesse-mass"


def test_rendering_gives_headings_ids_and_contents_and_drops_scripts():
    doc = help_docs.render_help(
        "# Handbuch\n\n## Erstes Kapitel\n\nText <script>alert(1)</script>\n\n"
        "### Unterpunkt\n\n## Erstes Kapitel\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n"
    )
    assert doc.title == "Handbuch"
    assert [(h.level, h.anchor) for h in doc.toc] == [
        (2, "erstes-kapitel"),
        (3, "unterpunkt"),
        (2, "erstes-kapitel-2"),
    ]
    assert '<h2 id="erstes-kapitel">Erstes Kapitel</h2>' in doc.html
    assert "<h1>" not in doc.html and "<script" not in doc.html
    assert "<table>" in doc.html


def test_every_mapped_chapter_exists_in_the_user_guide():
    anchors = help_docs.load(help_docs.HANDBOOK).anchors
    missing = {a for _, a in help_docs.CHAPTERS if a not in anchors}
    assert not missing


def _view_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or ""
            yield from _view_names(p, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{namespace}{p.name}"


def test_every_page_of_the_platform_has_a_help_chapter():
    skip = ("admin:", "api:", "dashboard:healthz", "accounts:sso_", "djdt:")
    names = [n for n in _view_names() if ":" in n and not n.startswith(skip)]
    without = [n for n in names if not help_docs.chapter_for(n)]
    assert not without


def test_help_page_shows_the_user_guide_with_contents(client_for):
    page = client_for("worker").get(reverse("dashboard:help")).content.decode()
    assert "<h1" in page and "Hilfe: Benutzerhandbuch" in page
    assert '<a class="kern-link" href="#dokumentation">Dokumentation</a>' in page
    assert '<h2 id="dokumentation">Dokumentation</h2>' in page
    assert '<h2 id="protokoll">Protokoll</h2>' in page
    assert 'href="/hilfe/glossar/"' in page


def test_glossary_is_a_page_of_the_platform(client):
    page = client.get(reverse("dashboard:glossary")).content.decode()
    assert "Glossar" in page
    assert "Vollzeitäquivalent" in page and "<table>" in page


def _table(name: str) -> list[list[str]]:
    """The body rows of the Markdown table in docs/`name`, as cell texts."""
    text = (settings.BASE_DIR / "docs" / name).read_text(encoding="utf-8")
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        for line in text.splitlines()
        if line.startswith("| ")
    ]
    return [r for r in rows[1:] if not r[0].startswith("---")]


def _sort_key(term: str) -> str:
    text = term.lower().translate(str.maketrans("äöü", "aou")).replace("ß", "ss")
    return re.sub(r"[^a-z0-9 ]", "", text)


def test_the_german_glossary_has_every_german_term_of_the_developers_glossary():
    english = _table("glossary.md")
    assert len(english) > 90 and all(len(r) == 3 for r in english)
    german_terms = [r[1] for r in english if r[1] not in {"–", "-"}]
    german = _table("glossar.md")
    assert all(len(r) == 2 and r[1] for r in german)
    # A term may carry its abbreviation: "Amtlicher Gemeindeschlüssel (AGS)".
    entries = {r[0] for r in german} | {re.sub(r" \([A-Z]+\)$", "", r[0]) for r in german}
    missing = [t for t in german_terms if t not in entries]
    assert not missing
    assert len(german) == len(german_terms)


def test_the_german_glossary_is_sorted_by_the_german_term():
    terms = [r[0] for r in _table("glossar.md")]
    assert terms == sorted(terms, key=_sort_key)
    assert terms[0] == "Abweichung vor Ort" and terms[-1] == "Zwei-Faktor-Anmeldung"


def test_the_glossary_page_explains_the_terms_in_german(client):
    page = client.get(reverse("dashboard:glossary")).content.decode()
    (vza,) = re.findall(r"<td>VZÄ \(Vollzeitäquivalent\)</td>\s*<td>([^<]+)</td>", page)
    assert "Wochenstunden geteilt durch die Vollzeit-Wochenarbeitszeit" in vza
    assert "weekly hours" not in page and "full-time week" not in page
    assert "<th>Begriff</th>" in page and "<th>Bedeutung</th>" in page
    assert "<th>English (code)</th>" not in page
    assert "Soziale Arbeit an Schulen nach § 13a SGB VIII" in page
    # One table, no chapters: no empty "Inhalt" above the link to the guide.
    nav = page.split('<nav class="help-toc"')[1].split("</nav>")[0]
    assert "Inhalt" not in nav and 'aria-label="Hilfe"' in nav
    assert 'href="/hilfe/">Benutzerhandbuch</a>' in nav


@pytest.mark.parametrize(
    ("persona", "url", "anchor"),
    [
        ("coordinator", "/stammdaten/schools/import/", "schulen-importieren"),
        ("coordinator", "/stammdaten/schools/", "stammdaten-pflegen"),
        ("coordinator", "/verteilung/", "verteilung-auf-die-schulen-koordination"),
        ("worker", "/dokumentation/neu/", "dokumentation"),
        ("worker", "/dokumentation/import/", "import-der-bisherigen-dokumentation"),
        ("carrier", "/dokumentation/api-zugang/", "api-zugang"),
        ("committee", "/statistik/", "statistik"),
        ("admin", "/accounts/audit/", "protokoll"),
        ("worker", "/", "uebersicht"),
    ],
)
def test_the_help_link_opens_the_chapter_of_the_current_page(client_for, persona, url, anchor):
    page = client_for(persona).get(url).content.decode()
    (href,) = re.findall(r'<a class="site-help kern-link" href="([^"]+)">Hilfe</a>', page)
    assert href == f"/hilfe/#{anchor}"
    guide = client_for(persona).get(href.split("#")[0]).content.decode()
    assert f'id="{anchor}"' in guide


def test_the_import_chapters_mention_their_templates():
    doc = help_docs.load(help_docs.HANDBOOK).html
    school = doc.split('id="schulen-importieren"')[1].split("<h2")[0]
    assert "Vorlage" in school and "XLSX" in school and "CSV" in school
    activities = doc.split('id="import-der-bisherigen-dokumentation"')[1].split("<h3")[0]
    assert "Vorlage" in activities
