"""Plain text for ReportLab's canvas, shared by the PDF writers.

Text drawn with canvas.drawString or a chart's String is not parsed as
markup (a Paragraph is: user text is escaped before it becomes one), but it
cannot wrap, so `fit` shortens it at a word boundary."""

from __future__ import annotations

from typing import Any


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


def page_label(page: int, total: int) -> str:
    """ "Seite 3 von 7" (in the active language)."""
    from django.utils.translation import gettext as _

    return _("Page %(n)s of %(total)s") % {"n": page, "total": total}


def page_count_canvas() -> type:
    """A ReportLab canvas class that knows the number of pages when it finishes each page:
    every page is kept until `save`, then `draw_page(canvas, number, total)` of the subclass
    draws its decoration (for example "Seite x von y") and the page is written. Subclass it
    and pass it as ``canvasmaker`` to ``SimpleDocTemplate.build``. (A function so that
    ReportLab is imported only when a PDF is written.)"""
    from reportlab.pdfgen.canvas import Canvas

    class PageCountCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._kept: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab's name)
            self._kept.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._kept)
            for state in self._kept:
                self.__dict__.update(state)
                self.saveState()
                self.draw_page(self._pageNumber, total)
                self.restoreState()
                super().showPage()
            super().save()

        def draw_page(self, number: int, total: int) -> None:
            """The page's decoration; the base class draws nothing."""

    return PageCountCanvas
