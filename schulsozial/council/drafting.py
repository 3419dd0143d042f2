"""Drafts of council papers (Vorlagen) in the structure of the seeds: the
texts a new draft starts with, and the draft as PDF and DOCX.

Two shipped kinds prefill a draft from the platform's records:

* "Beschluss des Rahmenkonzepts (neue Fassung)" from a framework version
  (draft, in consultation or adopted): the Sachverhalt sums up what changed
  against the earlier version, the Beschlussvorschlag adopts the version,
  the annexes are the framework concept and the synopsis of the changes.
* "Verteilung der Stellen für Schulsozialarbeit im Schuljahr X" from a
  distribution scenario: total FTE, number of schools, the rules in words
  (allocation.rules_text), and the scenario's PDF as annex.

The rendering works on a neutral `PaperDocument` (plain strings and dates),
so the writers need no database:

* PDF (reportlab, A4): every user text is escaped before it becomes a
  Paragraph (which reads markup); the annex PDFs are appended (pypdf), each
  with an outline entry.
* DOCX (python-docx): text goes in as XML text nodes; characters XML does not
  allow (control characters) are dropped first.
* A municipality's own DOCX template (docxtpl, Jinja placeholders): rendered
  in a sandboxed Jinja environment with autoescape (a template is user input:
  no attribute access to Python internals, values escaped as XML);
  `check_template` validates an upload.

Texts are plain: paragraphs separated by a blank line, a line starting with
"- " or "• " is a list item.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

KIND_FRAMEWORK = "framework"
KIND_DISTRIBUTION = "distribution"
KIND_CUSTOM = "custom"

#: Roles of a committee in the Beratungsfolge (codes of council.Consultation.Role).
ROLE_PRELIMINARY = "preliminary"
ROLE_DECISION = "decision"

DECISION_PAPER = "Beschlussvorlage"


def role_label(code: str) -> str:
    """A consultation role (council.Consultation.Role code) in the council's words."""
    return {
        "hearing": pgettext("consultation role", "hearing"),
        "preliminary": pgettext("consultation role", "preliminary deliberation"),
        "information": pgettext("consultation role", "for information"),
        "deliberation": pgettext("consultation role", "deliberation"),
        "decision": pgettext("consultation role", "decision"),
        "other": pgettext("consultation role", "other role"),
    }.get(code, code)


#: Upload limits of a municipality's own template.
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
TEMPLATE_MAX_UNPACKED = 40 * 1024 * 1024
TEMPLATE_MAX_OUTPUT = 20 * 1024 * 1024

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BULLET = re.compile(r"^\s*(?:[-•*])\s+")


# --------------------------------------------------------------------------- document


@dataclass
class Step:
    """One committee of the Beratungsfolge (`role`: a Consultation.Role code in
    a DraftStart, its label in a PaperDocument)."""

    body: str
    date: datetime.date | None = None
    role: str = ""


@dataclass
class Annex:
    """An annex of the paper: its title, and the file when the platform makes it."""

    title: str
    filename: str = ""
    content_type: str = "application/pdf"
    render: Callable[[], bytes] | None = None


@dataclass
class PaperDocument:
    """A paper as the writers read it (plain text, no markup)."""

    municipality: str
    title: str
    paper_type: str
    lead_department: str = ""
    author: str = ""
    consultations: list[Step] = field(default_factory=list)
    sachverhalt: str = ""
    beschlussvorschlag: str = ""
    annexes: list[str] = field(default_factory=list)
    reference: str = ""
    day: datetime.date | None = None

    @property
    def is_decision_paper(self) -> bool:
        return self.paper_type.strip().casefold() == DECISION_PAPER.casefold()


@dataclass
class DraftStart:
    """What a new draft is prefilled with."""

    title: str
    paper_type: str
    consultations: list[Step]
    sachverhalt: str
    beschlussvorschlag: str
    annexes: list[str]


def xml_safe(text: Any) -> str:
    """The text without the characters an XML document cannot hold."""
    return _XML_INVALID.sub("", str(text or ""))


def blocks(text: str) -> list[tuple[str, str]]:
    """The text as (kind, text) blocks: "para" (line breaks kept) or "bullet"."""
    out: list[tuple[str, str]] = []
    for chunk in re.split(r"\n\s*\n", xml_safe(text).replace("\r\n", "\n").replace("\r", "\n")):
        lines: list[str] = []
        for line in chunk.split("\n"):
            if _BULLET.match(line):
                if lines:
                    out.append(("para", "\n".join(lines)))
                    lines = []
                out.append(("bullet", _BULLET.sub("", line, count=1).rstrip()))
            elif out and out[-1][0] == "bullet" and not lines and line.startswith("  "):
                out[-1] = ("bullet", f"{out[-1][1]} {line.strip()}")
            elif line.strip():
                lines.append(line.rstrip())
        if lines:
            out.append(("para", "\n".join(lines)))
    return out


def grouped_blocks(text: str) -> list[tuple[str, Any]]:
    """blocks() with consecutive list items as one ("list", [items]) entry (for HTML)."""
    out: list[tuple[str, Any]] = []
    for kind, chunk in blocks(text):
        if kind == "bullet":
            if out and out[-1][0] == "list":
                out[-1][1].append(chunk)
            else:
                out.append(("list", [chunk]))
        else:
            out.append((kind, chunk))
    return out


def _date(value: datetime.date | None) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else ""


def _long_date(value: datetime.date) -> str:
    return formats.date_format(value, "j. F Y")


def labels() -> dict[str, str]:
    """The section headings, in the user's language."""
    return {
        "title": _("Subject"),
        "paper_type": _("Paper type"),
        "lead_department": _("Lead department"),
        "author": _("Author"),
        "consultations": _("Consultation sequence"),
        "sachverhalt": _("Statement of facts"),
        "beschlussvorschlag": _("Proposed resolution"),
        "annexes": _("Annexes"),
    }


def consultation_header() -> list[str]:
    return [_("No."), _("Committee"), _("Meeting date"), _("Role")]


def heading_line(doc: PaperDocument) -> str:
    """ "Vorlage 2026/0123", or "Vorlage (Entwurf)" before it has a reference."""
    if doc.reference.strip():
        return _("Council paper %(ref)s") % {"ref": xml_safe(doc.reference.strip())}
    return _("Council paper (draft)")


def annex_line(number: int, title: str) -> str:
    return _("Annex %(n)s: %(title)s") % {"n": number, "title": title}


# --------------------------------------------------------------------------- prefilled texts


def default_consultations(committees: Sequence[str] = ()) -> list[Step]:
    """The usual sequence of a paper on school social work: the youth welfare
    and the school committee advise, the council decides (the municipality's
    own committee names where it has them)."""
    names = list(committees) or [
        "Jugendhilfeausschuss",
        "Schulausschuss",
        "Rat",
    ]
    return [
        Step(name, None, ROLE_DECISION if i == len(names) - 1 else ROLE_PRELIMINARY)
        for i, name in enumerate(names)
    ]


@dataclass(frozen=True)
class Change:
    """A section or standard of the framework that changed."""

    title: str
    change: str  # added, changed, removed


def framework_changes(pairs: dict[str, list[tuple[Any, Any]]]) -> dict[str, list[Change]]:
    """What changed between two versions (pairs of concepts.diff.Entry from
    concepts.selectors.synopsis_pairs), by group."""
    from schulsozial.concepts.diff import change_of

    out: dict[str, list[Change]] = {}
    for group, items in pairs.items():
        out[group] = [
            Change((after or before).title, change)
            for before, after in items
            if (change := change_of(before, after)) != "unchanged"
        ]
    return out


def _change_phrase(change: Change) -> str:
    return {
        "added": _("%(title)s (new)"),
        "changed": _("%(title)s (changed)"),
        "removed": _("%(title)s (removed)"),
    }[change.change] % {"title": change.title}


def framework_start(
    *,
    municipality: str,
    version_title: str,
    version_number: int,
    version_day: datetime.date,
    previous_number: int | None,
    previous_decision: datetime.date | None,
    changes: dict[str, list[Change]],
    committees: Sequence[str] = (),
) -> DraftStart:
    """The draft "Beschluss des Rahmenkonzepts (neue Fassung)"."""
    day = _long_date(version_day)
    paragraphs = []
    if previous_number is None:
        paragraphs.append(
            _(
                "The administration presents the framework concept for school social work in "
                "%(municipality)s for the first time. It sets out common standards for school "
                "social work at all schools, whichever carrier employs the staff."
            )
            % {"municipality": municipality}
        )
    else:
        since = (
            _("adopted on %(date)s") % {"date": _date(previous_decision)}
            if previous_decision
            else _("version %(n)s") % {"n": previous_number}
        )
        paragraphs.append(
            _(
                "The framework concept for school social work in %(municipality)s (%(since)s) "
                "has been revised. The new version %(n)s of %(day)s is presented for decision."
            )
            % {"municipality": municipality, "since": since, "n": version_number, "day": day}
        )
        sections = changes.get("sections", [])
        standards = changes.get("standards", [])
        if sections or standards:
            paragraphs.append(_("The main changes against the version in force:"))
            items = [f"- {_change_phrase(c)}" for c in sections]
            if standards:
                items.append(
                    "- "
                    + _("Standards: %(list)s")
                    % {"list": "; ".join(_change_phrase(c) for c in standards)}
                )
            paragraphs.append("\n".join(items))
            paragraphs.append(
                _("The annexed synopsis sets the previous and the new text side by side.")
            )
        else:
            paragraphs.append(_("The text is unchanged against the version in force."))
    paragraphs.append(
        _(
            "The school social workers, the carriers and the schools took part in the "
            "consultation on the draft."
        )
    )
    annexes = [_("Framework concept for school social work, version of %(day)s") % {"day": day}]
    if previous_number is not None:
        annexes.append(
            _("Synopsis of the changes (version %(old)s – version %(new)s)")
            % {"old": previous_number, "new": version_number}
        )
    return DraftStart(
        title=_("Framework concept for school social work in %(municipality)s (new version)")
        % {"municipality": municipality},
        paper_type=DECISION_PAPER,
        consultations=default_consultations(committees),
        sachverhalt="\n\n".join(paragraphs),
        beschlussvorschlag=_(
            "The council adopts the framework concept for school social work in the version "
            "of %(day)s (annex 1). The administration is instructed to implement it and to "
            "review it regularly."
        )
        % {"day": day},
        annexes=annexes,
    )


def distribution_start(
    *,
    municipality: str,
    school_year: str,
    scenario_name: str,
    total_fte: str,
    current_fte: str,
    schools: int,
    rules: Sequence[tuple[str, str]],
    criteria: Sequence[str],
    committees: Sequence[str] = (),
) -> DraftStart:
    """The draft "Verteilung der Stellen für Schulsozialarbeit im Schuljahr X".
    `total_fte`/`current_fte` are formatted already (German decimal comma),
    `rules` and `criteria` come from allocation.rules_text.describe."""
    from django.utils.translation import ngettext

    paragraphs = [
        ngettext(
            "For the school year %(year)s, %(fte)s full-time equivalents (FTE) of school "
            "social work are to be distributed over %(n)s school in %(municipality)s "
            "(today: %(current)s FTE).",
            "For the school year %(year)s, %(fte)s full-time equivalents (FTE) of school "
            "social work are to be distributed over %(n)s schools in %(municipality)s "
            "(today: %(current)s FTE).",
            schools,
        )
        % {
            "year": school_year,
            "fte": total_fte,
            "n": schools,
            "municipality": municipality,
            "current": current_fte,
        },
        _(
            "The distribution follows transparent rules that the administration applied to "
            "the current figures of every school (calculation “%(name)s”):"
        )
        % {"name": scenario_name},
    ]
    items = [f"- {label}: {value}" for label, value in rules]
    items += [f"- {_('Criterion')}: {c}" for c in criteria]
    if items:
        paragraphs.append("\n".join(items))
    paragraphs.append(_("The annex lists the share of every school and its change against today."))
    return DraftStart(
        title=_("Distribution of the posts for school social work in the school year %(year)s")
        % {"year": school_year},
        paper_type=DECISION_PAPER,
        consultations=default_consultations(committees),
        sachverhalt="\n\n".join(paragraphs),
        beschlussvorschlag=_(
            "The council decides the distribution of the posts for school social work in the "
            "school year %(year)s as set out in the annex (%(fte)s FTE over %(n)s schools)."
        )
        % {"year": school_year, "fte": total_fte, "n": schools},
        annexes=[
            _("Distribution of school social work in the school year %(year)s: %(name)s")
            % {"year": school_year, "name": scenario_name}
        ],
    )


# --------------------------------------------------------------------------- PDF


def _numbered_canvas(footer: str, size: tuple[float, float]) -> type:
    from reportlab.lib.units import cm
    from reportlab.pdfgen import canvas as pdfcanvas

    from schulsozial.core.pdftext import fit

    class NumberedCanvas(pdfcanvas.Canvas):
        """Draws "Seite x von y" once the number of pages is known."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (reportlab's API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8.5)
                self.drawString(2.2 * cm, 1.2 * cm, fit(footer, size[0] - 8 * cm, size=8.5))
                self.drawRightString(
                    size[0] - 2.2 * cm,
                    1.2 * cm,
                    _("Page %(n)s of %(total)s") % {"n": self._pageNumber, "total": total},
                )
                super().showPage()
            super().save()

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


# --------------------------------------------------------------------------- own templates

#: The placeholders a municipality's template may use, with what they hold.
PLACEHOLDERS: list[tuple[str, Any]] = [
    ("kommune", gettext_lazy("name of the municipality")),
    ("vorlage_nummer", gettext_lazy("reference of the paper (empty while it is a draft)")),
    ("datum", gettext_lazy("date of the export (e.g. 03.12.2026)")),
    ("betreff", gettext_lazy("subject (Betreff)")),
    ("vorlage_art", gettext_lazy("paper type (Vorlage-Art)")),
    ("federfuehrend", gettext_lazy("lead department (Federführend)")),
    ("verfasser", gettext_lazy("author (Verfasser)")),
    (
        "beratungsfolge",
        gettext_lazy(
            "the committees in order; each b has b.nr, b.gremium, b.datum (e.g. 25.03.2026, "
            "empty if not yet set) and b.rolle"
        ),
    ),
    ("sachverhalt", gettext_lazy("statement of facts (Sachverhalt), paragraphs kept")),
    (
        "beschlussvorschlag",
        gettext_lazy("proposed resolution (Beschlussvorschlag), empty if there is none"),
    ),
    (
        "ist_beschlussvorlage",
        gettext_lazy("true for a Beschlussvorlage (for a condition, see below)"),
    ),
    ("anlagen", gettext_lazy("the annexes in order; each a has a.nr and a.titel")),
]
PLACEHOLDER_NAMES = frozenset(name for name, _text in PLACEHOLDERS)


def _template_text(value: str) -> str:
    """A multi-paragraph value for docxtpl: a blank line becomes a new
    paragraph (\\a), a single line break a break in the paragraph (\\n)."""
    chunks = [c.strip("\n") for c in re.split(r"\n\s*\n", xml_safe(value).replace("\r", ""))]
    return "\a".join(c for c in chunks if c.strip())


def template_context(doc: PaperDocument) -> dict[str, Any]:
    return {
        "kommune": xml_safe(doc.municipality),
        "vorlage_nummer": xml_safe(doc.reference),
        "datum": _date(doc.day),
        "betreff": xml_safe(doc.title),
        "vorlage_art": xml_safe(doc.paper_type),
        "federfuehrend": xml_safe(doc.lead_department),
        "verfasser": xml_safe(doc.author),
        "beratungsfolge": [
            {
                "nr": i,
                "gremium": xml_safe(s.body),
                "datum": _date(s.date),
                "rolle": xml_safe(s.role),
            }
            for i, s in enumerate(doc.consultations, start=1)
        ],
        "sachverhalt": _template_text(doc.sachverhalt),
        "beschlussvorschlag": _template_text(doc.beschlussvorschlag),
        "ist_beschlussvorlage": doc.is_decision_paper,
        "anlagen": [{"nr": i, "titel": xml_safe(a)} for i, a in enumerate(doc.annexes, start=1)],
    }


def sample_document() -> PaperDocument:
    """Sample data to test an uploaded template with."""
    return PaperDocument(
        municipality="Musterstadt",
        title="Rahmenkonzept Schulsozialarbeit (neue Fassung)",
        paper_type=DECISION_PAPER,
        lead_department="FB 42 – Kinder, Jugend und Familie",
        author="Erika Mustermann, Tel.: 1234",
        consultations=[
            Step("Jugendhilfeausschuss", datetime.date(2026, 3, 25), "Vorberatung"),
            Step("Schulausschuss", datetime.date(2026, 5, 13), "Vorberatung"),
            Step("Rat", None, "Entscheidung"),
        ],
        sachverhalt="Erster Absatz <mit> & Sonderzeichen.\n\nZweiter Absatz.",
        beschlussvorschlag="Der Rat beschließt das Rahmenkonzept.",
        annexes=["Rahmenkonzept", "Synopse"],
        reference="",
        day=datetime.date(2026, 1, 15),
    )


class UnusableTemplateError(Exception):
    """An uploaded template cannot be used; the message says why (German UI)."""


def _environment(*, strict: bool) -> Any:
    from jinja2 import StrictUndefined, Undefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined if strict else Undefined)


def _open_docx(data: bytes) -> Any:
    """The bytes as a docxtpl template, or UnusableTemplateError."""
    from docxtpl import DocxTemplate

    if len(data) > TEMPLATE_MAX_BYTES:
        raise UnusableTemplateError(
            _("The file is larger than %(n)s MB.") % {"n": TEMPLATE_MAX_BYTES // (1024 * 1024)}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            types = (
                archive.read("[Content_Types].xml").decode("utf-8", "replace")
                if "[Content_Types].xml" in names
                else ""
            )
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnusableTemplateError(_("The file is not a Word document (.docx).")) from exc
    if "word/document.xml" not in names or "wordprocessingml.document.main" not in types:
        if "macroEnabled" in types:
            raise UnusableTemplateError(
                _("Word documents with macros (.docm) are not accepted; save it as .docx.")
            )
        raise UnusableTemplateError(_("The file is not a Word document (.docx)."))
    if unpacked > TEMPLATE_MAX_UNPACKED:
        raise UnusableTemplateError(_("The unpacked document is too large."))
    try:
        return DocxTemplate(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on damaged files
        raise UnusableTemplateError(_("The Word document cannot be read.")) from exc


def _render(template: Any, doc: PaperDocument, *, strict: bool) -> bytes:
    from jinja2 import TemplateError, UndefinedError
    from jinja2.exceptions import SecurityError, TemplateSyntaxError

    try:
        template.render(template_context(doc), jinja_env=_environment(strict=strict))
        out = io.BytesIO()
        template.save(out)
    except SecurityError as exc:
        raise UnusableTemplateError(
            _("The template uses an expression that is not allowed in a template.")
        ) from exc
    except UndefinedError as exc:
        found = re.search(r"has no attribute '([^']+)'|'([^']+)' is undefined", str(exc))
        name = (found.group(1) or found.group(2)) if found else "?"
        raise UnusableTemplateError(
            _("The template uses a placeholder that does not exist: %(name)s") % {"name": name}
        ) from exc
    except TemplateSyntaxError as exc:
        context = " ".join(t.strip() for t in getattr(exc, "docx_context", []) if t.strip())
        message = _(
            "The placeholders of the template are not well-formed (for example a {% for %} "
            "without {% endfor %}, or a bracket not closed)."
        )
        if context:
            message += " " + _("Near: %(text)s") % {"text": context[:200]}
        raise UnusableTemplateError(message) from exc
    except (TemplateError, OverflowError, MemoryError) as exc:
        raise UnusableTemplateError(_("The template cannot be rendered.")) from exc
    except Exception as exc:  # docxtpl's XML fixes fail on some broken tag layouts
        raise UnusableTemplateError(_("The template cannot be rendered.")) from exc
    data = out.getvalue()
    if len(data) > TEMPLATE_MAX_OUTPUT:
        raise UnusableTemplateError(_("The rendered document is too large."))
    return data


def unknown_placeholders(template: Any) -> list[str]:
    from jinja2 import TemplateError

    try:
        found = template.get_undeclared_template_variables(jinja_env=_environment(strict=False))
    except TemplateError:
        return []  # reported by the rendering with the sample data
    return sorted(set(found) - PLACEHOLDER_NAMES)


def check_template(data: bytes) -> list[str]:
    """What is wrong with an uploaded template (empty: it can be used). It
    must be a .docx within the size limits, know only our placeholders, and
    render with the sample data."""
    try:
        template = _open_docx(data)
    except UnusableTemplateError as problem:
        return [str(problem)]
    problems = [
        _("Unknown placeholder: {{ %(name)s }}") % {"name": name}
        for name in unknown_placeholders(template)
    ]
    if problems:
        return problems
    try:
        _render(template, sample_document(), strict=True)
    except UnusableTemplateError as problem:
        return [str(problem)]
    return []


def render_template(data: bytes, doc: PaperDocument) -> bytes:
    """The paper through a municipality's own template (checked on upload)."""
    return _render(_open_docx(data), doc, strict=False)


def sample_template() -> bytes:
    """A DOCX template with every placeholder, for a municipality to start
    its own from (open in Word, restyle, keep the placeholders)."""
    from docx import Document as Docx

    names = labels()
    out = Docx()
    out.add_paragraph("{{ kommune }} · {{ datum }}")
    out.add_heading(
        "{% if vorlage_nummer %}Vorlage {{ vorlage_nummer }}{% else %}Vorlage (Entwurf){% endif %}",
        level=0,
    )
    facts = out.add_table(rows=0, cols=2)
    facts.style = "Table Grid"
    for label, placeholder in (
        (names["title"], "{{ betreff }}"),
        (names["paper_type"], "{{ vorlage_art }}"),
        (names["lead_department"], "{{ federfuehrend }}"),
        (names["author"], "{{ verfasser }}"),
    ):
        cells = facts.add_row().cells
        cells[0].text, cells[1].text = label, placeholder
    out.add_heading(names["consultations"], level=1)
    table = out.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, consultation_header(), strict=True):
        cell.text = label
    table.rows[1].cells[0].text = "{%tr for b in beratungsfolge %}"
    for cell, value in zip(
        table.rows[2].cells,
        ("{{ b.nr }}", "{{ b.gremium }}", "{{ b.datum }}", "{{ b.rolle }}"),
        strict=True,
    ):
        cell.text = value
    table.rows[3].cells[0].text = "{%tr endfor %}"
    out.add_heading(names["sachverhalt"], level=1)
    out.add_paragraph("{{ sachverhalt }}")
    out.add_paragraph("{%p if ist_beschlussvorlage %}")
    out.add_heading(names["beschlussvorschlag"], level=1)
    out.add_paragraph("{{ beschlussvorschlag }}")
    out.add_paragraph("{%p endif %}")
    out.add_heading(names["annexes"], level=1)
    out.add_paragraph("{%p for a in anlagen %}")
    out.add_paragraph("Anlage {{ a.nr }}: {{ a.titel }}")
    out.add_paragraph("{%p endfor %}")
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def placeholder_rows() -> list[tuple[str, str]]:
    """The placeholders as a template writes them, with what they hold (upload page)."""
    loops = {"beratungsfolge", "anlagen", "ist_beschlussvorlage"}
    return [
        (name if name in loops else "{{ " + name + " }}", str(text)) for name, text in PLACEHOLDERS
    ]


#: The tags of loops and conditions, as the upload page shows them.
PLACEHOLDER_TAGS = {
    "row_start": "{%tr for b in beratungsfolge %}",
    "row_cells": "{{ b.nr }}  {{ b.gremium }}  {{ b.datum }}  {{ b.rolle }}",
    "row_end": "{%tr endfor %}",
    "annex_start": "{%p for a in anlagen %}",
    "annex_line": "Anlage {{ a.nr }}: {{ a.titel }}",
    "annex_end": "{%p endfor %}",
    "if_start": "{%p if ist_beschlussvorlage %}",
    "if_end": "{%p endif %}",
}
