"""The paste parser (issue 14) on the two seeds and the three real pages."""

from __future__ import annotations

import contextlib
import datetime
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from random import Random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schulsozial.council.paste import (
    NOTE_AGENDA_ITEM,
    NOTE_CONSULTATION_UNDATED,
    NOTE_MESSAGES,
    ParsedConsultation,
    ParsedPaper,
    parse_council_paper,
)

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
    # The page's tab "Sachverhalt / Anlage/n" is empty; the text comes after it.
    assert paper.beschlussvorschlag is None
    assert paper.sachverhalt is not None
    assert paper.sachverhalt.startswith("Im März 2011 konnten, finanziert durch")
    assert "912.313,90 €" in paper.sachverhalt
    assert "Anlagen" not in paper.sachverhalt


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
    assert paper.beschlussvorschlag is not None
    assert paper.beschlussvorschlag.startswith(
        "Das Rahmenkonzept zur Schulsozialarbeit in Kamen in der vorgelegten Fassung wird beschlossen."
    )
    assert paper.beschlussvorschlag.endswith("Bedarfsgerechtigkeit beauftragt.")
    assert "Sachverhalt" not in paper.beschlussvorschlag
    assert paper.sachverhalt is not None
    assert paper.sachverhalt.startswith("Der Jugendhilfeausschuss hat in der Sitzung am 26.06.2018")
    assert paper.sachverhalt.endswith("Bedarfsgerechtigkeit beauftragt.")


def test_alsdorf_allris4_page() -> None:
    paper = parse_council_paper(_read(PAPERS / "alsdorf_allris4_vo020_hze_2013.txt"))
    assert paper.reference == "2013/0381/3.2"
    assert paper.paper_type == "Beschlussvorlage"
    # The Beratungsfolge is collapsed ("Reduzieren") and the page shows no Betreff.
    assert paper.title is None
    assert paper.consultations == []
    assert "title" in paper.missing
    assert "consultations" in paper.missing
    assert paper.beschlussvorschlag is not None
    assert paper.beschlussvorschlag.startswith("1. Der Jugendhilfeausschuss der Stadt Alsdorf")
    assert paper.beschlussvorschlag.endswith("verhindert werden.")
    assert "Reduzieren" not in paper.beschlussvorschlag
    # Only the sub-heading "Darstellung der Sach- und Rechtslage:", no text.
    assert paper.sachverhalt is None


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


# --------------------------------------------------------------------------- properties

SEED_TEXTS = [
    path.read_text(encoding="utf-8")
    for path in sorted([*SEEDS.glob("*.txt"), *PAPERS.glob("*.txt")])
    if path.exists()
]

_NUMERIC_DATE = re.compile(r"([0-9]{1,2})\.\s?([0-9]{1,2})\.\s?([0-9]{4}|[0-9]{2})(?![0-9])")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH_PREFIXES = {
    "jan": 1,
    "jän": 1,
    "feb": 2,
    "mär": 3,
    "mae": 3,
    "mrz": 3,
    "apr": 4,
    "mai": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "okt": 10,
    "nov": 11,
    "dez": 12,
}


def _dates_written_in(text: str) -> set[datetime.date]:
    """Every date the text writes (independently of the parser), after NFKC."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub("[\u00ad\u200b-\u200f\u2060\ufeff]", "", text).replace("\u2013", "-")
    found: set[datetime.date] = set()
    for day, month, year in _NUMERIC_DATE.findall(text):
        full = int(year) + (0 if len(year) == 4 else 2000 if int(year) < 70 else 1900)
        with contextlib.suppress(ValueError):
            found.add(datetime.date(full, int(month), int(day)))
    for year, month, day in _ISO_DATE.findall(text):
        with contextlib.suppress(ValueError):
            found.add(datetime.date(int(year), int(month), int(day)))
    for day, name, year in re.findall(
        r"([0-9]{1,2})\.\s*([^\W\d_]+)\.?\s+([0-9]{4})", text, flags=re.IGNORECASE
    ):
        month = _MONTH_PREFIXES.get(name.lower()[:3], 0)
        with contextlib.suppress(ValueError):
            found.add(datetime.date(int(year), month, int(day)))
    return found


def _check_invariants(text: str) -> None:
    paper = parse_council_paper(text)
    assert isinstance(paper, ParsedPaper)
    if paper.reference is not None:
        assert paper.reference
        assert paper.reference in text
    written = _dates_written_in(text)
    for day in [paper.date, *(item.date for item in paper.consultations)]:
        if day is not None:
            assert day in written
    for name in ("title", "paper_type", "status", "lead_department", "author"):
        value = getattr(paper, name)
        assert value is None or (isinstance(value, str) and value.strip() == value and value)
        assert (value is None) == (name in paper.missing)
    assert paper.status in (None, "öffentlich", "nichtöffentlich")
    for item in paper.consultations:
        assert item.body
        assert item.role is None or item.role
    assert ("consultations" in paper.missing) == (not paper.consultations)
    for text_value in (paper.beschlussvorschlag, paper.sachverhalt):
        assert text_value is None or (text_value.strip() == text_value and text_value)


_ALPHABET = st.characters() | st.sampled_from(list("\n\t\r \u00a0|:./-\u20130123456789öÖäüß"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=400))
def test_never_raises_on_arbitrary_text(text: str) -> None:
    _check_invariants(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_never_raises_on_any_unicode(text: str) -> None:
    _check_invariants(text)


_WORDS = st.sampled_from(
    [
        "Vorlage",
        "Vorlage - 2015/0159",
        "Betreff:",
        "Status:",
        "öffentlich",
        "Vorlage-Art:",
        "Art",
        "Federführend:",
        "Verfasser:",
        "Beratungsfolge:",
        "Beratungsreihenfolge",
        "Gremium",
        "Datum",
        "Zuständigkeit",
        "Ergebnis",
        "Rolle",
        "Sitzung",
        "Beschluss",
        "Jugendhilfeausschuss",
        "Rat",
        "Anhörung",
        "Vorberatung",
        "Entscheidung",
        "zur Kenntnis genommen",
        "einstimmig beschlossen",
        "25.03.2015",
        "9. Juni 2015",
        "31.02.2015",
        "Di, 09.06.15",
        "095/2019",
        "|",
        "\t",
        "\n",
        "\n\n",
        ":",
        "Sachverhalt",
        "TOP 5",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=60).map(" ".join))
def test_never_raises_on_council_words(text: str) -> None:
    _check_invariants(text)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(SEED_TEXTS or [""]),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 40), st.text(max_size=5)), max_size=8
    ),
)
def test_never_raises_on_mutated_seeds(seed: str, edits: list[tuple[int, int, str]]) -> None:
    text = seed
    for position, length, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + length :]
    _check_invariants(text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(SEED_TEXTS or [""]), st.randoms(use_true_random=False))
def test_never_raises_on_shuffled_seeds(seed: str, random: Random) -> None:
    lines = seed.splitlines()
    random.shuffle(lines)
    _check_invariants("\n".join(lines))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(SEED_TEXTS or [""]), st.integers(0, 10_000))
def test_never_raises_on_cut_seeds(seed: str, cut: int) -> None:
    _check_invariants(seed[: cut % (len(seed) + 1)])
    _check_invariants(seed[cut % (len(seed) + 1) :])


def test_seeds_hold_the_invariants() -> None:
    for text in SEED_TEXTS:
        _check_invariants(text)
        _check_invariants(text.replace("\n", "\r\n"))
        _check_invariants(text.replace(" ", "\u00a0"))


@pytest.mark.parametrize(
    "variant",
    [
        lambda text: text.replace("\n", "\r\n"),
        lambda text: text.replace("\n", "  \t\n"),
        lambda text: text.replace("\u00a0", " "),
        lambda text: text.replace(" - ", " \u2013 "),
        lambda text: "\ufeff" + text,
        lambda text: unicodedata.normalize("NFD", text),
    ],
    ids=["crlf", "trailing-whitespace", "no-nbsp", "en-dash", "bom", "decomposed"],
)
@pytest.mark.parametrize(
    "name",
    [
        "herne_2015_gesamtkonzept_schulsozialarbeit.txt",
        "kamen_2019_rahmenkonzept_schulsozialarbeit.txt",
    ],
)
def test_seed_variants_give_the_same_record(name: str, variant: Callable[[str], str]) -> None:
    text = _read(SEEDS / name)
    plain = parse_council_paper(text)
    varied = parse_council_paper(variant(text))
    for field_name in ("reference", "title", "paper_type", "status", "author", "consultations"):
        assert getattr(varied, field_name) == getattr(plain, field_name), field_name
    # "FB 42 - Kinder-Jugend-Familie" keeps its dash as a plain hyphen.
    assert varied.lead_department == plain.lead_department
    assert varied.missing == plain.missing


def test_notes_carry_english_msgids_with_their_german_translation() -> None:
    import polib

    paper = parse_council_paper("TOP 5\nBeratungsfolge:\nRat Entscheidung\n")
    assert [note.message for note in paper.notes] == [
        NOTE_CONSULTATION_UNDATED,
        NOTE_AGENDA_ITEM,
    ]
    assert paper.notes[0].params == {"number": "1", "body": "Rat"}
    assert paper.warnings == [note.german() for note in paper.notes]
    assert paper.warnings[0] == "Beratung 1 (Rat): Datum fehlt."
    catalogue = {
        entry.msgid: entry.msgstr
        for entry in polib.pofile(
            str(Path(__file__).resolve().parents[3] / "locale/de/LC_MESSAGES/django.po")
        )
    }
    for message, german in NOTE_MESSAGES.items():
        assert catalogue.get(message) == german, message
