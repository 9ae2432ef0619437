"""``<kind:kind>``: a registered content kind, so ``/<kind>/`` never shadows other pages."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import BaseConverter, Map

from portal.documents import content_types


class KindConverter(BaseConverter):
    """Matches only registered content kinds."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map)
        self.regex = "(?:" + "|".join(content_types.REGISTRY) + ")"
