"""The site's identity in the footer of every public page, as 国办发〔2017〕47号 lists it:
主办单位 and 承办单位, 网站标识码, ICP and 公安机关备案号, the 党政机关网站标识, and the
links to the site map, the privacy statement, 联系我们 and 我为政府网站找错.

Each item comes from a setting (``PORTAL_SITE_CODE`` …) and appears only when it is set;
the 党政机关网站标识 only when the office supplied both its image file and its verification
link, since the portal never ships or draws the emblem itself.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, url_for

from portal.orgs import directory
from portal.orgs.directory import Org

ICP_SITE = "https://beian.miit.gov.cn/"
PSB_SITE = "https://beian.mps.gov.cn/#/query/webSearch?code="
#: The image types the badge may have, by suffix (no SVG: it can carry script).
BADGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
#: The 机构概况 page of the orgs area, whose ``#contact`` is 联系我们.
ABOUT_ENDPOINT = "orgs.about"


@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class Footer:
    """What the footer shows for one organisation's pages (empty or None: left out)."""

    sponsor: str  # the platform's (home) organisation, whose site this is
    column: str  # the organisation whose 专栏 the page is in, when not the home one
    operator: str
    site_code: str
    icp: Link | None
    psb: Link | None
    badge: Link | None  # href: the verification link; the image is at ``/site-badge``
    links: tuple[Link, ...]


def psb_digits(number: str) -> str:
    """The digits of a 公安机关备案号 (``粤公网安备 44030302000123号`` → ``44030302000123``),
    which its record's address on beian.mps.gov.cn takes."""
    return "".join(re.findall(r"[0-9]", number))


def badge_file(config: Mapping[str, Any], instance_path: str) -> Path | None:
    """The 党政机关网站标识 image to serve, or None: not configured (image or link), not an
    image type the portal serves, or not an existing file."""
    name = str(config.get("CONAC_BADGE") or "").strip()
    if not name or not str(config.get("CONAC_URL") or "").strip():
        return None
    path = Path(instance_path) / Path(name).expanduser()  # an absolute name stays as it is
    if path.suffix.lower() not in BADGE_TYPES or not path.is_file():
        return None
    return path


def footer(org: Org) -> Footer:
    """The footer items of ``org``'s pages from the settings of the running app."""
    config = current_app.config
    icp = _setting("ICP_NO")
    psb = _setting("PSB_NO")
    badge = None
    if badge_file(config, current_app.instance_path) is not None:
        badge = Link("党政机关网站标识", _setting("CONAC_URL"))
    return Footer(
        sponsor=directory.home().name,
        column="" if org.is_home else org.name,
        operator=_setting("SITE_OPERATOR"),
        site_code=_setting("SITE_CODE"),
        icp=Link(icp, ICP_SITE) if icp else None,
        psb=Link(psb, PSB_SITE + psb_digits(psb) if psb_digits(psb) else "") if psb else None,
        badge=badge,
        links=tuple(_links(org)),
    )


def _links(org: Org) -> list[Link]:
    code = org.url_code
    links = [
        Link("网站地图", url_for("site.sitemap", org_code=code)),
        Link("隐私声明", url_for("site.privacy", org_code=code)),
    ]
    links.append(Link("联系我们", contact_url(org)))
    report = _setting("ERROR_REPORT_URL")
    if report:
        links.append(Link("我为政府网站找错", report))
    return links


def contact_url(org: Org) -> str:
    """联系我们: the contacts on ``org``'s 机构概况 page."""
    return url_for(ABOUT_ENDPOINT, org_code=org.url_code) + "#contact"


def _setting(name: str) -> str:
    return str(current_app.config.get(name) or "").strip()
