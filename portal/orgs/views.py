"""``/about/``: an organisation's 机构概况 for residents (its own page under ``/org/<code>/``)."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.orgs import directory, profile
from portal.web.orgroutes import org_route

bp = Blueprint("orgs", __name__)


@org_route(bp, "/about/")
def about():
    """Functions, 内设机构, leaders, address, hours, phones and how to get there."""
    org = directory.current()
    return render_template("orgs/about.html", org=org, about=profile.about(org))
