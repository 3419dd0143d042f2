"""The drafting pages as coordination uses them: a draft from a framework
version or a scenario, edited (Beratungsfolge formset), exported with its
annexes, submitted (it becomes a council paper), an own template uploaded
and used; another municipality's drafts and templates do not exist."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import docx
import pytest
from django.urls import reverse
from pypdf import PdfReader

from schulsozial.concepts.models import FrameworkSection, FrameworkVersion
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.council import drafting, services_drafts
from schulsozial.council.models import Consultation, Paper, PaperDraft, PaperTemplate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _versions(town):
    """Version 1 adopted by the council on 27.06.2019 (paper 095/2019), version 2 a draft."""
    from schulsozial.council.services import ConsultationData, paper_create, paper_link

    old = FrameworkVersion.objects.create(
        municipality=town,
        number=1,
        title="Rahmenkonzept Teststadt",
        status=FrameworkVersion.Status.ADOPTED,
        review_due=datetime.date(2024, 6, 27),
    )
    paper = paper_create(
        municipality_id=town.pk,
        data={"reference": "095/2019", "title": "Rahmenkonzept", "paper_type": "Beschlussvorlage"},
        consultations=[
            ConsultationData(
                committee="Rat",
                date=datetime.date(2019, 6, 27),
                role="decision",
                result="einstimmig beschlossen",
            )
        ],
        by=SYSTEM,
    )
    paper_link(paper=paper, framework_version=old, by=SYSTEM)
    FrameworkSection.objects.create(version=old, key="ziele", title="Ziele", text="Alte Ziele.")
    FrameworkSection.objects.create(version=old, key="alt", title="Altes Kapitel", text="Weg.")
    new = FrameworkVersion.objects.create(
        municipality=town, number=2, title="Rahmenkonzept Teststadt", based_on=old
    )
    FrameworkSection.objects.create(version=new, key="ziele", title="Ziele", text="Neue Ziele.")
    FrameworkSection.objects.create(
        version=new, key="qm", title="Qualitätsmanagement", text="Neu <b>&</b>."
    )
    return old, new


def _scenario(world):
    from schulsozial.allocation.services import scenario_create
    from schulsozial.allocation.templates_rules import pupils_only

    return scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Nach Schülerzahl",
        rules_toml=pupils_only(Decimal("3")),
        by=SYSTEM,
    )


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_framework_draft_sums_up_the_changes_and_carries_the_synopsis(world, client_for):
    _old, new = _versions(world.town)
    client = client_for("coordinator")
    response = client.post(
        reverse("council:draft_start"), {"kind": "framework", "framework_version": new.pk}
    )
    draft = PaperDraft.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("council:draft_edit", args=[draft.pk])
    assert draft.title == "Rahmenkonzept Schulsozialarbeit in Teststadt (neue Fassung)"
    assert draft.paper_type.name == "Beschlussvorlage"
    assert draft.framework_version == new
    assert "beschlossen am 27.06.2019" in draft.sachverhalt
    assert "- Ziele (geändert)" in draft.sachverhalt
    assert "- Qualitätsmanagement (neu)" in draft.sachverhalt
    assert "- Altes Kapitel (entfallen)" in draft.sachverhalt
    assert draft.beschlussvorschlag.startswith(
        "Der Rat beschließt das Rahmenkonzept Schulsozialarbeit in der Fassung vom "
    )
    assert [s["committee"] for s in draft.planned_consultations] == [
        "Jugendhilfeausschuss",
        "Schulausschuss",
        "Rat",
    ]
    assert draft.planned_consultations[-1]["role"] == "decision"
    assert draft.attachments[1] == "Synopse der Änderungen (Fassung 1 – Fassung 2)"

    page = client.get(reverse("council:draft_detail", args=[draft.pk])).content.decode()
    assert "Synopse der Änderungen (Fassung 1 – Fassung 2) (PDF)" in page
    annex = client.get(reverse("council:draft_annex", args=[draft.pk, 2]))
    assert annex["Content-Disposition"].startswith('attachment; filename="anlage-2-synopse')
    assert "Synopse zum Rahmenkonzept" in _pdf_text(annex.content)

    pdf = client.get(reverse("council:draft_export", args=[draft.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf"
    assert 'filename="vorlagenentwurf-' in pdf["Content-Disposition"]
    reader = PdfReader(io.BytesIO(pdf.content))
    assert [item.title for item in reader.outline][1:] == [
        "Anlage 1: Rahmenkonzept Schulsozialarbeit (Fassung 2)",
        "Anlage 2: Synopse der Änderungen (Fassung 1 – Fassung 2)",
    ]
    text = _pdf_text(pdf.content)
    assert "Sachverhalt" in text
    assert "Synopse zum Rahmenkonzept" in text  # the appended annex
    assert AuditEntry.objects.filter(action="export", object_id=str(draft.pk)).count() == 2


def test_distribution_draft_names_fte_schools_and_rules(world, client_for):
    scenario = _scenario(world)
    client = client_for("coordinator")
    client.post(reverse("council:draft_start"), {"kind": "distribution", "scenario": scenario.pk})
    draft = PaperDraft.objects.get()
    assert draft.title == (
        f"Verteilung der Stellen für Schulsozialarbeit im Schuljahr {world.year}"
    )
    schools = len(scenario.result["schools"])
    assert (
        f"3,00 Vollzeitäquivalente (VZÄ) Schulsozialarbeit auf {schools} Schulen in Teststadt"
        in draft.sachverhalt
    )
    assert "Berechnung „Nach Schülerzahl“" in draft.sachverhalt
    assert "- Schrittweite: 0,25 VZÄ" in draft.sachverhalt
    assert "- Zu verteilen: 3,00 VZÄ" in draft.sachverhalt
    assert "- Kriterium: Schüler/innen: Gewicht 1" in draft.sachverhalt
    assert f"(3,00 VZÄ auf {schools} Schulen)" in draft.beschlussvorschlag
    annex = client.get(reverse("council:draft_annex", args=[draft.pk, 1]))
    assert "Nach Schülerzahl" in _pdf_text(annex.content)


def _edit_data(draft, **overrides):
    data = {
        "title": "Betreff <mit> & Zeichen",
        "paper_type": draft.paper_type_id,
        "lead_department": "FB 42",
        "author": "Erika Muster",
        "sachverhalt": "Text {{ betreff }}",
        "beschlussvorschlag": "Der Rat beschließt.",
        "attachments_text": "Erste Anlage\n\nZweite Anlage",
        "template": "",
        "lock_version": draft.lock_version,
        "steps-TOTAL_FORMS": "3",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "20",
        "steps-0-committee": "Schulausschuss",
        "steps-0-date": "2026-03-25",
        "steps-0-role": "preliminary",
        "steps-1-committee": "",
        "steps-2-committee": "Rat",
        "steps-2-date": "",
        "steps-2-role": "decision",
    }
    data.update(overrides)
    return data


def test_edit_form_saves_the_consultation_sequence_and_the_docx_shows_it(world, client_for):
    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    client = client_for("coordinator")
    edit = client.get(reverse("council:draft_edit", args=[draft.pk])).content.decode()
    assert 'name="steps-0-committee"' in edit
    first = _edit_data(draft)
    response = client.post(reverse("council:draft_edit", args=[draft.pk]), first)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.planned_consultations == [
        {"committee": "Schulausschuss", "date": "2026-03-25", "role": "preliminary"},
        {"committee": "Rat", "date": "", "role": "decision"},
    ]
    assert draft.attachments == ["Erste Anlage", "Zweite Anlage"]
    data = client.get(reverse("council:draft_export", args=[draft.pk, "docx"])).content
    document = docx.Document(io.BytesIO(data))
    rows = [[c.text for c in r.cells] for r in document.tables[1].rows]
    assert rows[1:] == [
        ["1", "Schulausschuss", "25.03.2026", "Vorberatung"],
        ["2", "Rat", "–", "Entscheidung"],
    ]
    assert document.tables[0].rows[0].cells[1].text == "Betreff <mit> & Zeichen"
    assert "Text {{ betreff }}" in [p.text for p in document.paragraphs]
    # A second save with the old lock version is refused.
    stale = client.post(reverse("council:draft_edit", args=[draft.pk]), {**first, "author": "X"})
    assert "Jemand anderes hat diesen Entwurf inzwischen gespeichert" in stale.content.decode()


def test_submitted_draft_becomes_a_paper_with_consultations_and_link(world, client_for):
    _old, new = _versions(world.town)
    draft = services_drafts.draft_start_framework(version=new, by=SYSTEM)
    client = client_for("coordinator")
    response = client.post(
        reverse("council:draft_submit", args=[draft.pk]),
        {"reference": " 2026/0159 ", "date": "2026-02-01"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    paper = Paper.objects.exclude(reference="095/2019").get()
    assert draft.status == PaperDraft.Status.SUBMITTED
    assert draft.paper == paper
    assert paper.reference == "2026/0159"
    assert paper.title == draft.title
    assert paper.date == datetime.date(2026, 2, 1)
    assert paper.sachverhalt == draft.sachverhalt
    steps = list(paper.consultations.order_by("order"))
    assert [(c.committee.name, c.role) for c in steps] == [
        ("Jugendhilfeausschuss", Consultation.Role.PRELIMINARY),
        ("Schulausschuss", Consultation.Role.PRELIMINARY),
        ("Rat", Consultation.Role.DECISION),
    ]
    assert [link.framework_version for link in paper.links.all()] == [new]
    # Submitted: no more edits; the page links the paper.
    assert client.get(reverse("council:draft_edit", args=[draft.pk])).status_code == 403
    assert (
        "2026/0159" in client.get(reverse("council:draft_detail", args=[draft.pk])).content.decode()
    )


def test_submission_without_reference_waits_and_then_joins_the_imported_paper(world, client_for):
    from schulsozial.council.services import paper_create

    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    client = client_for("coordinator")
    client.post(reverse("council:draft_submit", args=[draft.pk]), {"reference": ""})
    draft.refresh_from_db()
    assert draft.status == PaperDraft.Status.SUBMITTED
    assert draft.paper is None
    imported = paper_create(
        municipality_id=world.town.pk,
        data={"reference": "VO/2026/0417", "title": "Aus dem Ratsinformationssystem"},
        by=SYSTEM,
    )
    client.post(reverse("council:draft_submit", args=[draft.pk]), {"reference": "vo/2026/0417"})
    draft.refresh_from_db()
    assert draft.paper == imported
    assert Paper.objects.count() == 1
    assert imported.title == "Aus dem Ratsinformationssystem"  # its record is kept


def test_own_template_is_checked_on_upload_and_used_for_the_export(world, client_for):
    client = client_for("coordinator")
    url = reverse("council:template_upload")
    page = client.get(url).content.decode()
    assert "{{ betreff }}" in page and "{%tr for b in beratungsfolge %}" in page
    bad = io.BytesIO(b"kein word")
    bad.name = "vorlage.docx"
    response = client.post(url, {"name": "Kaputt", "file": bad, "municipality": world.town.pk})
    assert "Die Datei ist kein Word-Dokument (.docx)." in response.content.decode()
    assert not PaperTemplate.objects.exists()

    good = io.BytesIO(drafting.sample_template())
    good.name = "briefkopf.docx"
    response = client.post(url, {"name": "Briefkopf", "file": good, "municipality": world.town.pk})
    assert response.status_code == 302
    template = PaperTemplate.objects.get()
    assert template.municipality == world.town

    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    data = client.get(
        reverse("council:draft_export", args=[draft.pk, "docx"]) + f"?vorlage={template.pk}"
    ).content
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "Vorlage (Entwurf)" in text  # the sample template's heading
    assert "Neue Vorlage" in "\n".join(
        c.text for t in docx.Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells
    )
    entry = AuditEntry.objects.filter(action="export", object_id=str(draft.pk)).get()
    assert entry.changes["template"] == "Briefkopf"


def test_another_municipalitys_drafts_and_templates_do_not_exist(world, client_for):
    foreign = services_drafts.draft_start_blank(municipality=world.other_town, by=SYSTEM)
    template = services_drafts.template_upload(
        municipality=world.other_town,
        name="Nachbar",
        data=drafting.sample_template(),
        filename="n.docx",
        by=SYSTEM,
    )
    client = client_for("coordinator")
    for url in (
        reverse("council:draft_detail", args=[foreign.pk]),
        reverse("council:draft_edit", args=[foreign.pk]),
        reverse("council:draft_export", args=[foreign.pk, "pdf"]),
        reverse("council:draft_submit", args=[foreign.pk]),
        reverse("council:template_download", args=[template.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("council:template_remove", args=[template.pk])).status_code == 404
    own = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    export = reverse("council:draft_export", args=[own.pk, "docx"]) + f"?vorlage={template.pk}"
    assert client.get(export).status_code == 404
    listing = client.get(reverse("council:draft_list")).content.decode()
    assert "Neue Vorlage" in listing
    assert listing.count("Neue Vorlage") == 1


def test_framework_and_scenario_pages_offer_a_draft_to_coordination_only(world, client_for):
    _old, new = _versions(world.town)
    scenario = _scenario(world)
    start = reverse("council:draft_start")
    for page, link in (
        (
            reverse("concepts:framework_detail", args=[new.pk]),
            f"{start}?framework_version={new.pk}",
        ),
        (
            reverse("allocation:scenario_detail", args=[scenario.pk]),
            f"{start}?scenario={scenario.pk}",
        ),
    ):
        assert link in client_for("coordinator").get(page).content.decode()
        assert start not in client_for("committee").get(page).content.decode()
    form = client_for("coordinator").get(f"{start}?scenario={scenario.pk}").content.decode()
    assert f'<option value="{scenario.pk}" selected>' in form
    assert 'value="distribution" checked' in form


def test_a_blank_draft_is_not_called_own_template_which_is_the_word_file(world, client_for):
    client = client_for("coordinator")
    start = client.get(reverse("council:draft_start")).content.decode()
    assert "sonstige Vorlage (leerer Entwurf)" in start
    # "eigene Dokumentvorlage" names only the municipality's Word template field
    assert start.count("eigene Dokumentvorlage") == 1
    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    detail = client.get(reverse("council:draft_detail", args=[draft.pk])).content.decode()
    assert "sonstige Vorlage (leerer Entwurf)" in detail
    assert "eigene Dokumentvorlage" not in detail


def test_the_preview_shows_list_items_as_bullets_and_numbers_the_annexes(world, client_for):
    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    services_drafts.draft_update(
        draft=draft,
        expected_version=draft.lock_version,
        by=SYSTEM,
        sachverhalt="Einleitung.\n\n- erster Punkt\n- zweiter Punkt",
        attachments=["Rahmenkonzept", "Synopse"],
    )
    page = client_for("coordinator").get(reverse("council:draft_detail", args=[draft.pk]))
    html = page.content.decode()
    assert '<ul class="kern-list kern-list--bullet"><li>erster Punkt</li><li>zweiter Punkt' in html
    assert '<ol class="kern-list kern-list--number"><li>Rahmenkonzept</li>' in html


def test_the_draft_form_loads_the_council_styles_that_let_textareas_keep_their_rows(
    world, client_for
):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    page = client_for("coordinator").get(reverse("council:draft_edit", args=[draft.pk]))
    html = page.content.decode()
    assert "css/council.css" in html
    assert 'rows="14"' in html  # Sachverhalt
    css = Path(finders.find("css/council.css")).read_text(encoding="utf-8")
    assert "textarea.kern-form-input__input" in css and "height: auto" in css
    # below 64rem the committee of a Beratungsfolge row gets a line of its own
    assert ".draft-steps .kern-table__row > :nth-child(2) { grid-column: 2 / 5; }" in css
    lists = client_for("coordinator").get(reverse("council:lists")).content.decode()
    assert "css/council.css" in lists and '<div class="council-lists">' in lists


def test_the_draft_file_name_keeps_the_school_year_of_a_long_title(world, client_for):
    scenario = _scenario(world)
    draft = services_drafts.draft_start_distribution(scenario=scenario, by=SYSTEM)
    response = client_for("coordinator").get(
        reverse("council:draft_export", args=[draft.pk, "docx"])
    )
    year = str(world.year).replace("/", "-")
    disposition = response["Content-Disposition"]
    assert (
        f"verteilung-der-stellen-fuer-schulsozialarbeit-im-schuljahr-{year}-stand-" in disposition
    )


def test_a_new_draft_proposes_the_municipalitys_own_committee_names(world):
    from schulsozial.council import services

    for name in ("Ausschuss für Kinder, Jugend und Familie", "Integrationsrat", "Schulausschuss"):
        services.committee_create(municipality_id=world.town.pk, name=name, by=SYSTEM)
    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    assert [s["committee"] for s in draft.planned_consultations] == [
        "Ausschuss für Kinder, Jugend und Familie",
        "Schulausschuss",
        "Rat",
    ]
    services.committee_create(municipality_id=world.town.pk, name="Rat der Stadt", by=SYSTEM)
    draft = services_drafts.draft_start_blank(municipality=world.town, by=SYSTEM)
    assert draft.planned_consultations[-1]["committee"] == "Rat der Stadt"
