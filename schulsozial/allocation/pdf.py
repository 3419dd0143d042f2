"""The adopted (or draft) scenario as a PDF annex for a committee paper:
title, decision, the rules in German words (rules_text.describe: what is
distributed, steps, base, bounds, method, every criterion with weight,
conversion and missing-value rule), the table per school, "Seite x von y".

Every user text is escaped before it reaches a ReportLab Paragraph (which
reads markup); names wrap inside their table cell at word boundaries only
(splitLongWords off, no hyphenation); the chart labels and the footer, drawn
as plain strings, are shortened at a word boundary to fit."""

from __future__ import annotations

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from schulsozial.core.context_processors import DATA_ATTRIBUTION
from schulsozial.core.pdftext import fit, page_count_canvas, page_label
from schulsozial.masterdata.models import SchoolType

from .models import Scenario
from .rules_text import describe, method_label


def _n(value: object, places: int = 2) -> str:
    if value in (None, ""):
        return "–"
    return number_format(Decimal(str(value)), places, use_l10n=True, force_grouping=True)


BAR_ROW = 11  # points per school in the chart


def _bars(rows: list[dict], width: float) -> Drawing:
    """FTE per school, sorted, with the ideal share as a red tick."""
    row_h, label_w = BAR_ROW, 7 * cm
    top = max([1.0] + [max(float(r["fte"]), r["ideal"]) for r in rows])
    scale = (width - label_w - 1.5 * cm) / top
    drawing = Drawing(width, row_h * len(rows) + 10)
    for i, row in enumerate(rows):
        y = drawing.height - (i + 1) * row_h
        label = fit(row["name"], label_w - 8, size=6.5)
        drawing.add(String(label_w - 4, y + 2, label, fontSize=6.5, textAnchor="end"))
        drawing.add(
            Rect(
                label_w,
                y + 1,
                float(row["fte"]) * scale,
                row_h - 3,
                fillColor=colors.HexColor("#0b5cad"),
                strokeColor=None,
            )
        )
        x = label_w + row["ideal"] * scale
        drawing.add(
            Line(x, y, x, y + row_h - 1, strokeColor=colors.HexColor("#b3261e"), strokeWidth=1.2)
        )
        drawing.add(
            String(label_w + float(row["fte"]) * scale + 3, y + 2, _n(row["fte"]), fontSize=6.5)
        )
    return drawing


class _NumberedCanvas(page_count_canvas()):  # type: ignore[misc]
    """Draws "Seite x von y" once the number of pages is known."""

    def draw_page(self, number: int, total: int) -> None:
        self.setFont("Helvetica", 8)
        self.drawRightString(self._pagesize[0] - 1.5 * cm, 1 * cm, page_label(number, total))


def _rules_story(scenario: Scenario, styles, cell: ParagraphStyle) -> list:
    """The rules of the scenario in words, as a heading and short paragraphs."""
    text = describe(scenario.rules_toml)
    if text is None:
        return []
    item = ParagraphStyle("rule", parent=styles["BodyText"], fontSize=9, leading=11.5)
    bullet = ParagraphStyle("rule-criterion", parent=item, leftIndent=12, bulletIndent=2)

    def fact(label: str, value: str) -> Paragraph:
        return Paragraph(f"<b>{escape(label)}:</b> {escape(value)}", item)

    story: list = [Paragraph(_("Rules of the calculation"), styles["Heading3"])]
    story += [fact(label, value) for label, value in text.shared]
    for layer in text.layers:
        block: list = []
        if layer.name:
            block.append(Paragraph(escape(layer.name), styles["Heading4"]))
        block += [fact(label, value) for label, value in layer.facts]
        if layer.criteria:
            block.append(fact(_("Criteria"), ""))
            block += [Paragraph(escape(c), bullet, bulletText="•") for c in layer.criteria]
        story.append(KeepTogether(block))
    story.append(Spacer(1, 0.3 * cm))
    return story


def scenario_pdf(scenario: Scenario) -> bytes:
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    page = landscape(A4)

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(
            1.5 * cm,
            1 * cm,
            fit(
                f"{scenario.municipality.name} – {scenario.name} – {scenario.school_year}",
                page[0] - 6 * cm,
            ),
        )
        canvas.restoreState()  # the page number: _NumberedCanvas

    doc = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.8 * cm,
        title=scenario.name,
        author="schulsozial",
    )
    result = scenario.result
    # School names wrap in their cell (8 points like the rest of the table).
    cell = ParagraphStyle(
        "cell",
        parent=styles["BodyText"],
        fontSize=8,
        leading=9.5,
        splitLongWords=0,  # a school name breaks between words, never inside one
        hyphenationLang="",
    )
    story = [
        Paragraph(_("Distribution of school social work"), styles["Title"]),
        Paragraph(
            escape(
                f"{scenario.municipality.name}, {_('school year')} {scenario.school_year}: "
                f"{scenario.name}"
            ),
            styles["Heading2"],
        ),
    ]
    if scenario.status == Scenario.Status.ADOPTED:
        story.append(
            Paragraph(
                _("Adopted by %(body)s on %(date)s (council paper %(ref)s).")
                % {
                    "body": escape(scenario.decision_body),
                    "date": date_format(scenario.decision_date, "SHORT_DATE_FORMAT")
                    if scenario.decision_date
                    else "–",
                    "ref": escape(scenario.decision_reference),
                },
                styles["Normal"],
            )
        )
    else:
        story.append(
            Paragraph(
                _("Draft, not adopted. Computed on %(date)s.")
                % {
                    "date": timezone.localtime(scenario.computed_at).strftime("%d.%m.%Y")
                    if scenario.computed_at
                    else "–"
                },
                styles["Normal"],
            )
        )
    story.append(
        Paragraph(
            _(
                "%(fte)s FTE distributed over %(n)s schools (today %(current)s FTE). Method: %(method)s."
            )
            % {
                "fte": _n(result["total_fte"]),
                "n": len(result["schools"]),
                "current": _n(result["current_total"]),
                "method": escape(
                    ", ".join(
                        dict.fromkeys(method_label(layer["method"]) for layer in result["layers"])
                    )
                ),
            },
            styles["Normal"],
        )
    )
    if scenario.description:
        story.append(Paragraph(escape(scenario.description), styles["Normal"]))
    story.append(Spacer(1, 0.3 * cm))
    story += _rules_story(scenario, styles, cell)
    header = [
        _("School number"),
        _("School"),
        _("Type"),
        _("Pupils"),
        _("Sozialindex"),
        _("Startchancen"),
        _("today"),
        _("ideal"),
        _("FTE"),
        _("change"),
        _("money (EUR)"),
    ]
    # Header cells wrap too (a long German heading never runs into the next column).
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold")
    head_right = ParagraphStyle("head-right", parent=head, alignment=TA_RIGHT)
    data: list[list] = [
        [Paragraph(escape(h), head if i < 3 else head_right) for i, h in enumerate(header)]
    ]
    for r in result["schools"]:
        data.append(
            [
                r["number"],
                Paragraph(escape(r["name"]), cell),
                r["type"],
                r["pupils"] or "–",
                r["social_index"] or "–",
                _("yes") if r["startchancen"] else "",
                _n(r["current"]),
                _n(r["ideal"]),
                _n(r["fte"]),
                _n(r["change"]),
                _n(r["money"], 0),
            ]
        )
    data.append(
        [
            "",
            _("Total"),
            "",
            "",
            "",
            "",
            _n(result["current_total"]),
            "",
            _n(result["total_fte"]),
            "",
            "",
        ]
    )
    table = Table(
        data,
        repeatRows=1,
        colWidths=[
            2.3 * cm,
            7.4 * cm,
            1.9 * cm,
            2.3 * cm,
            2 * cm,
            2.2 * cm,
            1.3 * cm,
            2 * cm,
            1.3 * cm,
            1.8 * cm,
            2.1 * cm,
        ],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f2f4f7")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    labels = dict(SchoolType.choices)
    used = sorted({r["type"] for r in result["schools"] if r["type"] in labels})
    if used:
        story.append(Spacer(1, 0.2 * cm))
        story.append(
            Paragraph(
                escape(
                    _("School types: %(types)s")
                    % {"types": "; ".join(f"{t} {labels[t]}" for t in used)}
                ),
                cell,
            )
        )
    story.append(Spacer(1, 0.6 * cm))
    story.append(Paragraph(_("FTE per school, sorted; red tick: ideal share"), styles["Heading3"]))
    rows = sorted(result["schools"], key=lambda r: -Decimal(r["fte"]))
    # As many schools per chart block as one page's frame holds (its padding
    # is 6 points on each side).
    per_block = max(1, int((doc.height - 12 - 10) // BAR_ROW))
    for start in range(0, len(rows), per_block):
        story.append(_bars(rows[start : start + per_block], doc.width - 12))
    # The school figures are open data under dl-de/by-2-0: the annex names them.
    story.append(Spacer(1, 0.4 * cm))
    story.append(Paragraph(escape(DATA_ATTRIBUTION), styles["Italic"]))
    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
