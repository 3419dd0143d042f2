"""Papers for the council tests and the permission matrix."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from schulsozial.core.actors import SYSTEM
from schulsozial.council import services
from schulsozial.council.models import Paper, PaperAttachment, PaperLink

C = services.ConsultationData

# Herne 2015/0159 as the seed gives it: three committees, each a hearing that took note.
HERNE_STEPS = [
    C("Ausschuss für Kinder, Jugend und Familie", datetime.date(2015, 3, 25), "hearing",
      "des Ausschusses für Kinder, Jugend und Familie zur Kenntnis genommen"),
    C("Integrationsrat", datetime.date(2015, 5, 6), "hearing",
      "des Integrationsrates zur Kenntnis genommen"),
    C("Schulausschuss", datetime.date(2015, 5, 13), "hearing",
      "des Schulausschusses zur Kenntnis genommen"),
]  # fmt: skip

DECIDED_STEPS = [
    C("Jugendhilfeausschuss", datetime.date(2019, 9, 10), "preliminary", "einstimmig beschlossen"),
    C("Rat", datetime.date(2019, 9, 24), "decision", "einstimmig beschlossen"),
]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_file(name: str = "anlage.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def paper(
    municipality: Any,
    reference: str = "2015/0159",
    *,
    steps: list[services.ConsultationData] | None = None,
    status: str = Paper.Status.PUBLIC,
    title: str = "Gesamtkonzept Schulsozialarbeit",
    by: Any = SYSTEM,
) -> Paper:
    return services.paper_create(
        municipality_id=municipality.pk,
        data={
            "reference": reference,
            "title": title,
            "paper_type": "Berichtsvorlage",
            "status": status,
            "lead_department": "FB 42 - Kinder-Jugend-Familie",
            "author": "Nikolai Ammann",
        },
        consultations=HERNE_STEPS if steps is None else steps,
        by=by,
    )


@dataclass
class MatrixObjects:
    paper: Paper
    attachment: PaperAttachment
    link: PaperLink


def matrix_objects(world: Any) -> MatrixObjects:
    item = paper(world.town, "M/2026/0001", title="Matrixvorlage")
    attachment = services.attachment_add(paper=item, file=pdf_file(), by=SYSTEM)
    link = services.paper_link(paper=item, school_year=world.year, by=SYSTEM)
    return MatrixObjects(item, attachment, link)
