"""RSS 2.0 and Atom 1.0 feeds, built by one builder around feedgen.

Like CKAN's feed view, it forces timezone-aware dates (+08:00), strips the control
characters feedgen refuses, and sets the right Content-Type. Two feedgen quirks are
handled here: ``add_entry`` prepends unless told to append, and Atom entry links lose
``rel``/``type``/``length`` (feedgen #135, #143), so enclosures are fixed up afterwards.

A built feed is kept per process together with the change-log position it was built at;
any document change moves that position, so a feed is rebuilt only after something
changed, and a matching ``If-None-Match`` is answered before anything is built.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from feedgen.feed import FeedGenerator
from flask import current_app, request, url_for
from lxml import etree

from portal.documents import content_types
from portal.documents.models import Document
from portal.extensions import db
from portal.markdown import plain_text, render
from portal.orgs import directory
from portal.text import xml_safe
from portal.timeutil import SHANGHAI
from portal.web.urls import absolute

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
ATOM_NS = "http://www.w3.org/2005/Atom"


def tag_uri(doc: Document) -> str:
    """A stable entry id (RFC 4151) that never changes when the item is edited."""
    authority = current_app.config["TAG_AUTHORITY"]
    return f"tag:{authority},{doc.created_at.astimezone(SHANGHAI):%Y-%m-%d}:document/{doc.id}"


@dataclass(frozen=True)
class FeedSpec:
    """What a feed contains: its key (for caching), title, HTML page and documents."""

    key: str
    title: str
    description: str
    html_path: str
    author: str | None = None  # the organisation's name; None: the platform's (home) name


@dataclass
class BuiltFeed:
    body: bytes
    etag: str
    last_modified: datetime


class _Cache:
    def __init__(self) -> None:
        self.items: OrderedDict[str, tuple[int, BuiltFeed]] = OrderedDict()
        self.lock = threading.Lock()
        self.builds = 0  # how many feeds were built (measured by tests and the benchmark)

    def get(self, key: str, version: int) -> BuiltFeed | None:
        with self.lock:
            found = self.items.get(key)
            if found and found[0] == version:
                self.items.move_to_end(key)
                return found[1]
            return None

    def put(self, key: str, version: int, feed: BuiltFeed, size: int) -> None:
        with self.lock:
            self.builds += 1
            self.items[key] = (version, feed)
            self.items.move_to_end(key)
            while len(self.items) > size:
                self.items.popitem(last=False)


cache = _Cache()


def etag_for(spec_key: str, fmt: str, version: int) -> str:
    digest = hashlib.sha256(f"{spec_key}|{fmt}|{version}".encode()).hexdigest()[:32]
    return digest


def _entry(fg: FeedGenerator, doc: Document, fmt: str) -> None:
    entry = fg.add_entry(order="append")
    link = absolute(doc.url)
    entry.id(tag_uri(doc))
    entry.guid(tag_uri(doc), permalink=False)
    entry.title(xml_safe(doc.title))
    entry.link(href=link, rel="alternate", type="text/html")
    summary = xml_safe(doc.summary or plain_text(doc.body, limit=200))
    content = xml_safe(doc.body_html)
    result = (doc.extra or {}).get("result_summary")
    if result:  # a consultation's published result (结果反馈) comes first
        content = xml_safe(f"<h2>结果反馈</h2>\n{render(result)}") + content
    if doc.status == "published" and doc.published_at is not None:
        entry.published(doc.published_at.astimezone(SHANGHAI))
    entry.updated(doc.updated_at.astimezone(SHANGHAI))
    if fmt == "atom":
        entry.summary(summary)
        entry.content(content, type="html")
        entry.author({"name": xml_safe(doc.publisher)})
    else:
        entry.description(summary)
        entry.content(content, type="CDATA")
        entry.dc.dc_creator(xml_safe(doc.publisher))
    categories = [
        {"term": doc.kind, "label": doc.kind_label, "scheme": absolute("/")},
        {"term": xml_safe(doc.topic), "label": xml_safe(doc.topic)},
        *({"term": xml_safe(tag), "label": xml_safe(tag)} for tag in doc.tags or []),
    ]
    entry.category(categories)
    if doc.attachments:
        first = doc.attachments[0]
        if fmt == "rss":  # RSS 2.0 allows one enclosure per item
            entry.enclosure(absolute(first.url), str(first.size), first.mime_type)
        for item in doc.attachments if fmt == "atom" else []:
            entry.link(
                href=absolute(item.url), rel="enclosure", type=item.mime_type, length=str(item.size)
            )


def _fix_atom_enclosures(xml: bytes, documents: list[Document]) -> bytes:
    """Give Atom enclosure links back the rel/type/length feedgen drops."""
    wanted = {absolute(a.url): a for doc in documents for a in doc.attachments}
    if not wanted:
        return xml
    root = etree.fromstring(xml)
    for link in root.iter(f"{{{ATOM_NS}}}link"):
        attachment = wanted.get(link.get("href", ""))
        parent = link.getparent()
        if attachment is not None and parent is not None and parent.tag == f"{{{ATOM_NS}}}entry":
            link.set("rel", "enclosure")
            link.set("type", attachment.mime_type)
            link.set("length", str(attachment.size))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def build(spec: FeedSpec, documents: list[Document], fmt: str, last_modified: datetime) -> bytes:
    """Serialise ``documents`` (newest first) as an RSS or Atom feed."""
    site = current_app.config["SITE_NAME"]
    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.id(absolute(spec.html_path))
    fg.title(xml_safe(f"{spec.title} - {site}"))
    fg.subtitle(xml_safe(spec.description))
    fg.description(xml_safe(spec.description))
    fg.language("zh-CN")
    fg.link(href=absolute(spec.html_path), rel="alternate", type="text/html")
    fg.link(
        href=absolute(request.full_path.rstrip("?")),
        rel="self",
        type=CONTENT_TYPES[fmt].split(";")[0],
    )
    fg.icon(absolute(url_for("static", filename="icon.png")))
    fg.logo(absolute(url_for("static", filename="icon.png")))
    fg.author({"name": spec.author or directory.home().name})
    fg.generator("Dongxiao Open Government Portal")
    newest = max((d.updated_at for d in documents), default=last_modified)
    stamp = max(newest, last_modified).astimezone(SHANGHAI)
    fg.updated(stamp)
    fg.lastBuildDate(stamp)
    for doc in documents:
        _entry(fg, doc, fmt)
    if fmt == "atom":
        return _fix_atom_enclosures(fg.atom_str(pretty=True), documents)
    return fg.rss_str(pretty=True)


def documents_for(
    org_id: int | None, kind: str | None = None, topic: str | None = None
) -> list[Document]:
    """The newest published documents of an organisation (None: every one), of a kind or
    topic (or all), with attachments."""
    from sqlalchemy.orm import selectinload

    query = (
        sa.select(Document)
        .options(selectinload(Document.attachments))
        .where(Document.status == "published")
        .order_by(Document.published_at.desc(), Document.id.desc())
        .limit(current_app.config["FEED_SIZE"])
    )
    if org_id is not None:
        query = query.where(Document.organisation_id == org_id)
    if kind:
        query = query.where(Document.kind == kind)
    if topic:
        query = query.where(Document.topic == content_types.TOPIC_BY_CODE[topic])
    return list(db.session.scalars(query))


def documents_by_id(ids: list[int]) -> list[Document]:
    """Published documents with these ids, in this order, with their attachments."""
    from sqlalchemy.orm import selectinload

    found = {
        doc.id: doc
        for doc in db.session.scalars(
            sa.select(Document)
            .options(selectinload(Document.attachments))
            .where(Document.id.in_(ids), Document.status == "published")
        )
    }
    return [found[i] for i in ids if i in found]
