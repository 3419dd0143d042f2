"""F-11: user text is never read as ReportLab markup, on any PDF path.

Every user field of the framework PDF, the school-concept PDF and the
scenario PDF carries markup that ReportLab would interpret (an image, a
javascript link, a font size, a bare `&`, an unclosed `<b>`, a lone `<`).
Each PDF must build (200), show the text literally when read back, and hold
no link to anywhere but its own pages. The DOCX exports show the same text.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from schulsozial.accounts.models import Role
from schulsozial.concepts import services
from schulsozial.concepts.models import YearlyGoal
from schulsozial.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

IMG = "G <img src=x onerror=1>"
LINK = '<a href="javascript:alert(1)">klick</a>'
FONT = "<font size=40>X</font>"
PAYLOADS = [IMG, LINK, FONT, "Eltern & Schule", "<b>", "a < b"]
#: One line with every payload, for plain-text fields (titles, facts, names).
PLAIN = " ".join(PAYLOADS)


def _text(pdf_bytes: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _assert_no_outside_links(pdf_bytes: bytes) -> None:
    """Only internal jumps (the table of contents) may be link annotations."""
    reader = PdfReader(io.BytesIO(pdf_bytes))
    for page in reader.pages:
        for ref in page.get("/Annots") or []:
            annotation = ref.get_object()
            action = annotation.get("/A")
            if action is not None:
                action = action.get_object()
                assert action.get("/S") not in ("/URI", "/JavaScript", "/Launch"), action
            assert "/URI" not in annotation, annotation
    catalog = reader.trailer["/Root"]
    assert isinstance(catalog, DictionaryObject)
    assert "/OpenAction" not in catalog and "/AA" not in catalog
    assert "/JavaScript" not in (catalog.get("/Names") or {})


def _assert_literal(text: str, value: str, where: str) -> None:
    assert " ".join(value.split()) in text, f"{where}: {value!r} not found literally"


def _framework_with_markup(world):
    version = services.framework_create(municipality=world.town, title=f"Titel {PLAIN}", by=SYSTEM)
    for section in version.sections.all():
        services.framework_section_update(
            section=section,
            expected_version=section.lock_version,
            by=SYSTEM,
            title=f"{section.key} {PLAIN}",
            text=f"Absatz {PLAIN}\n\n- Punkt {PLAIN}\n\n## Zwischentitel {PLAIN}",
        )
    services.standard_add(
        version=version,
        by=SYSTEM,
        code="ST-01",
        title=f"Standard {PLAIN}",
        description=f"Beschreibung {PLAIN}",
        dimension="structure",
        indicators=f"Indikator {PLAIN}",
        binding=True,
    )
    today = timezone.localdate()
    services.framework_open_consultation(
        version=version,
        opens=today - datetime.timedelta(days=30),
        closes=today - datetime.timedelta(days=1),
        roles=[Role.PRINCIPAL],
        by=SYSTEM,
    )
    return services.framework_adopt(
        version=version,
        decision_body=f"Ausschuss {PLAIN}",
        decision_date=today - datetime.timedelta(days=20),
        paper_number="<b>&1",
        by=SYSTEM,
    )


def _concept_with_markup(world, version):
    from schulsozial.masterdata import services as md

    school = md.school_update(school=world.schools[0], by=SYSTEM, name=f"Schule {PLAIN}")
    worker = world.users["worker"]
    concept = services.school_concept_create(school=school, by=worker)
    for section in concept.sections.all():
        services.school_section_update(
            section=section,
            text=f"Umsetzung {PLAIN}",
            expected_version=section.lock_version,
            by=worker,
        )
    for entry in concept.implementations.all():
        services.implementation_update(
            entry=entry,
            text=f"So {PLAIN}",
            deviation=True,
            deviation_reason=f"Grund {PLAIN}",
            expected_version=entry.lock_version,
            by=worker,
        )
    goal = services.yearly_goal_create(
        school=school,
        by=worker,
        school_year=world.year,
        goal=f"Ziel {PLAIN}",
        measures=f"Maßnahmen {PLAIN}",
        responsible=YearlyGoal.Responsible.WORKER,
    )
    services.yearly_goal_review(
        goal=goal, review="achieved", review_comment=f"Kommentar {PLAIN}", by=worker
    )
    return concept


@pytest.fixture
def marked_up(world):
    version = _framework_with_markup(world)
    concept = _concept_with_markup(world, version)
    return version, concept


def test_framework_pdf_shows_every_user_text_literally_and_links_nowhere(
    world, marked_up, client_for
):
    version, _concept = marked_up
    url = reverse("concepts:framework_export", args=[version.pk, "pdf"])
    for persona in ("coordinator", "committee"):
        response = client_for(persona).get(url)
        assert response.status_code == 200, persona
    body = response.content
    _assert_no_outside_links(body)
    text = _text(body)
    for value in (
        f"Titel {PLAIN}",
        f"goals {PLAIN}",  # a section heading, in the body and the table of contents
        f"Standard {PLAIN}",
        f"Ausschuss {PLAIN}",
        "<b>&1",
    ):
        _assert_literal(text, value, "framework")
    # The table of contents names the heading with its markup as text.
    contents = text.split("Inhalt", 1)[1]
    _assert_literal(contents[: len(contents) // 2], f"goals {PLAIN}", "table of contents")
    # Markdown bodies drop raw HTML (never rendered); their plain text and
    # every character that is not a tag stay.
    for fragment in ("Absatz G", "klick", "Eltern & Schule", "a < b", "Zwischentitel G"):
        assert fragment in text, fragment


def test_school_concept_pdf_shows_every_user_text_literally_for_every_reader(
    world, marked_up, client_for
):
    _version, concept = marked_up
    url = reverse("concepts:school_concept_export", args=[concept.pk, "pdf"])
    for persona in ("worker", "principal", "carrier", "coordinator"):
        response = client_for(persona).get(url)
        assert response.status_code == 200, persona
        _assert_no_outside_links(response.content)
    text = _text(response.content)
    for value in (
        f"Schule {PLAIN}",
        f"Ziel {PLAIN}",  # a heading and a table-of-contents entry
        f"Grund {PLAIN}",
        f"Kommentar {PLAIN}",
        f"Standard {PLAIN}",
    ):
        _assert_literal(text, value, "school concept")
    for fragment in ("Umsetzung G", "Maßnahmen G", "So G", "Eltern & Schule"):
        assert fragment in text, fragment


def test_the_table_of_contents_gets_escaped_text(world):
    """The heading's table-of-contents entry is markup-safe text, not the
    paragraph's plain text (which ReportLab would parse again)."""
    from schulsozial.concepts import export

    document = export.Document(
        title="T", subtitle="S", facts=[], parts=[export.Part(f"Ziel {PLAIN}", "x")]
    )
    text = _text(export.render_pdf(document))
    assert text.count(f"Ziel {PLAIN}") == 2  # heading and its entry in the contents


def test_docx_exports_show_the_same_texts_literally(world, marked_up, client_for):
    from docx import Document

    version, concept = marked_up

    def paragraphs(url: str) -> str:
        response = client_for("coordinator").get(url)
        assert response.status_code == 200, url
        doc = Document(io.BytesIO(response.content))
        return "\n".join(p.text for p in doc.paragraphs)

    framework = paragraphs(reverse("concepts:framework_export", args=[version.pk, "docx"]))
    for value in (f"Titel {PLAIN}", f"goals {PLAIN}", f"Standard {PLAIN}", f"Ausschuss {PLAIN}"):
        assert value in framework, value
    school = paragraphs(reverse("concepts:school_concept_export", args=[concept.pk, "docx"]))
    for value in (f"Schule {PLAIN}", f"Ziel {PLAIN}", f"Grund {PLAIN}", f"Kommentar {PLAIN}"):
        assert value in school, value


# --------------------------------------------------------------------------- scenario PDF

LONG_SCHOOL = (
    "Städtische Gemeinschaftsgrundschule mit Offenem Ganztag und Gemeinsamem Lernen "
    "Erich-Kästner-Schule Primarstufe Teststadt-Mitte Nord"
)


@pytest.fixture
def long_scenario(world):
    from schulsozial.allocation import services as allocation
    from schulsozial.allocation.templates_rules import pupils_only
    from schulsozial.masterdata import services as md

    assert len(LONG_SCHOOL) >= 130
    md.school_update(school=world.schools[1], by=SYSTEM, name=LONG_SCHOOL)
    md.school_update(school=world.schools[0], by=SYSTEM, name=f"Schule {PLAIN}")
    md.carrier_update(
        carrier=world.carrier,
        by=SYSTEM,
        name="Arbeiterwohlfahrt Unterbezirk Teststadt-Nachbarkreis gemeinnützige "
        "Gesellschaft für Jugendhilfe, Schule und Familie mbH <b>",
    )
    scenario = allocation.scenario_create(
        municipality=world.town,
        school_year=world.year,
        name=f"Verteilung nach Schülerzahl, Sozialindex und Startchancen mit Sockel {PLAIN}",
        rules_toml=pupils_only(Decimal("4")),
        description=f"Beschreibung {PLAIN}",
        by=SYSTEM,
    )
    return allocation.scenario_adopt(
        scenario=scenario,
        decision_body=f"Jugendhilfeausschuss {PLAIN}",
        decision_date="2026-06-30",
        decision_reference="2026/<b>",
        by=SYSTEM,
    )


def test_scenario_pdf_with_long_names_and_markup_renders(long_scenario, client_for):
    response = client_for("coordinator").get(
        reverse("allocation:scenario_export", args=[long_scenario.pk, "pdf"])
    )
    assert response.status_code == 200
    _assert_no_outside_links(response.content)
    text = _text(response.content)
    for value in (
        LONG_SCHOOL,  # whole, wrapped in its table cell
        f"Schule {PLAIN}",
        f"Beschreibung {PLAIN}",
        f"Jugendhilfeausschuss {PLAIN}",
        "2026/<b>",
    ):
        _assert_literal(text, value, "scenario")


def test_scenario_pdf_never_cuts_a_name_inside_a_word(long_scenario):
    """Every word of the long names appears whole somewhere in the PDF: the
    table wraps them, the chart and the footer shorten at word boundaries."""
    from schulsozial.allocation.pdf import scenario_pdf

    reader = PdfReader(io.BytesIO(scenario_pdf(long_scenario)))
    tokens = set()
    for page in reader.pages:
        tokens |= {t.strip("…,.:;") for t in page.extract_text().split()}
    names = " ".join([LONG_SCHOOL, long_scenario.name, long_scenario.municipality.name])
    whole = {w.strip(",.:;") for w in names.split()}
    for word in LONG_SCHOOL.split():
        assert word in tokens, word
    cut = {t for t in tokens - whole if len(t) >= 3 and any(w.startswith(t) for w in whole)}
    assert not cut, cut


def test_scenario_pdf_with_many_schools_and_long_names_fits_its_pages(long_scenario):
    """A city's 60 schools: each chart block must fit one page."""
    import copy

    from schulsozial.allocation.pdf import scenario_pdf

    rows = long_scenario.result["schools"]
    many = []
    for i in range(60):
        row = copy.deepcopy(rows[i % len(rows)])
        row["number"] = f"{199500 + i}"
        row["name"] = f"{LONG_SCHOOL} {i}"
        many.append(row)
    long_scenario.result = {**long_scenario.result, "schools": many}
    text = _text(scenario_pdf(long_scenario))
    assert f"{LONG_SCHOOL} 59" in text


def test_long_titles_in_the_concept_footer_end_at_a_word():
    from schulsozial.concepts import export

    title = "Rahmenkonzept Schulsozialarbeit " + " ".join(
        f"Handlungsfeld{i} Kooperationsvereinbarung" for i in range(12)
    )
    document = export.Document(title=title, subtitle="S", facts=[], parts=[export.Part("A", "x")])
    reader = PdfReader(io.BytesIO(export.render_pdf(document)))
    words = set(title.split())
    last_page = reader.pages[-1].extract_text().split()  # a body page with the footer
    cut = {t for t in last_page if t not in words and any(w.startswith(t) for w in words)}
    assert not cut, cut
    assert "…" in reader.pages[-1].extract_text()


def test_fit_shortens_at_a_word_boundary():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from schulsozial.core.pdftext import fit

    text = "Gemeinschaftsgrundschule Erich-Kästner-Schule Primarstufe"
    assert fit(text, 1000) == text
    short = fit(text, stringWidth(text, "Helvetica", 8) - 1)
    assert short == "Gemeinschaftsgrundschule Erich-Kästner-Schule …"
    assert fit(text, 5) == "Gemeinschaftsgrundschule"  # a first word is never cut either
