"""The paste parser on the layouts of the council systems (issue 14), written from
their descriptions: ALLRIS 4, SessionNet, SD.NET, PDF tables, agenda items, noise."""

from __future__ import annotations

import datetime

import pytest

from schulsozial.council.paste import (
    ParsedConsultation,
    normalise_role,
    parse_council_paper,
)

D = datetime.date


def _rows(text: str) -> list[tuple[str | None, datetime.date | None, str | None, str | None]]:
    return [(c.body, c.date, c.role, c.result) for c in parse_council_paper(text).consultations]


ALLRIS4_TABLE = """\
Vorlage - VO/2024/0417
Betreff: Fortschreibung des Rahmenkonzepts Schulsozialarbeit
Status: öffentlich
Vorlage-Art: Beschlussvorlage
Federführend: Fachbereich 51 - Jugend und Familie
Bearbeitung: Meier, Jan
Verfasser: Petra Schulte
Beratungsfolge
Datum\tGremium\tRolle\tErgebnis
Di, 10.09.2024\tJugendhilfeausschuss\tVorberatung\teinstimmig empfohlen
Do, 26.09.2024\tSchulausschuss\tBeratung\tungeändert empfohlen
08.10.2024\tRat der Stadt\tEntscheidung
Beschlussvorschlag
Der Rat beschließt die Fortschreibung.
"""


def test_allris4_table_with_weekdays_and_a_missing_result() -> None:
    paper = parse_council_paper(ALLRIS4_TABLE)
    assert paper.reference == "VO/2024/0417"
    assert paper.title == "Fortschreibung des Rahmenkonzepts Schulsozialarbeit"
    assert paper.status == "öffentlich"
    assert paper.paper_type == "Beschlussvorlage"
    assert paper.lead_department == "Fachbereich 51 - Jugend und Familie"
    assert paper.author == "Petra Schulte"
    assert _rows(ALLRIS4_TABLE) == [
        ("Jugendhilfeausschuss", D(2024, 9, 10), "Vorberatung", "einstimmig empfohlen"),
        ("Schulausschuss", D(2024, 9, 26), "Vorberatung", "ungeändert empfohlen"),
        ("Rat der Stadt", D(2024, 10, 8), "Entscheidung", None),
    ]
    assert paper.missing == ["date"]


ALLRIS4_CARDS = """\
Beschlussvorlage - 2013/0381/3.2
Betreff: Entwicklung der Hilfen zur Erziehung
Beratungsfolge
Gremium: Jugendhilfeausschuss
Datum: 09.10.2013
Rolle: Vorberatung
Ergebnis: zur Kenntnis genommen
Gremium: Rat der Stadt Alsdorf
Datum: 24.10.2013
Rolle: Beschluss
Ergebnis: einstimmig beschlossen
Sachverhalt
Text.
"""


def test_allris4_cards_with_labels() -> None:
    paper = parse_council_paper(ALLRIS4_CARDS)
    assert paper.reference == "2013/0381/3.2"
    assert paper.paper_type == "Beschlussvorlage"
    assert paper.title == "Entwicklung der Hilfen zur Erziehung"
    # The cards' "Datum:" lines are meeting dates, not the paper's date.
    assert paper.date is None
    assert _rows(ALLRIS4_CARDS) == [
        ("Jugendhilfeausschuss", D(2013, 10, 9), "Vorberatung", "zur Kenntnis genommen"),
        ("Rat der Stadt Alsdorf", D(2013, 10, 24), "Entscheidung", "einstimmig beschlossen"),
    ]


SESSIONNET_FULL = """\
Betreff
Rahmenkonzept zur Schulsozialarbeit in Kamen
Vorlage
095/2019
Art
Beschlussvorlage
Status
öffentlich
Federführend:
Fachbereich Jugend, Schule und Sport
Verfasser/-in:
Anna Beispiel
Datum:
29.08.2019
Beratungsreihenfolge
Gremium
Datum
Zuständigkeit
Ergebnis
Jugendhilfeausschuss
24.09.2019
Vorberatung
einstimmig empfohlen
Rat der Stadt Kamen
10.10.2019
Entscheidung
einstimmig beschlossen
Beschlussvorschlag:
Das Rahmenkonzept wird beschlossen.
"""


def test_sessionnet_labels_and_table_one_cell_per_line() -> None:
    paper = parse_council_paper(SESSIONNET_FULL)
    assert paper.reference == "095/2019"
    assert paper.title == "Rahmenkonzept zur Schulsozialarbeit in Kamen"
    assert paper.paper_type == "Beschlussvorlage"
    assert paper.status == "öffentlich"
    assert paper.lead_department == "Fachbereich Jugend, Schule und Sport"
    assert paper.author == "Anna Beispiel"
    assert paper.date == D(2019, 8, 29)
    assert _rows(SESSIONNET_FULL) == [
        ("Jugendhilfeausschuss", D(2019, 9, 24), "Vorberatung", "einstimmig empfohlen"),
        ("Rat der Stadt Kamen", D(2019, 10, 10), "Entscheidung", "einstimmig beschlossen"),
    ]
    assert paper.missing == []


def test_sessionnet_table_with_tabs_and_a_future_meeting() -> None:
    text = (
        "Betreff\tSchulsozialarbeit an Grundschulen\n"
        "Vorlage\tFB3/0427/2016\n"
        "Art\tMitteilungsvorlage\n"
        "Beratungsreihenfolge\n"
        "Gremium\tDatum\tZuständigkeit\tErgebnis\n"
        "Ausschuss für Schule und Sport\t15.11.2016\tKenntnisnahme\tzur Kenntnis genommen\n"
        "Rat\t08.12.2016\tzur Kenntnis\t\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference == "FB3/0427/2016"
    assert paper.title == "Schulsozialarbeit an Grundschulen"
    assert paper.paper_type == "Mitteilungsvorlage"
    assert _rows(text) == [
        (
            "Ausschuss für Schule und Sport",
            D(2016, 11, 15),
            "Kenntnisnahme",
            "zur Kenntnis genommen",
        ),
        ("Rat", D(2016, 12, 8), "Kenntnisnahme", None),
    ]


SDNET_DRUCKSACHE = """\
Drucksache - 0815/2019
Betreff: Ausbau der Schulsozialarbeit an Mittelschulen
Drucksachenart: Beschlussvorlage
Federführung: Amt für Jugend, Familie und Soziales
Datum: 12.08.2019
Beratungsfolge
Gremium | Sitzung | Zuständigkeit |
Jugendhilfeausschuss | 12.09.2019 | Vorberatend |
Stadtrat | 30.09.2019 | Beschließend |
Sachverhalt:
Der Bedarf steigt.
"""


def test_sdnet_drucksache() -> None:
    paper = parse_council_paper(SDNET_DRUCKSACHE)
    assert paper.reference == "0815/2019"
    assert paper.title == "Ausbau der Schulsozialarbeit an Mittelschulen"
    assert paper.paper_type == "Beschlussvorlage"
    assert paper.lead_department == "Amt für Jugend, Familie und Soziales"
    assert paper.date == D(2019, 8, 12)
    assert _rows(SDNET_DRUCKSACHE) == [
        ("Jugendhilfeausschuss", D(2019, 9, 12), "Vorberatung", None),
        ("Stadtrat", D(2019, 9, 30), "Entscheidung", None),
    ]


def test_sdnet_drucksachen_nr_label_and_single_space_rows() -> None:
    text = (
        "Drucksachen-Nr.: 2020/117\n"
        "Betreff: Verteilung der Stellen für Schulsozialarbeit\n"
        "Beratungsfolge:\n"
        "Gremium Sitzung Zuständigkeit\n"
        "Jugendhilfeausschuss 12.09.2019 Vorberatung\n"
        "Stadtrat 30.09.2019 Entscheidung\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference == "2020/117"
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2019, 9, 12), "Vorberatung", None),
        ("Stadtrat", D(2019, 9, 30), "Entscheidung", None),
    ]


PDF_COLUMNS = """\
Vorlage Nr. 112/2020
Beratungsfolge:
Jugendhilfeausschuss
Schulausschuss
Rat der Stadt
17.09.2020
24.09.2020
2.10.2020
Vorberatung
Vorberatung
Entscheidung
Sachverhalt:
"""


def test_pdf_table_arrives_column_after_column() -> None:
    assert _rows(PDF_COLUMNS) == [
        ("Jugendhilfeausschuss", D(2020, 9, 17), "Vorberatung", None),
        ("Schulausschuss", D(2020, 9, 24), "Vorberatung", None),
        ("Rat der Stadt", D(2020, 10, 2), "Entscheidung", None),
    ]


def test_pdf_columns_each_under_its_label() -> None:
    text = (
        "Beratungsfolge\n"
        "Gremium\nJugendhilfeausschuss\nRat\n"
        "Sitzungstermin\n10.09.15\n01.10.15\n"
        "Zuständigkeit\nAnhörung\nEntscheidung\n"
    )
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2015, 9, 10), "Anhörung", None),
        ("Rat", D(2015, 10, 1), "Entscheidung", None),
    ]


PDF_BLOCKS = """\
Stadt Beispielstadt
Vorlage Nr.:
Datum:
Vorlagenart:
Federführend:
Betreff:
112/2020
03.02.2020
Mitteilungsvorlage
Fachbereich Jugend
Sachstand Schulsozialarbeit 2020
Beratungsfolge:
Gremium:
Sitzungstermin:
Zuständigkeit:
Jugendhilfeausschuss
18. Februar 2020
zur Kenntnis
Sachverhalt:
Die Stellen sind besetzt.
"""


def test_pdf_label_block_then_value_block() -> None:
    paper = parse_council_paper(PDF_BLOCKS)
    assert paper.reference == "112/2020"
    assert paper.date == D(2020, 2, 3)
    assert paper.paper_type == "Mitteilungsvorlage"
    assert paper.lead_department == "Fachbereich Jugend"
    assert paper.title == "Sachstand Schulsozialarbeit 2020"
    assert paper.consultations == [
        ParsedConsultation("Jugendhilfeausschuss", D(2020, 2, 18), "Kenntnisnahme", None)
    ]


def test_agenda_item_is_no_paper() -> None:
    text = (
        "TOP Ö 5\n"
        "Sitzung: 12. Sitzung des Schulausschusses\n"
        "Datum: 13.05.2015\n"
        "Betreff: Bericht der Schulsozialarbeit\n"
        "Beschluss:\n"
        "Der Ausschuss nimmt den Bericht zur Kenntnis.\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference is None
    assert paper.title == "Bericht der Schulsozialarbeit"
    assert paper.date is None
    assert "reference" in paper.missing
    assert any("Tagesordnungspunkt" in warning for warning in paper.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t\r\n  ",
        "asdf 12/34 ??? ::: Betreff",
        "Betreff:\nVorlage:\nArt:\n",
        "Beratungsfolge\n\n\n",
        "Vorlage - \nStatus:\nFederführend:",
        "Lorem ipsum dolor sit amet. " * 200,
        "\x00\x01\ud800 Vorlage \ufeff",
    ],
)
def test_garbage_and_empty_give_nothing(text: str) -> None:
    paper = parse_council_paper(text)
    assert paper.reference is None
    assert paper.paper_type is None
    assert paper.status is None
    assert paper.consultations == []
    assert "reference" in paper.missing
    assert "consultations" in paper.missing


def test_half_page_keeps_what_is_there() -> None:
    text = (
        "Vorlage - 2015/0159\n"
        "Betreff: Gesamtkonzept Schulsozialarbeit in Herne 2015\n"
        "Status:öffentlichVorlage-Art:Berichtsvorlage\n"
        "Beratungsfolge:\n"
        "Ausschuss für Kinder, Jugend und Familie Anhörung\n"
        "25.03.2015\n"
        "des Ausschusses für Kinder, Jugend und Familie zur Kenntnis genommen\n"
        "Integrationsrat Anhörung\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference == "2015/0159"
    assert paper.author is None
    assert paper.lead_department is None
    assert _rows(text) == [
        (
            "Ausschuss für Kinder, Jugend und Familie",
            D(2015, 3, 25),
            "Anhörung",
            "zur Kenntnis genommen",
        ),
        ("Integrationsrat", None, "Anhörung", None),
    ]
    assert any("Integrationsrat" in warning and "Datum" in warning for warning in paper.warnings)
    assert "author" in paper.missing


def test_windows_line_ends_nbsp_dashes_and_trailing_whitespace() -> None:
    text = (
        "Vorlage \u2013 2015/0159\u00a0 \r\n"
        "Betreff:\u00a0Gesamtkonzept\u00a0Schulsozialarbeit \t \r\n"
        "Beratungsfolge:\r\n"
        "Schulausschuss\tAnhörung\t\r\n"
        "Mi, 13.5.15 \u00a0\r\n"
        "einstimmig beschlossen\u00a0\r\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference == "2015/0159"
    assert paper.title == "Gesamtkonzept Schulsozialarbeit"
    assert _rows(text) == [("Schulausschuss", D(2015, 5, 13), "Anhörung", "einstimmig beschlossen")]


def test_reference_with_an_en_dash_is_returned_as_written() -> None:
    text = "Drucksache: VO\u20132024\u201317\nBetreff: Test"
    paper = parse_council_paper(text)
    assert paper.reference == "VO\u20132024\u201317"
    assert paper.reference in text


def test_decomposed_umlauts_from_a_pdf() -> None:
    text = "Vorlage: 12/2021\nBeratungsfolge:\nSchulausschuss Anho\u0308rung\n9. Juni 2021\n"
    assert _rows(text) == [("Schulausschuss", D(2021, 6, 9), "Anhörung", None)]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("09.06.2015", D(2015, 6, 9)),
        ("9.6.2015", D(2015, 6, 9)),
        ("09.06.15", D(2015, 6, 9)),
        ("9. Juni 2015", D(2015, 6, 9)),
        ("Di, 09.06.2015", D(2015, 6, 9)),
        ("Dienstag, 9. Juni 2015, 17:00 Uhr", D(2015, 6, 9)),
        ("2015-06-09", D(2015, 6, 9)),
        ("31.02.2015", None),
        ("00.13.2015", None),
    ],
)
def test_date_forms(written: str, expected: datetime.date | None) -> None:
    text = f"Beratungsfolge:\nSchulausschuss Vorberatung\n{written}\n"
    assert _rows(text) == [("Schulausschuss", expected, "Vorberatung", None)]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Beratung", "Vorberatung"),
        ("Vorberatung", "Vorberatung"),
        ("vorberatend", "Vorberatung"),
        ("zur Kenntnis", "Kenntnisnahme"),
        ("Kenntnisnahme", "Kenntnisnahme"),
        ("Beschluss", "Entscheidung"),
        ("Entscheidung", "Entscheidung"),
        ("beschließend", "Entscheidung"),
        ("federführend entscheidend", "Entscheidung"),
        ("Anhörung", "Anhörung"),
        ("Jugendhilfeausschuss", None),
    ],
)
def test_role_words(written: str, expected: str | None) -> None:
    assert normalise_role(written) == expected


def test_unknown_role_under_a_column_is_kept_as_written() -> None:
    text = "Beratungsfolge\nGremium\tDatum\tRolle\nRat\t01.02.2022\tAbschließende Würdigung\n"
    assert _rows(text) == [("Rat", D(2022, 2, 1), "Abschließende Würdigung", None)]


def test_beschluss_as_a_role_value_in_a_table() -> None:
    text = (
        "Beratungsfolge\n"
        "Gremium\nDatum\nRolle\nErgebnis\n"
        "Rat der Stadt\n01.02.2022\nBeschluss\nvertagt\n"
    )
    assert _rows(text) == [("Rat der Stadt", D(2022, 2, 1), "Entscheidung", "vertagt")]


def test_dates_in_the_text_are_no_consultations() -> None:
    text = (
        "Betreff: Bericht\n"
        "Sachverhalt\n"
        "Der Jugendhilfeausschuss hat in der Sitzung am 26.06.2018 beschlossen.\n"
    )
    paper = parse_council_paper(text)
    assert paper.consultations == []
    assert paper.date is None


def test_wrapped_title_from_a_pdf() -> None:
    text = (
        "Betreff: Fortschreibung des Gesamtkonzepts Schulsozialarbeit für\n"
        "die Schuljahre 2025/26 bis 2027/28\n"
        "Vorlagenart: Beschlussvorlage\n"
    )
    paper = parse_council_paper(text)
    assert paper.title == (
        "Fortschreibung des Gesamtkonzepts Schulsozialarbeit für die Schuljahre 2025/26 bis 2027/28"
    )
    assert paper.paper_type == "Beschlussvorlage"


def test_title_does_not_swallow_the_next_line() -> None:
    text = "Betreff\nRahmenkonzept Schulsozialarbeit\nDer Rat beschließt.\n"
    assert parse_council_paper(text).title == "Rahmenkonzept Schulsozialarbeit"


def test_beratungsfolge_on_one_line() -> None:
    text = (
        "Vorlage: 17/2022\n"
        "Beratungsfolge: Jugendhilfeausschuss (Vorberatung) 10.09.2022; "
        "Rat (Entscheidung) 01.10.2022\n"
    )
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2022, 9, 10), "Vorberatung", None),
        ("Rat", D(2022, 10, 1), "Entscheidung", None),
    ]


def test_result_line_naming_the_committee_again() -> None:
    text = (
        "Beratungsfolge:\n"
        "Integrationsrat Anhörung\n06.05.2015\nIntegrationsrat zur Kenntnis genommen\n"
        "Rat Entscheidung\n20.05.2015\nRat einstimmig beschlossen\n"
    )
    assert _rows(text) == [
        ("Integrationsrat", D(2015, 5, 6), "Anhörung", "zur Kenntnis genommen"),
        ("Rat", D(2015, 5, 20), "Entscheidung", "einstimmig beschlossen"),
    ]


def test_meeting_cells_give_the_date() -> None:
    text = (
        "Beratungsfolge\n"
        "Gremium\tSitzung\tRolle\n"
        "Schulausschuss\t7. Sitzung des Schulausschusses am 03.03.2021\tVorberatung\n"
        "Rat\tSondersitzung 18.03.2021\tEntscheidung\n"
    )
    assert _rows(text) == [
        ("Schulausschuss", D(2021, 3, 3), "Vorberatung", None),
        ("Rat", D(2021, 3, 18), "Entscheidung", None),
    ]


def test_status_with_a_note_and_non_public_papers() -> None:
    assert parse_council_paper("Status: öffentlich (Sitzung)\n").status == "öffentlich"
    assert parse_council_paper("Status: nicht öffentlich\n").status == "nichtöffentlich"
    assert parse_council_paper("Status: nichtöffentlich\n").status == "nichtöffentlich"
    # A meeting's or workflow's state is no public status.
    assert parse_council_paper("Status: Abgeschlossen\n").status is None
    assert parse_council_paper("Status: in Bearbeitung\n").status is None


def test_a_paper_mentioning_the_agenda_is_still_a_paper() -> None:
    text = (
        "Vorlage: 5/2020\n"
        "Datum: 02.03.2020\n"
        "Sachverhalt\n"
        "Der Punkt wurde auf die Tagesordnung (TOP 5) gesetzt.\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference == "5/2020"
    assert paper.date == D(2020, 3, 2)
    assert not any("Tagesordnungspunkt" in warning for warning in paper.warnings)


def test_applicant_is_not_the_author() -> None:
    text = "Antrag - A/2021/3\nAntragsteller: SPD-Fraktion\nBetreff: Mehr Schulsozialarbeit\n"
    paper = parse_council_paper(text)
    assert paper.reference == "A/2021/3"
    assert paper.paper_type == "Antrag"
    assert paper.author is None
    assert paper.title == "Mehr Schulsozialarbeit"


PDF_TWO_COLUMNS = """\
Stadt Herne                                   Vorlage Nr. 2015/0159
Der Oberbürgermeister                         öffentlich
Fachbereich: FB 42 - Kinder-Jugend-Familie    Datum: 02.03.2015
Beratungsfolge                     Sitzungstermin     Zuständigkeit
Ausschuss für Kinder, Jugend und Familie 25.03.2015   Anhörung
Integrationsrat                    06.05.2015         Anhörung
Schulausschuss                     13.05.2015         Anhörung
Betreff:
Gesamtkonzept Schulsozialarbeit in Herne 2015
"""


def test_pdf_in_two_columns_with_the_heading_as_first_column() -> None:
    paper = parse_council_paper(PDF_TWO_COLUMNS)
    assert paper.reference == "2015/0159"
    assert paper.lead_department == "FB 42 - Kinder-Jugend-Familie"
    assert paper.date == D(2015, 3, 2)
    assert paper.title == "Gesamtkonzept Schulsozialarbeit in Herne 2015"
    assert _rows(PDF_TWO_COLUMNS) == [
        ("Ausschuss für Kinder, Jugend und Familie", D(2015, 3, 25), "Anhörung", None),
        ("Integrationsrat", D(2015, 5, 6), "Anhörung", None),
        ("Schulausschuss", D(2015, 5, 13), "Anhörung", None),
    ]


def test_allris4_public_marker_before_the_role() -> None:
    text = (
        "Beratungsfolge\n"
        "Ö Vorberatung\nJugendhilfeausschuss\n09.10.2013\n"
        "Ö Entscheidung\nRat der Stadt Alsdorf\n24.10.2013\n"
    )
    paper = parse_council_paper(text)
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2013, 10, 9), "Vorberatung", None),
        ("Rat der Stadt Alsdorf", D(2013, 10, 24), "Entscheidung", None),
    ]
    assert paper.status == "öffentlich"


def test_numbered_committees_lose_their_numbers() -> None:
    text = (
        "Drucksache 2019/0815\n"
        "Beratungsfolge:\n"
        "1. Jugendhilfeausschuss 12.09.2019 Vorberatung\n"
        "2. Stadtrat 30.09.2019 Entscheidung\n"
    )
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2019, 9, 12), "Vorberatung", None),
        ("Stadtrat", D(2019, 9, 30), "Entscheidung", None),
    ]


def test_allris_agenda_item_gives_its_subject_but_no_reference() -> None:
    text = (
        "Sitzung des Schulausschusses am 13.05.2015\nTOP Ö 4: Schulsozialarbeit an Grundschulen\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference is None
    assert paper.title == "Schulsozialarbeit an Grundschulen"
    assert paper.date is None


def test_beratungsreihenfolge_after_the_text() -> None:
    text = (
        "Betreff: Schulsozialarbeit\n"
        "Sachverhalt:\n"
        "Der Text.\n"
        "Beratungsreihenfolge\n"
        "Gremium\tDatum\tZuständigkeit\n"
        "Jugendhilfeausschuss\t24.09.2019\tVorberatung\n"
        "Rat\t10.10.2019\tEntscheidung\n"
    )
    paper = parse_council_paper(text)
    assert paper.sachverhalt == "Der Text."
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2019, 9, 24), "Vorberatung", None),
        ("Rat", D(2019, 10, 10), "Entscheidung", None),
    ]


def test_empty_date_cell_stays_empty() -> None:
    text = (
        "Beratungsfolge:\n"
        "Gremium\tDatum\tRolle\tErgebnis\n"
        "Jugendhilfeausschuss\t\tVorberatung\t\n"
        "Rat\t01.10.2015\tEntscheidung\tbeschlossen\n"
    )
    paper = parse_council_paper(text)
    assert _rows(text) == [
        ("Jugendhilfeausschuss", None, "Vorberatung", None),
        ("Rat", D(2015, 10, 1), "Entscheidung", "beschlossen"),
    ]
    assert any("Jugendhilfeausschuss" in warning for warning in paper.warnings)


def test_public_marker_after_the_role() -> None:
    text = "Beratungsfolge:\nSchulausschuss Anhörung Ö\n13.05.2015\nRat Entscheidung NÖ\n"
    paper = parse_council_paper(text)
    assert _rows(text) == [
        ("Schulausschuss", D(2015, 5, 13), "Anhörung", None),
        ("Rat", None, "Entscheidung", None),
    ]
    # Two different markers: the paper's own status is not decided by them.
    assert paper.status is None


HERNE_ROWS = [
    (
        "Ausschuss für Kinder, Jugend und Familie",
        D(2015, 3, 25),
        "Anhörung",
        "zur Kenntnis genommen",
    ),
    ("Integrationsrat", D(2015, 5, 6), "Anhörung", "zur Kenntnis genommen"),
    ("Schulausschuss", D(2015, 5, 13), "Anhörung", "zur Kenntnis genommen"),
]


@pytest.mark.parametrize("separator", ["\t", "\n", " | "])
def test_allris_classic_beratungsfolge_copied_as_table_cells(separator: str) -> None:
    rows = [
        (
            "Ausschuss für Kinder, Jugend und Familie",
            "25.03.2015",
            "des Ausschusses für Kinder, Jugend und Familie",
        ),
        ("Integrationsrat", "06.05.2015", "des Integrationsrates"),
        ("Schulausschuss", "13.05.2015", "des Schulausschusses"),
    ]
    lines = ["Vorlage - 2015/0159", "Beratungsfolge:"]
    for body, day, genitive in rows:
        lines.append(separator.join([body, "Anhörung"]))
        lines.append(separator.join([day, genitive, "zur Kenntnis genommen"]))
    text = "\n".join(lines) + "\n\nSachverhalt\n"
    assert _rows(text) == HERNE_ROWS


def test_prose_after_the_heading_is_no_consultation() -> None:
    text = (
        "Beratungsfolge:\n"
        "Jugendhilfeausschuss am 24.09.2019 zur Vorberatung\n"
        "Die Verwaltung wird gebeten, im nächsten Jahr erneut zu berichten.\n"
        "Rat der Stadt, 10.10.2019, Entscheidung\n"
    )
    assert _rows(text) == [
        ("Jugendhilfeausschuss", D(2019, 9, 24), "Vorberatung", None),
        ("Rat der Stadt", D(2019, 10, 10), "Entscheidung", None),
    ]


def test_a_sentence_starting_with_beratungen_is_no_heading() -> None:
    text = (
        "Betreff: Bericht\n"
        "Beratungen im Ausschuss haben gezeigt, dass der Bedarf steigt\n"
        "Jugendhilfeausschuss Schulausschuss\n"
    )
    assert parse_council_paper(text).consultations == []


def test_allris4_type_on_its_own_line_and_more_labels() -> None:
    text = (
        "Vorlage - VO/2024/0417\n"
        "Mitteilungsvorlage\n"
        "Erstellt: 04.03.2024\n"
        "Verfasst von: Petra Schulte\n"
        "Betreff: Bericht über die Schulsozialarbeit\n"
    )
    paper = parse_council_paper(text)
    assert paper.reference == "VO/2024/0417"
    assert paper.paper_type == "Mitteilungsvorlage"
    assert paper.date == D(2024, 3, 4)
    assert paper.author == "Petra Schulte"
    assert paper.title == "Bericht über die Schulsozialarbeit"


def test_a_type_word_in_the_text_is_not_the_type() -> None:
    text = "Vorlage: 1/2024\nSachverhalt\nBeschlussvorlage\n"
    assert parse_council_paper(text).paper_type is None
