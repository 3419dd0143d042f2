"""The paste parser (issue 14) on the two seeds and the three real pages."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from schulsozial.council.paste import ParsedConsultation, parse_council_paper

SHARED = Path(__file__).resolve().parents[4] / "shared"
SEEDS = SHARED / "seeds"
PAPERS = SHARED / "council" / "papers"


def _read(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path.read_text(encoding="utf-8")


def test_herne_seed_allris_classic() -> None:
    paper = parse_council_paper(_read(SEEDS / "herne_2015_gesamtkonzept_schulsozialarbeit.txt"))
    assert paper.reference == "2015/0159"
    assert paper.title == "Gesamtkonzept Schulsozialarbeit in Herne 2015"
    assert paper.paper_type == "Berichtsvorlage"
    assert paper.status == "öffentlich"
    # "Bearbeiter/-in: Kreß, Ursula" on the same line is the clerk, not the department.
    assert paper.lead_department == "FB 42 - Kinder-Jugend-Familie"
    # "Nikolai Ammann, Tel.: 3709": the phone number is no part of the name.
    assert paper.author == "Nikolai Ammann"
    assert paper.date is None
    assert paper.consultations == [
        ParsedConsultation(
            body="Ausschuss für Kinder, Jugend und Familie",
            date=datetime.date(2015, 3, 25),
            role="Anhörung",
            result="zur Kenntnis genommen",
        ),
        ParsedConsultation(
            body="Integrationsrat",
            date=datetime.date(2015, 5, 6),
            role="Anhörung",
            result="zur Kenntnis genommen",
        ),
        ParsedConsultation(
            body="Schulausschuss",
            date=datetime.date(2015, 5, 13),
            role="Anhörung",
            result="zur Kenntnis genommen",
        ),
    ]
    assert paper.missing == ["date"]
    assert paper.warnings == []


def test_kamen_seed_sessionnet() -> None:
    paper = parse_council_paper(_read(SEEDS / "kamen_2019_rahmenkonzept_schulsozialarbeit.txt"))
    assert paper.reference == "095/2019"
    assert paper.title == "Rahmenkonzept zur Schulsozialarbeit in Kamen"
    assert paper.paper_type == "Beschlussvorlage"
    # The seed shows no status, department, author, date or Beratungsreihenfolge; the
    # dates in its text (26.06.2018, 24. Juni 2019) are earlier meetings, not consultations.
    assert paper.status is None
    assert paper.lead_department is None
    assert paper.author is None
    assert paper.date is None
    assert paper.consultations == []
    assert paper.missing == ["status", "lead_department", "author", "date", "consultations"]


def test_alsdorf_allris4_page() -> None:
    paper = parse_council_paper(_read(PAPERS / "alsdorf_allris4_vo020_hze_2013.txt"))
    assert paper.reference == "2013/0381/3.2"
    assert paper.paper_type == "Beschlussvorlage"
    # The Beratungsfolge is collapsed ("Reduzieren") and the page shows no Betreff.
    assert paper.title is None
    assert paper.consultations == []
    assert "title" in paper.missing
    assert "consultations" in paper.missing


def test_aschaffenburg_sdnet_agenda_item_has_no_reference() -> None:
    paper = parse_council_paper(_read(PAPERS / "aschaffenburg_sdnet_meeting_jha_2013.txt"))
    # A meeting's agenda item: "2. / jha/3/2/13." numbers the item, it is no paper reference.
    assert paper.reference is None
    assert "reference" in paper.missing
    assert paper.title == "Bekanntgabe neuer Ausschussmitglieder"
    # "Status: Abgeschlossen" is the meeting's state, "ö" the item's public status.
    assert paper.status == "öffentlich"
    # "Datum: 21.11.2013" is the meeting's date, not the paper's.
    assert paper.date is None
    assert paper.consultations == [
        ParsedConsultation(
            body="Jugendhilfeausschuss",
            date=datetime.date(2013, 11, 21),
            role="Entscheidung",
            result=None,
        )
    ]
    assert any("Tagesordnungspunkt" in warning for warning in paper.warnings)


def test_meerbusch_sessionnet_page() -> None:
    paper = parse_council_paper(
        _read(PAPERS / "meerbusch_sessionnet_vo0050_schulentwicklung_2016.txt")
    )
    assert paper.reference == "FB3/0427/2016"
    assert paper.title == (
        "Schulentwicklungsplanung, Schulentwicklung der weiterführenden Schulen der Stadt Meerbusch"
    )
    assert paper.paper_type == "Beschlussvorlage"
    assert paper.consultations == []
    assert paper.lead_department is None
