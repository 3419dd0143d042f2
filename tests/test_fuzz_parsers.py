"""Fuzzing the importers and text parsers (issue 11, "Fuzzing").

Properties, for every parser a user can feed (the activity importer has its
own, in activities/tests):

* the school import (CSV in UTF-8, UTF-8 with BOM and Windows-1252, with
  comma, semicolon or tab, header spellings, XLSX bytes) through the upload
  page: never a 5xx, a rejected file writes nothing, an accepted preview
  writes nothing until it is confirmed, and a file the parser accepts is
  written on confirmation without a database error (the parser's checks
  must cover what the database refuses: lengths, ranges, NUL characters);
  the parser never falls into its "internal error" net;
* the distribution rules (TOML): ``load_rules_toml`` raises only
  ``RulesError``; through the services and pages a bad rules text is a form
  error and nothing is written; accepted rules are computed and their pages
  render (the form view reads the rules back with ``structured``);
* the Markdown renderer of concept texts: the output never contains an
  element or attribute outside the allow-list, no event handler, no
  ``javascript:``/``data:``/``vbscript:`` link; the block tokens for the PDF
  and DOCX writers never raise.

The existing parser-level fuzzing (masterdata/tests/test_school_file.py,
test_import.py) is not repeated here; these tests drive structured inputs
through the services and the pages.
"""

from __future__ import annotations

import csv
import io
import os
import re
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from schulsozial.allocation import services as allocation
from schulsozial.allocation.engine import RulesError
from schulsozial.allocation.engine.rules import load_rules_toml
from schulsozial.allocation.models import Scenario
from schulsozial.allocation.templates_rules import pupils_only, structured
from schulsozial.concepts.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    markdown_tokens,
    render_markdown,
)
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.importing import import_schools
from schulsozial.masterdata.models import Municipality, School, SchoolYearFigures
from schulsozial.masterdata.school_file import parse_school_file

# FUZZ_EXAMPLES=1000 for a longer hunt than the suite's default.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------- school files

HEADERS = {
    "school_number": ["schulnummer", "Schulnummer", "Schul-Nr.", "SNR", "school number"],
    "name": ["bezeichnung_1", "Schulname", "Name der Schule", "Bezeichnung"],
    "school_type_label": ["schulform", "Schulform", "Schulart"],
    "ags": ["ags", "AGS", "Gemeindeschlüssel"],
    "pupils": ["schueler_2024_25", "Schüler 2024/25", "Schülerzahl", "SuS"],
    "social_index": ["sozialindex_2025_26", "Sozialindex 2025/26", "Sozialindexstufe"],
    "startchancen": ["startchancen_2025_26", "Startchancen", "Startchancen-Schule"],
    "street": ["Straße", "Anschrift"],
    "postcode": ["PLZ", "Postleitzahl"],
    "city": ["Ort", "Schulort"],
    "lat": ["lat", "Breitengrad"],
    "lon": ["lon", "Längengrad"],
    "extra": ["Bemerkung", "Ansprechpartner", "", "Schulnummer"],  # unknown, empty, duplicate
}

# Awkward text: quotes, separators, line breaks, NUL and other control
# characters, right-to-left marks, 4-byte characters, long runs.
WEIRD = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(";,\t\"'\r\n\x00\x0b\u202e\u200b€äöüßÄ😀=+-@ ")),
        st.characters(blacklist_categories=("Cs",)),
    ),
    max_size=30,
) | st.builds(lambda c, n: c * n, st.sampled_from("xÄ9"), st.integers(250, 400))


def _valid(field: str, n: int) -> st.SearchStrategy[str]:
    return {
        "school_number": st.just(f"{199500 + n}"),
        "name": st.sampled_from(["Grundschule am Park", "Gesamtschule Süd", "Förderschule Nord"]),
        "school_type_label": st.sampled_from(["Grundschule", "Gesamtschule", "Förderschule"]),
        "ags": st.just("05999001"),
        "pupils": st.integers(0, 2000).map(str),
        "social_index": st.integers(1, 9).map(str),
        "startchancen": st.sampled_from(["0", "1", "ja", "nein", "x", ""]),
        "street": st.just("Hauptstraße 1"),
        "postcode": st.just("44623"),
        "city": st.just("Teststadt"),
        "lat": st.sampled_from(["51,5", "51.52", ""]),
        "lon": st.sampled_from(["7,2", "7.21", ""]),
        "extra": st.sampled_from(["Max Mustermann", ""]),
    }[field]


ODD_VALUES = {
    "school_number": st.sampled_from(["12345", "1234567", "199500.0", "1,99E+05", "", "abc"]),
    "ags": st.sampled_from(["5999001", "05999002", "0599900", "", "05999001 "]),
    "pupils": st.sampled_from(["-1", "100001", "1.490", "1,5", "1e400", "NaN", "٣٤"]),
    "social_index": st.sampled_from(["0", "10", "-3", "5,0", "Stufe 3"]),
    "startchancen": st.sampled_from(["vielleicht", "2", "TRUE"]),
    "postcode": st.sampled_from(["4462", "446233", "D-44623"]),
    "lat": st.sampled_from(["91", "-90.0000001", "1e999", "nan", "51,5,2"]),
    "lon": st.sampled_from(["181", "inf", "7..2"]),
}


@st.composite
def school_tables(draw) -> list[list[str]]:
    """A header (a random subset and spelling of the known columns, in random
    order) and 1-5 rows whose cells are valid, odd or awkward text."""
    fields = ["school_number", "name", "school_type_label", "ags"]
    fields += draw(
        st.lists(st.sampled_from(sorted(set(HEADERS) - set(fields))), unique=True, max_size=6)
    )
    fields = draw(st.permutations(fields))
    header = [draw(st.sampled_from(HEADERS[f])) for f in fields]
    rows = []
    for n in range(draw(st.integers(1, 5))):
        row = []
        for f in fields:
            choice = draw(st.integers(0, 19))
            if choice < 17:
                row.append(draw(_valid(f, n)))
            elif choice < 19 and f in ODD_VALUES:
                row.append(draw(ODD_VALUES[f]))
            else:
                row.append(draw(WEIRD))
        rows.append(row)
    return [header, *rows]


@st.composite
def school_files(draw) -> tuple[bytes, str]:
    table = draw(school_tables())
    kind = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "xlsx"]))
    if kind == "xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        for row in table:
            # openpyxl refuses control characters in cells: the file could not exist
            sheet.append([re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", c) for c in row])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue(), "schulen.xlsx"
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    out = io.StringIO()
    if draw(st.booleans()):
        out.write(f"sep={delimiter}\r\n")
    csv.writer(
        out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    ).writerows(table)
    return out.getvalue().encode(kind, errors="replace"), "schulen.csv"


def _school_counts() -> tuple[int, int, int, int]:
    return (
        Municipality.objects.count(),
        School.objects.count(),
        SchoolYearFigures.objects.count(),
        AuditEntry.objects.filter(action="import").count(),
    )


@pytest.mark.django_db
@FUZZ
@given(school_files())
def test_school_files_never_fail_in_the_parser_or_the_database(world, file):
    data, name = file
    parsed = parse_school_file(data, filename=name, max_bytes=10**6)
    assert not any("internal error" in e.reason for e in parsed.errors), parsed.errors
    before = _school_counts()
    report = import_schools(
        data=data, filename=name, municipality=world.town, by=SYSTEM, dry_run=False
    )
    if not report.ok:
        assert _school_counts() == before, report.errors
        assert all(str(e) for e in report.errors)
    else:
        # accepted: every record of the town is in the database as read (no
        # silent loss); rows of another AGS are skipped and counted
        mine = [r for r in parsed.records if not r.ags or r.ags == world.town.ags]
        assert report.skipped_other_municipality == len(parsed.records) - len(mine)
        for record in mine:
            school = School.objects.get(school_number=record.school_number)
            assert school.municipality_id == world.town.pk
            assert school.name == record.name[:300]


@pytest.mark.django_db
@FUZZ
@given(school_files())
def test_the_school_upload_page_never_fails_and_writes_only_on_confirmation(world, file):
    data, name = file
    client = Client(raise_request_exception=False)
    client.force_login(world.users["coordinator"])
    upload = io.BytesIO(data)
    upload.name = name
    before = _school_counts()
    preview = client.post(
        "/stammdaten/schools/import/", {"file": upload, "municipality": world.town.pk}
    )
    assert preview.status_code == 200, (preview.status_code, getattr(preview, "exc_info", None))
    assert _school_counts() == before  # a preview writes nothing
    body = preview.content.decode()
    token = preview.context.get("token")
    if token is None:
        assert 'data-import="errors"' in body or "Fehler" in body, body[-3000:]
        return
    confirmed = client.post(
        "/stammdaten/schools/import/",
        {"confirm": "1", "token": token, "municipality": world.town.pk},
    )
    assert confirmed.status_code in (200, 302), (
        confirmed.status_code,
        getattr(confirmed, "exc_info", None),
    )
    if confirmed.status_code == 302:
        assert _school_counts()[3] == before[3] + 1  # one import entry in the audit log
    else:
        assert _school_counts() == before


# --------------------------------------------------------------------------- rules (TOML)


def _toml_value(draw, depth: int = 0) -> str:
    kind = draw(st.sampled_from(["int", "float", "str", "bool", "array", "table", "special"]))
    if kind == "int":
        return str(draw(st.integers(-(10**20), 10**20)))
    if kind == "float":
        return draw(
            st.sampled_from(["0.0", "-0.25", "1e308", "1e-320", "nan", "inf", "-inf", "0.3333"])
        )
    if kind == "str":
        text = draw(st.text(max_size=12))
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if kind == "bool":
        return draw(st.sampled_from(["true", "false"]))
    if kind == "special":
        return draw(st.sampled_from(["1979-05-27", "12:00:00", '"sainte-lague"', '"pupils"']))
    if depth > 1:
        return "1"
    items = [_toml_value(draw, depth + 1) for _ in range(draw(st.integers(0, 3)))]
    if kind == "array":
        return "[" + ", ".join(items) + "]"
    keys = draw(st.lists(st.sampled_from(KEYS), max_size=3, unique=True))
    return "{" + ", ".join(f"{k} = {_toml_value(draw, depth + 1)}" for k in keys) + "}"


KEYS = [
    "total_fte",
    "budget_eur",
    "cost_per_fte_eur",
    "granularity",
    "method",
    "min_fte",
    "max_fte",
    "max_change",
    "base_fte",
    "name",
    "column",
    "transform",
    "table",
    "combine",
    "missing",
    "weight",
    "where",
    "school_type_column",
    "GS",
    "x",
]


@st.composite
def rules_texts(draw) -> str:
    """A template's rules with some keys changed, removed or added, and at
    times a [[criteria]] or [[layers]] block of random values."""
    lines = pupils_only(Decimal(draw(st.sampled_from(["4", "0", "0.25", "999999"])))).splitlines()
    out = []
    for line in lines:
        action = draw(st.integers(0, 24))
        if action == 0:
            continue  # drop the line
        if action == 1 and "=" in line:
            key = line.split("=", 1)[0]
            out.append(f"{key}= {_toml_value(draw)}")
            continue
        out.append(line)
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        where = draw(st.sampled_from(["top", "criteria", "layers"]))
        entry = f"{draw(st.sampled_from(KEYS))} = {_toml_value(draw)}"
        out.append(entry if where == "top" else f"[[{where}]]\n{entry}")
    if draw(st.integers(0, 9)) == 0:
        out.insert(
            draw(st.integers(0, len(out))), draw(st.sampled_from(["[", "= 1", 'a = "', "\x00"]))
        )
    return "\n".join(out)


@FUZZ
@given(rules_texts() | st.text(max_size=300))
def test_the_rules_loader_raises_only_its_own_error(text):
    try:
        load_rules_toml(text)
    except RulesError as error:
        assert str(error)  # noqa: PT017  (not every text raises)
    structured(text)  # the form view reads rules back with it: never raises


@pytest.mark.django_db
@FUZZ
@given(rules_texts())
def test_bad_rules_are_a_validation_error_and_write_nothing(world, text):
    before = Scenario.objects.count()
    try:
        scenario = allocation.scenario_create(
            municipality=world.town,
            school_year=world.year,
            name="Fuzz",
            rules_toml=text,
            by=world.users["coordinator"],
        )
    except ValidationError as error:
        assert error.messages  # noqa: PT017  (not every text is refused)
        assert Scenario.objects.count() == before
        return
    assert Scenario.objects.count() == before + 1
    client = Client(raise_request_exception=False)
    client.force_login(world.users["coordinator"])
    for url in (
        f"/verteilung/{scenario.pk}/",
        f"/verteilung/{scenario.pk}/rules/",
        f"/verteilung/{scenario.pk}/rules/toml/",
        f"/verteilung/{scenario.pk}/export.pdf",
        f"/verteilung/{scenario.pk}/export.xlsx",
    ):
        response = client.get(url)
        assert response.status_code == 200, (url, text, getattr(response, "exc_info", None))


@pytest.mark.django_db
@FUZZ
@given(rules_texts())
def test_the_rules_page_answers_bad_rules_with_a_form_error(world, text):
    scenario = allocation.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Basis",
        rules_toml=pupils_only(Decimal("4")),
        by=SYSTEM,
    )
    client = Client(raise_request_exception=False)
    client.force_login(world.users["coordinator"])
    page = client.get(f"/verteilung/{scenario.pk}/rules/toml/")
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["rules_toml"] = text
    response = client.post(f"/verteilung/{scenario.pk}/rules/toml/", data)
    assert response.status_code in (200, 302), (text, getattr(response, "exc_info", None))
    version = scenario.lock_version
    scenario.refresh_from_db()
    if response.status_code == 200:  # refused: the form says why, nothing changed
        assert scenario.rules_toml == pupils_only(Decimal("4"))
        assert scenario.lock_version == version
        assert response.context["form"].errors
    else:
        assert scenario.lock_version == version + 1


# ----------------------------------------------------------------- the engine's schools CSV (CLI)

ENGINE_CELLS = st.one_of(
    st.integers(0, 3000).map(str),
    st.integers(0, 3000).map(str),
    st.integers(-5, 3000).map(str),
    st.sampled_from(["", " ", "1,5", "1.5", "nan", "inf", "-inf", "1e400", "x", "0", "١٢"]),
    st.text(max_size=8),
)


@st.composite
def engine_csv(draw) -> str:
    header = ["schulnummer", "pupils"] if draw(st.integers(0, 9)) else ["schulnummer"]
    header += draw(
        st.lists(st.sampled_from(["social_index", "startchancen", "schulform"]), unique=True)
    )
    header = draw(st.permutations(header))
    if draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from(["schulnummer", "current_fte", "max_fte", ""])))
    delimiter = draw(st.sampled_from([",", ";"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for n in range(draw(st.integers(0, 6))):
        row = [
            f"{100000 + n}"
            if name == "schulnummer" and draw(st.integers(0, 5))
            else draw(ENGINE_CELLS)
            for name in header
        ]
        writer.writerow(row)
    return out.getvalue() + "\n"


@FUZZ
@given(engine_csv(), st.sampled_from(["pupils", "index"]), st.sampled_from(["1", "4", "0.1"]))
def test_the_engine_reads_any_schools_csv_or_says_why(text, template, total):
    """The command-line engine (python -m schulsozial.allocation) reads a
    schools CSV: anything but a result or RulesError/AllocationError is a crash."""
    from schulsozial.allocation.engine import AllocationError, allocate, read_schools_csv
    from schulsozial.allocation.templates_rules import TEMPLATES

    rules = load_rules_toml(TEMPLATES[template](Decimal(total)))
    try:
        schools = read_schools_csv(text, rules)
        result = allocate(schools, rules)
    except (RulesError, AllocationError) as error:
        assert str(error)  # noqa: PT017  (not every file is refused)
        return
    assert set(result.fte_by_school) == {s.schulnummer for s in schools}


# --------------------------------------------------------------------------- Markdown

ATTACKS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "![i](https://example.org/x.png)",
    '<svg onload="alert(1)">',
    "<iframe src=//evil>",
    "<style>*{}</style>",
    "<details open ontoggle=alert(1)>",
    '<a href="https://ok" onclick="x()">ok</a>',
    '<a title="x" onmouseover=alert(1)>t</a>',
    "<math><mi xlink:href=javascript:alert(1)>",
    "<form action=javascript:alert(1)><button>",
    '<table><td background="javascript:alert(1)">',
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<<script>script>alert(1)<</script>/script>",
    "`<script>`",
    "```\n<script>\n```",
]
MD_TOKENS = [
    *ATTACKS,
    "# ",
    "## ",
    "- ",
    "1. ",
    "> ",
    "**",
    "_",
    "~~",
    "|",
    "---",
    "\n",
    "\n\n",
    " ",
    "<",
    ">",
    '"',
    "'",
    "&",
    "#",
    ";",
    "(",
    ")",
    "[",
    "]",
    ":",
    "\t",
    "\x00",
    "\u202e",
    "Text",
]
SAFE_SCHEMES = ("http:", "https:", "mailto:")
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "xlink:href", "data"}


def _scheme_of(url: str) -> str:
    clean = re.sub(r"[\x00-\x20]", "", url).lower()
    match = re.match(r"^([a-z][a-z0-9+.-]*):", clean)
    return match.group(1) + ":" if match else ""


def assert_safe_html(output: str) -> None:
    assert "<script" not in output.lower()
    if not output.strip():
        return
    tree = lxml_html.fragment_fromstring(output, create_parent="div")
    for element in tree.iter():
        if element is tree or not isinstance(element.tag, str):
            continue
        assert element.tag in ALLOWED_TAGS, (element.tag, output)
        allowed = ALLOWED_ATTRIBUTES.get(element.tag, set()) | {"rel"}
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (name, output)
            assert name in allowed, (element.tag, name, output)
            if name in URL_ATTRIBUTES:
                scheme = _scheme_of(value)
                assert scheme in ("", *SAFE_SCHEMES), (value, output)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(MD_TOKENS), max_size=40).map("".join))
def test_rendered_markdown_never_carries_script_handlers_or_unsafe_links(text):
    assert_safe_html(render_markdown(text))
    markdown_tokens(text)  # the PDF and DOCX writers' input: never raises


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_rendered_markdown_of_any_text_is_safe(text):
    assert_safe_html(render_markdown(text))
    markdown_tokens(text)


@pytest.mark.parametrize("attack", ATTACKS)
def test_each_known_attack_is_neutralised(attack):
    assert_safe_html(render_markdown(attack))
