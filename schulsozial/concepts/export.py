"""Framework and school concepts as PDF (reportlab) and editable DOCX (python-docx).

Both writers consume the same neutral document: a title page, then sections
with Markdown bodies. Markdown is read through markdown-it tokens into plain
blocks (headings, paragraphs, list items, code) with bold/italic runs; raw
HTML in a text is dropped, never rendered. The PDF has a title page, a table
of contents and page numbers; every user text reaches ReportLab escaped (its
Paragraph reads markup), the table of contents included. The DOCX has a title
page, a table-of-contents field (Word fills it on opening) and page numbers in
the footer; python-docx writes text as XML text nodes (escaped).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _

from schulsozial.core.pdftext import fit

from .markdown import markdown_tokens

# --------------------------------------------------------------------------- neutral document


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    mark: str = ""  # "del" or "ins" in a synopsis (concepts.synopsis)


@dataclass
class Block:
    kind: str  # "heading", "para", "bullet", "number", "code", "quote"
    runs: list[Run]
    depth: int = 0
    number: int = 0


@dataclass
class Part:
    heading: str
    body: str = ""  # Markdown
    level: int = 1
    facts: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    title: str
    subtitle: str
    facts: list[tuple[str, str]]
    parts: list[Part]


def _inline_runs(token: Any) -> list[Run]:
    runs: list[Run] = []
    bold = italic = False
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            runs.append(Run(child.content, bold, italic))
        elif kind == "strong_open":
            bold = True
        elif kind == "strong_close":
            bold = False
        elif kind == "em_open":
            italic = True
        elif kind == "em_close":
            italic = False
        elif kind == "code_inline":
            runs.append(Run(child.content, bold, italic, code=True))
        elif kind in ("softbreak", "hardbreak"):
            runs.append(Run(" " if kind == "softbreak" else "\n", bold, italic))
        # html_inline, images and link markers are dropped; link text stays.
    return runs


def markdown_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lists: list[list[Any]] = []  # stack of [kind, counter]
    quote = 0
    tokens = markdown_tokens(text)
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "bullet_list_open":
            lists.append(["bullet", 0])
        elif kind == "ordered_list_open":
            lists.append(["number", int(token.attrGet("start") or 1) - 1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open" and lists:
            lists[-1][1] += 1
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "inline":
            opener = tokens[i - 1].type if i else ""
            runs = _inline_runs(token)
            if opener == "heading_open":
                blocks.append(Block("heading", runs, depth=int(tokens[i - 1].tag[1])))
            elif lists and tokens[i - 2].type == "list_item_open":
                blocks.append(Block(lists[-1][0], runs, depth=len(lists), number=lists[-1][1]))
            elif lists:
                blocks.append(Block("para", runs, depth=len(lists)))
            else:
                blocks.append(Block("quote" if quote else "para", runs))
        elif kind in ("fence", "code_block"):
            blocks.append(Block("code", [Run(token.content.rstrip("\n"), code=True)]))
    return blocks


def _date(value: Any) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "–"


def framework_document(*, version: Any, sections: Any, standards: Any) -> Document:
    facts = [
        (_("municipality"), version.municipality.name),
        (_("version"), str(version.number)),
        (_("status"), str(version.get_status_display())),
    ]
    if version.decision_date:
        facts += [
            (_("deciding body"), version.decision_body),
            (_("date of decision"), _date(version.decision_date)),
            (_("council paper number"), version.paper_number),
            (_("review due"), _date(version.review_due)),
        ]
    parts = [Part(s.title, s.text) for s in sections]
    if standards:
        parts.append(Part(_("Catalogue of standards")))
        for s in standards:
            indicators = "\n".join(f"- {line}" for line in s.indicator_list)
            body = f"{s.description}\n\n" + (
                f"**{_('indicators')}:**\n\n{indicators}" if indicators else ""
            )
            parts.append(
                Part(
                    f"{s.code} {s.title}",
                    body,
                    level=2,
                    facts=[
                        (_("quality dimension"), str(s.get_dimension_display())),
                        (
                            _("binding for school concepts"),
                            str(_("yes") if s.binding else _("no")),
                        ),
                    ],
                )
            )
    return Document(
        title=version.title,
        subtitle=str(_("Framework concept for school social work")),
        facts=facts,
        parts=parts,
    )


def school_concept_document(*, concept: Any, goals: Any = ()) -> Document:
    school = concept.school
    facts = [
        (_("school"), school.name),
        (_("school number"), school.school_number),
        (_("municipality"), school.municipality.name),
        (_("framework version"), str(concept.framework_version)),
        (_("status"), str(concept.get_status_display())),
        (_("review due"), _date(concept.review_due)),
    ]
    parts = [Part(s.title, s.text) for s in concept.sections.all()]
    entries = list(concept.implementations.all())
    if entries:
        parts.append(Part(_("Binding standards and their local implementation")))
        for e in entries:
            extra = []
            if e.deviation:
                extra.append((_("local deviation"), e.deviation_reason))
            parts.append(Part(f"{e.standard_code} {e.title}", e.text, level=2, facts=extra))
    goals = list(goals)
    if goals:
        parts.append(Part(_("Yearly goals")))
        for g in goals:
            parts.append(
                Part(
                    f"{g.school_year}: {g.goal}",
                    g.measures,
                    level=2,
                    facts=[
                        (_("responsible"), str(g.get_responsible_display())),
                        (_("review at year end"), str(g.get_review_display())),
                    ]
                    + ([(_("review comment"), g.review_comment)] if g.review_comment else []),
                )
            )
    return Document(
        title=str(_("School concept for school social work")),
        subtitle=school.name,
        facts=facts,
        parts=parts,
    )


# --------------------------------------------------------------------------- PDF


def pdf_markup(runs: list[Run]) -> str:
    """ReportLab paragraph markup of the runs; the text itself is escaped."""
    out = []
    for run in runs:
        text = escape(run.text).replace("\n", "<br/>")
        if run.code:
            text = f'<font face="Courier">{text}</font>'
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.mark == "del":
            text = f'<strike><font color="#a4000f">{text}</font></strike>'
        elif run.mark == "ins":
            text = f'<u><font color="#0b6b2e">{text}</font></u>'
        out.append(text)
    return "".join(out)


def render_pdf(document: Document) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        CondPageBreak,
        Frame,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=14)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=16, spaceBefore=12)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=13, spaceBefore=10)
    h3 = ParagraphStyle("h3", parent=styles["Heading3"], fontSize=11)
    code = ParagraphStyle("code", parent=body, fontName="Courier", fontSize=9, leading=11)
    quote = ParagraphStyle("quote", parent=body, leftIndent=18, textColor="#38404a")
    fact = ParagraphStyle("fact", parent=body, textColor="#38404a")
    page_label = _("Page")

    def numbered(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 9)
        canvas.drawRightString(A4[0] - 2 * cm, 1.2 * cm, f"{page_label} {doc.page}")
        canvas.drawString(2 * cm, 1.2 * cm, fit(document.title, A4[0] - 7 * cm, size=9))
        canvas.restoreState()

    class Doc(BaseDocTemplate):
        def __init__(self, buffer: io.BytesIO) -> None:
            super().__init__(
                buffer,
                pagesize=A4,
                leftMargin=2.2 * cm,
                rightMargin=2.2 * cm,
                topMargin=2 * cm,
                bottomMargin=2 * cm,
                title=document.title,
                subject=document.subtitle,
            )
            frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="f")
            self.addPageTemplates(
                [
                    PageTemplate(id="title", frames=[frame]),
                    PageTemplate(id="body", frames=[frame], onPage=numbered),
                ]
            )

        def afterFlowable(self, flowable: Any) -> None:  # noqa: N802 (reportlab's hook)
            level = getattr(flowable, "toc_level", None)
            if level is not None:
                key = f"h{id(flowable)}"
                self.canv.bookmarkPage(key)
                # TableOfContents parses its entries as markup again, so it gets
                # the escaped heading, never getPlainText() (which unescapes).
                self.notify("TOCEntry", (level, flowable.toc_markup, self.page, key))

    def heading(text: str, level: int) -> Any:
        paragraph = Paragraph(escape(text), h1 if level == 1 else h2)
        paragraph.toc_level = level - 1
        paragraph.toc_markup = escape(text)
        return paragraph

    story: list[Any] = [
        Spacer(1, 6 * cm),
        Paragraph(escape(document.title), styles["Title"]),
        Paragraph(escape(document.subtitle), styles["Heading2"]),
        Spacer(1, 1 * cm),
    ]
    story += [Paragraph(f"<b>{escape(k)}:</b> {escape(str(v))}", fact) for k, v in document.facts]
    story += [NextPageTemplate("body"), PageBreak()]
    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle("toc1", fontSize=11, leading=15, leftIndent=10, firstLineIndent=-10),
        ParagraphStyle("toc2", fontSize=10, leading=13, leftIndent=28, firstLineIndent=-10),
    ]
    story += [Paragraph(escape(_("Contents")), h1), toc, PageBreak()]
    for part in document.parts:
        # A heading (long user titles wrap to several lines) never splits
        # over a page break, and never ends a page.
        story += [CondPageBreak(4 * cm), heading(part.heading, part.level)]
        story += [Paragraph(f"<b>{escape(k)}:</b> {escape(str(v))}", fact) for k, v in part.facts]
        for block in markdown_blocks(part.body):
            markup = pdf_markup(block.runs)
            if block.kind == "heading":
                story.append(Paragraph(markup, h3))
            elif block.kind == "bullet":
                story.append(
                    Paragraph(
                        markup,
                        ParagraphStyle(f"b{block.depth}", parent=body, leftIndent=14 * block.depth),
                        bulletText="•",
                    )
                )
            elif block.kind == "number":
                story.append(
                    Paragraph(
                        markup,
                        ParagraphStyle(f"n{block.depth}", parent=body, leftIndent=14 * block.depth),
                        bulletText=f"{block.number}.",
                    )
                )
            elif block.kind == "code":
                story.append(Paragraph(markup, code))
            elif block.kind == "quote":
                story.append(Paragraph(markup, quote))
            else:
                story.append(
                    Paragraph(
                        markup,
                        ParagraphStyle(f"p{block.depth}", parent=body, leftIndent=14 * block.depth)
                        if block.depth
                        else body,
                    )
                )
        if not part.body.strip() and not part.facts and part.level == 2:
            story.append(Paragraph("–", body))
    buffer = io.BytesIO()
    Doc(buffer).multiBuild(story)
    return buffer.getvalue()


# --------------------------------------------------------------------------- DOCX


def _field(paragraph: Any, instruction: str, placeholder: str = "") -> None:
    """Insert a Word field (TOC, PAGE) that Word computes when opening."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = instruction
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    text = OxmlElement("w:t")
    text.text = placeholder
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, text, end):
        run._r.append(element)


def render_docx(document: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    doc = Docx()
    doc.core_properties.title = document.title
    doc.core_properties.subject = document.subtitle
    doc.add_heading(document.title, level=0)
    doc.add_paragraph(document.subtitle, style="Subtitle")
    for key, value in document.facts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{key}: ").bold = True
        paragraph.add_run(str(value))
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_heading(_("Contents"), level=1)
    _field(
        doc.add_paragraph(),
        'TOC \\o "1-2" \\h \\z \\u',
        _("Right-click and choose “Update field” to show the table of contents."),
    )
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    footer = doc.sections[0].footer.paragraphs[0]
    footer.add_run(f"{_('Page')} ")
    _field(footer, "PAGE", "1")

    for part in document.parts:
        doc.add_heading(part.heading, level=part.level)
        for key, value in part.facts:
            paragraph = doc.add_paragraph()
            paragraph.add_run(f"{key}: ").bold = True
            paragraph.add_run(str(value))
        for block in markdown_blocks(part.body):
            if block.kind == "heading":
                paragraph = doc.add_heading(level=3)
            elif block.kind == "bullet":
                paragraph = doc.add_paragraph(
                    style="List Bullet" if block.depth < 2 else "List Bullet 2"
                )
            elif block.kind == "number":
                paragraph = doc.add_paragraph(
                    style="List Number" if block.depth < 2 else "List Number 2"
                )
            elif block.kind == "quote":
                paragraph = doc.add_paragraph(style="Quote")
            else:
                paragraph = doc.add_paragraph()
            for run in block.runs:
                added = paragraph.add_run(run.text)
                added.bold = run.bold or None
                added.italic = run.italic or None
                if run.code:
                    added.font.name = "Courier New"
                    added.font.size = Pt(9)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
