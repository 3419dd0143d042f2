"""The version comparison shows rendered text, and the synopsis (old and new
side by side) exports as PDF and DOCX for the council paper (issue 13)."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader

from schulsozial.concepts import diff, services
from schulsozial.concepts.tests.factories import concept_world
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry

pytestmark = pytest.mark.django_db

OLD = "- **Freiwilligkeit**: Beratung ist freiwillig.\n- Vertraulichkeit gilt."
NEW = (
    "- **Freiwilligkeit**: Beratung bleibt freiwillig.\n- Vertraulichkeit gilt.\n"
    "- Neu <script>alert(1)</script> & <b>fett</b>"
)


def changed_world(world):
    cw = concept_world(world)
    old = cw.adopted.sections.get(key="leitbild")
    type(old).objects.filter(pk=old.pk).update(text=OLD)  # adopted texts never change otherwise
    section = cw.draft.sections.get(key="leitbild")
    services.framework_section_update(
        section=section, expected_version=section.lock_version, by=SYSTEM, text=NEW
    )
    return cw


def test_compare_page_shows_rendered_text_not_markdown(world, client_for):
    cw = changed_world(world)
    page = (
        client_for("coordinator")
        .get(f"/konzepte/framework/compare/?a={cw.adopted.pk}&b={cw.draft.pk}")
        .content.decode()
    )
    row = page[page.index('data-diff="leitbild"') :].split("</section>")[0]
    assert "<strong>Freiwilligkeit</strong>" in row and "**" not in row
    assert "<li>" in row
    assert "<del>ist</del>" in row and "<ins>bleibt</ins>" in row
    assert "<script>" not in row and "alert(1)" not in row
    assert 'data-action="synopsis-pdf"' in page and 'data-action="synopsis-docx"' in page


def test_html_diff_keeps_markup_and_marks_words():
    html = diff.html_diff(
        "<p>Die <strong>Schule</strong> hilft.</p>",
        "<p>Die <strong>Schule</strong> unterstützt.</p>",
    )
    assert html == "<p>Die <strong>Schule</strong> <del>hilft.</del><ins>unterstützt.</ins></p>"


def pdf_text(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def pdf_positions(body: bytes) -> list[tuple[str, float, float]]:
    """Each text piece of the first page with its x and y position."""
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((text, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]))

    PdfReader(io.BytesIO(body)).pages[0].extract_text(visitor_text=visit)
    return found


def test_synopsis_pdf_has_both_versions_side_by_side_and_page_numbers(world, client_for):
    cw = changed_world(world)
    client = client_for("coordinator")
    response = client.get(
        f"/konzepte/framework/compare/synopsis.pdf?a={cw.adopted.pk}&b={cw.draft.pk}"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "synopse_rahmenkonzept_" in response["Content-Disposition"]
    pages = pdf_text(response.content)
    text = "\n".join(pages)
    assert "Synopse zum Rahmenkonzept" in pages[0]
    assert (
        "Fassung 1, beschlossen am" in pages[0]
        and "Fassung 2 (im Beteiligungsverfahren)" in pages[0]
    )
    # Old and new text of the same block side by side: left and right, one height.
    positions = pdf_positions(response.content)
    old = next((x, y) for t, x, y in positions if "Beratung ist" in t)
    new = next((x, y) for t, x, y in positions if "Beratung bleibt" in t)
    middle = float(PdfReader(io.BytesIO(response.content)).pages[0].mediabox.width) / 2
    assert old[0] < middle < new[0] and abs(old[1] - new[1]) < 2
    assert (
        "& fett" in text and "<b>" not in text and "<script>" not in text
    )  # escaped, tags dropped
    assert f"Seite 1 von {len(pages)}" in pages[0]
    assert f"Seite {len(pages)} von {len(pages)}" in pages[-1]
    entry = AuditEntry.objects.filter(action="export", object_id=str(cw.draft.pk)).latest("pk")
    assert entry.changes["synopsis"] == [cw.adopted.pk, cw.draft.pk]


def test_synopsis_docx_reads_back_with_marked_changes(world, client_for):
    cw = changed_world(world)
    response = client_for("coordinator").get(
        f"/konzepte/framework/compare/synopsis.docx?a={cw.adopted.pk}&b={cw.draft.pk}"
    )
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    assert document.paragraphs[0].text == "Synopse zum Rahmenkonzept"
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header[0].startswith("Fassung 1, beschlossen am") and header[1].startswith("Fassung 2")
    pair = next(r for r in table.rows if "Beratung ist" in r.cells[0].text)
    assert "Beratung bleibt" in pair.cells[1].text
    struck = [r.text for r in pair.cells[0].paragraphs[0].runs if r.font.strike]
    underlined = [r.text for r in pair.cells[1].paragraphs[0].runs if r.font.underline]
    assert "ist" in "".join(struck) and "bleibt" in "".join(underlined)
    texts = [c.text for r in table.rows for c in r.cells]
    added = next(t for t in texts if t.startswith("• Neu"))
    assert "& fett" in added and "<script>" not in added and "<b>" not in added
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert "NUMPAGES" in footer and "Seite " in footer and " von " in footer
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape


def test_synopsis_respects_what_the_user_may_see(world, client_for):
    cw = changed_world(world)
    url = f"/konzepte/framework/compare/synopsis.pdf?a={cw.adopted.pk}&b={cw.draft.pk}"
    assert client_for("committee").get(url).status_code == 404  # the draft is not public
    assert client_for("coordinator").get(url.replace(".pdf", ".txt")).status_code == 404
