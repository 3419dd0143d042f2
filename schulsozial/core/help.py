"""The in-app help: the German user guide (docs/benutzerhandbuch.md) and the
German user glossary (docs/glossar.md), rendered by the platform itself.
docs/glossary.md is the developers' English glossary; docs/glossar.md holds
every German term of it with a German explanation (kept in sync by
core/tests/test_help.py).

The Markdown goes through markdown-it-py (as concept texts do,
concepts/markdown.py) and nh3; chapters (## and ###) get anchors and a table
of contents. `CHAPTERS` maps the pages (``namespace:url_name``, or a
``namespace:prefix*``) to the chapter that explains them, so that the help
link in the header opens the chapter of the page the user is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from django.conf import settings
from django.urls import reverse
from markdown_it import MarkdownIt

HANDBOOK = "benutzerhandbuch.md"
GLOSSARY = "glossar.md"

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "th": {"scope"}}

_md = MarkdownIt("commonmark").enable("table")

# Most specific first: the first pattern that matches the page wins.
CHAPTERS: tuple[tuple[str, str], ...] = (
    ("dashboard:help", "menue-und-hilfe"),
    ("dashboard:glossary", "menue-und-hilfe"),
    ("dashboard:home", "uebersicht"),
    ("dashboard:about", "menue-und-hilfe"),
    ("accounts:login", "anmelden-und-sprache"),
    ("accounts:password_*", "passwort-aendern-passwort-vergessen-sperre"),
    ("accounts:own_account", "passwort-aendern-passwort-vergessen-sperre"),
    ("accounts:logout_everywhere", "passwort-aendern-passwort-vergessen-sperre"),
    ("accounts:twofactor*", "zwei-faktor-anmeldung"),
    ("accounts:oidc_*", "single-sign-on"),
    ("accounts:audit_list", "protokoll"),
    ("accounts:*", "benutzer-und-rollen-verwalten"),
    ("masterdata:school_import*", "schulen-importieren"),
    ("masterdata:*", "stammdaten-pflegen"),
    ("allocation:*", "verteilung-auf-die-schulen-koordination"),
    ("staffing:*", "stellenplanung"),
    ("concepts:*", "konzepte"),
    ("activities:import*", "import-der-bisherigen-dokumentation"),
    ("activities:token_*", "api-zugang"),
    ("activities:catalogue_*", "kataloge"),
    ("activities:*", "dokumentation"),
    ("quality:*", "qualitaetsmanagement"),
    ("statistics:*", "statistik"),
    ("privacy:*", "datenschutz"),
    ("notifications:*", "aufgaben-benachrichtigungen-und-fristen"),
    ("contracts:*", "vertraege-und-entfristung"),
    ("council:*", "ratsvorlagen"),
)

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def anchor_for(title: str) -> str:
    """A chapter's anchor from its title: 'Übersicht (Koordination)' ->
    'uebersicht-koordination' (German letters spelled out, stable in links)."""
    text = title.lower().translate(_UMLAUTS)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class HelpDocument:
    title: str
    html: str  # sanitised
    toc: tuple[Heading, ...]

    @property
    def anchors(self) -> set[str]:
        return {h.anchor for h in self.toc}


def render_help(text: str) -> HelpDocument:
    """Markdown -> a help document: the first # heading is its title, every
    ## and ### heading gets a unique anchor and an entry in the contents."""
    tokens = _md.parse(text)
    title = ""
    toc: list[Heading] = []
    seen: set[str] = set()
    drop: set[int] = set()
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        words = "".join(
            child.content
            for child in inline.children or []
            if child.type in {"text", "code_inline"}
        )
        if token.tag == "h1":
            title = title or words
            drop.update({i, i + 1, i + 2})  # the page sets its own h1
            continue
        if token.tag not in {"h2", "h3"}:
            continue
        anchor = base = anchor_for(words) or "kapitel"
        n = 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        token.attrSet("id", anchor)
        toc.append(Heading(int(token.tag[1]), anchor, words))
    kept = [t for i, t in enumerate(tokens) if i not in drop]
    html = _md.renderer.render(kept, _md.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return HelpDocument(title=title, html=clean, toc=tuple(toc))


def _docs_dir() -> Path:
    return Path(settings.BASE_DIR) / "docs"


@lru_cache(maxsize=4)
def _load(name: str, mtime: float) -> HelpDocument:
    return render_help((_docs_dir() / name).read_text(encoding="utf-8"))


def load(name: str) -> HelpDocument:
    """The rendered document `name` of docs/, read again when the file changes."""
    path = _docs_dir() / name
    return _load(name, path.stat().st_mtime)


def _matches(pattern: str, view_name: str) -> bool:
    if pattern.endswith("*"):
        return view_name.startswith(pattern[:-1])
    return view_name == pattern


def chapter_for(view_name: str) -> str:
    """The anchor of the chapter that explains the page `view_name` ('' for
    the start of the guide)."""
    for pattern, anchor in CHAPTERS:
        if _matches(pattern, view_name):
            return anchor
    return ""


def help_url(view_name: str) -> str:
    """The help page, opened at the chapter for the page `view_name`."""
    anchor = chapter_for(view_name)
    url = reverse("dashboard:help")
    return f"{url}#{anchor}" if anchor else url
