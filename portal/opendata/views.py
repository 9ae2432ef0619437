"""Open data and files for machines: ``/open-data/`` and its downloads, ``/sitemap.xml``,
``/robots.txt``, ``/opensearch.xml``, and each public page's canonical address."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask.globals import app_ctx

from portal import opendata
from portal.opendata import sitemap
from portal.timeutil import local_midnight_utc, to_local, utcnow
from portal.web.conditional import not_modified, set_validators
from portal.web.urls import absolute

bp = Blueprint("opendata", __name__)
FORMATS = "any(csv, json)"
XML = "application/xml; charset=utf-8"
NUMBER = re.compile(r"[0-9]{1,6}")

# Public pages that get <link rel="canonical">, and the query arguments that choose what
# they show (anything else, e.g. tracking parameters, is left out of the canonical URL).
CANONICAL: dict[str, tuple[str, ...]] = {
    "public.home": (),
    "public.organisations": (),
    "public.listing": ("year", "topic", "page"),
    "public.detail": (),
    "interaction.messages": ("page",),
    "feeds.index": (),
    "opendata.index": (),
    "reports.annual_report": (),
    "api.index": (),
}


def serve(
    *,
    entry: tuple[str, str],
    etag: str,
    last_modified: datetime | None,
    content_type: str,
    build: Callable[[], Iterator[bytes]],
    key: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """304 when the client's copy is current; else the cached body, or a fresh stream.

    A stream is kept as it goes out (when small enough), so the next request for the
    same data is answered from memory.
    """
    response = Response(content_type=content_type)
    set_validators(response, etag, last_modified)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.update(headers or {})
    if not_modified(etag, last_modified):
        response.status_code = 304
        return response
    app = app_ctx.app
    cache = opendata.cache_for(app)
    built = cache.get(key, entry)
    if built is not None and built.body is not None:
        response.set_data(built.body)
        return response

    def store(size: int, body: bytes | None) -> None:
        cache.put(key, entry, size, body)

    response.response = opendata.recording(build(), store)
    return response


@bp.get("/open-data/")
def index():
    """List every export with its formats, sizes, row counts, fields and licence."""
    app = app_ctx.app
    state = opendata.current_state(app)
    sizes = opendata.measure(app, state, absolute("/"))
    datasets = [
        {
            "export": export,
            "rows": state.rows[name],
            "updated": state.updated[name],
            "files": [
                {
                    "label": opendata.FORMAT_LABELS[fmt],
                    "url": url_for("opendata.download", name=name, fmt=fmt),
                    "size": sizes[name, fmt],
                }
                for fmt in opendata.FORMATS
            ],
        }
        for name, export in opendata.EXPORTS.items()
    ]
    org = current_app.config["ORG_NAME"]
    return render_template(
        "opendata/index.html",
        datasets=datasets,
        common=opendata.COMMON_COLUMNS,
        license=opendata.LICENSE.format(org=org),
    )


@bp.get(f"/open-data/<name>.<{FORMATS}:fmt>")
def download(name: str, fmt: str):
    """One export as a CSV (UTF-8 with BOM) or JSON file."""
    if name not in opendata.EXPORTS:
        abort(404)
    app = app_ctx.app
    state = opendata.current_state(app)
    base = absolute("/")
    updated = state.updated[name]
    ascii_name, chinese_name = opendata.filename(name, fmt, updated)
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(chinese_name)}"
    return serve(
        entry=(name, fmt),
        etag=state.etag(base, name, fmt),
        last_modified=updated,
        content_type=opendata.FORMATS[fmt],
        build=lambda: opendata.chunks(name, fmt, updated),
        key=opendata.cache_key(state, base),
        headers={"Content-Disposition": disposition},
    )


def _sitemap_state() -> tuple[str, int, datetime]:
    """The cache key the sitemap is built for, the year it is built in and the time anything
    in it last changed.

    The sitemap lists the annual report of every year up to the current one, so a new year
    changes it (from Beijing midnight on 1 January) even when no document did.
    """
    app = app_ctx.app
    state = opendata.current_state(app)
    year = to_local(utcnow()).year
    stamps = [t for t in state.updated.values() if t]
    stamps.append(local_midnight_utc(date(year, 1, 1)))
    return opendata.cache_key(state, absolute("/")), year, max(stamps)


def _sitemap_etag(key: str, year: int, part: str) -> str:
    parts = f"{opendata.SCHEMA}|sitemap|{sitemap.MAX_URLS}|{part}|{year}|{key}"
    return hashlib.sha256(parts.encode()).hexdigest()[:32]


@bp.get("/sitemap.xml")
def sitemap_root():
    """The sitemap: every public page and published item, or an index of parts when large."""
    key, year, changed = _sitemap_state()

    def build() -> Iterator[bytes]:
        pages = sitemap.page_entries()
        count = sitemap.part_count(len(pages) + sitemap.document_count())
        if count == 1:
            return sitemap.urlset(sitemap.entries(0, sitemap.MAX_URLS, pages))
        return iter([sitemap.index(count, sitemap.part_lastmods(pages, count))])

    return serve(
        entry=("sitemap", f"{sitemap.MAX_URLS}|{year}"),
        etag=_sitemap_etag(key, year, "root"),
        last_modified=changed,
        content_type=XML,
        build=build,
        key=key,
    )


@bp.get("/sitemaps/<int:number>.xml")
def sitemap_part(number: int):
    """Part ``number`` of a sitemap too large for one file."""
    key, year, changed = _sitemap_state()
    pages = sitemap.page_entries()
    count = sitemap.part_count(len(pages) + sitemap.document_count())
    if count == 1 or not 1 <= number <= count:
        abort(404)
    start = (number - 1) * sitemap.MAX_URLS
    return serve(
        entry=("sitemap", f"{sitemap.MAX_URLS}:{number}|{year}"),
        etag=_sitemap_etag(key, year, str(number)),
        last_modified=changed,
        content_type=XML,
        build=lambda: sitemap.urlset(sitemap.entries(start, start + sitemap.MAX_URLS, pages)),
        key=key,
    )


@bp.get("/robots.txt")
def robots():
    """Tell crawlers what to skip and where the sitemap is."""
    response = Response(sitemap.robots(), content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch description browsers use to add the portal as a search engine."""
    response = Response(
        sitemap.opensearch(), content_type="application/opensearchdescription+xml; charset=utf-8"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.app_template_global()
def canonical_url() -> str | None:
    """This page's absolute canonical URL, or None for pages that should not have one."""
    keep = CANONICAL.get(request.endpoint or "")
    if keep is None:
        return None
    args: dict[str, Any] = {}
    for name in keep:
        value = request.args.get(name, "").strip()
        if name in {"page", "year"}:
            if not NUMBER.fullmatch(value) or (name == "page" and int(value) <= 1):
                continue
            value = str(int(value))
        if value:
            args[name] = value
    return absolute(url_for(request.endpoint or "", **(request.view_args or {}), **args))
