"""The synopsis (Synopse) of two framework versions for a council paper:
old and new text side by side, as PDF (reportlab, A4 landscape) and DOCX
(python-docx, landscape), both with "Seite x von y".

The texts are Markdown, read into the same blocks as the other exports
(export.markdown_blocks). The blocks of both versions are aligned (equal,
changed, removed, inserted blocks side by side), and inside a changed pair
words are compared: removed words are struck through in the left column,
inserted ones underlined in the right. Every user text reaches ReportLab
escaped (export.pdf_markup); python-docx writes text nodes.
"""

from __future__ import annotations

import datetime
import difflib
import io
import re
from dataclasses import dataclass, field, replace
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _

from .diff import Entry, change_of
from .export import Block, Run, markdown_blocks, pdf_markup

WORD = re.compile(r"\s+|[^\s]+")
DEL, INS = "del", "ins"


@dataclass
class Row:
    """One aligned pair of blocks (either side may be empty)."""

    old: Block | None
    new: Block | None


@dataclass
class Part:
    heading: str
    change: str  # added, removed, changed, unchanged
    rows: list[Row] = field(default_factory=list)


@dataclass
class Synopsis:
    title: str
    subtitle: str
    old_label: str
    new_label: str
    facts: list[tuple[str, str]]
    groups: list[tuple[str, list[Part]]]


def _plain(block: Block) -> str:
    return "".join(run.text for run in block.runs)


def _tokens(block: Block) -> list[Run]:
    """The block's runs cut into words and spaces, each keeping its style."""
    return [
        replace(run, text=word) for run in block.runs for word in WORD.findall(run.text) or [""]
    ]


def _join(tokens: list[Run]) -> list[Run]:
    runs: list[Run] = []
    for token in tokens:
        last = runs[-1] if runs else None
        if last and (last.bold, last.italic, last.code, last.mark) == (
            token.bold,
            token.italic,
            token.code,
            token.mark,
        ):
            last.text += token.text
        else:
            runs.append(replace(token))
    return runs


def _marked(block: Block, mark: str) -> Block:
    return replace(block, runs=[replace(run, mark=mark) for run in block.runs])


def _word_pair(old: Block, new: Block) -> Row:
    a, b = _tokens(old), _tokens(new)
    old_out: list[Run] = []
    new_out: list[Run] = []
    matcher = difflib.SequenceMatcher(a=[t.text for t in a], b=[t.text for t in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_mark = "" if tag == "equal" else DEL
        new_mark = "" if tag == "equal" else INS
        old_out += [replace(t, mark=old_mark if not t.text.isspace() else "") for t in a[i1:i2]]
        new_out += [replace(t, mark=new_mark if not t.text.isspace() else "") for t in b[j1:j2]]
    return Row(replace(old, runs=_join(old_out)), replace(new, runs=_join(new_out)))


def align(old_text: str, new_text: str) -> list[Row]:
    """The blocks of two Markdown texts side by side, changes marked."""
    a, b = markdown_blocks(old_text), markdown_blocks(new_text)
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(
        a=[(x.kind, _plain(x)) for x in a], b=[(y.kind, _plain(y)) for y in b], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [Row(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
            continue
        olds, news = a[i1:i2], b[j1:j2]
        common = min(len(olds), len(news)) if tag == "replace" else 0
        rows += [_word_pair(x, y) for x, y in zip(olds[:common], news[:common], strict=True)]
        rows += [Row(_marked(x, DEL), None) for x in olds[common:]]
        rows += [Row(None, _marked(y, INS)) for y in news[common:]]
    return rows


def _part(before: Entry | None, after: Entry | None) -> Part:
    entry = after or before
    if entry is None:
        raise ValueError("a synopsis part needs an old or a new text")
    change = change_of(before, after)
    heading = entry.title
    if before and after and before.title != after.title:
        heading = f"{before.title} → {after.title}"
    return Part(heading, change, align(before.text if before else "", after.text if after else ""))


def _version_label(version: Any) -> str:
    label = _("Version %(n)s") % {"n": version.number}
    if version.decision_date:
        return _("%(version)s, adopted on %(date)s") % {
            "version": label,
            "date": formats.date_format(version.decision_date, "SHORT_DATE_FORMAT"),
        }
    return f"{label} ({version.get_status_display()})"


def synopsis(
    *, old: Any, new: Any, pairs: dict[str, list[tuple[Entry | None, Entry | None]]],
    day: datetime.date,
) -> Synopsis:  # fmt: skip
    """The synopsis of `old` and `new` (pairs from selectors.synopsis_pairs)."""
    return Synopsis(
        title=str(_("Synopsis of the framework concept")),
        subtitle=new.title,
        old_label=_version_label(old),
        new_label=_version_label(new),
        facts=[
            (_("municipality"), new.municipality.name),
            (_("compared"), f"{_version_label(old)} – {_version_label(new)}"),
            (_("as of"), formats.date_format(day, "SHORT_DATE_FORMAT")),
        ],
        groups=[
            (_("Sections"), [_part(b, a) for b, a in pairs["sections"]]),
            (_("Standards"), [_part(b, a) for b, a in pairs["standards"]]),
        ],
    )


def _change_label(change: str) -> str:
    return {
        "added": _("added"),
        "removed": _("removed"),
        "changed": _("changed"),
        "unchanged": _("unchanged"),
    }[change]


# --------------------------------------------------------------------------- PDF


def render_pdf(doc: Synopsis) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
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

    from schulsozial.core.pdftext import page_count_canvas, page_label

    size = landscape(A4)
    styles = getSampleStyleSheet()
    body = ParagraphStyle("sbody", parent=styles["BodyText"], fontSize=9.5, leading=12.5)
    head = ParagraphStyle("shead", parent=body, fontName="Helvetica-Bold")
    part_style = ParagraphStyle("spart", parent=head, fontSize=10.5, leading=13)
    group_style = ParagraphStyle("sgroup", parent=styles["Heading2"], fontSize=13)
    footer_title = doc.title

    class NumberedCanvas(page_count_canvas()):  # type: ignore[misc]
        """The two column heads at the top, title and "Seite x von y" at the foot."""

        def draw_page(self, number: int, total: int) -> None:
            top = size[1] - 1.1 * cm
            self.setFont("Helvetica-Bold", 8.5)
            self.drawString(1.5 * cm + 4, top, doc.old_label)
            self.drawString(1.5 * cm + width / 2 + 4, top, doc.new_label)
            self.setStrokeColor(colors.HexColor("#8a929c"))
            self.line(1.5 * cm, top - 4, size[0] - 1.5 * cm, top - 4)
            self.setFont("Helvetica", 8.5)
            self.drawString(1.5 * cm, 1 * cm, footer_title)
            self.drawRightString(size[0] - 1.5 * cm, 1 * cm, page_label(number, total))

    def cell(block: Block | None) -> Any:
        if block is None:
            return ""
        markup = pdf_markup(block.runs)
        bullet = {"bullet": "•", "number": f"{block.number}."}.get(block.kind)
        style = head if block.kind == "heading" else body
        if block.depth or bullet:
            style = ParagraphStyle(
                f"s{block.kind}{block.depth}", parent=style, leftIndent=12 * max(block.depth, 1)
            )
        return Paragraph(markup, style, bulletText=bullet)

    width = size[0] - 3 * cm
    story: list[Any] = [
        Paragraph(escape(doc.title), styles["Title"]),
        Paragraph(escape(doc.subtitle), styles["Heading2"]),
    ]
    story += [Paragraph(f"<b>{escape(k)}:</b> {escape(v)}", body) for k, v in doc.facts]
    story += [
        Paragraph(
            escape(
                _(
                    "Left the earlier, right the newer version. Removed text is struck "
                    "through, inserted text is underlined."
                )
            ),
            body,
        ),
        Spacer(1, 0.4 * cm),
    ]
    grid: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a929c")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("SPAN", (0, 0), (1, 0)),
        ("BACKGROUND", (0, 0), (1, 0), colors.HexColor("#e6eaee")),
    ]
    for group, parts in doc.groups:
        story += [CondPageBreak(4 * cm), Paragraph(escape(group), group_style)]
        # One table per part: its title row repeats on a continuation page
        # and never stays alone at the foot of a page; the page header names
        # the two columns.
        for part in parts:
            title = f"<b>{escape(part.heading)}</b> – {escape(_change_label(part.change))}"
            data: list[list[Any]] = [[Paragraph(title, part_style), ""]]
            data += [[cell(r.old), cell(r.new)] for r in part.rows] or [["–", "–"]]
            story.append(
                Table(
                    data,
                    colWidths=[width / 2, width / 2],
                    repeatRows=1,
                    splitInRow=1,
                    style=TableStyle(grid),
                )
            )
        if not parts:
            story.append(Paragraph("–", body))
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer,
        pagesize=size,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.8 * cm,
        bottomMargin=1.7 * cm,
        title=f"{doc.title}: {doc.subtitle}",
    ).build(story, canvasmaker=NumberedCanvas)
    return buffer.getvalue()


# --------------------------------------------------------------------------- DOCX


def render_docx(doc: Synopsis) -> bytes:
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    from .export import _field

    document = Docx()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.core_properties.title = f"{doc.title}: {doc.subtitle}"
    document.add_heading(doc.title, level=0)
    document.add_paragraph(doc.subtitle, style="Subtitle")
    for key, value in doc.facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{key}: ").bold = True
        paragraph.add_run(value)
    document.add_paragraph(
        _(
            "Left the earlier, right the newer version. Removed text is struck "
            "through, inserted text is underlined."
        )
    )
    footer = section.footer.paragraphs[0]
    page, of = _("Page %(n)s of %(total)s").split("%(n)s")
    of_before, _sep, of_after = of.partition("%(total)s")
    footer.add_run(page)
    _field(footer, "PAGE", "1")
    footer.add_run(of_before)
    _field(footer, "NUMPAGES", "1")
    footer.add_run(of_after)

    def fill(cell: Any, block: Block | None) -> None:
        paragraph = cell.paragraphs[0]
        if block is None:
            return
        if block.kind in ("bullet", "number"):
            paragraph.add_run("• " if block.kind == "bullet" else f"{block.number}. ")
        for run in block.runs:
            added = paragraph.add_run(run.text)
            added.bold = run.bold or block.kind == "heading" or None
            added.italic = run.italic or None
            if run.code:
                added.font.name = "Courier New"
            if run.mark == DEL:
                added.font.strike = True
                added.font.color.rgb = RGBColor(0xA4, 0x00, 0x0F)
            elif run.mark == INS:
                added.font.underline = True
                added.font.color.rgb = RGBColor(0x0B, 0x6B, 0x2E)
            added.font.size = Pt(9.5)

    for group, parts in doc.groups:
        document.add_heading(group, level=1)
        table = document.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        header = table.rows[0]
        header_props = header._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        header_props.append(repeat)
        for cell, label in zip(header.cells, (doc.old_label, doc.new_label), strict=True):
            cell.paragraphs[0].add_run(label).bold = True
        for part in parts:
            title = table.add_row().cells
            merged = title[0].merge(title[1])
            merged.paragraphs[0].add_run(part.heading).bold = True
            merged.paragraphs[0].add_run(f" – {_change_label(part.change)}")
            for row in part.rows:
                cells = table.add_row().cells
                fill(cells[0], row.old)
                fill(cells[1], row.new)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
