"""URL converters every area may use."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

#: The largest row id: ids are 32-bit integers in the database, so a larger number in a URL
#: cannot name a row (and would overflow the query's parameter on PostgreSQL).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 to ``MAX_ID``; anything else is a 404 before the view runs."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)
