"""URL converters every area may use."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

#: The largest row id: ids are 32-bit integers in the database, so a larger number in a URL
#: cannot name a row (and would overflow the query's parameter on PostgreSQL).
MAX_ID = 2**31 - 1


def parse_id(text: str) -> int | None:
    """A row id written in a form (ASCII digits, 1 to ``MAX_ID``), or None for anything else
    (superscript digits, a 25-digit number, a sign, spaces)."""
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 to ``MAX_ID``; anything else is a 404 before the view runs."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)
