"""The site's own pages: the privacy statement (``/privacy``), the resident's site map
(``/sitemap.html``), each per organisation, and the 党政机关网站标识 image (``/site-badge``)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, send_file

from portal.orgs import directory
from portal.site import identity, privacy_notice, site_map
from portal.web.orgroutes import org_route

bp = Blueprint("site", __name__)
#: The badge changes at most when the office renews its registration.
BADGE_MAX_AGE = 24 * 3600


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


@bp.get("/site-badge")
def badge():
    """The 党政机关网站标识 image the office supplied, from the portal itself."""
    path = identity.badge_file(current_app.config, current_app.instance_path)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=identity.BADGE_TYPES[path.suffix.lower()],
        max_age=BADGE_MAX_AGE,
        conditional=True,
    )
    response.cache_control.public = True
    return response
