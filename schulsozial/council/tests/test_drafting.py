"""The draft writers read back: PDF (pypdf) and DOCX (python-docx) carry every
section, the Beratungsfolge rows and the annex names; user text with markup
characters arrives as text; own templates are checked and rendered."""

from __future__ import annotations

import datetime
import io
import zipfile

import docx
import pytest
from pypdf import PdfReader

from schulsozial.council import drafting

NASTY = "Kosten < 5 % & mehr <b>fett</b> {{ betreff }} {% if x %} </para>"


def _doc(**overrides) -> drafting.PaperDocument:
    base = drafting.PaperDocument(
        municipality="Teststadt",
        title=f"Rahmenkonzept {NASTY}",
        paper_type="Beschlussvorlage",
        lead_department="FB 42 – Kinder-Jugend-Familie",
        author="Erika Muster, Tel.: 3709",
        consultations=[
            drafting.Step(
                "Ausschuss für Kinder, Jugend und Familie", datetime.date(2026, 3, 25), "Anhörung"
            ),
            drafting.Step("Integrationsrat", datetime.date(2026, 5, 6), "Vorberatung"),
            drafting.Step("Rat & <Gremium>", None, "Entscheidung"),
        ],
        sachverhalt=f"Erster Absatz {NASTY}\n\n- Punkt eins\n- Punkt zwei\n\nLetzter Absatz",
        beschlussvorschlag="Der Rat beschließt das Rahmenkonzept in der Fassung vom 03.12.2026.",
        annexes=["Rahmenkonzept (Fassung vom 03.12.2026)", "Synopse <Änderungen>"],
        day=datetime.date(2026, 12, 3),
    )
    for key, value in overrides.items():
        setattr(base, key, value)
    return base


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for table_row in table.rows:
            parts.append(" | ".join(c.text for c in table_row.cells))
    return "\n".join(parts)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_has_every_section_the_consultations_and_the_annexes():
    text = _flat(_pdf_text(drafting.render_pdf(_doc())))
    for heading in (
        "Betreff",
        "Vorlage-Art",
        "Federführend",
        "Verfasser",
        "Beratungsfolge",
        "Sachverhalt",
        "Beschlussvorschlag",
        "Anlagen",
    ):
        assert heading in text, heading
    assert "Ausschuss für Kinder, Jugend und Familie 25.03.2026 Anhörung" in text
    assert "Integrationsrat 06.05.2026 Vorberatung" in text
    assert "Rat & <Gremium>" in text
    assert "Anlage 1: Rahmenkonzept (Fassung vom 03.12.2026)" in text
    assert "Anlage 2: Synopse <Änderungen>" in text
    assert "Seite 1 von" in text
    assert "Vorlage (Entwurf)" in text


def test_pdf_shows_user_markup_as_text():
    text = _flat(_pdf_text(drafting.render_pdf(_doc())))
    assert _flat(NASTY) in text  # escaped: no bold, no broken paragraph, no template


def test_pdf_appends_the_annex_pdfs_with_outline_entries():
    annex = drafting.render_main_pdf(_doc(title="Anhang-Dokument", sachverhalt="Inhalt der Anlage"))
    combined = drafting.render_pdf(_doc(), [("Synopse", annex), ("kaputt", b"no pdf")])
    reader = PdfReader(io.BytesIO(combined))
    alone = PdfReader(io.BytesIO(drafting.render_main_pdf(_doc())))
    assert len(reader.pages) == len(alone.pages) + 1  # the broken annex is left out
    assert "Inhalt der Anlage" in reader.pages[-1].extract_text()
    titles = [item.title for item in reader.outline]
    assert titles[1] == "Anlage 1: Synopse"


def test_report_paper_has_no_proposed_resolution_section():
    text = _pdf_text(drafting.render_pdf(_doc(paper_type="Berichtsvorlage", beschlussvorschlag="")))
    assert "Beschlussvorschlag" not in text
    assert "Beschlussvorschlag" not in _docx_text(
        drafting.render_docx(_doc(paper_type="Berichtsvorlage", beschlussvorschlag=""))
    )


def test_pdf_names_the_reference_once_the_paper_has_one():
    text = _pdf_text(drafting.render_pdf(_doc(reference="2026/0159")))
    assert "Vorlage 2026/0159" in text


def test_docx_has_every_section_the_consultations_and_the_annexes():
    data = drafting.render_docx(_doc())
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == [
        "Beratungsfolge",
        "Sachverhalt",
        "Beschlussvorschlag",
        "Anlagen",
    ]
    facts = {t.rows[0].cells[0].text for t in document.tables}
    assert "Betreff" in facts
    fact_rows = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert fact_rows == [
        ["Betreff", f"Rahmenkonzept {NASTY}"],
        ["Vorlage-Art", "Beschlussvorlage"],
        ["Federführend", "FB 42 – Kinder-Jugend-Familie"],
        ["Verfasser", "Erika Muster, Tel.: 3709"],
    ]
    steps = [[c.text for c in r.cells] for r in document.tables[1].rows]
    assert steps == [
        ["Nr.", "Gremium", "Sitzungstermin", "Zuständigkeit"],
        ["1", "Ausschuss für Kinder, Jugend und Familie", "25.03.2026", "Anhörung"],
        ["2", "Integrationsrat", "06.05.2026", "Vorberatung"],
        ["3", "Rat & <Gremium>", "–", "Entscheidung"],
    ]
    text = _docx_text(data)
    assert f"Erster Absatz {NASTY}" in text
    assert "Anlage 2: Synopse <Änderungen>" in text
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert bullets == ["Punkt eins", "Punkt zwei"]
    # Escaped as XML text: the raw part holds &lt; and never a <b> element.
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "&lt;b&gt;fett&lt;/b&gt;" in xml


def test_control_characters_in_user_text_do_not_break_the_files():
    doc = _doc(sachverhalt="Text\x00 mit\x0b Steuerzeichen\x1f")
    assert "Text mit Steuerzeichen" in _docx_text(drafting.render_docx(doc))
    assert "Text mit Steuerzeichen" in _flat(_pdf_text(drafting.render_pdf(doc)))


def test_text_blocks_read_paragraphs_bullets_and_line_breaks():
    assert drafting.blocks("Eins\nZwei\n\n- a\n- b\n\nDrei") == [
        ("para", "Eins\nZwei"),
        ("bullet", "a"),
        ("bullet", "b"),
        ("para", "Drei"),
    ]
    assert drafting.grouped_blocks("- a\n- b\nc") == [("list", ["a", "b"]), ("para", "c")]


# --------------------------------------------------------------------------- own templates


def _docx_with(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_sample_template_passes_the_check_and_renders_a_draft():
    template = drafting.sample_template()
    assert drafting.check_template(template) == []
    data = drafting.render_template(template, _doc(reference="2026/0159"))
    document = docx.Document(io.BytesIO(data))
    steps = [[c.text for c in r.cells] for r in document.tables[1].rows]
    assert steps == [
        ["Nr.", "Gremium", "Sitzungstermin", "Zuständigkeit"],
        ["1", "Ausschuss für Kinder, Jugend und Familie", "25.03.2026", "Anhörung"],
        ["2", "Integrationsrat", "06.05.2026", "Vorberatung"],
        ["3", "Rat & <Gremium>", "", "Entscheidung"],
    ]
    text = _docx_text(data)
    assert "Vorlage 2026/0159" in text
    assert f"Erster Absatz {NASTY}" in text  # autoescaped, and never evaluated again
    assert "Anlage 1: Rahmenkonzept (Fassung vom 03.12.2026)" in text
    assert "Anlage 2: Synopse <Änderungen>" in text
    assert "Der Rat beschließt" in text
    paragraphs = [p.text for p in document.paragraphs]
    assert "Letzter Absatz" in paragraphs  # a blank line became a new paragraph
    assert "{{" not in "\n".join(p for p in paragraphs if "Erster" not in p)


def test_sample_template_leaves_out_the_resolution_of_a_report():
    data = drafting.render_template(
        drafting.sample_template(), _doc(paper_type="Berichtsvorlage", beschlussvorschlag="")
    )
    assert "Beschlussvorschlag" not in _docx_text(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"just text", "Die Datei ist kein Word-Dokument (.docx)."),
        (
            _docx_with("{{ betreff }}", "{{ unbekannt }}"),
            "Unbekannter Platzhalter: {{ unbekannt }}",
        ),
        (
            _docx_with("{% for b in beratungsfolge %}{{ b.ausschuss }}{% endfor %}"),
            "Die Vorlage verwendet einen Platzhalter, den es nicht gibt: ausschuss",
        ),
        (_docx_with("{{ betreff.__class__.__mro__ }}"), "nicht erlaubt"),
        (_docx_with("{% for b in beratungsfolge %}"), "nicht richtig geschlossen"),
    ],
)
def test_uploaded_templates_are_checked_with_german_messages(data, message):
    problems = drafting.check_template(data)
    assert problems, "the template was accepted"
    assert message in " ".join(problems)


def test_a_macro_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    assert "Makros" in " ".join(drafting.check_template(buffer.getvalue()))


def test_a_too_large_template_is_refused_before_it_is_read():
    problems = drafting.check_template(b"x" * (drafting.TEMPLATE_MAX_BYTES + 1))
    assert problems == ["Die Datei ist größer als 5 MB."]


def test_a_zip_bomb_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/big.bin", b"\0" * (drafting.TEMPLATE_MAX_UNPACKED + 1))
    assert drafting.check_template(buffer.getvalue()) == ["Das entpackte Dokument ist zu groß."]
