"""The minutes of a quality dialogue as PDF (reportlab).

Every user text reaches ReportLab escaped: its Paragraph reads markup, so a
text like ``<b>`` or ``&`` is drawn as typed and never interpreted."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _


def _p(text: str) -> str:
    """User text for a Paragraph: escaped, line breaks kept."""
    return escape(text).replace("\n", "<br/>")


def dialogue_minutes_pdf(dialogue: Any) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=10.5, leading=14)
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontSize=16)
    h2 = ParagraphStyle("h2", parent=styles["Heading2"], fontSize=13, spaceBefore=10)
    title = _("Minutes of the quality dialogue")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=2.2 * cm,
        rightMargin=2.2 * cm,
        topMargin=2 * cm,
        bottomMargin=2 * cm,
        title=f"{title} {dialogue.school.name}",
        subject=title,
        author="schulsozial",
        creator="schulsozial",
        lang="de-DE",
    )
    story: list[Any] = [
        Paragraph(escape(title), h1),
        Paragraph(
            _p(
                f"{dialogue.school.name} ({dialogue.school.school_number}) · "
                f"{_('school year')} {dialogue.school_year.code}"
            ),
            body,
        ),
        Paragraph(
            escape(f"{_('date')}: {formats.date_format(dialogue.date, 'SHORT_DATE_FORMAT')}"), body
        ),
    ]
    if dialogue.evaluation_id:
        evaluation = dialogue.evaluation
        story.append(
            Paragraph(
                escape(
                    f"{_('self-evaluation discussed')}: {evaluation.school_year.code} "
                    f"({evaluation.get_status_display()})"
                ),
                body,
            )
        )
    story += [Spacer(1, 8), Paragraph(escape(_("Participants")), h2)]
    rows = [[_("role"), _("name"), _("institution"), _("number of persons")]]
    for p in dialogue.participants.all():
        rows.append(
            [
                Paragraph(_p(p.get_role_display()), body),
                Paragraph(_p(p.name or "–"), body),
                Paragraph(_p(p.institution or "–"), body),
                str(p.count),
            ]
        )
    table = Table(rows, colWidths=[4.2 * cm, 4.6 * cm, 5 * cm, 2.6 * cm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("GRID", (0, 0), (-1, -1), 0.4, "#8a9099"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story += [Paragraph(escape(_("Agreements")), h2)]
    story.append(Paragraph(_p(dialogue.agreements or "–"), body))
    goals = list(dialogue.follow_up_goals.select_related("school_year"))
    story.append(Paragraph(escape(_("Follow-up goals")), h2))
    if goals:
        for goal in goals:
            story.append(
                Paragraph(
                    _p(
                        f"• {goal.school_year.code}: {goal.goal} "
                        f"({_('responsible')}: {goal.get_responsible_display()})"
                    ),
                    body,
                )
            )
    else:
        story.append(Paragraph("–", body))
    doc.build(story)
    return buffer.getvalue()
