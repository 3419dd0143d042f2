"""Small text helpers shared by the engine's messages and explanations."""

from __future__ import annotations

import math

__all__ = ["LIST_LIMIT", "fmt_fte", "school_list", "school_sort_key"]

#: At most this many schools (or groups of schools) are named in one message.
LIST_LIMIT = 12


def school_sort_key(schulnummer: str) -> tuple[int, int, str]:
    """Canonical order: numeric school numbers by value, then any others as text."""
    if schulnummer.isdigit():
        return (0, int(schulnummer), schulnummer)
    return (1, 0, schulnummer)


def fmt_fte(value: float) -> str:
    """An FTE figure for messages: at least two, at most four decimals."""
    if math.isinf(value):
        return "no limit"
    text = f"{value:.4f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"


def school_list(items: list[tuple[str, str]]) -> str:
    """ "100014 (0.50 FTE: min_fte), ..."; schools sharing one detail are counted together."""
    groups: dict[str, list[str]] = {}
    for number, detail in items:
        groups.setdefault(detail, []).append(number)
    shown: list[str] = []
    for detail, numbers in groups.items():
        if len(numbers) == 1:
            shown.append(f"{numbers[0]} ({detail})")
        else:
            examples = ", ".join(numbers[:5]) + (", ..." if len(numbers) > 5 else "")
            shown.append(f"{len(numbers)} schools with {detail} ({examples})")
    rest = len(shown) - LIST_LIMIT
    return "; ".join(shown[:LIST_LIMIT]) + (f"; and {rest} more" if rest > 0 else "")
