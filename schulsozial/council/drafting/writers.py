"""The paper as PDF (reportlab, annexes appended with pypdf) and as DOCX
(python-docx)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from .document import (
    PaperDocument,
    _date,
    annex_line,
    blocks,
    consultation_header,
    heading_line,
    labels,
    xml_safe,
)


def _numbered_canvas(footer: str, size: tuple[float, float]) -> type:
    """The footer (municipality and title) and "Seite x von y" on every page."""
    from reportlab.lib.units import cm

    from schulsozial.core.pdftext import fit, page_count_canvas, page_label

    class NumberedCanvas(page_count_canvas()):  # type: ignore[misc]
        def draw_page(self, number: int, total: int) -> None:
            self.setFont("Helvetica", 8.5)
            self.drawString(2.2 * cm, 1.2 * cm, fit(footer, size[0] - 8 * cm, size=8.5))
            self.drawRightString(size[0] - 2.2 * cm, 1.2 * cm, page_label(number, total))

    return NumberedCanvas


def _pdf_text(text: str, body: Any, bullet_style: Any) -> list[Any]:
    from reportlab.platypus import Paragraph

    story: list[Any] = []
    for kind, chunk in blocks(text):
        markup = escape(chunk).replace("\n", "<br/>")
        if kind == "bullet":
            story.append(Paragraph(markup, bullet_style, bulletText="•"))
        else:
            story.append(Paragraph(markup, body))
    return story or [Paragraph("–", body)]


def render_main_pdf(doc: PaperDocument) -> bytes:
    """The paper itself (without its annexes)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        CondPageBreak,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    names = labels()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("pbody", parent=styles["BodyText"], fontSize=10.5, leading=14)
    bullet = ParagraphStyle("pbullet", parent=body, leftIndent=14, bulletIndent=3)
    cell = ParagraphStyle("pcell", parent=body, fontSize=9.5, leading=12, spaceBefore=0)
    cell_head = ParagraphStyle("pcellhead", parent=cell, fontName="Helvetica-Bold")
    heading = ParagraphStyle("phead", parent=styles["Heading2"], fontSize=13, spaceBefore=12)
    small = ParagraphStyle("psmall", parent=body, fontSize=9, textColor="#38404a")
    width = A4[0] - 4.4 * cm

    def p(text: str, style: Any = cell) -> Any:
        return Paragraph(escape(xml_safe(text)).replace("\n", "<br/>") or "–", style)

    top = doc.municipality
    if doc.day:
        top = f"{top} · {_date(doc.day)}"
    story: list[Any] = [
        p(top, small),
        Paragraph(escape(heading_line(doc)), styles["Title"]),
        Spacer(1, 0.3 * cm),
    ]
    facts = [
        (names["title"], doc.title),
        (names["paper_type"], doc.paper_type),
        (names["lead_department"], doc.lead_department),
        (names["author"], doc.author),
    ]
    grid = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c4c9cf")),
    ]
    story.append(
        Table(
            [[p(k, cell_head), p(v)] for k, v in facts],
            colWidths=[4 * cm, width - 4 * cm],
            style=TableStyle(grid),
        )
    )
    story += [CondPageBreak(3 * cm), Paragraph(escape(names["consultations"]), heading)]
    if doc.consultations:
        data = [[p(h, cell_head) for h in consultation_header()]]
        data += [
            [p(str(i)), p(s.body), p(_date(s.date) or "–"), p(s.role or "–")]
            for i, s in enumerate(doc.consultations, start=1)
        ]
        story.append(
            Table(
                data,
                colWidths=[1.2 * cm, width - 8.2 * cm, 3.2 * cm, 3.8 * cm],
                repeatRows=1,
                style=TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a929c")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eaee")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                ),
            )
        )
    else:
        story.append(p("–", body))
    story += [CondPageBreak(3 * cm), Paragraph(escape(names["sachverhalt"]), heading)]
    story += _pdf_text(doc.sachverhalt, body, bullet)
    if doc.is_decision_paper or doc.beschlussvorschlag.strip():
        story += [CondPageBreak(3 * cm), Paragraph(escape(names["beschlussvorschlag"]), heading)]
        story += _pdf_text(doc.beschlussvorschlag, body, bullet)
    story += [CondPageBreak(3 * cm), Paragraph(escape(names["annexes"]), heading)]
    if doc.annexes:
        story += [p(annex_line(i, a), body) for i, a in enumerate(doc.annexes, start=1)]
    else:
        story.append(p("–", body))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=xml_safe(doc.title),
        subject=xml_safe(doc.reference),
        author=xml_safe(doc.author),
    ).build(story, canvasmaker=_numbered_canvas(f"{doc.municipality} – {doc.title}", A4))
    return buffer.getvalue()


def render_pdf(doc: PaperDocument, annexes: Sequence[tuple[str, bytes]] = ()) -> bytes:
    """The paper with its annex PDFs appended, each with an outline entry
    ("Anlage 1: ..."). An annex that is no readable PDF is left out (its line
    stays in the list of annexes)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    main = render_main_pdf(doc)
    if not annexes:
        return main
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(main)), outline_item=xml_safe(doc.title) or "-")
    for number, (title, data) in enumerate(annexes, start=1):
        try:
            writer.append(PdfReader(io.BytesIO(data)), outline_item=annex_line(number, title))
        except (PyPdfError, ValueError, OSError):
            continue
    writer.add_metadata({"/Title": xml_safe(doc.title)})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- DOCX


def render_docx(doc: PaperDocument) -> bytes:
    """The paper as an editable Word document (opens in Word and LibreOffice)."""
    from docx import Document as Docx
    from docx.shared import Cm, Pt

    names = labels()
    out = Docx()
    out.core_properties.title = xml_safe(doc.title)[:255]
    out.core_properties.author = xml_safe(doc.author)[:255]
    top = out.add_paragraph(xml_safe(doc.municipality))
    if doc.day:
        top.add_run(f" · {_date(doc.day)}")
    out.add_heading(heading_line(doc), level=0)

    facts = out.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for key, value in (
        (names["title"], doc.title),
        (names["paper_type"], doc.paper_type),
        (names["lead_department"], doc.lead_department),
        (names["author"], doc.author),
    ):
        cells = facts.add_row().cells
        cells[0].paragraphs[0].add_run(key).bold = True
        cells[1].paragraphs[0].add_run(xml_safe(value) or "–")
        cells[0].width, cells[1].width = Cm(4), Cm(12.5)

    out.add_heading(names["consultations"], level=1)
    if doc.consultations:
        table = out.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, label in zip(table.rows[0].cells, consultation_header(), strict=True):
            cell.paragraphs[0].add_run(label).bold = True
        for i, step in enumerate(doc.consultations, start=1):
            cells = table.add_row().cells
            values = [str(i), step.body, _date(step.date) or "–", step.role or "–"]
            for cell, value in zip(cells, values, strict=True):
                cell.paragraphs[0].add_run(xml_safe(value))
    else:
        out.add_paragraph("–")

    def text(value: str) -> None:
        parts = blocks(value)
        if not parts:
            out.add_paragraph("–")
        for kind, chunk in parts:
            paragraph = out.add_paragraph(style="List Bullet" if kind == "bullet" else None)
            # A line break inside a paragraph stays a break (one run per line).
            for n, line in enumerate(chunk.split("\n")):
                run = paragraph.add_run()
                if n:
                    run.add_break()
                run.add_text(line)
            paragraph.paragraph_format.space_after = Pt(6)

    out.add_heading(names["sachverhalt"], level=1)
    text(doc.sachverhalt)
    if doc.is_decision_paper or doc.beschlussvorschlag.strip():
        out.add_heading(names["beschlussvorschlag"], level=1)
        text(doc.beschlussvorschlag)
    out.add_heading(names["annexes"], level=1)
    if doc.annexes:
        for i, title in enumerate(doc.annexes, start=1):
            out.add_paragraph(xml_safe(annex_line(i, title)))
    else:
        out.add_paragraph("–")
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()
