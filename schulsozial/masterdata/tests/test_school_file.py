"""Tests of the pure school-file parser (no Django needed)."""

from __future__ import annotations

import ast
import codecs
import copy
import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schulsozial.masterdata import school_file
from schulsozial.masterdata.school_file import (
    MAX_BYTES_DEFAULT,
    MAX_ERRORS,
    ParseResult,
    RowError,
    SchoolRecord,
    cells,
    join_name_parts,
    parse_school_file,
)

DATA_DIR = Path(__file__).resolve().parents[4] / "shared" / "data"
NRW_FILE = DATA_DIR / "schulen_nrw.csv"
HERNE_KAMEN_FILE = DATA_DIR / "schulen_herne_kamen.csv"

# Four real rows of schulen_herne_kamen.csv (dl-de/by-2-0, see /work/shared/data/README.md),
# so most tests run without the shared data folder.
SAMPLE = """\
schulnummer,schulform,schulform_schluessel,bezeichnung_1,bezeichnung_2,bezeichnung_3,kurzbezeichnung,rechtsstatus,traegernummer,ags,gemeinde,kreis_schluessel,kreis,regierungsbezirk,strasse,plz,ort,schueler_2024_25,schueler_msb,sozialindex_2025_26,startchancen_2025_26,utm_e,utm_n,lat,lon,koordinaten_quelle,traeger_abgeleitet
100014,Grundschule,02,Kolibri-Schule,Städt. Gemeinschaftsgrundschule,,"Herne, GG Kolibri-Schule",Öffentlich,10327,05916000,Krfr. Stadt Herne,05916,Stadt Herne,Arnsberg,Jean-Vogel-Str. 36,44625,Herne,440,444,5,0,376821,5710073,51.528316,7.224248,"MSB schuldaten.csv, Abruf 2026-06-07 (tobidope/sozialindex_nrw)",Stadt Herne
100116,Grundschule,02,Galileo-Schule,Städt. Gemeinschaftsgrundschule Herne,,"Herne, GG Galileo-Schule",Öffentlich,10327,05916000,Krfr. Stadt Herne,05916,Stadt Herne,Arnsberg,Schulstr. 57,44623,Herne,210,225,8,1,376773,5711637,51.542362,7.223009,"MSB schuldaten.csv, Abruf 2026-06-07 (tobidope/sozialindex_nrw)",Stadt Herne
100162,Sekundarschule,,Quinoa-Sekundarschule Herne staatl. gen.,Integrierte Sekundarschule d. Sek.I,Ersatzschule d. gem. Unterneh. Quinoa,,Privat,,05916000,Krfr. Stadt Herne,05916,Stadt Herne,Arnsberg,Drögenkamp 10,44653,Herne,110,,,1,,,,,,gemeinnütziges Unternehmen Quinoa (privat)
130576,Grundschule,02,Städt. Katholische Grundschule,an der Bergstraße,,"Herne, KG an der Bergstraße",Öffentlich,10327,05916000,Krfr. Stadt Herne,05916,Stadt Herne,Arnsberg,Bergstr. 13,44625,Herne,225,225,1,0,377264,5709991,51.527676,7.230659,"MSB schuldaten.csv, Abruf 2026-06-07 (tobidope/sozialindex_nrw)",Stadt Herne
"""
SAMPLE_BYTES = SAMPLE.encode("utf-8")
SAMPLE_NUMBERS = ["100014", "100116", "100162", "130576"]

needs_shared_data = pytest.mark.skipif(
    not NRW_FILE.exists() or not HERNE_KAMEN_FILE.exists(),
    reason=f"shared NRW school data not found in {DATA_DIR}",
)


def parse_text(text: str, **kwargs: object) -> ParseResult:
    return parse_school_file(text.encode("utf-8"), **kwargs)  # type: ignore[arg-type]


def sample_rows() -> list[list[str]]:
    return list(csv.reader(io.StringIO(SAMPLE)))


def excel_csv(*, delimiter: str, decimal_comma: bool) -> str:
    """The sample as Excel would save it: another delimiter, maybe decimal commas."""
    rows = sample_rows()
    header = rows[0]
    decimal_columns = {header.index("lat"), header.index("lon")}
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows[1:]:
        if decimal_comma:
            row = [v.replace(".", ",") if i in decimal_columns else v for i, v in enumerate(row)]
        writer.writerow(row)
    return out.getvalue()


def only_error(result: ParseResult) -> RowError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def replace_cell(text: str, school_number: str, column: str, value: str) -> str:
    """The sample with one cell changed (found by school number and column name)."""
    rows = list(csv.reader(io.StringIO(text)))
    position = rows[0].index(column)
    for row in rows[1:]:
        if row[0] == school_number:
            row[position] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def assert_never_raises_and_no_internal_error(data: bytes, **kwargs: object) -> None:
    result = parse_school_file(data, **kwargs)  # type: ignore[arg-type]
    assert isinstance(result, ParseResult)
    assert all(isinstance(error, RowError) for error in result.errors)
    assert not any("internal error" in error.reason for error in result.errors), result.errors
    assert all(isinstance(record, SchoolRecord) for record in result.records)


# --------------------------------------------------------------------------- the real files


@needs_shared_data
def test_the_official_nrw_list_gives_5407_records_without_errors() -> None:
    result = parse_school_file(NRW_FILE.read_bytes(), filename="schulen_nrw.csv")

    assert result.errors == []
    assert result.ok
    assert len(result.records) == 5407
    assert (result.encoding, result.delimiter, result.file_format) == ("utf-8", ",", "csv")
    assert len({record.school_number for record in result.records}) == 5407
    assert result.records[0].row == 2
    assert result.records[-1].row == 5408
    assert sum(record.startchancen is True for record in result.records) == 920
    assert sum(record.social_index is not None for record in result.records) == 4142
    assert sum(record.lat is None for record in result.records) == 18
    assert {record.legal_status for record in result.records} == {"public", "private"}


@needs_shared_data
def test_the_herne_kamen_list_gives_54_records_all_with_an_authority_name() -> None:
    result = parse_school_file(HERNE_KAMEN_FILE.read_bytes())

    assert result.errors == []
    assert len(result.records) == 54
    assert all(record.authority_name for record in result.records)
    assert sum(record.ags == "05916000" for record in result.records) == 43
    assert sum(record.ags == "05978020" for record in result.records) == 11
    assert result.column_map["authority_name"] == "traeger_abgeleitet"


def test_a_record_carries_every_field_of_an_nrw_row() -> None:
    result = parse_school_file(SAMPLE_BYTES)

    assert result.errors == []
    assert result.records[0] == SchoolRecord(
        row=2,
        school_number="100014",
        name="Kolibri-Schule Städt. Gemeinschaftsgrundschule",
        short_name="Herne, GG Kolibri-Schule",
        school_type_label="Grundschule",
        school_type_code="02",
        legal_status="public",
        authority_number="10327",
        authority_name="Stadt Herne",
        ags="05916000",
        municipality_name="Krfr. Stadt Herne",
        street="Jean-Vogel-Str. 36",
        postcode="44625",
        city="Herne",
        lat=Decimal("51.528316"),
        lon=Decimal("7.224248"),
        pupils=440,
        pupils_year="2024/25",
        social_index=5,
        index_year="2025/26",
        startchancen=False,
        startchancen_year="2025/26",
    )


def test_a_private_school_without_code_index_or_coordinates_gets_empty_values() -> None:
    quinoa = parse_school_file(SAMPLE_BYTES).records[2]

    assert quinoa.school_number == "100162"
    assert quinoa.legal_status == "private"
    assert quinoa.school_type_code == ""
    assert quinoa.authority_number == ""
    assert quinoa.short_name == ""
    assert quinoa.social_index is None
    assert quinoa.index_year == "2025/26"
    assert (quinoa.lat, quinoa.lon) == (None, None)
    assert quinoa.startchancen is True
    assert quinoa.name == (
        "Quinoa-Sekundarschule Herne staatl. gen. Integrierte Sekundarschule d. Sek.I "
        "Ersatzschule d. gem. Unterneh. Quinoa"
    )


# --------------------------------------------------------------------------- Excel variants


@pytest.mark.parametrize(
    ("delimiter", "encoding", "bom", "expected_encoding"),
    [
        (";", "cp1252", b"", "cp1252"),
        (";", "utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        (",", "utf-8", codecs.BOM_UTF8, "utf-8-sig"),
        ("\t", "cp1252", b"", "cp1252"),
        ("\t", "utf-8", b"", "utf-8"),
    ],
)
def test_excel_exports_give_the_same_records_as_the_original(
    delimiter: str, encoding: str, bom: bytes, expected_encoding: str
) -> None:
    original = parse_school_file(SAMPLE_BYTES)
    data = bom + excel_csv(delimiter=delimiter, decimal_comma=delimiter != ",").encode(encoding)

    result = parse_school_file(data)

    assert result.errors == []
    assert (result.encoding, result.delimiter) == (expected_encoding, delimiter)
    assert result.records == original.records


def test_a_semicolon_windows_1252_file_with_decimal_commas_reads_umlauts_and_coordinates() -> None:
    data = excel_csv(delimiter=";", decimal_comma=True).encode("cp1252")
    assert b"51,528316" in data
    assert "Städt.".encode("cp1252") in data

    record = parse_school_file(data).records[0]

    assert record.lat == Decimal("51.528316")
    assert record.name == "Kolibri-Schule Städt. Gemeinschaftsgrundschule"


def test_the_excel_sep_line_sets_the_delimiter_and_is_not_counted_as_a_row() -> None:
    data = ("sep=;\r\n" + excel_csv(delimiter=";", decimal_comma=True)).encode("cp1252")

    result = parse_school_file(data)

    assert result.errors == []
    assert result.delimiter == ";"
    assert [record.row for record in result.records] == [2, 3, 4, 5]


def test_german_header_aliases_are_recognised_regardless_of_case_spaces_and_umlauts() -> None:
    text = (
        "Schul-Nr.;Schulname;SCHULART;Schulformschlüssel;Kurzbezeichnung;Rechtsstatus;"
        "Trägernummer;Träger;Gemeindeschlüssel;Gemeinde;Straße und Hausnummer;Postleitzahl;Ort;"
        "Schülerinnen und Schüler 2024/25;Sozialindex (Stufe) 2025/26;Startchancen-Schule;"
        "Breitengrad;Längengrad\r\n"
        "100014;Kolibri-Schule;Grundschule;2;Herne, GG Kolibri;öffentlich;10327;Stadt Herne;"
        "5916000;Herne;Jean-Vogel-Str. 36;44625;Herne;440;5;ja;51,528316;7,224248\r\n"
    )

    result = parse_school_file(text.encode("cp1252"))

    assert result.errors == []
    assert set(result.column_map) == set(cells._CONVERTERS) - {"name_2", "name_3"}
    record = result.records[0]
    assert record.school_type_code == "02"
    assert record.ags == "05916000"
    assert record.pupils_year == "2024/25"
    assert record.index_year == "2025/26"
    assert record.startchancen is True
    assert record.startchancen_year is None
    assert record.lon == Decimal("7.224248")


@pytest.mark.parametrize(
    "header",
    ["schulnummer", "Schulnummer", "SCHULNUMMER", " Schul Nummer ", "schul_nummer", "SchulNr"],
)
def test_the_school_number_column_is_found_in_any_spelling(header: str) -> None:
    result = parse_text(f"{header},name,schulform\n100014,Kolibri-Schule,Grundschule\n")

    assert result.errors == []
    assert result.column_map["school_number"] == header.strip()


@pytest.mark.parametrize(
    "header",
    ["Schüler", "Schueler", "SCHÜLERZAHL", "schuelerzahl", "Schülerinnen und Schüler", "SuS"],
)
def test_the_pupils_column_is_found_with_and_without_umlauts(header: str) -> None:
    result = parse_text(f"schulnummer;name;schulform;{header}\n100014;A;Grundschule;440\n")

    assert result.errors == []
    assert result.records[0].pupils == 440


@pytest.mark.parametrize(
    ("header", "default", "year"),
    [
        ("schueler_2024_25", None, "2024/25"),
        ("Schüler 2024/25", None, "2024/25"),
        ("Schüler SJ 2024/2025", None, "2024/25"),
        ("Schülerzahl Schuljahr 2023-24", "2030/31", "2023/24"),
        ("Schüler 2024", None, "2024/25"),
        ("Schüler", "2023/24", "2023/24"),
        ("Schüler", "2023/2024", "2023/24"),
        ("Schüler", None, None),
    ],
)
def test_the_pupils_year_comes_from_the_column_name_or_the_default(
    header: str, default: str | None, year: str | None
) -> None:
    text = f"schulnummer,name,schulform,{header}\n100014,A,Grundschule,440\n"

    result = parse_text(text, default_school_year=default)

    assert result.errors == []
    assert result.records[0].pupils_year == year


def test_the_latest_of_several_yearly_pupils_columns_is_used() -> None:
    text = "schulnummer,name,schulform,Schüler 2023/24,Schüler 2024/25\n100014,A,GS,430,440\n"

    record = parse_text(text).records[0]

    assert (record.pupils, record.pupils_year) == (440, "2024/25")


def test_an_impossible_year_in_a_column_name_is_reported_on_the_header() -> None:
    result = parse_text("schulnummer,name,schulform,Schüler 2024/26\n100014,A,GS,440\n")

    assert only_error(result) == RowError(
        1, "Schüler 2024/26", "school year 2024/26 is not two consecutive years"
    )


def test_two_columns_meaning_the_same_field_are_reported() -> None:
    result = parse_text("schulnummer,Name,Schulname,schulform\n100014,A,A,GS\n")

    error = only_error(result)
    assert (error.row, error.column) == (1, "Schulname")
    assert "both mean name" in error.reason


def test_a_bad_default_school_year_is_reported() -> None:
    result = parse_text("schulnummer,name,schulform\n100014,A,GS\n", default_school_year="24/25")

    assert only_error(result).reason == "default school year must look like 2024/25, got '24/25'"


def test_title_lines_above_the_header_are_skipped_and_rows_keep_their_numbers() -> None:
    text = "Schulverzeichnis Herne 2024/25;;\n;;\nSchulnummer;Name;Schulform\n100014;A;GS\n"

    result = parse_text(text)

    assert result.errors == []
    assert result.records[0].row == 4


def test_a_single_name_column_works_without_bezeichnung_lines() -> None:
    record = parse_text("Schulnummer;Name;Schulform\n100014;  Kolibri-Schule  ;GS\n").records[0]

    assert record.name == "Kolibri-Schule"
    assert record.legal_status == ""  # not given: the import keeps or defaults it
    assert (record.ags, record.street, record.lat, record.pupils) == ("", "", None, None)
    assert (record.pupils_year, record.index_year, record.startchancen) == (None, None, None)


@pytest.mark.parametrize(
    ("parts", "name"),
    [
        (
            ["Kolibri-Schule", "Städt. Gemeinschaftsgrundschule", ""],
            "Kolibri-Schule Städt. Gemeinschaftsgrundschule",
        ),
        (["Städt. Förder-", "schule m. d. FSP Lernen", ""], "Städt. Förderschule m. d. FSP Lernen"),
        (
            ["Städt. Evangelische Montessori-", "Grundschule  - Primarstufe -"],
            "Städt. Evangelische Montessori-Grundschule - Primarstufe -",
        ),
        (
            ["Berufskolleg für Wirtschafts-", "und Verwaltung"],
            "Berufskolleg für Wirtschafts- und Verwaltung",
        ),
        (
            ["Maria-Wächtler-Gymnasium - Sek. I u. II-", "Städt. Gymnasium"],
            "Maria-Wächtler-Gymnasium - Sek. I u. II- Städt. Gymnasium",
        ),
        (["", "  ", ""], ""),
    ],
)
def test_name_lines_are_joined_sensibly(parts: list[str], name: str) -> None:
    assert join_name_parts(parts) == name


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("1", True),
        ("0", False),
        ("ja", True),
        ("Nein", False),
        ("X", True),
        ("true", True),
        ("FALSE", False),
        ("wahr", True),
        ("", None),
    ],
)
def test_startchancen_accepts_the_usual_yes_and_no_spellings(cell: str, value: bool | None) -> None:
    result = parse_text(f"schulnummer;name;schulform;Startchancen\n100014;A;GS;{cell}\n")

    assert result.errors == []
    assert result.records[0].startchancen is value


def test_a_startchancen_column_marked_with_x_reads_empty_cells_as_no() -> None:
    result = parse_text("schulnummer;name;schulform;Startchancen\n100014;A;GS;x\n100015;B;GS;\n")

    assert [record.startchancen for record in result.records] == [True, False]


@pytest.mark.parametrize(
    ("cell", "status"),
    [
        ("Öffentlich", "public"),
        ("oeffentlich", "public"),
        ("Privat", "private"),
        ("staatl. anerkannte Ersatzschule", "private"),
        ("", ""),
    ],
)
def test_the_legal_status_is_read_as_public_or_private(cell: str, status: str) -> None:
    result = parse_text(f"schulnummer;name;schulform;Rechtsstatus\n100014;A;GS;{cell}\n")

    assert result.records[0].legal_status == status


def test_lost_leading_zeros_of_ags_postcode_and_school_type_code_are_restored() -> None:
    text = "schulnummer;name;schulform;schulform_schluessel;ags;plz\n100014;A;GS;2;5916000;1067\n"

    record = parse_text(text).records[0]

    assert (record.school_type_code, record.ags, record.postcode) == ("02", "05916000", "01067")


@pytest.mark.parametrize(
    ("cell", "pupils"),
    [("440", 440), ("440.0", 440), ("1.490", 1490), ("1 490", 1490), ("", None)],
)
def test_pupil_counts_accept_excel_number_formats(cell: str, pupils: int | None) -> None:
    result = parse_text(f'schulnummer,name,schulform,Schüler\n100014,A,GS,"{cell}"\n')

    assert result.errors == []
    assert result.records[0].pupils == pupils


# --------------------------------------------------------------------------- XLSX


def xlsx_bytes(rows: list[list[object]], *, title_rows: int = 0) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for _ in range(title_rows):
        sheet.append(["Schulverzeichnis (Stand 2025)"])
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("Hinweise").append(["schulnummer", "not this sheet"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_round_trip_gives_the_same_records_as_the_csv() -> None:
    rows: list[list[object]] = [list(sample_rows()[0])]
    for row in sample_rows()[1:]:
        cells: list[object] = list(row)
        cells[0] = int(row[0])  # school number typed as a number
        cells[17] = float(row[17])  # pupils as a float, e.g. 440.0
        cells[23] = float(row[23]) if row[23] else None  # lat
        cells[24] = float(row[24]) if row[24] else None  # lon
        cells[20] = bool(int(row[20]))  # Startchancen as a boolean cell
        rows.append(cells)

    result = parse_school_file(xlsx_bytes(rows), filename="schulen.xlsx")

    assert result.errors == []
    assert (result.file_format, result.encoding, result.delimiter) == ("xlsx", "", "")
    assert result.records == parse_school_file(SAMPLE_BYTES).records


def test_an_xlsx_school_number_stored_as_a_float_keeps_six_digits() -> None:
    data = xlsx_bytes([["Schulnummer", "Name", "Schulform"], [100014.0, "A", "GS"]])

    assert parse_school_file(data).records[0].school_number == "100014"


def test_an_xlsx_with_a_title_row_reports_spreadsheet_row_numbers() -> None:
    rows: list[list[object]] = [["Schulnummer", "Name", "Schulform", "Schüler"]]
    rows += [[100014, "A", "GS", 440], [100015, "B", "GS", "viele"]]

    result = parse_school_file(xlsx_bytes(rows, title_rows=2))

    assert [record.row for record in result.records] == [4]
    assert only_error(result) == RowError(5, "Schüler", "not a whole number: 'viele'")


def test_an_xlsx_value_right_of_the_header_is_reported_with_its_column_letter() -> None:
    rows: list[list[object]] = [
        ["Schulnummer", "Name", "Schulform"],
        [100014, "A", "GS", None, "Notiz"],
    ]

    result = parse_school_file(xlsx_bytes(rows))

    assert only_error(result) == RowError(2, "E", "row has 5 fields, the header has 3")


def test_an_xlsx_whose_first_sheet_is_empty_is_rejected() -> None:
    workbook = openpyxl.Workbook()
    workbook.create_sheet("Schulen").append(["Schulnummer", "Name", "Schulform"])
    out = io.BytesIO()
    workbook.save(out)

    assert only_error(parse_school_file(out.getvalue())).reason == "the first worksheet is empty"


def test_a_damaged_xlsx_is_reported_not_raised() -> None:
    data = xlsx_bytes([["Schulnummer", "Name", "Schulform"], [100014, "A", "GS"]])

    result = parse_school_file(data[: len(data) // 2])

    assert only_error(result).row == 0
    assert "xlsx" in only_error(result).reason


def test_a_zip_that_is_not_a_workbook_is_rejected() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")

    assert "not an Excel workbook" in only_error(parse_school_file(out.getvalue())).reason


def test_an_old_xls_file_is_rejected_with_a_hint() -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500)

    assert ".xls" in only_error(parse_school_file(data, filename="schulen.xls")).reason


def test_a_csv_named_xlsx_is_rejected() -> None:
    result = parse_school_file(SAMPLE_BYTES, filename="schulen.xlsx")

    assert only_error(result).reason == "the file is named .xlsx but is not an Excel workbook"


# --------------------------------------------------------------------------- bad files


def test_a_row_error_reads_row_n_column_c_reason() -> None:
    assert str(RowError(3, "plz", "postcode must have 5 digits, got '4462'")) == (
        "row 3, column plz: postcode must have 5 digits, got '4462'"
    )


def test_errors_of_a_whole_row_or_file_do_not_name_an_empty_column() -> None:
    assert str(RowError(1, "", "no data rows below the header")) == (
        "row 1: no data rows below the header"
    )
    assert str(RowError(0, "", "file is empty")) == "file is empty"


@pytest.mark.parametrize(
    "data",
    [SAMPLE.encode("utf-16"), SAMPLE.encode("utf-16-le"), SAMPLE.encode("utf-16-be")],
    ids=["utf-16 with BOM", "utf-16-le without BOM", "utf-16-be without BOM"],
)
def test_a_utf16_file_is_rejected_naming_the_encoding(data: bytes) -> None:
    error = only_error(parse_school_file(data))

    assert (error.row, error.column) == (0, "")
    assert error.reason.startswith("unsupported encoding UTF-16")


def test_a_binary_file_with_nul_bytes_is_rejected() -> None:
    error = only_error(parse_school_file(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4))

    assert error.reason.startswith("not a text file")


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_rejected_with_the_line() -> None:
    data = SAMPLE_BYTES.replace("Drögenkamp".encode(), b"Dr\x81genkamp")

    assert only_error(parse_school_file(data)).reason == (
        "cannot decode line 4 (byte 0x81): the file is neither UTF-8 nor Windows-1252"
    )


def test_a_file_with_utf8_bom_but_invalid_utf8_is_rejected() -> None:
    data = codecs.BOM_UTF8 + SAMPLE.encode("cp1252")

    assert "says it is UTF-8" in only_error(parse_school_file(data)).reason


@pytest.mark.parametrize(
    ("column", "canonical"),
    [
        ("schulnummer", "Schulnummer"),
        ("schulform", "Schulform"),
        ("bezeichnung_1", "Schulname"),
    ],
)
def test_a_missing_required_column_is_named_in_the_error(column: str, canonical: str) -> None:
    text = SAMPLE.replace(column + ",", "something_else,", 1)

    error = only_error(parse_text(text))

    assert (error.row, error.column) == (1, canonical)
    assert error.reason.startswith("required column missing")
    assert str(error).startswith(f"row 1, column {canonical}: required column missing")


def test_a_file_without_a_header_row_says_the_first_row_looks_like_data() -> None:
    text = "\n".join(SAMPLE.splitlines()[1:]) + "\n"

    result = parse_text(text)

    assert {error.column for error in result.errors} == {"Schulnummer", "Schulname", "Schulform"}
    assert all("is the header row missing?" in error.reason for error in result.errors)


def test_duplicate_school_numbers_are_reported_on_the_later_row_naming_the_first() -> None:
    text = replace_cell(SAMPLE, "130576", "schulnummer", "100116")

    result = parse_text(text)

    assert only_error(result) == RowError(
        5, "schulnummer", "duplicate school number 100116 (first seen in row 3)"
    )
    assert [record.school_number for record in result.records] == SAMPLE_NUMBERS[:3]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("schueler_2024_25", "viele", "not a whole number: 'viele'"),
        ("schueler_2024_25", "12,5", "not a whole number: '12,5'"),
        ("schueler_2024_25", "-5", "pupils must be between 0 and 100000, got -5"),
        ("sozialindex_2025_26", "12", "Sozialindex must be between 1 and 9, got 12"),
        ("sozialindex_2025_26", "hoch", "not a whole number: 'hoch'"),
        ("lat", "einundfünfzig", "not a decimal number: 'einundfünfzig'"),
        ("lat", "151.5", "latitude must be between -90 and 90, got 151.5"),
        ("lat", "NaN", "not a decimal number: 'NaN'"),
        ("plz", "4462X", "postcode must have 5 digits, got '4462X'"),
        ("ags", "5916", "AGS must have 8 digits, got '5916'"),
        (
            "traegernummer",
            "Stadt Herne",
            "authority number must be up to 10 digits, got 'Stadt Herne'",
        ),
        ("schulform_schluessel", "GS", "school type code must have 1 or 2 digits, got 'GS'"),
        (
            "startchancen_2025_26",
            "vielleicht",
            "Startchancen must be 1/0, ja/nein or x, got 'vielleicht'",
        ),
        ("rechtsstatus", "unbekannt", "legal status must be Öffentlich or Privat, got 'unbekannt'"),
        ("schulform", "", "school type is empty"),
        ("bezeichnung_1", "", "name is empty"),
    ],
)
def test_a_bad_value_is_reported_with_row_column_and_reason(
    column: str, value: str, reason: str
) -> None:
    text = replace_cell(SAMPLE, "130576", column, value)
    if column == "bezeichnung_1":
        text = replace_cell(text, "130576", "bezeichnung_2", "")

    result = parse_text(text)

    assert only_error(result) == RowError(5, column, reason)
    assert len(result.records) == 3


@pytest.mark.parametrize("value", ["12345", "1234567", "10001a", "100 014", "'100014"])
def test_school_numbers_must_have_exactly_six_digits(value: str) -> None:
    result = parse_text(replace_cell(SAMPLE, "100014", "schulnummer", value))

    error = only_error(result)
    assert (error.row, error.column) == (2, "schulnummer")
    assert error.reason.startswith("school number must have exactly 6 digits, got '")


def test_an_empty_school_number_is_reported() -> None:
    result = parse_text(replace_cell(SAMPLE, "100014", "schulnummer", ""))

    assert only_error(result) == RowError(2, "schulnummer", "school number is empty")


def test_a_latitude_without_longitude_is_reported_on_the_longitude() -> None:
    result = parse_text(replace_cell(SAMPLE, "100014", "lon", ""))

    assert only_error(result) == RowError(
        2, "lon", "longitude is empty but the other coordinate is given"
    )


def test_every_bad_cell_of_a_row_is_reported() -> None:
    text = replace_cell(SAMPLE, "100116", "plz", "x")
    text = replace_cell(text, "100116", "schueler_2024_25", "y")

    result = parse_text(text)

    assert [(error.row, error.column) for error in result.errors] == [
        (3, "plz"),
        (3, "schueler_2024_25"),
    ]


@pytest.mark.parametrize("data", [b"", b"\n\n\r\n", b"   ", codecs.BOM_UTF8, b";;;\n;;;\n"])
def test_an_empty_file_is_rejected(data: bytes) -> None:
    assert only_error(parse_school_file(data)) == RowError(0, "", "file is empty")


def test_a_header_without_data_rows_is_rejected() -> None:
    result = parse_text(SAMPLE.splitlines()[0] + "\n")

    assert only_error(result) == RowError(1, "", "no data rows below the header")


def test_a_file_over_the_size_limit_is_rejected_before_parsing() -> None:
    result = parse_school_file(SAMPLE_BYTES, max_bytes=100)

    assert only_error(result) == RowError(
        0, "", f"file is too large: {len(SAMPLE_BYTES)} bytes, at most 100"
    )
    assert MAX_BYTES_DEFAULT == 20 * 1024 * 1024


def test_a_row_with_a_different_field_count_than_the_header_is_reported() -> None:
    lines = SAMPLE.splitlines()
    lines[2] += ",extra"
    lines[3] = lines[3].rsplit(",", 2)[0]

    result = parse_text("\n".join(lines) + "\n")

    assert result.errors == [
        RowError(3, "AB", "row has 28 fields, the header has 27"),
        RowError(4, "koordinaten_quelle", "row has 25 fields, the header has 27"),
    ]
    assert [record.school_number for record in result.records] == ["100014", "130576"]


def test_an_unclosed_quote_is_reported_with_a_hint() -> None:
    text = SAMPLE.replace('"Herne, GG Galileo-Schule"', '"Herne, GG Galileo-Schule')

    result = parse_text(text)

    assert result.errors
    assert result.errors[0].row == 3
    assert "quote" in result.errors[0].reason


def test_blank_lines_are_ignored_and_rows_keep_spreadsheet_numbers() -> None:
    lines = SAMPLE.splitlines()
    text = "\n".join([*lines[:2], "", *lines[2:]]) + "\n\n\r\n   \n"

    result = parse_text(text)

    assert result.errors == []
    assert [record.row for record in result.records] == [2, 4, 5, 6]


def test_errors_stop_at_the_cap() -> None:
    text = "schulnummer;name;schulform\n" + "x;A;GS\n" * (MAX_ERRORS + 50)

    result = parse_text(text)

    assert len(result.errors) == MAX_ERRORS + 1
    assert result.errors[-1].reason == f"too many errors: stopped after {MAX_ERRORS}"


def test_non_bytes_input_is_reported() -> None:
    result = parse_school_file("schulnummer,name,schulform")  # type: ignore[arg-type]

    assert only_error(result).reason == "expected the file's bytes, got str"


def test_the_parser_does_not_import_django() -> None:
    package = Path(school_file.__file__).parent
    trees = [ast.parse(path.read_text(encoding="utf-8")) for path in package.glob("*.py")]
    imported = {
        name
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
        )
    }

    assert not any(name.split(".")[0] == "django" for name in imported)


# --------------------------------------------------------------------------- never raise

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TOKENS = [
    "schulnummer",
    "Schulname",
    "schulform",
    "Sozialindex 2025/26",
    "Schüler 2024/25",
    "Schüler 2024/26",
    "startchancen",
    "lat",
    "lon",
    "ags",
    "plz",
    "rechtsstatus",
    "sep=;",
    "100014",
    "100014.0",
    "51,52",
    "1.490",
    "x",
    "ja",
    "Öffentlich",
    "Privat",
    "9",
    "",
    ";",
    ",",
    "\t",
    '"',
    "\n",
    "\r\n",
    "\r",
    " ",
    "ä",
    "\ufeff",
    "-",
    "1e400",
]


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_never_raises_and_no_internal_error(data)


@FUZZ
@given(
    st.lists(st.sampled_from(TOKENS), max_size=200).map("".join),
    st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]),
)
def test_random_csv_like_text_never_raises(text: str, encoding: str) -> None:
    assert_never_raises_and_no_internal_error(
        text.encode(encoding, errors="replace"), default_school_year="2024/25"
    )


MUTATION_BYTES = [
    b";",
    b",",
    b'"',
    b"\n",
    b"\r",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"x",
    b"9",
    b"\t",
    b"PK\x03\x04",
]


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    data = bytearray(base)
    for _ in range(draw(st.integers(min_value=1, max_value=10))):
        position = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["replace", "insert", "delete", "truncate"]))
        if action == "truncate":
            del data[position:]
        elif action == "delete":
            del data[position : position + draw(st.integers(min_value=1, max_value=50))]
        else:
            chunk = draw(
                st.one_of(st.sampled_from(MUTATION_BYTES), st.binary(min_size=1, max_size=8))
            )
            end = position + (len(chunk) if action == "replace" else 0)
            data[position:end] = chunk
    return bytes(data)


@FUZZ
@given(mutated(SAMPLE_BYTES))
def test_random_mutations_of_a_valid_csv_never_raise(data: bytes) -> None:
    assert_never_raises_and_no_internal_error(data)


VALID_XLSX = xlsx_bytes([["Schulnummer", "Name", "Schulform", "Schüler"], [100014, "A", "GS", 440]])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(VALID_XLSX))
def test_random_mutations_of_a_valid_xlsx_never_raise(data: bytes) -> None:
    assert_never_raises_and_no_internal_error(data)


@FUZZ
@given(st.binary(max_size=500), st.integers(min_value=0, max_value=600))
def test_any_size_limit_is_honoured_without_raising(data: bytes, limit: int) -> None:
    result = parse_school_file(data, max_bytes=limit)

    if len(data) > limit:
        assert only_error(result).reason.startswith("file is too large")


# --------------------------------------------------------------------------- issue 13: German exports, mapping, years


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Schüler/innen 2026/27", "pupils"),
        ("Schüler*innen", "pupils"),
        ("Schülerzahl gesamt", "pupils"),
        ("Sozialindex (Stufe)", "social_index"),
        ("Schulträger", "authority_name"),
        ("Trägerbezeichnung", "authority_name"),
        ("Strasse", "street"),
        ("Straße, Hausnummer", "street"),
        ("Längengrad", "lon"),
        ("Rechtsform", "legal_status"),
    ],
)
def test_german_export_headings_are_recognised(header: str, field: str) -> None:
    other = "Breitengrad" if field == "lon" else "Ort"
    result = parse_text(f"Schulnummer;Schulname;Schulform;{other};{header}\n100014;A;GS;51;7\n")

    assert result.column_map[field] == header
    assert header not in result.ignored


def test_the_platform_s_own_export_headings_give_their_school_year() -> None:
    header = "Schulnummer;Name;Schulform;Rechtsform;Straße;PLZ;Ort;Schüler/innen 2026/27;Sozialindex 2026/27;Startchancen;VZÄ Schulsozialarbeit"
    row = "131039;Claudiusschule;Grundschule;öffentlich;Claudiusstr. 88;44649;Herne;405;6;ja;1,00"

    result = parse_text(f"{header}\n{row}\n", default_school_year="2025/26")

    assert result.ok, result.errors
    assert result.heading_years == {"pupils": "2026/27", "social_index": "2026/27"}
    assert result.years == {
        "pupils": "2026/27",
        "social_index": "2026/27",
        "startchancen": "2025/26",
    }
    assert result.ignored == ["VZÄ Schulsozialarbeit"]
    (record,) = result.records
    assert (record.pupils, record.social_index, record.startchancen) == (405, 6, True)


def test_a_chosen_school_year_overrides_every_heading() -> None:
    result = parse_text(SAMPLE, school_year="2026/27")

    assert result.years == {
        "pupils": "2026/27",
        "social_index": "2026/27",
        "startchancen": "2026/27",
    }
    assert result.heading_years["pupils"] == "2024/25"
    assert {r.pupils_year for r in result.records} == {"2026/27"}


def test_a_mapping_gives_an_unrecognised_column_its_field() -> None:
    text = "Schulnummer;Schulname;Schulform;Kinder;Telefon\n100014;A;GS;452;0231\n"

    plain = parse_text(text)
    mapped = parse_text(text, mapping={"Kinder": "pupils", "Telefon": ""})

    assert plain.ignored == ["Kinder", "Telefon"] and plain.records[0].pupils is None
    assert mapped.ignored == ["Telefon"]
    assert mapped.column_map["pupils"] == "Kinder"
    assert mapped.records[0].pupils == 452


def test_rows_read_before_parse_again_with_a_mapping_even_after_a_header_error() -> None:
    text = "Nr.;Schulname;Schulform\n100014;A;GS\n100116;B;GS\n"

    first = parse_text(text)
    again = school_file.reparse_school_rows(first.rows, mapping={"Nr.": "school_number"})

    assert [e.column for e in first.errors] == ["Schulnummer"]
    assert first.rows[0] == (1, ["Nr.", "Schulname", "Schulform"])
    assert again.ok, again.errors
    assert [r.school_number for r in again.records] == ["100014", "100116"]


def test_empty_cells_and_absent_columns_give_no_value() -> None:
    text = "Schulnummer;Schulname;Schulform;Straße;PLZ;Rechtsform;Schülerzahl\n100014;A;GS;;;;\n"

    (record,) = parse_text(text).records

    assert (record.street, record.postcode, record.legal_status) == ("", "", "")
    assert (record.authority_name, record.lat, record.pupils) == ("", None, None)


def test_a_reason_keeps_its_msgid_and_arguments_for_translation() -> None:
    error = only_error(parse_text("Schulnummer;Schulname;Schulform\nabc;A;GS\n"))

    assert error.reason == "school number must have exactly 6 digits, got 'abc'"
    reason = error.reason
    assert isinstance(reason, school_file.Message)
    assert reason.msgid == "school number must have exactly 6 digits, got %(value)s"
    assert reason.args == {"value": "'abc'"}
    copied = copy.deepcopy(error).reason
    assert isinstance(copied, school_file.Message) and copied.msgid == reason.msgid
