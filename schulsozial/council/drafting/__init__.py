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

The package: `document` (the neutral PaperDocument and text blocks),
`texts` (prefilled drafts), `writers` (PDF, DOCX), `own_template`
(a municipality's DOCX template). Import from the package, not the modules.
"""

from __future__ import annotations

from .document import (
    DECISION_PAPER,
    KIND_CUSTOM,
    KIND_DISTRIBUTION,
    KIND_FRAMEWORK,
    ROLE_DECISION,
    ROLE_PRELIMINARY,
    TEMPLATE_MAX_BYTES,
    TEMPLATE_MAX_OUTPUT,
    TEMPLATE_MAX_UNPACKED,
    Annex,
    DraftStart,
    PaperDocument,
    Step,
    annex_line,
    blocks,
    consultation_header,
    grouped_blocks,
    heading_line,
    labels,
    role_label,
    xml_safe,
)
from .own_template import (
    PLACEHOLDER_NAMES,
    PLACEHOLDER_TAGS,
    PLACEHOLDERS,
    UnusableTemplateError,
    check_template,
    placeholder_rows,
    render_template,
    sample_document,
    sample_template,
    template_context,
    unknown_placeholders,
)
from .texts import (
    Change,
    default_consultations,
    distribution_start,
    framework_changes,
    framework_start,
)
from .writers import (
    render_docx,
    render_main_pdf,
    render_pdf,
)

__all__ = [
    "DECISION_PAPER",
    "KIND_CUSTOM",
    "KIND_DISTRIBUTION",
    "KIND_FRAMEWORK",
    "PLACEHOLDERS",
    "PLACEHOLDER_NAMES",
    "PLACEHOLDER_TAGS",
    "ROLE_DECISION",
    "ROLE_PRELIMINARY",
    "TEMPLATE_MAX_BYTES",
    "TEMPLATE_MAX_OUTPUT",
    "TEMPLATE_MAX_UNPACKED",
    "Annex",
    "Change",
    "DraftStart",
    "PaperDocument",
    "Step",
    "UnusableTemplateError",
    "annex_line",
    "blocks",
    "check_template",
    "consultation_header",
    "default_consultations",
    "distribution_start",
    "framework_changes",
    "framework_start",
    "grouped_blocks",
    "heading_line",
    "labels",
    "placeholder_rows",
    "render_docx",
    "render_main_pdf",
    "render_pdf",
    "render_template",
    "role_label",
    "sample_document",
    "sample_template",
    "template_context",
    "unknown_placeholders",
    "xml_safe",
]
