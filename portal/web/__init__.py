"""The neutral web layer every area builds on: argument parsing, the base forms, pagination,
URLs, filters, notices, conditional GET and the page cache. Nothing here imports an area."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request

from portal.web import display
from portal.web.converters import IdConverter
from portal.web.filters import format_amount, format_date, format_size
from portal.web.urls import url_with


def init_app(app: Flask) -> None:
    """Converters, filters and template globals every page may use."""
    app.url_map.converters["id"] = IdConverter
    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.filters.update(date=format_date, filesize=format_size, amount=format_amount)

    @app.context_processor
    def site_globals() -> dict[str, Any]:
        return {
            "site_name": current_app.config["SITE_NAME"],
            "current_path": request.path,
            "display": display.parse(request.cookies.get(display.COOKIE)),
        }
