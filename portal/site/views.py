"""The site's own pages: the privacy statement (``/privacy``), the resident's site map
(``/sitemap.html``), each per organisation, the 党政机关网站标识 image (``/site-badge``), and
the display switches (``/display/<setting>``: 长者模式, high contrast, 纯文本)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file

from portal.orgs import directory
from portal.site import identity, privacy_notice, site_map
from portal.web import display
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


#: The switches residents see, each a link that toggles one setting (``reset``: all off).
SWITCHES = {*display.TOKENS, "reset"}


@bp.get("/display/<setting>")
def switch_display(setting: str):
    """Toggle one display setting for this browser and go back to the page it was asked
    from: a plain link, so 长者模式 works without JavaScript."""
    if setting not in SWITCHES:
        abort(404)
    current = display.parse(request.cookies.get(display.COOKIE))
    chosen = display.Display() if setting == "reset" else current.toggled(setting)
    response = redirect(_back_to(request.args.get("next")), code=303)
    response.headers["Cache-Control"] = "no-store"
    secure = request.is_secure or str(current_app.config.get("BASE_URL", "")).startswith("https:")
    if chosen.value:
        response.set_cookie(
            display.COOKIE,
            chosen.value,
            max_age=display.MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    else:
        response.delete_cookie(display.COOKIE, httponly=True, samesite="Lax", secure=secure)
    return response


def _back_to(target: str | None) -> str:
    """``target`` when it is a path of this site, else the home page (never another host)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(c) < 32 for c in target)
    ):
        return "/"
    return target
