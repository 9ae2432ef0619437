"""The site's own pages: the privacy statement (``/privacy``) and the resident's site map
(``/sitemap.html``), each per organisation."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from portal.orgs import directory
from portal.site import privacy_notice, site_map
from portal.web.orgroutes import org_route

bp = Blueprint("site", __name__)


@org_route(bp, "/privacy")
def privacy():
    """Tell residents what the organisation's site collects, why, who sees it, how long it
    is kept, and how to see, correct or delete it."""
    org = directory.current()
    return render_template(
        "site/privacy.html",
        org=org,
        schedule=privacy_notice.schedule(current_app.config),
        search_log_days=privacy_notice.format_days(privacy_notice.search_log_days()),
        search_salt_days=privacy_notice.search_salt_days(),
    )


@org_route(bp, "/sitemap.html")
def sitemap():
    """List every section of the organisation's site, grouped under headings."""
    org = directory.current()
    return render_template("site/sitemap.html", org=org, sections=site_map.sections(org))
