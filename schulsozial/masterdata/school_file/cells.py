"""Cell values: school numbers, keys, postcodes, whole and decimal numbers,
yes/no, legal status and text, each checked and normalised; the name lines
joined into one name."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from .columns import _fold
from .records import PRIVATE, PUBLIC, Message, _CellError


def _show(text: str) -> str:
    """Quote a cell value for a message, shortened."""
    if len(text) > 40:
        text = text[:37] + "..."
    return f"'{text}'"


def _digits(text: str) -> str | None:
    """'0123' -> '0123'; '100014.0' -> '100014' (Excel float); else None."""
    if text.isascii() and text.isdigit():
        return text
    head, sep, tail = text.replace(",", ".").partition(".")
    if sep and head.isascii() and head.isdigit() and tail and set(tail) == {"0"}:
        return head
    return None


def _school_number(text: str) -> str:
    if not text:
        raise _CellError("school number is empty")
    digits = _digits(text)
    if digits is None or len(digits) != 6:
        raise _CellError(
            "school number must have exactly 6 digits, got %(value)s", value=_show(text)
        )
    return digits


def _ags(text: str) -> str:
    if not text:
        return ""
    digits = _digits(text)
    if digits is not None and len(digits) == 7:  # Excel dropped the leading zero
        digits = "0" + digits
    if digits is None or len(digits) != 8:
        raise _CellError("AGS must have 8 digits, got %(value)s", value=_show(text))
    return digits


def _postcode(text: str) -> str:
    if not text:
        return ""
    bare = text[2:].lstrip("-") if text[:2] in ("D-", "D ") else text
    digits = _digits(bare)
    if digits is None or len(digits) not in (4, 5):
        raise _CellError("postcode must have 5 digits, got %(value)s", value=_show(text))
    return digits.zfill(5)


def _type_code(text: str) -> str:
    if not text:
        return ""
    digits = _digits(text)
    if digits is None or len(digits) > 2:
        raise _CellError(
            "school type code must have 1 or 2 digits, got %(value)s", value=_show(text)
        )
    return digits.zfill(2)


def _authority_number(text: str) -> str:
    if not text:
        return ""
    digits = _digits(text)
    if digits is None or len(digits) > 10:
        raise _CellError(
            "authority number must be up to 10 digits, got %(value)s", value=_show(text)
        )
    return digits


_WHOLE = re.compile(r"[+-]?\d{1,12}(?:[.,]0+)?")
_GROUPED = re.compile(r"\d{1,3}([.,' \u00a0\u202f])\d{3}(?:\1\d{3}){0,3}")


def _whole_number(text: str) -> int | None:
    """'840', '840.0', '1.490', '1 490' -> int; '' -> None; text -> _CellError."""
    if not text:
        return None
    if _WHOLE.fullmatch(text):
        return int(re.split(r"[.,]", text, maxsplit=1)[0])
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    raise _CellError("not a whole number: %(value)s", value=_show(text))


def _pupils(text: str) -> int | None:
    value = _whole_number(text)
    if value is not None and not 0 <= value <= 100_000:
        raise _CellError("pupils must be between 0 and 100000, got %(value)s", value=value)
    return value


_STAGE = re.compile(r"^(?:stufe|si)\s*", re.IGNORECASE)


def _social_index(text: str) -> int | None:
    bare = _STAGE.sub("", text, count=1) if text[:1].isalpha() else text  # "Stufe 5"
    try:
        value = _whole_number(bare)
    except _CellError:
        raise _CellError("not a whole number: %(value)s", value=_show(text)) from None
    if value is not None and not 1 <= value <= 9:
        raise _CellError("Sozialindex must be between 1 and 9, got %(value)s", value=value)
    return value


_DECIMAL = re.compile(r"[+-]?\d{1,4}(?:[.,]\d{1,20})?(?:[eE][+-]?\d{1,3})?")


def _coordinate(text: str, limit: int, label: str) -> Decimal | None:
    if not text:
        return None
    if not _DECIMAL.fullmatch(text):
        raise _CellError("not a decimal number: %(value)s", value=_show(text))
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        raise _CellError("not a decimal number: %(value)s", value=_show(text)) from None
    if not -limit <= value <= limit:
        raise _CellError(
            "%(field)s must be between -%(limit)s and %(limit)s, got %(value)s",
            field=Message(label),
            limit=limit,
            value=text,
        )
    return value


def _lat(text: str) -> Decimal | None:
    return _coordinate(text, 90, "latitude")


def _lon(text: str) -> Decimal | None:
    return _coordinate(text, 180, "longitude")


_TRUE = frozenset({"1", "1.0", "1,0", "ja", "j", "x", "true", "wahr", "yes", "y", "✓", "✔"})
_FALSE = frozenset({"0", "0.0", "0,0", "nein", "n", "false", "falsch", "no", "-"})


def _startchancen(text: str) -> bool | None:
    if not text:
        return None
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _CellError("Startchancen must be 1/0, ja/nein or x, got %(value)s", value=_show(text))


_PRIVATE_WORDS = ("privat", "private", "ersatz", "frei", "kirchl")
_PUBLIC_WORDS = ("offentl", "public", "kommunal", "stadtisch", "staatlich")


def _legal_status(text: str) -> str:
    if not text:
        return ""  # not given: a new school is public, a known one keeps its status
    key = _fold(text)
    if key == "p" or any(word in key for word in _PRIVATE_WORDS):
        return PRIVATE
    if key == "o" or key.startswith(_PUBLIC_WORDS):
        return PUBLIC
    raise _CellError("legal status must be Öffentlich or Privat, got %(value)s", value=_show(text))


def _text(limit: int) -> Callable[[str], str]:
    def convert(text: str) -> str:
        text = " ".join(text.split())
        if len(text) > limit:
            raise _CellError(
                "text too long: %(length)s characters, at most %(limit)s",
                length=len(text),
                limit=limit,
            )
        return text

    return convert


_CONVERTERS: dict[str, Callable[[str], Any]] = {
    "school_number": _school_number,
    "name": _text(300),
    "name_2": _text(300),
    "name_3": _text(300),
    "short_name": _text(200),
    "school_type_label": _text(100),
    "school_type_code": _type_code,
    "legal_status": _legal_status,
    "authority_number": _authority_number,
    "authority_name": _text(200),
    "ags": _ags,
    "municipality_name": _text(200),
    "street": _text(200),
    "postcode": _postcode,
    "city": _text(100),
    "lat": _lat,
    "lon": _lon,
    "pupils": _pupils,
    "social_index": _social_index,
    "startchancen": _startchancen,
}

_DECORATED = re.compile(r"(?:^|\s)-")
_CONJUNCTIONS = frozenset({"und", "u.", "oder", "bzw.", "sowie"})


def join_name_parts(parts: Iterable[str]) -> str:
    """Join the official name lines (bezeichnung_1..3) into one name.

    A line ending in a hyphenated word continues in the next line:
    ``Förder-`` + ``schule m. d.`` -> ``Förderschule m. d.``,
    ``Montessori-`` + ``Grundschule`` -> ``Montessori-Grundschule``,
    ``Wirtschafts-`` + ``und Verwaltung`` -> ``Wirtschafts- und Verwaltung``.
    A trailing dash that closes ``- Primarstufe -`` style decoration is kept
    and followed by a space.
    """
    name = previous = ""
    for raw in parts:
        part = " ".join(raw.split())
        if not part:
            continue
        if not name:
            name = previous = part
            continue
        hyphenated = len(previous) >= 2 and previous[-1] == "-" and previous[-2].isalnum()
        if hyphenated and not _DECORATED.search(previous[:-1]):
            first_word = part.split(" ", 1)[0]
            if part[0].isupper() or part[0].isdigit():
                name += part
            elif part[0].islower() and first_word not in _CONJUNCTIONS:
                name = name[:-1] + part
            else:
                name += " " + part
        else:
            name += " " + part
        previous = part
    return name
