"""The two long texts of a pasted paper: Beschlussvorschlag and Sachverhalt.

`paste.parse_council_paper` reads the paper's facts (number, subject, type,
Beratungsfolge, …); the paste page also prefills the proposed resolution and
the statement of facts when the text has them under their usual headings
("Beschlussvorschlag:", "Sachverhalt", "Sachverhalt und Begründung …:",
"Begründung:"). Pure, never raises; what it does not find stays empty. A
heading that is only an entry of a tab list (ALLRIS: "Sachverhalt" followed
directly by "Anlage/n") is skipped: the last heading with text wins.
"""

from __future__ import annotations

import re

_PROPOSAL = re.compile(
    r"^\s*(?:Beschlussvorschlag|Beschlussentwurf|Empfehlung)\b[^\n]{0,80}?:?\s*$", re.I
)
_FACTS = re.compile(
    r"^\s*(?:Sachverhalt|Begründung|Sachdarstellung)\b[^\n]{0,120}?:?\s*$", re.IGNORECASE
)
_END = re.compile(
    r"^\s*(?:Anlagen?(?:/n)?\b|Anlage/n|Finanzielle Auswirkungen|Haushaltsrechtliche|"
    r"Der (?:Ober)?[Bb]ürgermeister|Die (?:Ober)?[Bb]ürgermeisterin|Beratungsfolge|"
    r"Sachverhalt\b|Begründung\b|Beschlussvorschlag\b)",
    re.IGNORECASE,
)
_MAX = 20_000


def _clean(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        text = line.replace("\u00a0", " ").strip()
        if not text:
            if out and out[-1] != "":
                out.append("")
            continue
        out.append(text)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out)[:_MAX]


def _section(lines: list[str], heading: re.Pattern[str]) -> str:
    found = ""
    for i, line in enumerate(lines):
        if not heading.match(line):
            continue
        body: list[str] = []
        for following in lines[i + 1 :]:
            if _END.match(following):
                break
            body.append(following)
        text = _clean(body)
        if text:
            found = text
    return found


def long_texts(text: str) -> dict[str, str]:
    """{"beschlussvorschlag": …, "sachverhalt": …}, each "" when not found."""
    try:
        lines = str(text or "")[:500_000].splitlines()
        return {
            "beschlussvorschlag": _section(lines, _PROPOSAL),
            "sachverhalt": _section(lines, _FACTS),
        }
    except Exception:  # a paste never breaks the page
        return {"beschlussvorschlag": "", "sachverhalt": ""}
