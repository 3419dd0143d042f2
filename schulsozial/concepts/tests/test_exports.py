"""PDF and DOCX exports are read back: the files contain the sections, the
PDF has a title page, a table of contents and page numbers; Markdown is
rendered safely; the diff marks insertions and deletions."""

from __future__ import annotations

import io

import docx
import pytest
from pypdf import PdfReader

from schulsozial.concepts import diff, export
from schulsozial.concepts.markdown import render_markdown
from schulsozial.concepts.tests.factories import concept_world, fill_concept
from schulsozial.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def pdf_pages(body: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def test_framework_pdf_has_title_page_contents_sections_and_page_numbers(world, client_for):
    cw = concept_world(world)
    response = client_for("committee").get(f"/konzepte/framework/{cw.adopted.pk}/export/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert "Rahmenkonzept Teststadt" in pages[0] and "Page" not in pages[0]
    assert "Contents" in pages[1] or "Inhalt" in pages[1]
    assert "Leitbild" in pages[1] and "Qualitätsmanagement" in pages[1]  # table of contents
    text = "\n".join(pages)
    for title in ("Leitbild", "Zielgruppen", "Datenschutz", "ST-01 Erreichbarkeit an der Schule"):
        assert title in text
    assert "Text zum Abschnitt Ressourcen und Verteilungskriterien." in text
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number}" in page or f"Seite {number}" in page
    assert AuditEntry.objects.filter(action="export", object_id=str(cw.adopted.pk)).exists()


def test_school_concept_docx_is_editable_and_holds_the_sections(world, client_for):
    cw = concept_world(world)
    fill_concept(cw.concept, world.users["worker"])
    response = client_for("principal").get(
        f"/konzepte/school-concepts/{cw.concept.pk}/export/docx/"
    )
    assert response.status_code == 200
    doc = docx.Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in doc.paragraphs]
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for section in cw.concept.sections.all():
        assert section.title in headings
        assert f"Unsere Umsetzung: {section.title}." in paragraphs
    assert "ST-01 Erreichbarkeit an der Schule" in headings
    assert "So setzen wir ST-02 um." in paragraphs
    assert any("Klassenrat" in p for p in paragraphs)  # yearly goals
    xml = doc.element.xml
    assert "TOC \\o" in xml
    footer_xml = doc.sections[0].footer._element.xml
    assert "PAGE" in footer_xml


def test_framework_docx_is_editable_and_holds_sections_and_standards(world, client_for):
    cw = concept_world(world)
    response = client_for("coordinator").get(f"/konzepte/framework/{cw.adopted.pk}/export/docx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = docx.Document(io.BytesIO(response.content))
    paragraphs = [p.text for p in doc.paragraphs]
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    for section in cw.adopted.sections.all():
        assert section.title in headings
    assert "Text zum Abschnitt Ressourcen und Verteilungskriterien." in paragraphs
    assert "ST-01 Erreichbarkeit an der Schule" in headings
    assert "TOC \\o" in doc.element.xml
    assert "PAGE" in doc.sections[0].footer._element.xml


def test_school_concept_pdf_has_title_page_contents_sections_and_page_numbers(world, client_for):
    cw = concept_world(world)
    fill_concept(cw.concept, world.users["worker"])
    response = client_for("principal").get(f"/konzepte/school-concepts/{cw.concept.pk}/export/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert world.schools[0].name in pages[0]
    assert "Contents" in pages[1] or "Inhalt" in pages[1]
    text = "\n".join(pages)
    for section in cw.concept.sections.all():
        assert section.title in pages[1]  # table of contents
        assert f"Unsere Umsetzung: {section.title}." in text
    assert "So setzen wir ST-02 um." in text
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number}" in page or f"Seite {number}" in page


def test_markdown_lists_and_emphasis_reach_the_docx():
    document = export.Document(
        title="T",
        subtitle="S",
        facts=[],
        parts=[export.Part("Abschnitt", "Ein **fetter** Satz.\n\n- eins\n- zwei\n\n1. erstens")],
    )
    doc = docx.Document(io.BytesIO(export.render_docx(document)))
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["eins"] == "List Bullet" and styles["erstens"] == "List Number"
    bold = [r.text for p in doc.paragraphs for r in p.runs if r.bold]
    assert "fetter" in bold
    pages = pdf_pages(export.render_pdf(document))
    assert "fetter" in pages[-1] and "zwei" in pages[-1]


def test_markdown_is_sanitised():
    html = render_markdown(
        "# Titel\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
        '[klick](javascript:alert(1)) <a href="https://example.org" onclick="x()">ok</a> '
        "<p style=\"color:red\" onmouseover='y()'>p</p>"
    )
    assert "<script" not in html and "alert(1)</script" not in html
    assert "onerror" not in html and "onclick" not in html and "onmouseover" not in html
    assert 'href="javascript' not in html and "style=" not in html and "<img" not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in html
    assert "<h3>Titel</h3>" in html  # headings sit below the section heading


def test_markdown_keeps_useful_formatting():
    html = render_markdown("**fett** und *kursiv*\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |")
    for fragment in ("<strong>fett</strong>", "<em>kursiv</em>", "<li>a</li>", "<td>1</td>"):
        assert fragment in html


def test_diff_marks_insertions_and_deletions_and_escapes():
    ops = diff.diff_ops("Die Schule <b>hilft</b> allen.", "Die Schule unterstützt alle Kinder.")
    html = diff.render_diff(ops)
    assert "<del>" in html and "<ins>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    rows = diff.compare(
        [diff.Entry("a", "A", "eins"), diff.Entry("b", "B", "zwei")],
        [diff.Entry("a", "A", "eins"), diff.Entry("c", "C", "drei")],
    )
    assert [(r.key, r.change) for r in rows] == [
        ("a", "unchanged"),
        ("c", "added"),
        ("b", "removed"),
    ]
