"""Reading SCHOOLS.csv into `SchoolInput` objects.

The format of the official NRW list (data/schulen_nrw.csv) works as it is: `schulnummer` stays
text with its leading zeros, empty cells mean "missing". Files exported from Excel with `;` as
separator and a decimal comma work too. Only the columns the rules name are kept.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import os
from collections.abc import Mapping
from pathlib import Path

from .rules import Rules, RulesError, SchoolInput

__all__ = ["PER_SCHOOL_COLUMNS", "parse_number", "read_schools_csv"]

#: Optional per-school columns of a single-layer distribution and the SchoolInput field each fills.
PER_SCHOOL_COLUMNS = ("current_fte", "min_fte", "max_fte", "fixed_fte")


def parse_number(value: object, column: str, schulnummer: str) -> float | None:
    """A cell as a float; None for an empty cell. NaN, infinity and text raise `RulesError`."""
    if value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text == "":
            return None
        if "," in text and "." not in text and text.count(",") == 1:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise RulesError(
                f"school {schulnummer}, column '{column}': {str(value)!r} is not a number"
            ) from None
    if not math.isfinite(number):
        raise RulesError(
            f"school {schulnummer}, column '{column}': {value!r} is not a number "
            "(leave the cell empty for a missing value)"
        )
    return number


def _numeric_columns(rules: Rules) -> set[str]:
    """Columns the rules only use as numbers: parsed once here, with the error messages."""
    numbers: set[str] = set()
    texts: set[str] = set()
    for layer in rules.layers:
        for criterion in layer.criteria:
            if criterion.transform == "table":
                texts.add(criterion.column)
            else:
                numbers.add(criterion.column)
            if criterion.transform == "per_pupil":
                numbers.add(criterion.pupils_column)
        texts.update(layer.where)
        if isinstance(layer.base_fte, Mapping):
            texts.add(rules.school_type_column)
        for key in ("current_column", "min_column", "max_column", "fixed_column"):
            if getattr(layer, key):
                numbers.add(getattr(layer, key))
    return numbers - texts


def _read_text(source: str | os.PathLike[str]) -> tuple[str, str]:
    if isinstance(source, str) and "\n" in source:
        return source, "the schools data"
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RulesError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8-sig"), str(path)
    except UnicodeDecodeError:
        return data.decode("cp1252"), str(path)


def read_schools_csv(source: str | os.PathLike[str], rules: Rules) -> list[SchoolInput]:
    """Read a schools CSV (a path, or the CSV text itself if it contains a line break).

    Needs a `schulnummer` column and every column the rules name; unknown columns, duplicate
    school numbers and cells that are not numbers where numbers are needed raise `RulesError`.
    """
    text, label = _read_text(source)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise RulesError(f"{label} is empty") from None
    except csv.Error as error:
        raise RulesError(f"{label} is not a readable CSV file: {error}") from None
    if "schulnummer" not in header:
        raise RulesError(
            f"{label} has no 'schulnummer' column; its columns are: " + ", ".join(header)
        )
    seen = {name for name in header if header.count(name) > 1}
    if seen:
        raise RulesError(f"{label} has duplicate column names: " + ", ".join(sorted(seen)))
    for column, where in rules.columns():
        if column not in header:
            hint = difflib.get_close_matches(column, header, n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise RulesError(
                f"unknown column '{column}' named in {where}: it is not in {label}{suggestion}"
            )
    single = len(rules.layers) == 1
    layer = rules.layers[0]
    if (
        single
        and layer.max_change is not None
        and layer.current_column is None
        and "current_fte" not in header
    ):
        raise RulesError(
            f"'max_change' needs each school's current FTE: {label} has no 'current_fte' column"
        )
    wanted = sorted({column for column, _ in rules.columns()})
    positions = {name: header.index(name) for name in wanted}
    numeric = _numeric_columns(rules)
    # With several layers the limits come from per-layer columns; current_fte stays the
    # school's total, used to report the change.
    fields = PER_SCHOOL_COLUMNS if single else ("current_fte",)
    per_school = {name: header.index(name) for name in fields if name in header}
    number_position = header.index("schulnummer")
    schools: list[SchoolInput] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            line = reader.line_num
            if len(row) != len(header):
                raise RulesError(
                    f"{label}, line {line}: {len(row)} cells, but the header has {len(header)}"
                )
            schulnummer = row[number_position].strip()
            if not schulnummer:
                raise RulesError(f"{label}, line {line}: 'schulnummer' is empty")
            values: dict[str, float | str | None] = {
                name: parse_number(row[index], name, schulnummer)
                if name in numeric
                else (row[index].strip() or None)
                for name, index in positions.items()
            }
            limits = {
                name: parse_number(row[index], name, schulnummer)
                for name, index in per_school.items()
            }
            schools.append(SchoolInput(schulnummer=schulnummer, values=values, **limits))
    except csv.Error as error:
        raise RulesError(f"{label} is not a readable CSV file: {error}") from None
    if not schools:
        raise RulesError(f"{label} has no school rows")
    return schools
