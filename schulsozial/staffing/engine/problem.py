"""PROBLEM.json of the staffing solver: parsing, validation and the checks of pins and bans.

Every FTE figure becomes a whole number of steps (``step_fte``, e.g. 0.05): the model works in
integers, so HiGHS can prove optimality. Figures that are not whole steps are refused, as are
unknown persons or schools and pins that break a rule. Messages are German and name the person,
the school or the rule, so that coordination can correct the input.

Optional fields beyond the issue's example (all may be left out):

- staff ``contract_end`` (ISO date) together with the top-level ``plan_start`` (ISO date, the
  first day of the planned school year): a person whose contract ends before ``plan_start`` is
  not available (capacity 0); the plan removes their assignments with the reason "Vertrag endet".
- a school's ``carrier`` and a person's ``carrier`` may be null (no restriction / no carrier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "ConflictError",
    "CurrentAssignment",
    "Forbidden",
    "Pin",
    "Problem",
    "ProblemError",
    "Rules",
    "School",
    "Staff",
    "StaffingError",
    "Weights",
    "fmt_fte",
    "fmt_number",
    "parse_problem",
]


class StaffingError(ValueError):
    """Base class: the input cannot be planned; ``messages`` are German, one per problem."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages: tuple[str, ...] = tuple(messages)
        super().__init__("\n".join(self.messages))


class ProblemError(StaffingError):
    """Invalid input: a missing or malformed field, a figure that is not a whole step, an
    unknown person or school."""


class ConflictError(StaffingError):
    """Valid input that no plan can satisfy: pins that break a rule, above a person's hours,
    at a school of another carrier, pinned and forbidden at once."""


def fmt_number(value: Decimal | float | int, decimals: int = 2) -> str:
    """German number format: 1.234,50 (thousands with a dot, decimals with a comma)."""
    text = f"{Decimal(str(value)):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def fmt_fte(value: Decimal | float | int) -> str:
    """``0,50 VZÄ``: at least two decimals, more when a figure needs them (step 0,025)."""
    number = Decimal(str(value))
    exponent = number.normalize().as_tuple().exponent
    decimals = max(2, -exponent if isinstance(exponent, int) else 2)
    return f"{fmt_number(number, min(decimals, 4))} VZÄ"


@dataclass(frozen=True)
class Weights:
    deviation: Decimal = Decimal("1.0")
    change: Decimal = Decimal("0.25")


@dataclass(frozen=True)
class Rules:
    max_schools_full_time: int = 2
    max_schools_half_time: int = 1
    half_time_fte: Decimal = Decimal("0.5")


@dataclass(frozen=True)
class School:
    id: str
    target_fte: Decimal
    target_steps: int
    carrier: str | None = None


@dataclass(frozen=True)
class CurrentAssignment:
    school: str
    fte: Decimal
    steps: int


@dataclass(frozen=True)
class Staff:
    id: str
    fte: Decimal
    steps: int
    carrier: str | None = None
    current: tuple[CurrentAssignment, ...] = ()
    contract_end: dt.date | None = None
    #: False when the contract ends before the planned school year starts.
    available: bool = True


@dataclass(frozen=True)
class Pin:
    staff: str
    school: str
    fte: Decimal
    steps: int


@dataclass(frozen=True)
class Forbidden:
    staff: str
    school: str


@dataclass(frozen=True)
class Problem:
    step_fte: Decimal
    weights: Weights
    rules: Rules
    schools: tuple[School, ...]
    staff: tuple[Staff, ...]
    pinned: tuple[Pin, ...] = ()
    forbidden: tuple[Forbidden, ...] = ()
    plan_start: dt.date | None = None
    school_by_id: dict[str, School] = field(init=False, repr=False, compare=False)
    staff_by_id: dict[str, Staff] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "school_by_id", {s.id: s for s in self.schools})
        object.__setattr__(self, "staff_by_id", {p.id: p for p in self.staff})

    def max_schools(self, person: Staff) -> int:
        """The school-count rule: above ``half_time_fte`` the full-time limit, else half-time."""
        if person.fte > self.rules.half_time_fte:
            return self.rules.max_schools_full_time
        return self.rules.max_schools_half_time

    def school_count_rule(self, person: Staff) -> str:
        """The rule as a reason text: "Regel: höchstens 1 Schule bei halber Stelle"."""
        limit = self.max_schools(person)
        schools = "Schule" if limit == 1 else "Schulen"
        if person.fte > self.rules.half_time_fte:
            return f"Regel: höchstens {limit} {schools} bei mehr als halber Stelle"
        return f"Regel: höchstens {limit} {schools} bei halber Stelle"

    def capacity_steps(self, person: Staff) -> int:
        return person.steps if person.available else 0

    def ineligibility(self, person: Staff, school: School) -> str | None:
        """Why ``person`` may not work at ``school`` (German reason), or None when they may."""
        if not person.available:
            return "Vertrag endet"
        if school.carrier is not None and person.carrier != school.carrier:
            return "Schule ist einem anderen Träger zugeordnet"
        return None


# --- parsing --------------------------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)


def _decimal(value: Any, what: str, errors: _Collector) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        errors.add(f"{what}: „{value}“ ist keine Zahl.")
        return None
    try:
        number = Decimal(str(value).replace(",", ".") if isinstance(value, str) else str(value))
    except InvalidOperation:
        errors.add(f"{what}: „{value}“ ist keine Zahl.")
        return None
    if not number.is_finite():
        errors.add(f"{what}: „{value}“ ist keine Zahl.")
        return None
    return number


def _steps(
    value: Any, step: Decimal, what: str, errors: _Collector, *, positive: bool = False
) -> tuple[Decimal, int] | None:
    number = _decimal(value, what, errors)
    if number is None:
        return None
    if number < 0 or (positive and number == 0):
        errors.add(f"{what} {fmt_fte(number)} ist nicht erlaubt (muss größer als 0 sein).")
        return None
    if number % step != 0:
        errors.add(
            f"{what} {fmt_fte(number)} ist kein Vielfaches der Schrittweite {fmt_fte(step)} "
            "(Stunden müssen ganze Schritte sein)."
        )
        return None
    return number, int(number / step)


def _text(value: Any, what: str, errors: _Collector) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        errors.add(f"{what} fehlt oder ist leer.")
        return None
    return value.strip()


def _optional_text(value: Any, what: str, errors: _Collector) -> str | None:
    if value is None or value == "":
        return None
    return _text(value, what, errors)


def _date(value: Any, what: str, errors: _Collector) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(f"{what}: „{value}“ ist kein Datum (JJJJ-MM-TT).")
        return None


def _list(data: Mapping[str, Any], key: str, errors: _Collector) -> list[Any]:
    value = data.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add(f"„{key}“ muss eine Liste sein.")
        return []
    return value


def _mapping(value: Any, what: str, errors: _Collector) -> Mapping[str, Any] | None:
    if not isinstance(value, Mapping):
        errors.add(f"{what} muss ein Objekt mit Feldern sein.")
        return None
    return value


def _count(value: Any, default: int, what: str, errors: _Collector) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.add(f"{what}: „{value}“ muss eine ganze Zahl ab 1 sein.")
        return default
    return value


def parse_problem(data: Mapping[str, Any]) -> Problem:
    """Read a PROBLEM dict (the parsed PROBLEM.json); raises `ProblemError` for invalid input
    and `ConflictError` for pins and bans that no plan can satisfy (all messages at once)."""
    errors = _Collector()
    if not isinstance(data, Mapping):
        raise ProblemError(["Die Eingabe muss ein JSON-Objekt sein."])
    step = _decimal(data.get("step_fte", "0.05"), "Schrittweite (step_fte)", errors)
    if step is not None and step <= 0:
        errors.add("Schrittweite (step_fte) muss größer als 0 sein.")
        step = None
    if step is None:
        raise ProblemError(errors.messages)

    weights = Weights()
    raw_weights = _mapping(data.get("weights", {}) or {}, "„weights“", errors)
    if raw_weights is not None:
        values: dict[str, Decimal] = {}
        for key, default in (("deviation", weights.deviation), ("change", weights.change)):
            raw = raw_weights.get(key)
            number = default if raw is None else _decimal(raw, f"Gewicht {key}", errors)
            if number is not None and number < 0:
                errors.add(f"Gewicht {key} darf nicht negativ sein.")
                number = None
            values[key] = number if number is not None else default
        weights = Weights(deviation=values["deviation"], change=values["change"])

    rules = Rules()
    raw_rules = _mapping(data.get("rules", {}) or {}, "„rules“", errors)
    if raw_rules is not None:
        half = raw_rules.get("half_time_fte")
        half_value = (
            rules.half_time_fte
            if half is None
            else _decimal(half, "Regel half_time_fte (halbe Stelle)", errors)
        )
        rules = Rules(
            max_schools_full_time=_count(
                raw_rules.get("max_schools_full_time"),
                rules.max_schools_full_time,
                "Regel max_schools_full_time",
                errors,
            ),
            max_schools_half_time=_count(
                raw_rules.get("max_schools_half_time"),
                rules.max_schools_half_time,
                "Regel max_schools_half_time",
                errors,
            ),
            half_time_fte=half_value if half_value is not None else rules.half_time_fte,
        )
    plan_start = _date(data.get("plan_start"), "Planungsbeginn (plan_start)", errors)

    schools: list[School] = []
    seen_schools: set[str] = set()
    for index, raw in enumerate(_list(data, "schools", errors), start=1):
        entry = _mapping(raw, f"Schule Nr. {index}", errors)
        if entry is None:
            continue
        school_id = _text(entry.get("id"), f"Schule Nr. {index}: die Schulnummer (id)", errors)
        if school_id is None:
            continue
        if school_id in seen_schools:
            errors.add(f"Schule {school_id} steht mehrfach in der Liste.")
            continue
        seen_schools.add(school_id)
        target = _steps(entry.get("target_fte"), step, f"Schule {school_id}: Zielwert", errors)
        carrier = _optional_text(entry.get("carrier"), f"Schule {school_id}: Träger", errors)
        if target is not None:
            schools.append(School(school_id, target[0], target[1], carrier))

    staff: list[Staff] = []
    seen_staff: set[str] = set()
    for index, raw in enumerate(_list(data, "staff", errors), start=1):
        entry = _mapping(raw, f"Person Nr. {index}", errors)
        if entry is None:
            continue
        person_id = _text(entry.get("id"), f"Person Nr. {index}: die Kennung (id)", errors)
        if person_id is None:
            continue
        if person_id in seen_staff:
            errors.add(f"Person {person_id} steht mehrfach in der Liste.")
            continue
        seen_staff.add(person_id)
        fte = _steps(entry.get("fte"), step, f"{person_id}: Stellenumfang", errors)
        carrier = _optional_text(entry.get("carrier"), f"{person_id}: Träger", errors)
        contract_end = _date(entry.get("contract_end"), f"{person_id}: Vertragsende", errors)
        current: list[CurrentAssignment] = []
        current_schools: set[str] = set()
        raw_current = entry.get("current", []) or []
        if not isinstance(raw_current, list):
            errors.add(f"{person_id}: „current“ muss eine Liste sein.")
            raw_current = []
        for position, raw_item in enumerate(raw_current, start=1):
            item = _mapping(raw_item, f"{person_id}: bisherige Zuordnung Nr. {position}", errors)
            if item is None:
                continue
            school_id = _text(
                item.get("school"), f"{person_id}: bisherige Zuordnung Nr. {position}", errors
            )
            if school_id is None:
                continue
            if school_id in current_schools:
                errors.add(f"{person_id}: bisherige Zuordnung zu {school_id} steht doppelt.")
                continue
            current_schools.add(school_id)
            hours = _steps(
                item.get("fte"),
                step,
                f"{person_id}: bisherige Zuordnung zu {school_id} mit",
                errors,
                positive=True,
            )
            if hours is not None:
                current.append(CurrentAssignment(school_id, hours[0], hours[1]))
        if fte is None:
            continue
        available = not (
            contract_end is not None and plan_start is not None and contract_end < plan_start
        )
        staff.append(
            Staff(
                person_id,
                fte[0],
                fte[1],
                carrier,
                tuple(current),
                contract_end,
                available,
            )
        )

    school_ids = {s.id for s in schools} | seen_schools
    staff_ids = {p.id for p in staff} | seen_staff

    pins: list[Pin] = []
    pinned_pairs: set[tuple[str, str]] = set()
    for index, raw in enumerate(_list(data, "pinned", errors), start=1):
        entry = _mapping(raw, f"Feste Zuordnung Nr. {index}", errors)
        if entry is None:
            continue
        person_id = _text(entry.get("staff"), f"Feste Zuordnung Nr. {index}: Person", errors)
        school_id = _text(entry.get("school"), f"Feste Zuordnung Nr. {index}: Schule", errors)
        if person_id is None or school_id is None:
            continue
        label = f"Feste Zuordnung {person_id} → {school_id}"
        if person_id not in staff_ids:
            errors.add(f"{label}: Person {person_id} ist nicht bekannt.")
        if school_id not in school_ids:
            errors.add(f"{label}: Schule {school_id} ist nicht bekannt.")
        if (person_id, school_id) in pinned_pairs:
            errors.add(f"{label} steht doppelt.")
            continue
        pinned_pairs.add((person_id, school_id))
        hours = _steps(entry.get("fte"), step, f"{label} mit", errors, positive=True)
        if hours is not None and person_id in staff_ids and school_id in school_ids:
            pins.append(Pin(person_id, school_id, hours[0], hours[1]))

    bans: list[Forbidden] = []
    banned_pairs: set[tuple[str, str]] = set()
    for index, raw in enumerate(_list(data, "forbidden", errors), start=1):
        entry = _mapping(raw, f"Ausschluss Nr. {index}", errors)
        if entry is None:
            continue
        person_id = _text(entry.get("staff"), f"Ausschluss Nr. {index}: Person", errors)
        school_id = _text(entry.get("school"), f"Ausschluss Nr. {index}: Schule", errors)
        if person_id is None or school_id is None:
            continue
        label = f"Ausschluss {person_id} → {school_id}"
        known = True
        if person_id not in staff_ids:
            errors.add(f"{label}: Person {person_id} ist nicht bekannt.")
            known = False
        if school_id not in school_ids:
            errors.add(f"{label}: Schule {school_id} ist nicht bekannt.")
            known = False
        if known and (person_id, school_id) not in banned_pairs:
            banned_pairs.add((person_id, school_id))
            bans.append(Forbidden(person_id, school_id))

    if errors.messages:
        raise ProblemError(errors.messages)
    problem = Problem(
        step_fte=step,
        weights=weights,
        rules=rules,
        schools=tuple(schools),
        staff=tuple(staff),
        pinned=tuple(pins),
        forbidden=tuple(bans),
        plan_start=plan_start,
    )
    conflicts = pin_conflicts(problem)
    if conflicts:
        raise ConflictError(conflicts)
    return problem


def pin_conflicts(problem: Problem) -> list[str]:
    """German messages for pins that no plan can keep (empty when the pins are consistent)."""
    messages: list[str] = []
    banned = {(f.staff, f.school) for f in problem.forbidden}
    by_person: dict[str, list[Pin]] = {}
    for pin in problem.pinned:
        by_person.setdefault(pin.staff, []).append(pin)
        person = problem.staff_by_id[pin.staff]
        school = problem.school_by_id[pin.school]
        label = f"Feste Zuordnung {pin.staff} → {pin.school}"
        if (pin.staff, pin.school) in banned:
            messages.append(
                f"{pin.staff} ist an Schule {pin.school} zugleich fest zugeordnet und "
                "ausgeschlossen."
            )
        if school.carrier is not None and person.carrier != school.carrier:
            own = f"beim Träger {person.carrier}" if person.carrier else "bei keinem Träger"
            messages.append(
                f"{label}: Schule {pin.school} ist dem Träger {school.carrier} zugeordnet, "
                f"{pin.staff} arbeitet {own}."
            )
        if not person.available:
            end = person.contract_end.strftime("%d.%m.%Y") if person.contract_end else ""
            start = problem.plan_start.strftime("%d.%m.%Y") if problem.plan_start else ""
            messages.append(
                f"{label}: der Vertrag von {pin.staff} endet am {end}, vor Beginn des "
                f"Planungszeitraums ({start})."
            )
    for person_id, pins in by_person.items():
        person = problem.staff_by_id[person_id]
        limit = problem.max_schools(person)
        if len(pins) > limit:
            allowed = (
                "darf nur an einer Schule eingesetzt werden"
                if limit == 1
                else f"darf an höchstens {limit} Schulen eingesetzt werden"
            )
            schools = ", ".join(pin.school for pin in pins)
            messages.append(
                f"{person_id} arbeitet mit {fmt_fte(person.fte)} und {allowed}, ist aber an "
                f"{len(pins)} Schulen fest zugeordnet ({schools})."
            )
        total = sum((pin.fte for pin in pins), Decimal(0))
        if person.available and total > person.fte:
            messages.append(
                f"Für {person_id} sind {fmt_fte(total)} fest zugeordnet, die Person arbeitet "
                f"aber nur mit {fmt_fte(person.fte)}."
            )
    return messages
