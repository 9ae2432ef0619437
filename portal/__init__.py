"""Dongxiao Open Government Portal: the ``create_app`` factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import config as portal_config
from portal import database, security, web
from portal.errors import register_error_handlers
from portal.extensions import csrf, db, limiter, migrate
from portal.web import pagecache

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

    database.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    # Before the limiter: a page served from the cache needs no rate-limit check (no
    # cached page has a limit) and skips the rest of the request's preprocessing.
    pagecache.init_app(app)
    limiter.init_app(app)
    if app.config["PROXY_COUNT"]:
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    # The areas, imported here as flaskr does: importing one module of the portal never
    # imports every area (tests/test_imports.py checks each imports on its own).
    from portal import admin, consultations, disclosure, documents, orgs, search, site
    from portal.api import views as api_views
    from portal.cli import register_cli
    from portal.consultations import views as consultations_views
    from portal.documents import views as documents_views
    from portal.feeds import views as feeds_views
    from portal.interaction import privacy, tracking  # noqa: F401  (tracking: /track on views.bp)
    from portal.interaction import views as interaction_views
    from portal.opendata import views as opendata_views
    from portal.ops import views as ops_views
    from portal.reports import views as reports_views
    from portal.search import hotwords as search_hotwords
    from portal.search import views as search_views

    web.init_app(app)
    orgs.init_app(app)
    documents.init_app(app)
    consultations.init_app(app)
    disclosure.init_app(app)  # /disclosure/: guide, rules, catalogue, annual reports
    search.init_app(app)
    site.init_app(app)  # the footer's identity, /privacy, /sitemap.html
    # Hot words never show personal data: the interaction area's finder, handed over here
    # (search may not import that area, which imports search).
    search_hotwords.use_personal_data_check(app, privacy.find_personal_data)
    for blueprint in (
        documents_views.bp,
        search_views.bp,
        feeds_views.bp,
        interaction_views.bp,
        consultations_views.bp,
        admin.bp,  # every staff screen: admin.STAFF_SCREENS
        opendata_views.bp,
        reports_views.bp,
        api_views.bp,
        ops_views.bp,
    ):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_cli(app)
    return app
