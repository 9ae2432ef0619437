"""The site's own pages: the privacy statement (``privacy_notice``) and the resident's site
map (``site_map``), with their pages (``views``)."""

from __future__ import annotations

from flask import Flask

from portal.site import views


def init_app(app: Flask) -> None:
    """The site's pages."""
    app.register_blueprint(views.bp)
