"""Markdown to sanitised HTML: markdown-it-py renders, nh3 removes anything unsafe."""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    "table"
)


def _align_attributes(state) -> None:
    """Table column alignment as ``align="right"``, not ``style=``: the Content-Security-Policy
    blocks inline styles, and feed readers and API users still see the alignment."""
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = token.attrs.pop("style", None)
            if isinstance(style, str) and style.startswith("text-align:"):
                token.attrSet("align", style.removeprefix("text-align:"))


_md.core.ruler.push("align_attributes", _align_attributes)

_ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
    "img",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}


def sanitize(html: str) -> str:
    """Keep only harmless tags and attributes; links get rel=noopener."""
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render(text: str) -> str:
    """Render Markdown to HTML that is safe to show on a public page.

    A level-1 heading is demoted to level 2 because the page title is the only ``h1``.
    """
    rendered = _md.render(text or "").replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return sanitize(rendered)


def plain_text(html_or_md: str, limit: int | None = None) -> str:
    """Text without tags, whitespace folded; cut to ``limit`` characters with an ellipsis."""
    text = html.unescape(nh3.clean(_md.render(html_or_md or ""), tags=set()))
    text = " ".join(text.split())
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
