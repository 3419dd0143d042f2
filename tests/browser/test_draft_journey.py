"""Drafting a council paper in Chromium (issue 14): coordination opens the new
framework version, chooses "Ratsvorlage entwerfen", gets the prefilled draft,
completes the Beratungsfolge, downloads the PDF (with the synopsis appended)
and the DOCX, and enters the council system's number: the draft becomes a
council paper linked to the version. At 1280 and 768 px, with axe."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from schulsozial.concepts.tests.factories import adopted_framework, draft_in_consultation
from schulsozial.council.models import Paper, PaperDraft
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 768])
def test_coordination_drafts_the_new_framework_paper_and_submits_it(live_server, page, width):
    world = build_world()
    new = draft_in_consultation(adopted_framework(world.town), invite=[])
    base = live_server.url
    page.set_viewport_size({"width": width, "height": 900})

    log_in(page, base, "koordination")
    page.goto(f"{base}/konzepte/framework/{new.pk}/")
    page.get_by_role("link", name="Ratsvorlage entwerfen").click()
    assert page.locator("select[name=framework_version]").input_value() == str(new.pk)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Entwurf anlegen").click()

    # The edit form, prefilled in the structure of the seeds.
    page.wait_for_selector("#id_sachverhalt")
    draft = PaperDraft.objects.get()
    assert page.get_by_label("Betreff", exact=False).first.input_value() == (
        "Rahmenkonzept Schulsozialarbeit in Teststadt (neue Fassung)"
    )
    assert page.locator("#id_steps-2-committee").input_value() == "Rat"
    assert page.locator("#id_steps-2-role").input_value() == "decision"
    page.locator("#id_steps-0-date").fill("2026-03-25")
    page.locator("#id_lead_department").fill("FB 42 – Kinder-Jugend-Familie")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Speichern").click()

    # The draft's page: preview, downloads, annex files.
    page.wait_for_selector(".paper-preview")
    assert "25.03.2026" in page.locator(".paper-preview").inner_text()
    assert axe_violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF mit angehängten Anlagen").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    titles = [item.title for item in pdf.outline]
    assert titles[-1] == "Anlage 2: Synopse der Änderungen (Fassung 1 – Fassung 2)"
    with page.expect_download() as download:
        page.get_by_role("link", name="Word (DOCX), eingebautes Layout").click()
    assert download.value.suggested_filename.endswith(".docx")

    # Submitted with its number: it becomes the council paper, linked to the version.
    page.get_by_role("link", name="Als eingereicht markieren").click()
    page.get_by_label("Vorlagennummer im Ratsinformationssystem").fill("2026/0123")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_selector('[data-fact="status"]')
    assert "2026/0123" in page.locator('[data-fact="status"]').inner_text()
    paper = Paper.objects.get(reference="2026/0123")
    draft.refresh_from_db()
    assert draft.paper == paper
    assert [link.framework_version_id for link in paper.links.all()] == [new.pk]
    assert [c.committee.name for c in paper.consultations.order_by("order")] == [
        "Jugendhilfeausschuss",
        "Schulausschuss",
        "Rat",
    ]
