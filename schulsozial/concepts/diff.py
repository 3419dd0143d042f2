"""Readable differences between two versions of a framework concept.

Pure Python (no Django): compares texts word by word with difflib and renders
accessible HTML with <ins>/<del>; compares versions section by section (by
key) and standard by standard (by id).
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

TOKEN = re.compile(r"\s+|[^\s]+")

EQUAL, INSERT, DELETE = "equal", "insert", "delete"


def diff_ops(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level operations [(kind, text)] that turn `old` into `new`."""
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    ops: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops.append((EQUAL, "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            ops.append((DELETE, "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append((INSERT, "".join(b[j1:j2])))
    return ops


def render_diff(ops: Iterable[tuple[str, str]]) -> str:
    """HTML with escaped text; insertions in <ins>, deletions in <del>.

    The CSS adds visually hidden labels so that screen readers announce
    "inserted"/"deleted" (ins::before/del::before)."""
    parts = []
    for kind, text in ops:
        escaped = html.escape(text).replace("\n", "<br>")
        if kind == INSERT:
            parts.append(f"<ins>{escaped}</ins>")
        elif kind == DELETE:
            parts.append(f"<del>{escaped}</del>")
        else:
            parts.append(escaped)
    return "".join(parts)


@dataclass(frozen=True)
class Entry:
    key: str
    title: str
    text: str


@dataclass(frozen=True)
class Row:
    key: str
    title: str
    change: str  # "added", "removed", "changed", "unchanged"
    html: str

    @property
    def changed(self) -> bool:
        return self.change != "unchanged"


def compare(old: Iterable[Entry], new: Iterable[Entry]) -> list[Row]:
    """Pair entries by key (the order of `new`, then removed ones) and diff them."""
    old_map: Mapping[str, Entry] = {e.key: e for e in old}
    new_list = list(new)
    new_keys = {e.key for e in new_list}
    rows: list[Row] = []
    for entry in new_list:
        before = old_map.get(entry.key)
        if before is None:
            rows.append(Row(entry.key, entry.title, "added", render_diff([(INSERT, entry.text)])))
            continue
        old_text = f"{before.title}\n{before.text}"
        new_text = f"{entry.title}\n{entry.text}"
        change = "unchanged" if old_text == new_text else "changed"
        rows.append(Row(entry.key, entry.title, change, render_diff(diff_ops(old_text, new_text))))
    for entry in old_map.values():
        if entry.key not in new_keys:
            rows.append(Row(entry.key, entry.title, "removed", render_diff([(DELETE, entry.text)])))
    return rows


def changed_keys(old: Iterable[Entry], new: Iterable[Entry]) -> dict[str, list[str]]:
    """Which keys were added, changed or removed from `old` to `new`."""
    result: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for row in compare(old, new):
        if row.change in result:
            result[row.change].append(row.key)
    return result
