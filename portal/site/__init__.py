"""The site's identity and its own pages: the footer items of 国办发〔2017〕47号
(``identity``), the privacy statement (``privacy_notice``), the resident's site map
(``site_map``) and the main navigation (``navigation``), with their pages (``views``)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal.site import identity, navigation, views


def init_app(app: Flask) -> None:
    """The site's pages, and ``site_footer(org)`` for every page's footer."""
    app.register_blueprint(views.bp)

    @app.context_processor
    def site_identity() -> dict[str, Any]:
        # A function, not the items: only pages that draw the footer pay for it.
        return {
            "site_footer": identity.footer,
            "main_nav": navigation.sections,
            "nav_home": navigation.home,
        }
