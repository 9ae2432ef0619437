"""Dongxiao Open Government Portal: the ``create_app`` factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from . import config as portal_config
from . import pagecache, security
from .extensions import csrf, db, limiter, migrate

MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the portal app from ``PORTAL_*`` settings (or ``test_config`` in tests)."""
    app = Flask(__name__, instance_relative_config=True)
    settings = portal_config.load_settings()
    if test_config:
        settings.update(test_config)
    app.config.update(settings)
    portal_config.finalize(app.config, app.instance_path)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    security.init_app(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    # Before the limiter: a page served from the cache needs no rate-limit check (no
    # cached page has a limit) and skips the rest of the request's preprocessing.
    pagecache.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from . import (
        audit,  # noqa: F401
        database,  # noqa: F401  (engine listeners: SQLite WAL, BEGIN IMMEDIATE)
        models,  # noqa: F401  (tables on the metadata)
        search,
    )
    from .admin import models as admin_models  # noqa: F401
    from .cli import register_cli
    from .consultations import models as consultation_models  # noqa: F401
    from .errors import register_error_handlers
    from .interaction import models as interaction_models  # noqa: F401
    from .reports import models as report_models  # noqa: F401
    from .views import register_views

    search.init_app(app)
    register_views(app)
    register_error_handlers(app)
    register_cli(app)
    return app
