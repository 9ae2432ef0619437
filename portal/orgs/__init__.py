"""Organisations: the unit of disclosure on one installation (政府网站集约化).

The home organisation's pages are at the root, every other one's under ``/org/<code>/``:
a route registered with ``portal.web.orgroutes.org_route`` answers both, and this area
turns the ``org_code`` of the URL into ``g.org`` (404 for an unknown code, 301 to the root
for the home one's) and puts it back into every URL built on such a page.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, g, redirect, request

from portal.orgs import directory
from portal.web import pagecache
from portal.web.orgroutes import ORG_ARG, has_org_variant


def init_app(app: Flask) -> None:
    # An organisation's facts are on every page: a change re-renders kept pages.
    pagecache.follow("SELECT max(updated_at) FROM organisation")

    @app.url_value_preprocessor
    def pick_organisation(endpoint: str | None, values: dict[str, Any] | None) -> None:
        g.pop("org", None)  # an app context outlives a request in tests and the shell
        if not values or ORG_ARG not in values:
            return
        code = values.pop(ORG_ARG)
        org = directory.by_code(code)
        if org is None:
            abort(404)
        if org.is_home:
            prefix = f"/org/{code}"
            path = request.path[len(prefix) :] or "/"
            query = request.query_string.decode("latin-1")
            target = request.script_root + path + ("?" + query if query else "")
            abort(redirect(target, code=301))
        g.org = org

    @app.url_defaults
    def keep_organisation(endpoint: str, values: dict[str, Any]) -> None:
        org = g.get("org")
        if org is not None and ORG_ARG not in values and has_org_variant(endpoint):
            values[ORG_ARG] = org.code

    # Globals rather than a context processor: macros imported without context use them.
    app.jinja_env.globals.update(current_org=directory.current, org_directory=directory)

    from portal.orgs import views  # /about/: its routes need the URL handling above

    app.register_blueprint(views.bp)
