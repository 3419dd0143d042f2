"""Column recognition: header names in many spellings, a school year in a
column's name, the required columns, the spreadsheet letter of a column."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from .records import Message, RowError, _CellError


@functools.lru_cache(maxsize=2048)
def _norm(text: str) -> str:
    """Fold a header or keyword: lower case, no accents, umlauts, spaces or punctuation."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if ch.isascii() and ch.isalnum())
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")


def _fold(text: str) -> str:
    """_norm for file content: long texts (never a column name or keyword) fold to ""."""
    return _norm(text) if len(text) <= 80 else ""


def _aliases(*names: str) -> frozenset[str]:
    return frozenset(_norm(name) for name in names)


# Fields whose column name may carry a school year.
_YEARFUL: dict[str, frozenset[str]] = {
    "pupils": _aliases(
        "Schüler",
        "Schülerzahl",
        "Schülerzahlen",
        "Schülerinnen",
        "Schülerinnen und Schüler",
        "SuS",
        "Schüler gesamt",
        "Schülerinnen und Schüler gesamt",
        "Anzahl Schüler",
        "Anzahl Schülerinnen und Schüler",
        "Schüler/innen",
        "Schüler*innen",
        "Schülerzahl gesamt",
        "Schüler insgesamt",
        "Anzahl SuS",
        "pupils",
    ),
    "social_index": _aliases(
        "Sozialindex",
        "Sozialindexstufe",
        "Sozialindex Stufe",
        "schulscharfer Sozialindex",
        "Sozialindex (Stufe)",
        "social index",
    ),
    "startchancen": _aliases(
        "Startchancen",
        "Startchancen-Schule",
        "Startchancenschule",
        "Startchancen-Programm",
        "Startchancenprogramm",
    ),
}

_PLAIN: dict[str, frozenset[str]] = {
    "school_number": _aliases(
        "Schulnummer", "Schulnr", "Schul-Nr.", "SNR", "school number", "Schulkennziffer"
    ),
    "name": _aliases(
        "Name",
        "Schulname",
        "Bezeichnung",
        "Schulbezeichnung",
        "Name der Schule",
        "amtliche Bezeichnung",
        "bezeichnung_1",
        "Name 1",
        "Schulname 1",
        "school name",
    ),
    "name_2": _aliases("bezeichnung_2", "Name 2", "Schulname 2"),
    "name_3": _aliases("bezeichnung_3", "Name 3", "Schulname 3"),
    "short_name": _aliases("Kurzbezeichnung", "Kurzbez", "Kurzname", "short name"),
    "school_type_label": _aliases(
        "Schulform", "Schulart", "Schultyp", "Schulformbezeichnung", "school type"
    ),
    "school_type_code": _aliases(
        "Schulformschlüssel",
        "Schulform-Schl.",
        "Schulformnummer",
        "Schulform-Nr.",
        "Schulformcode",
        "Schulformkennziffer",
    ),
    "legal_status": _aliases("Rechtsstatus", "Rechtsform", "Trägerschaft", "öffentlich/privat"),
    "authority_number": _aliases(
        "Trägernummer", "Träger-Nr.", "Schulträgernummer", "Schulträger-Nr."
    ),
    "authority_name": _aliases(
        "traeger_abgeleitet",
        "Träger",
        "Schulträger",
        "Trägername",
        "Schulträgername",
        "Trägerbezeichnung",
        "Schulträger Name",
    ),
    "ags": _aliases(
        "AGS",
        "Gemeindeschlüssel",
        "amtlicher Gemeindeschlüssel",
        "Gemeindekennziffer",
        "GKZ",
    ),
    "municipality_name": _aliases("Gemeinde", "Gemeindename", "Kommune"),
    "street": _aliases(
        "Straße",
        "Str.",
        "Straße und Hausnummer",
        "Straße/Hausnummer",
        "Straße und Hausnr.",
        "Straße/Hausnr.",
        "Straße, Hausnummer",
        "Strasse und Hausnummer",
        "Anschrift",
        "Adresse",
    ),
    "postcode": _aliases("PLZ", "Postleitzahl"),
    "city": _aliases("Ort", "Schulort", "Postort", "Stadt", "Ortsname"),
    "lat": _aliases("lat", "latitude", "Breitengrad", "Breite", "geographische Breite"),
    "lon": _aliases(
        "lon", "lng", "long", "longitude", "Längengrad", "Länge", "geographische Länge"
    ),
}
for _field, _names in _YEARFUL.items():
    _PLAIN[_field] = _names

_FIELD_OF: dict[str, str] = {alias: name for name, names in _PLAIN.items() for alias in names}
_YEARFUL_KEY: dict[str, str] = {alias: name for name, names in _YEARFUL.items() for alias in names}

_REQUIRED = {  # field -> the column name an error about its absence gives
    "school_number": "Schulnummer",
    "name": "Schulname",
    "school_type_label": "Schulform",
}
_REQUIRED_HINT = {
    "school_number": "Schulnummer, SchulNr",
    "name": "Name, Schulname, Bezeichnung, bezeichnung_1",
    "school_type_label": "Schulform, Schulart",
}
_LABEL: dict[str, str] = {  # English msgids; importing.py shows them in German
    "school_number": "school number",
    "name": "name",
    "name_2": "name (line 2)",
    "name_3": "name (line 3)",
    "short_name": "short name",
    "school_type_label": "school type",
    "school_type_code": "school type code",
    "legal_status": "legal status",
    "authority_number": "school authority number",
    "authority_name": "school authority",
    "ags": "AGS",
    "municipality_name": "municipality",
    "street": "street",
    "postcode": "postcode",
    "city": "city",
    "lat": "latitude",
    "lon": "longitude",
    "pupils": "pupils",
    "social_index": "Sozialindex",
    "startchancen": "Startchancen",
}

_YEAR_IN_NAME = re.compile(r"^(?P<base>[a-z]*?)(?P<y1>(?:19|20)\d\d)(?P<y2>\d{4}|\d\d)?$")
_YEAR_PREFIXES = ("imschuljahr", "schuljahr", "stand", "sj")


def _school_year(start: int, second: str | None) -> str:
    """'2024' + '25' or '2025' or None -> '2024/25'; raise _CellError if not consecutive."""
    follow = start + 1
    if second is not None:
        ok = int(second) == (follow if len(second) == 4 else follow % 100)
        if not ok:
            raise _CellError(
                "school year %(start)s/%(second)s is not two consecutive years",
                start=start,
                second=second,
            )
    return f"{start}/{follow % 100:02d}"


def _yearful_header(key: str) -> tuple[str, str | None] | None:
    """(field, school year) if a folded header is a pupils/Sozialindex/Startchancen name
    followed by a year, e.g. 'schuler202425' -> ('pupils', '2024/25'); else None.

    Raises _CellError if the year is impossible ('2024/26').
    """
    match = _YEAR_IN_NAME.match(key)
    if match is None:
        return None
    base = match["base"]
    for prefix in _YEAR_PREFIXES:
        if base.endswith(prefix) and len(base) > len(prefix):
            base = base[: -len(prefix)]
            break
    name = _YEARFUL_KEY.get(base)
    if name is None:
        return None
    return name, _school_year(int(match["y1"]), match["y2"])


@dataclass
class _Columns:
    index: dict[str, int]
    header: dict[str, str]
    years: dict[str, str | None]
    heading_years: dict[str, str] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


MAPPABLE = tuple(_LABEL)  # the fields a user may give an unrecognised column


def _map_columns(
    cells: list[str],
    header_row: int,
    default_year: str | None,
    errors: list[RowError],
    *,
    mapping: dict[str, str] | None = None,
    school_year: str | None = None,
) -> _Columns:
    """Recognise the header cells; report ambiguous, impossible and missing columns.

    ``mapping`` gives fields to headings the aliases do not know (heading ->
    field, "" to leave it ignored); ``school_year`` is the year of every figure
    column, whatever its heading says.
    """
    mapping = mapping or {}
    found: dict[str, list[tuple[int, str | None]]] = {}
    ignored: list[str] = []
    for position, cell in enumerate(cells):
        key = _fold(cell)
        if not key:
            continue
        name = _FIELD_OF.get(key)
        year: str | None = None
        if name is None:
            try:
                yearful = _yearful_header(key)
            except _CellError as exc:
                errors.append(RowError(header_row, cell, exc.message))
                continue
            if yearful is not None:
                name, year = yearful
            elif mapping.get(cell) in _LABEL:
                name = mapping[cell]
            else:
                ignored.append(cell)
                continue
        found.setdefault(name, []).append((position, year))

    columns = _Columns(index={}, header={}, years={}, ignored=ignored)
    ambiguous: set[str] = set()
    for name, places in found.items():
        chosen = places[0]
        if len(places) > 1:
            years = [year for _, year in places]
            if None in years or len(set(years)) != len(years):
                first, second = cells[places[0][0]], cells[places[1][0]]
                errors.append(
                    RowError(
                        header_row,
                        second,
                        Message(
                            "columns '%(first)s' and '%(second)s' both mean %(field)s; keep only one",
                            first=first,
                            second=second,
                            field=Message(_LABEL[name]),
                        ),
                    )
                )
                ambiguous.add(name)
                continue
            chosen = max(places, key=lambda place: place[1] or "")
        position, year = chosen
        columns.index[name] = position
        columns.header[name] = cells[position]
        if name in _YEARFUL:
            if year:
                columns.heading_years[name] = year
            columns.years[name] = school_year or year or default_year

    looks_like_data = bool(cells) and re.fullmatch(r"\d{6}", cells[0].strip()) is not None
    for name, canonical in _REQUIRED.items():
        if name not in columns.index and name not in ambiguous:
            msgid = "required column missing (accepted names include %(names)s)"
            if looks_like_data:
                msgid = (
                    "required column missing (accepted names include %(names)s); "
                    "the first row looks like data: is the header row missing?"
                )
            errors.append(
                RowError(header_row, canonical, Message(msgid, names=_REQUIRED_HINT[name]))
            )
    if ("lat" in columns.index) != ("lon" in columns.index):
        present, absent = ("lat", "lon") if "lat" in columns.index else ("lon", "lat")
        errors.append(
            RowError(
                header_row,
                columns.header[present],
                Message(
                    "%(present)s column without a %(absent)s column",
                    present=Message(_LABEL[present]),
                    absent=Message(_LABEL[absent]),
                ),
            )
        )
    return columns


def _is_header(cells: list[str]) -> bool:
    return any(_FIELD_OF.get(_fold(cell)) == "school_number" for cell in cells)


def _column_letter(number: int) -> str:
    """1 -> 'A', 28 -> 'AB': the column as a spreadsheet names it."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
