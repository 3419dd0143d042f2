"""Readable differences between two versions of a framework concept.

Pure Python (no Django): compares texts word by word with difflib and renders
accessible HTML with <ins>/<del>; compares versions section by section (by
key) and standard by standard (by id). With a `render` function (Markdown ->
sanitised HTML) the rendered texts are compared (html_diff): words are
compared, the markup of the text they come from is kept, and the caller
sanitises the result again (tags may need rebalancing).
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

TOKEN = re.compile(r"\s+|[^\s]+")
HTML_TOKEN = re.compile(r"<[^>]*>|\s+|[^\s<]+")

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


def _wrap_words(tokens: list[str], tag: str) -> str:
    """The tokens with every run of words (not tags) inside <tag>."""
    out: list[str] = []
    run: list[str] = []
    for token in tokens:
        if token.startswith("<"):
            if run:
                out.append(f"<{tag}>{''.join(run)}</{tag}>")
                run = []
            out.append(token)
        else:
            run.append(token)
    if run:
        out.append(f"<{tag}>{''.join(run)}</{tag}>")
    return "".join(out)


def html_diff(old_html: str, new_html: str) -> str:
    """Word-level difference of two HTML fragments: removed words in <del>,
    inserted ones in <ins>, markup kept. Whitespace-only changes are ignored.
    The result must be sanitised (nh3) before it is shown."""
    a, b = HTML_TOKEN.findall(old_html or ""), HTML_TOKEN.findall(new_html or "")
    norm_a = [" " if t.isspace() else t for t in a]
    norm_b = [" " if t.isspace() else t for t in b]
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=norm_a, b=norm_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.append("".join(b[j1:j2]))
            continue
        if tag in ("delete", "replace"):
            out.append(_wrap_words(a[i1:i2], "del"))
        if tag in ("insert", "replace"):
            out.append(_wrap_words(b[j1:j2], "ins"))
    return "".join(out)


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


def pairs(old: Iterable[Entry], new: Iterable[Entry]) -> list[tuple[Entry | None, Entry | None]]:
    """Entries paired by key: in the order of `new`, then the removed ones."""
    old_map: Mapping[str, Entry] = {e.key: e for e in old}
    new_list = list(new)
    new_keys = {e.key for e in new_list}
    result: list[tuple[Entry | None, Entry | None]] = [(old_map.get(e.key), e) for e in new_list]
    result += [(e, None) for e in old_map.values() if e.key not in new_keys]
    return result


def change_of(before: Entry | None, after: Entry | None) -> str:
    if before is None:
        return "added"
    if after is None:
        return "removed"
    same = before.title == after.title and before.text == after.text
    return "unchanged" if same else "changed"


def compare(
    old: Iterable[Entry], new: Iterable[Entry], render: Callable[[str], str] | None = None
) -> list[Row]:
    """Pair entries by key (the order of `new`, then removed ones) and diff
    them: the raw texts, or with `render` the rendered ones."""
    rows: list[Row] = []
    for before, after in pairs(old, new):
        entry = after or before
        if entry is None:  # pairs() never yields two empty sides
            continue
        change = change_of(before, after)
        if render is not None:
            title = ""
            if change == "changed" and before and after and before.title != after.title:
                title = f"<p>{render_diff(diff_ops(before.title, after.title))}</p>"
            body = html_diff(
                render(before.text) if before else "", render(after.text) if after else ""
            )
            rows.append(Row(entry.key, entry.title, change, title + body))
        elif change == "added":
            rows.append(Row(entry.key, entry.title, change, render_diff([(INSERT, entry.text)])))
        elif change == "removed":
            rows.append(Row(entry.key, entry.title, change, render_diff([(DELETE, entry.text)])))
        elif before is not None and after is not None:
            old_text = f"{before.title}\n{before.text}"
            new_text = f"{after.title}\n{after.text}"
            rows.append(
                Row(entry.key, entry.title, change, render_diff(diff_ops(old_text, new_text)))
            )
    return rows


def changed_keys(old: Iterable[Entry], new: Iterable[Entry]) -> dict[str, list[str]]:
    """Which keys were added, changed or removed from `old` to `new`."""
    result: dict[str, list[str]] = {"added": [], "changed": [], "removed": []}
    for row in compare(old, new):
        if row.change in result:
            result[row.change].append(row.key)
    return result
