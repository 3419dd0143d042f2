"""German, everywhere (issue 13).

Two tests:

* Every page and export of the demo, rendered for each demo persona with the
  German locale, holds no English word of a curated list (words that never
  occur in German text), no Python/JavaScript value shown as text ("None",
  "null", "True"), no snake_case code (a catalogue code shown instead of its
  label), no decimal point in a number (German writes 1,5), and every msgid
  the crawl translated is in the German catalogue.
* Every msgid in the source (Python calls and templates) has a German
  translation in locale/de/LC_MESSAGES/django.po: none missing, none empty,
  none fuzzy, plural entries with both forms, the same placeholders.

Only what a user sees is read: the text of HTML pages without scripts,
styles and markup, plus the attributes a user or screen reader meets
(title, aria-label, placeholder, alt, the value of input buttons,
confirmations);
CSV/XLSX cells, PDF text and DOCX paragraphs and tables.
"""

from __future__ import annotations

import ast
import io
import os
import re
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import trans_real
from lxml import html as lxml_html

from schulsozial.accounts.models import User
from schulsozial.demo.builder import DemoBuilder
from tests.test_crawler import _body, _inside, _is_file, _key, _kind, _shape, as_text, links_of

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "de" / "LC_MESSAGES" / "django.po"

PERSONAS = [
    "herne.koordination",
    "herne.traeger",
    "herne.fachkraft",
    "herne.schulleitung",
    "herne.gremium",
    "herne.admin",
    "betrieb",
    "kamen.koordination",
    "",  # not logged in: the login, password reset and error pages
]

MAX_PAGES = 200  # responses per persona
MAX_PER_SHAPE = 2  # objects of one kind of page (/stammdaten/schools/N/)
MAX_VARIANTS = 1  # query-string variants of a page (filters, sorting, paging)
SKIP = ("/accounts/logout/", "/api/", "/django-admin/", "/i18n/")
# Files in a machine format on purpose: the rules of a scenario as TOML.
MACHINE = re.compile(r"^/verteilung/\d+/rules/toml/")

# English words that do not occur in German text. Matched as whole words
# (not inside snake_case or hyphenated words), case-sensitive as written.
# Left out on purpose, because they are German too: also, an, in, was, will, per,
# optional, Name, Status, Position, Version, Filter, Export, Import, Details,
# Team, ideal, total, April, Dashboard, Login, Download, Start, Test.
ENGLISH = (  # noqa: SIM905 - a word list reads better as text
    # function words
    "the The and And of with With not Not for For from From this This that These those is "
    "are were been has have had would should must cannot could your Your you You our "
    "their its or if If then than when When which Which what What who there here into "
    "only but by on at to no yes Yes all All any none some new New each every other "
    "please Please click Click "
    # interface
    "Done done copy Copy draft Draft school School schools Schools Save Cancel Delete "
    "Edit Submit Submitted Approve Approved Reject Rejected Search Back Next Previous "
    "Close Add Remove Create Created Update Updated Error Warning Success Loading "
    "Settings Overview Help Logout Password Username User Users Role Roles Date Time Week "
    "Month Year Day Today Yesterday Tomorrow Monday Tuesday Wednesday Thursday Friday "
    "Saturday Sunday Mon Tue Wed Thu Fri Sat Sun January February March May June July "
    "October December Oct Dec "
    # tables, forms, values
    "row rows column columns sum count file files page pages required invalid field value "
    "values missing empty Unknown unknown "
    # the domain
    "pupils pupil teacher principal carrier carriers worker workers committee "
    "coordination municipality concept concepts framework scenario scenarios allocation "
    "funding positions staff record records activity activities statistics report reports "
    "goal goals idea ideas comment comments consultation sensitivity samples weights "
    "contribution change money current hours weekly FTE "
    # values of Python and JavaScript
    "None True False undefined NaN"
).split()

# Values of Python or JavaScript that reach the page as text: only when they
# stand alone in a text node or a cell (German "null" is the number zero).
VALUES = {"null", "None", "True", "False", "undefined", "NaN", "nan", "N/A", "n/a"}

WORD = re.compile(r"(?<![\w\-./@])(" + "|".join(map(re.escape, ENGLISH)) + r")(?![\w\-@]|\.\w)")
SNAKE = re.compile(r"(?<![\w\-./@%])[a-z]+(?:_[a-z0-9]+)+(?![\w\-@])")
DECIMAL_POINT = re.compile(r"(?<![\d.,])(?<!Version )\d+\.\d{1,2}(?![\d.])")
URL_OR_MAIL = re.compile(r"(https?://|www\.)\S+|\S+@\S+\.\w+")

# Attributes whose text a user or a screen reader meets.
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "hx-confirm", "data-confirm")

# (path regex, finding regex, owner): findings accepted for now, because
# another helper fixes that area at the same time. Each entry names its
# owner and goes when the owner's fix is in.
ALLOWED: list[tuple[str, str, str]] = [
    # The audit export's details of a school import name the columns of the
    # user's own file as they were headed there (schueler_2024_25, ...): data,
    # not platform text.
    (
        r"^/accounts/audit/",
        r"^code (bezeichnung|schueler|sozialindex|startchancen|schulform|traeger)_[a-z0-9_]+$",
        "imported file headings",
    ),
    # An API key is named by its prefix (ssk_ and the first random characters,
    # shown so that a user can tell keys apart): an identifier, not platform text.
    (r"^/", r"^code ssk_[A-Za-z0-9_\-]+$", "API key prefixes"),
    # The sample Word template of the council paper drafts is made of its
    # placeholders ({%p if ist_beschlussvorlage %}, {{ vorlage_art }}): template
    # syntax a municipality copies, not platform text.
    (
        r"^/ratsvorlagen/drafts/templates/sample/$",
        r"^(for|if|code [a-z]+(_[a-z]+)+)$",
        "placeholders of the sample template",
    ),
]
# Source files whose msgids may lack a translation for now (owner's work).
ALLOWED_MISSING: dict[str, str] = {}


# --------------------------------------------------------------------------- visible text


def visible_text(body: str) -> list[str]:
    """The pieces of text a user meets on an HTML page, one per text node or
    shown attribute, without scripts, styles and markup."""
    try:
        tree = lxml_html.fromstring(body)
    except (ValueError, lxml_html.etree.ParserError):
        return []
    # Code shown as code (catalogue codes beside their label, the rules of a
    # scenario in TOML, keys) is technical on purpose.
    code = "//code | //kbd | //samp | //*[contains(concat(' ', @class, ' '), ' code ')]"
    for element in tree.xpath(f"//script | //style | //noscript | {code}"):
        element.drop_tree()
    pieces: list[str] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        if element.text and element.text.strip():
            pieces.append(element.text.strip())
        if element.tail and element.tail.strip():
            pieces.append(element.tail.strip())
        for name in SHOWN_ATTRIBUTES:
            if element.get(name):
                pieces.append(element.get(name).strip())
        if element.tag == "input" and (element.get("type") or "").lower() in (
            "submit",
            "button",
            "reset",
        ):  # an input button shows its value (a <button> its content)
            pieces.append((element.get("value") or "").strip())
    return [p for p in pieces if p]


def file_text(kind: str, body: bytes) -> list[str]:
    """Cells (CSV/XLSX) or lines (PDF/DOCX) of an export."""
    if kind == "xlsx":  # text cells only: a number cell is shown in the reader's locale
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return [
            value
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if isinstance(value, str)
        ]
    if kind == "zip":  # a person's data (Art. 15): the files meant for reading
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return [
                piece
                for name in archive.namelist()
                if name.rsplit(".", 1)[-1] in ("csv", "xlsx", "pdf", "docx")
                for piece in file_text(name.rsplit(".", 1)[-1], archive.read(name))
            ]
    text = as_text(kind, body)
    if kind == "csv":
        return [cell for line in text.splitlines() for cell in line.split(";")]
    return text.splitlines()


def findings_in(pieces: list[str], codes: re.Pattern | None = None) -> list[tuple[str, str]]:
    """(finding, context) for every English word, value, code and decimal point;
    `codes` matches the catalogue codes of the demo (shown instead of a label)."""
    checks = [(WORD, "{}"), (SNAKE, "code {}"), (DECIMAL_POINT, "decimal {}")]
    if codes is not None:
        checks.append((codes, "code {}"))
    found: list[tuple[str, str]] = []
    for piece in pieces:
        text = URL_OR_MAIL.sub(" ", piece)
        if text.strip() in VALUES:
            found.append((text.strip(), piece))
            continue
        for regex, label in checks:
            for hit in regex.finditer(text):
                start = max(0, hit.start() - 40)
                context = " ".join(text[start : hit.end() + 40].split())
                found.append((label.format(hit.group(0)), context))
    return found


# --------------------------------------------------------------------------- msgids seen


@dataclass
class Missed:
    """msgids looked up in German while rendering that the catalogue lacks."""

    ids: Counter = field(default_factory=Counter)

    def patch(self, monkeypatch) -> None:
        translation = trans_real.DjangoTranslation
        gettext, ngettext = translation.gettext, translation.ngettext
        missed = self.ids

        def checked_gettext(self, message):
            if self.language() == "de" and message not in self._catalog:
                missed[message] += 1
            return gettext(self, message)

        def checked_ngettext(self, singular, plural, number):
            if self.language() == "de" and (singular, 0) not in self._catalog:
                missed[singular] += 1
            return ngettext(self, singular, plural, number)

        monkeypatch.setattr(translation, "gettext", checked_gettext)
        monkeypatch.setattr(translation, "ngettext", checked_ngettext)


def _fresh_catalogue() -> None:
    """Compile django.po when its .mo is older (as `make messages` does), so
    the crawl reads the translations of the tree under test."""
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        partial = mo.with_suffix(f".{os.getpid()}.tmp")  # atomic for parallel workers
        _po_entries().save_as_mofile(str(partial))
        os.replace(partial, mo)
        trans_real._translations = {}  # type: ignore[attr-defined]  # read the catalogues again
        trans_real._default = None  # type: ignore[attr-defined]
        translation.activate(settings.LANGUAGE_CODE)


# --------------------------------------------------------------------------- crawl


@dataclass
class Result:
    persona: str
    pages: int = 0
    kinds: Counter = field(default_factory=Counter)
    # (finding, context) -> URLs; decimal points once per kind of page
    findings: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    allowed: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    left: int = 0  # links not followed when the bound was reached

    def note(self, url: str, path: str, finding: str, context: str) -> None:
        owner = _allowed(path, finding)
        if owner:
            self.allowed[owner] += 1
            return
        if finding.startswith("decimal"):  # one line per kind of page: the first number
            key = (f"decimal point on {_shape(path)}", "")
            self.findings.setdefault(key, [f"{url} ({finding} in «{context}»)"])
            return
        self.findings.setdefault((finding, context), []).append(url)


def _allowed(path: str, finding: str) -> str | None:
    for where, what, owner in ALLOWED:
        if re.search(where, path) and re.search(what, finding):
            return owner
    return None


def catalogue_codes() -> re.Pattern:
    """The codes of the catalogue entries (lower case, never German words; the
    snake_case ones are found anyway), as whole words."""
    from schulsozial.activities.models import CatalogueEntry

    codes = set(CatalogueEntry.objects.values_list("code", flat=True))
    plain = sorted(c for c in codes if c.isalpha() and c.islower() and c not in GERMAN_CODES)
    return re.compile(r"(?<![\w\-./@])(" + "|".join(plain) + r")(?![\w\-@])")


# Catalogue codes that are German words too ("diverse" Angaben).
GERMAN_CODES = {"diverse"}


def crawl(client: Client, persona: str, codes: re.Pattern | None = None) -> Result:
    """Breadth first from the start page, bounded: new kinds of page and
    exports first, query variants (filters, sorting, paging) last."""
    result = Result(persona)
    queue: deque[str] = deque(["/", "/seite-gibt-es-nicht/"])  # and the 404 page
    later: deque[str] = deque()
    seen: set[tuple[str, str]] = set()
    shapes: Counter = Counter()
    variants: Counter = Counter()
    while (queue or later) and result.pages < MAX_PAGES:
        url = (queue or later).popleft()
        path, query = _key(url)
        if (path, query) in seen or path.startswith(SKIP) or MACHINE.match(path):
            continue
        if query and variants[path] >= MAX_VARIANTS:
            continue
        if not query and not _is_file(path) and shapes[_shape(path)] >= MAX_PER_SHAPE:
            continue
        seen.add((path, query))
        if query:
            variants[path] += 1
        else:
            shapes[_shape(path)] += 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
        result.pages += 1
        if response.status_code >= 500:
            result.errors.append(f"{persona}: {response.status_code} at {url}")
            continue
        if response.status_code in (301, 302, 303, 307, 308):
            target = _inside(urljoin(url, response["Location"]))
            if target:
                queue.append(target)
            continue
        if response.status_code not in (200, 403, 404, 405):
            continue
        kind = _kind(response, path)
        body = _body(response)
        if kind not in ("html", "csv", "xlsx", "pdf", "docx", "zip"):
            continue
        result.kinds[kind] += 1
        source = body.decode("utf-8", errors="replace") if kind == "html" else ""
        pieces = visible_text(source) if kind == "html" else file_text(kind, body)
        for finding, context in findings_in(pieces, codes):
            result.note(url, path, finding, context)
        for link, _htmx in links_of(source, url) if response.status_code == 200 else []:
            target = _inside(link)
            if target is not None:
                parts = urlsplit(target)
                (later if parts.query and not _is_file(parts.path) else queue).append(target)
    result.left = len({_key(u) for u in (*queue, *later)} - seen)
    return result


def test_demo_pages_and_exports_are_german_for_every_persona(db, monkeypatch):
    _fresh_catalogue()
    DemoBuilder().build()
    codes = catalogue_codes()
    missed = Missed()
    missed.patch(monkeypatch)
    problems: list[str] = []
    summary: list[str] = []
    for persona in PERSONAS:
        client = Client(raise_request_exception=False)
        if persona:
            client.force_login(User.objects.get(username=persona))
        started = time.monotonic()
        name = persona or "anonymous"
        result = crawl(client, name, codes)
        summary.append(
            f"{name}: {result.pages} responses in {time.monotonic() - started:.1f} s, "
            f"{result.left} links left, {dict(result.kinds)}, allowed {dict(result.allowed)}"
        )
        problems.extend(result.errors)
        for (finding, context), urls in sorted(result.findings.items()):
            more = f" (and {len(urls) - 1} more)" if len(urls) > 1 else ""
            shown = f" in «{context}»" if context else ""
            problems.append(f"{name} {urls[0]}{more}: {finding!r}{shown}")
        if not persona:
            assert result.kinds["html"] >= 3, f"anonymous reached only {dict(result.kinds)}"
            continue
        assert result.kinds["html"] > 10, f"{persona} reached only {dict(result.kinds)}"
        if persona not in ("herne.admin", "betrieb"):
            assert result.kinds["csv"] and result.kinds["xlsx"], f"{persona}: {dict(result.kinds)}"
    print("\n" + "\n".join(summary))
    po = {(e.msgctxt or None, e.msgid) for e in _po_entries() if e.translated()}
    translated = {e.msgstr for e in _po_entries()}
    for msgid in sorted(missed.ids):
        context, _sep, text = msgid.rpartition("\x04")
        if (
            (context or None, text) in po
            or text in translated
            or not re.search("[A-Za-z]{2}", text)
        ):
            continue  # in django.po, or German already (a label translated before)
        if not _allowed("", f"msgid {text}"):
            problems.append(f"rendered msgid without a German translation: {text!r}")
    assert not problems, f"{len(problems)} findings:\n" + "\n".join(problems)


def _messages(body: str) -> list[str]:
    """The texts of the messages a page shows after an action."""
    tree = lxml_html.fromstring(body)
    return [" ".join(e.text_content().split()) for e in tree.xpath("//*[@class='messages']/*")]


def test_the_messages_after_actions_are_german(db):
    """What a GET crawl cannot see: the message after an action (issue 13
    found "Done: Einreichen." and "… (copy)"). Every approval step a demo
    persona can take on a school concept, copying and recalculating a
    scenario, starting a new framework version."""
    from schulsozial.allocation.selectors import scenarios_visible_to
    from schulsozial.concepts.selectors import (
        available_steps,
        framework_versions_visible_to,
        school_concepts_visible_to,
    )

    _fresh_catalogue()
    DemoBuilder().build()
    shown: list[tuple[str, str, list[str]]] = []  # (persona, action, messages)
    done: set[str] = set()
    personas = ["herne.fachkraft", "herne.schulleitung", "herne.traeger", "herne.koordination"]
    for persona in [*personas, "kamen.koordination"]:
        user = User.objects.get(username=persona)
        client = Client()
        client.force_login(user)

        def post(url: str, what: str, data: dict | None = None, client=client, who=persona):
            response = client.post(url, data or {}, follow=True, HTTP_ACCEPT_LANGUAGE="de")
            assert response.status_code == 200, (who, url, response.status_code)
            shown.append((who, what, _messages(response.content.decode())))

        for concept in school_concepts_visible_to(user=user).order_by("pk"):
            # one step per concept, each kind of step once
            steps = [
                a for a, _label in available_steps(concept=concept, user=user) if a not in done
            ]
            if steps:
                done.add(steps[0])
                url = f"/konzepte/school-concepts/{concept.pk}/step/{steps[0]}/"
                post(url, f"step {steps[0]}", {"comment": "Bitte die Ziele prüfen."})
        if persona == "herne.koordination":
            scenario = scenarios_visible_to(user=user).order_by("pk").first()
            post(f"/verteilung/{scenario.pk}/copy/", "scenario copy")
            assert any(
                s.name == f"{scenario.name} (Kopie)" for s in scenarios_visible_to(user=user)
            )
            post(f"/verteilung/{scenario.pk}/recompute/", "scenario recompute")
        if persona.endswith(".koordination"):  # Herne has a draft already, Kamen not
            for version in framework_versions_visible_to(user=user).filter(status="adopted"):
                post(f"/konzepte/framework/{version.pk}/new-version/", "framework new version")
    assert {"step submit", "scenario copy", "framework new version"} <= {w for _p, w, _m in shown}
    problems = [
        f"{persona} {what}: {finding!r} in «{context}»"
        for persona, what, texts in shown
        for finding, context in findings_in(texts)
    ]
    print("\n".join(f"{persona} {what}: {texts}" for persona, what, texts in shown))
    missing = [f"{persona} {what}: no message" for persona, what, texts in shown if not texts]
    assert not problems + missing, "\n".join(problems + missing) + f"\n{shown}"


# --------------------------------------------------------------------------- the catalogue


def _po_entries():
    import polib

    return polib.pofile(str(PO))


CALLS = {
    "_": 1,
    "gettext": 1,
    "gettext_lazy": 1,
    "_gettext": 1,
    "gettext_noop": 1,
    "_lazy": 1,
    "ngettext": 2,
    "ngettext_lazy": 2,
    "pgettext": "p",
    "pgettext_lazy": "p",
    "npgettext": "p",
    "npgettext_lazy": "p",
}


def source_msgids() -> set[tuple[str | None, str, str]]:
    """(context, msgid, where) of every literal msgid in Python and templates."""
    from django.utils.translation.template import templatize

    found: set[tuple[str | None, str, str]] = set()
    for path in sorted((ROOT / "schulsozial").rglob("*.py")) + sorted(
        (ROOT / "config").glob("*.py")
    ):
        if {"tests", "migrations", "testing"} & set(path.parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in CALLS:
                continue
            literal = [
                a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                for a in node.args
            ]
            context, msgid = (
                (literal[0], literal[1:2]) if CALLS[name] == "p" else (None, literal[:1])
            )
            for text in msgid:
                if text is not None:
                    found.add((context, text, f"{path.relative_to(ROOT)}:{node.lineno}"))
    string = r"u'(?:[^'\\]|\\.)*'"
    call = re.compile(
        rf"\b(gettext|pgettext|ngettext|npgettext)\(\s*({string})(?:\s*,\s*({string}))?"
    )
    templates = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt")]
    templates += list((ROOT / "schulsozial").rglob("templates/**/*.html"))
    for path in sorted(templates):
        for hit in call.finditer(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            first, second = (ast.literal_eval(g) for g in (hit.group(2), hit.group(3) or "''"))
            context, msgid = (
                (first, second) if hit.group(1).startswith(("p", "np")) else (None, first)
            )
            found.add((context, msgid, str(path.relative_to(ROOT))))
    return found


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def test_every_msgid_has_a_german_translation():
    po = _po_entries()
    problems = [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    by_id = {}
    for entry in po:
        if entry.obsolete:
            continue
        key = (entry.msgctxt or None, entry.msgid)
        if key in by_id:
            problems.append(f"duplicate msgid: {entry.msgid!r}")
        by_id[key] = entry
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if entry.msgid_plural and len(forms) < 2:
            problems.append(f"plural without both forms: {entry.msgid!r}")
        if not all(f.strip() for f in forms):
            problems.append(f"empty translation: {entry.msgid!r}")
        wanted = {a or b for a, b in PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or ""))}
        for form in forms:
            got = {a or b for a, b in PLACEHOLDER.findall(form)}
            if got - wanted or (not entry.msgid_plural and wanted - got):
                problems.append(f"placeholders differ: {entry.msgid!r} -> {form!r}")
    used = source_msgids()
    assert len(used) > 500, "the extraction found too few msgids"
    for context, msgid, where in sorted(used, key=lambda u: u[2]):
        if msgid and (context, msgid) not in by_id and where.split(":")[0] not in ALLOWED_MISSING:
            problems.append(f"not in django.po: {msgid!r} ({where})")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_detector_finds_english_and_spares_german():
    """The checks above catch what issue 13 found, and no German text."""
    page = """<html><head><title>Schulkonzept</title><script>var x = "the end";</script></head>
    <body><div class="kern-alert">Done: Einreichen.</div>
    <p>Wilhelm-Schule: 0.75 VZÄ</p><select><option>null</option><option>alle</option></select>
    <p>Art der Tätigkeit: counselling_pupil</p><a title="Edit the school">Bearbeiten</a>
    <code>max_fte = 0.5</code><button value="new">Speichern</button>
    <p>Das sind also null Stunden; Version 2.0; am 03.12.2026; 1.234 Schüler/innen; 0,75 VZÄ.</p>
    <p>Die optionale Angabe fehlt. Status: offen.</p></body></html>"""
    found = {finding for finding, _context in findings_in(visible_text(page))}
    assert found == {
        "Done",
        "decimal 0.75",
        "null",
        "code counselling_pupil",
        "Edit",
        "the",
        "school",
    }, found
    codes = re.compile(r"(?<![\w\-./@])(bullying|truancy)(?![\w\-@])")
    assert findings_in(["Thema: bullying", "Mobbing"], codes) == [
        ("code bullying", "Thema: bullying")
    ]


def test_api_key_prefixes_are_allowed_but_other_codes_are_not():
    assert _allowed("/accounts/audit/", "code ssk_7z8abn") == "API key prefixes"
    assert _allowed("/accounts/audit/", "code case_status") is None
