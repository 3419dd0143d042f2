"""A municipality's own DOCX template (docxtpl, sandboxed Jinja): the
placeholders, the checks on upload and the rendering."""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .document import (
    DECISION_PAPER,
    TEMPLATE_MAX_BYTES,
    TEMPLATE_MAX_OUTPUT,
    TEMPLATE_MAX_UNPACKED,
    PaperDocument,
    Step,
    _date,
    consultation_header,
    labels,
    xml_safe,
)

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
