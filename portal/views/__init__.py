"""Blueprints and the template helpers they share."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, request, url_for
from werkzeug.routing import BaseConverter, IntegerConverter

from .. import catalog, content_types
from ..markdown import render
from ..timeutil import to_local


class KindConverter(BaseConverter):
    """Matches only registered content kinds, so ``/<kind>/`` never shadows other pages."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map)
        self.regex = "(?:" + "|".join(content_types.REGISTRY) + ")"


#: The largest row id: ids are 32-bit integers in the database, so a larger number in a URL
#: cannot name a row (and would overflow the query's parameter on PostgreSQL).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>``: a row id, 1 to ``MAX_ID``; anything else is a 404 before the view runs."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def format_date(value: datetime | date | str | None, fmt: str = "%Y-%m-%d") -> str:
    """A date as residents read it, in Asia/Shanghai."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(fmt)


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def format_amount(value: str | None) -> str:
    if not value:
        return ""
    whole, _, cents = value.partition(".")
    return f"{int(whole):,}.{cents or '00'}"


def text_arg(name: str, max_chars: int) -> str:
    """A free-text query argument with control characters (NUL …) removed, trimmed and cut
    to ``max_chars``: safe to compare with or search in a database column."""
    return content_types.CONTROL_CHARS.sub("", request.args.get(name, "")).strip()[:max_chars]


def url_with(**changes: object) -> str:
    """This page's URL with some query arguments changed (empty ones dropped, page reset)."""
    args: dict[str, object] = {k: v for k, v in request.args.items() if k != "page"}
    args.update(changes)
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint or "public.home", **(request.view_args or {}), **args)


def register_views(app: Flask) -> None:
    app.url_map.converters["kind"] = KindConverter
    app.url_map.converters["id"] = IdConverter

    from ..admin import bp as admin_bp
    from ..api import bp as api_bp
    from ..reports.views import bp as reports_bp
    from .consultations import bp as consultations_bp
    from .feeds import bp as feeds_bp
    from .health import bp as health_bp
    from .interaction import bp as interaction_bp
    from .opendata import bp as opendata_bp
    from .public import bp as public_bp
    from .search import bp as search_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(interaction_bp)
    app.register_blueprint(consultations_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(opendata_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)

    app.jinja_env.globals["url_with"] = url_with
    app.jinja_env.filters.update(date=format_date, filesize=format_size, amount=format_amount)

    @app.context_processor
    def inject_globals():
        return {
            "site_name": current_app.config["SITE_NAME"],
            "kinds": content_types.REGISTRY,
            "topics": content_types.TOPICS,
            "current_path": request.path,
            "consultation_state": catalog.consultation_state,
            "render_markdown": render,
        }
