"""The neutral paper document the writers read, its constants and the
helpers that turn plain text into blocks and headings."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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
