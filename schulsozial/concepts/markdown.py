"""Safe Markdown for concept texts.

markdown-it-py turns the text into HTML (raw HTML allowed so that authors can
paste simple markup); nh3 (the Rust ammonia sanitiser) then keeps only a small
allow-list of tags and attributes. Scripts, styles, event handlers
(``onerror=``), ``javascript:`` links and images never survive.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {
    "p", "br", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "blockquote", "code", "pre", "hr", "a", "table", "thead", "tbody", "tr", "th", "td",
    "del", "ins",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}

_md = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")


def render_markdown(text: str) -> str:
    """Markdown -> sanitised HTML (a plain string; mark it safe only after this)."""
    html = _md.render(text or "")
    # Headings inside a section sit below the section's own heading (h2).
    for level in (1, 2):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return sanitize(html)


def sanitize(html: str) -> str:
    """Keep only the allow-list (also rebalances tags, e.g. of a diff)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def markdown_tokens(text: str) -> list[Token]:
    """The block tokens of `text`, for the PDF and DOCX writers."""
    return _md.parse(text or "")
