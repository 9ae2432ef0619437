"""Documents: the eight content kinds (one registry), the publishing service that alone
writes them, the content loader, the public lists and pages, and the staff editor."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from portal.documents import catalog, content_types
from portal.documents.converters import KindConverter
from portal.markdown import render
from portal.web import pagecache


def init_app(app: Flask) -> None:
    """The ``<kind:…>`` converter and what every page's template may ask about documents."""
    app.url_map.converters["kind"] = KindConverter
    for endpoint in ("public.home", "public.listing"):
        pagecache.keep_pages(endpoint)
    pagecache.keep_pages("public.detail", _detail_key)

    @app.context_processor
    def document_globals() -> dict[str, Any]:
        return {
            "kinds": content_types.REGISTRY,
            "topics": content_types.TOPICS,
            "consultation_state": catalog.consultation_state,
            "render_markdown": render,
        }


def _detail_key() -> tuple[()] | None:
    """A consultation's page shows opinions and, while open, a form: never kept."""
    return None if (request.view_args or {}).get("kind") == "consultation" else ()
