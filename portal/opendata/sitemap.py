"""Files for machines: the sitemap (sitemaps.org 0.9), robots.txt and the OpenSearch description.

The sitemap lists every organisation's home, list and other public pages, its 机构概况,
隐私声明 and 网站地图 (the home organisation's at the root, the others' under
``/org/<code>/``), the site's own pages,
``/orgs/`` on a platform, and every published document, each with an absolute ``<loc>``
and a ``<lastmod>`` in Beijing time.
Past ``MAX_URLS`` addresses ``/sitemap.xml`` becomes a sitemap index of ``/sitemaps/<n>.xml``
parts. Documents are taken in id order, so adding one never moves the others between
parts; each part is streamed from a column-only query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import overload
from xml.sax.saxutils import escape, quoteattr

import sqlalchemy as sa
from flask import current_app, url_for

from portal.documents import content_types, tally
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction.models import Message
from portal.opendata import PUBLIC_MESSAGES
from portal.opendata.exports import ListUrls
from portal.orgs import directory
from portal.orgs.models import Organisation
from portal.timeutil import to_local, utcnow
from portal.web import pagination
from portal.web.urls import absolute

MAX_URLS = 50_000  # sitemaps.org limit per file; tests lower it to exercise the index
MAX_LOC = 2048
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
OPENSEARCH_TYPE = "application/opensearchdescription+xml"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
CHUNK = 1000
# Paths no crawler needs: the back office, the endless search space (its pages carry
# "noindex" anyway), the tracking form (its answers are personal) and the form helper.
#: ``/feedback/new?page=…`` is linked from every page: one form, not a page per page.
DISALLOW = (
    "/admin/",
    "/search",
    "/track",
    "/messages/suggest",
    "/feedback/",
    "/org/*/feedback/",
    "/display/",
)
#: Each organisation's pages about itself and its site: 机构概况, 隐私声明, 网站地图.
ABOUT_PAGES = ("orgs.about", "site.privacy", "site.sitemap")
#: Each organisation's 政府信息公开 section (its columns are linked from its catalogue).
SECTION_PAGES = (
    "disclosure.index",
    "disclosure.guide_page",
    "disclosure.catalog",
    "disclosure.annual",
)


@dataclass(frozen=True)
class Entry:
    loc: str
    lastmod: datetime | None


def w3c(value: datetime) -> str:
    """W3C datetime in Beijing time, e.g. ``2024-05-01T10:00:00+08:00``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return to_local(value).isoformat(timespec="seconds")


@overload
def _aware(value: datetime) -> datetime: ...
@overload
def _aware(value: datetime | None) -> datetime | None: ...
def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _grouped(query: sa.Select) -> dict[int, dict[str, datetime | None]]:
    """``{organisation id: {key: newest}}`` from rows of (organisation id, key, time)."""
    found: dict[int, dict[str, datetime | None]] = {}
    for org_id, key, value in db.session.execute(query).tuples():
        found.setdefault(org_id, {})[key] = _aware(value)
    return found


def page_entries() -> list[Entry]:
    """Every organisation's home, list and other public pages, and the site's own pages,
    dated by the newest change they show (three grouped statements, however many
    organisations there are)."""
    shown = Document.status.in_(("published", "withdrawn"))
    changed = _grouped(
        sa.select(Document.organisation_id, Document.kind, sa.func.max(Document.updated_at))
        .where(shown)
        .group_by(Document.organisation_id, Document.kind)
    )
    replied = _grouped(
        sa.select(Message.organisation_id, sa.literal("m"), sa.func.max(Message.replied_at))
        .where(PUBLIC_MESSAGES)
        .group_by(Message.organisation_id)
    )
    # The annual disclosure reports, from the first year an organisation published anything.
    first = _grouped(
        sa.select(Document.organisation_id, sa.literal("f"), sa.func.min(Document.published_at))
        .where(Document.status == "published")
        .group_by(Document.organisation_id)
    )
    this_year = to_local(utcnow()).year

    def newest(values: Iterable[datetime | None]) -> datetime | None:
        return max((t for t in values if t), default=None)

    def org_pages(org: directory.Org) -> list[Entry]:
        code, kinds = org.url_code, changed.get(org.id, {})
        pages = [Entry(absolute(url_for("public.home", org_code=code)), newest(kinds.values()))]
        pages += [
            Entry(absolute(url_for("public.listing", kind=kind, org_code=code)), kinds.get(kind))
            for kind in content_types.REGISTRY
        ]
        answered = replied.get(org.id, {}).get("m")
        pages.append(Entry(absolute(url_for("interaction.messages", org_code=code)), answered))
        pages += [
            Entry(absolute(url_for(endpoint, org_code=code)), None)
            for endpoint in (*ABOUT_PAGES, *SECTION_PAGES)
        ]
        return pages

    def reports(org: directory.Org) -> list[Entry]:
        since = first.get(org.id, {}).get("f")
        years = range(to_local(since).year if since else this_year, this_year + 1)
        return [
            Entry(absolute(url_for("reports.annual_report", year=y, org_code=org.url_code)), None)
            for y in years
        ]

    home = directory.home()
    everything = [t for kinds in changed.values() for t in kinds.values()]
    documents = newest(everything)
    entries = org_pages(home)
    entries.append(Entry(absolute(url_for("feeds.index")), documents))
    answers = newest(v for by_org in replied.values() for v in by_org.values())
    entries.append(Entry(absolute(url_for("opendata.index")), newest([documents, answers])))
    entries.append(Entry(absolute(url_for("api.index")), None))
    entries += reports(home)
    if directory.is_platform():
        entries.append(Entry(absolute(url_for("public.organisations")), documents))
        for org in directory.all_orgs():
            if not org.is_home:
                entries += org_pages(org) + reports(org)
    return entries


def _published() -> sa.Select:
    return (
        sa.select(Organisation.code, Document.kind, Document.slug, Document.updated_at)
        .join(Organisation, Organisation.id == Document.organisation_id)
        .where(Document.status == "published")
        .order_by(Document.id)
    )


def document_count() -> int:
    """Published documents of every organisation (from the publishing service's tally)."""
    return sum(tally.per_kind(None).values())


def entries(start: int, stop: int, pages: list[Entry]) -> Iterator[Entry]:
    """Entries ``start`` to ``stop`` (exclusive) of the whole list: pages, then documents.

    Call it in a request; the iterator reads through a connection of its own and needs
    no Flask context, so a response can stream it.
    """
    urls = ListUrls.build()
    first = max(0, start - len(pages))
    wanted = stop - max(start, len(pages))
    engine = db.engine

    def generate() -> Iterator[Entry]:
        yield from pages[start:stop]
        if wanted <= 0:
            return
        query = _published().offset(first).limit(wanted).execution_options(yield_per=CHUNK)
        with engine.connect() as conn:
            for code, kind, slug, updated_at in conn.execute(query):
                yield Entry(urls.listing(code, kind) + slug, _aware(updated_at))

    return generate()


def part_count(total: int) -> int:
    return pagination.pages(total, MAX_URLS)


def urlset(items: Iterator[Entry]) -> Iterator[bytes]:
    """A ``<urlset>`` document, piece by piece."""
    parts = [XML_HEAD, f'<urlset xmlns="{SITEMAP_NS}">\n']
    for number, item in enumerate(items, 1):
        if len(item.loc) > MAX_LOC:
            continue
        lastmod = f"<lastmod>{w3c(item.lastmod)}</lastmod>" if item.lastmod else ""
        parts.append(f"<url><loc>{escape(item.loc)}</loc>{lastmod}</url>\n")
        if number % CHUNK == 0:
            yield "".join(parts).encode()
            parts = []
    parts.append("</urlset>\n")
    yield "".join(parts).encode()


def part_lastmods(pages: list[Entry], count: int) -> list[datetime | None]:
    """The newest ``lastmod`` in each part of the index (one query per part)."""
    result = []
    for number in range(1, count + 1):
        start, stop = (number - 1) * MAX_URLS, number * MAX_URLS
        stamps = [e.lastmod for e in pages[start:stop] if e.lastmod]
        first = max(0, start - len(pages))
        wanted = stop - max(start, len(pages))
        if wanted > 0:
            window = _published().offset(first).limit(wanted).subquery()
            newest = _aware(db.session.scalar(sa.select(sa.func.max(window.c.updated_at))))
            if newest:
                stamps.append(newest)
        result.append(max(stamps, default=None))
    return result


def index(count: int, lastmods: list[datetime | None]) -> bytes:
    """A ``<sitemapindex>`` naming every part."""
    lines = [XML_HEAD, f'<sitemapindex xmlns="{SITEMAP_NS}">\n']
    for number, lastmod in zip(range(1, count + 1), lastmods, strict=True):
        loc = absolute(url_for("opendata.sitemap_part", number=number))
        stamp = f"<lastmod>{w3c(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"<sitemap><loc>{escape(loc)}</loc>{stamp}</sitemap>\n")
    lines.append("</sitemapindex>\n")
    return "".join(lines).encode()


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    with path.open("rb") as handle:
        head = handle.read(24)
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def robots() -> str:
    """robots.txt: what crawlers may skip, and where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOW)]
    lines += ["", f"Sitemap: {absolute(url_for('opendata.sitemap_root'))}", ""]
    return "\n".join(lines)


def opensearch() -> bytes:
    """OpenSearch 1.1 description, so browsers can search the portal from the address bar."""
    site, org = current_app.config["SITE_NAME"], current_app.config["ORG_NAME"]
    width, height = _png_size(Path(current_app.static_folder or "") / "icon.png")
    search = absolute(url_for("search.results"))
    rss = absolute(url_for("feeds.search_feed", fmt="rss"))
    atom = absolute(url_for("feeds.search_feed", fmt="atom"))
    icon = absolute(url_for("static", filename="icon.png"))
    me = absolute(url_for("opendata.opensearch"))
    terms = "?q={searchTerms}"
    lines = [
        f'<OpenSearchDescription xmlns="{OPENSEARCH_NS}">',
        f"  <ShortName>{escape(site[:16])}</ShortName>",
        f"  <Description>{escape(f'搜索{org}发布的政府信息')}</Description>",
        "  <InputEncoding>UTF-8</InputEncoding>",
        "  <OutputEncoding>UTF-8</OutputEncoding>",
        "  <Language>zh-CN</Language>",
        f'  <Image height="{height}" width="{width}" type="image/png">{escape(icon)}</Image>',
        f'  <Url type="text/html" method="get" template={quoteattr(search + terms)}/>',
        f'  <Url type="application/rss+xml" template={quoteattr(rss + terms)}/>',
        f'  <Url type="application/atom+xml" template={quoteattr(atom + terms)}/>',
        f'  <Url type="{OPENSEARCH_TYPE}" rel="self" template={quoteattr(me)}/>',
        f"  <Attribution>{escape(org)}</Attribution>",
        "  <SyndicationRight>open</SyndicationRight>",
        "  <AdultContent>false</AdultContent>",
        "</OpenSearchDescription>",
        "",
    ]
    return (XML_HEAD + "\n".join(lines)).encode()
