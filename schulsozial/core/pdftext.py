"""Plain text for ReportLab's canvas, shared by the PDF writers.

Text drawn with canvas.drawString or a chart's String is not parsed as
markup (a Paragraph is: user text is escaped before it becomes one), but it
cannot wrap, so `fit` shortens it at a word boundary."""

from __future__ import annotations


def fit(text: str, width: float, font: str = "Helvetica", size: float = 8) -> str:
    """`text` if it fits `width` points, else its longest prefix ending at a
    word boundary that does, with an ellipsis (a word is never cut, unless
    the first word alone is wider than the space)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    words = text.split()
    kept: list[str] = []
    for word in words:
        if stringWidth(" ".join([*kept, word]) + " …", font, size) > width:
            break
        kept.append(word)
    if not kept:
        return words[0] if words else ""
    return " ".join(kept) + " …"
