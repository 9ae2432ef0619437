"""Reading query arguments: what a URL may carry, parsed once, and a 404 for what it may not.

A page number or an id that is not a small positive number names no page: the answer is
404, never a 500 or an empty page. Free text loses control characters before it reaches a
query.
"""

from __future__ import annotations

import re
from datetime import date

from flask import abort, request

from portal.text import CONTROL_CHARS

_NUMBER = re.compile(r"[0-9]{1,6}")


def text_arg(name: str, max_chars: int) -> str:
    """A free-text query argument with control characters (NUL …) removed, trimmed and cut
    to ``max_chars``: safe to compare with or search in a database column."""
    return CONTROL_CHARS.sub("", request.args.get(name, "")).strip()[:max_chars]


def int_arg(name: str, default: int | None = None) -> int | None:
    """A whole-number argument of up to six digits; ``default`` when absent; 404 otherwise."""
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    if not _NUMBER.fullmatch(raw):
        abort(404)
    return int(raw)


def page_arg(name: str = "page") -> int:
    """The page number asked for: 1 when absent, 404 when not a page number."""
    page = int_arg(name, 1)
    if page is None or page < 1:
        abort(404)
    return page


def date_arg(name: str, *, years: tuple[int, int] = (1949, 2100)) -> date | None:
    """A ``YYYY-MM-DD`` argument within ``years`` (inclusive); None when absent or invalid."""
    raw = request.args.get(name, "").strip()
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and years[0] <= day.year <= years[1] else None
