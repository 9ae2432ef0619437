"""Feeds: ``/feeds/`` (订阅 page), ``/feeds/<all|kind>.<rss|atom>``, per topic, saved searches."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from portal import changelog, search
from portal.documents import content_types
from portal.documents.models import Document
from portal.feeds import builder as feeds
from portal.orgs import directory
from portal.search.views import parse_request
from portal.web.conditional import not_modified, set_validators
from portal.web.orgroutes import org_route
from portal.web.urls import absolute

bp = Blueprint("feeds", __name__)
FORMATS = "any(rss, atom)"


def serve(spec: feeds.FeedSpec, fmt: str, load: Callable[[], list[Document]]) -> Response:
    """Answer a feed request: 304 when the client's copy is current, else the feed."""
    version, changed_at = changelog.newest()
    etag = feeds.etag_for(f"{absolute('/')}|{spec.key}", fmt, version)
    response = Response(mimetype=feeds.CONTENT_TYPES[fmt].split(";")[0])
    set_validators(response, etag, changed_at)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not_modified(etag, changed_at):
        response.status_code = 304
        return response
    cache_key = f"{absolute('/')}|{spec.key}|{fmt}"
    built = feeds.cache.get(cache_key, version)
    if built is None:
        body = feeds.build(spec, load(), fmt, changed_at)
        built = feeds.BuiltFeed(body, etag, changed_at)
        feeds.cache.put(cache_key, version, built, current_app.config["FEED_CACHE_SIZE"])
    response.set_data(built.body)
    response.content_type = feeds.CONTENT_TYPES[fmt]
    return response


@bp.get("/feeds/")
def index():
    """List every feed with a copyable address and a short explanation of RSS."""
    return render_template("feeds.html")


@org_route(bp, f"/feeds/<name>.<{FORMATS}:fmt>")
def kind_feed(name: str, fmt: str):
    """An organisation's newest items of one kind, or of every kind for ``all``."""
    org = directory.current()
    if name == "all":
        spec = feeds.FeedSpec(
            f"{org.code}:all",
            "全部信息" if org.is_home else f"{org.short_name} · 全部信息",
            f"{org.short_name}最新发布的全部公开信息。",
            url_for("public.home"),
            org.name,
        )
        return serve(spec, fmt, lambda: feeds.documents_for(org.id))
    if name not in content_types.REGISTRY:
        abort(404)
    content_type = content_types.get(name)
    spec = feeds.FeedSpec(
        f"{org.code}:kind:{name}",
        content_type.label if org.is_home else f"{org.short_name} · {content_type.label}",
        content_type.description,
        url_for("public.listing", kind=name),
        org.name,
    )
    return serve(spec, fmt, lambda: feeds.documents_for(org.id, kind=name))


@org_route(bp, f"/feeds/topic/<topic>.<{FORMATS}:fmt>")
def topic_feed(topic: str, fmt: str):
    """An organisation's newest items of one 主题分类."""
    if topic not in content_types.TOPIC_BY_CODE:
        abort(404)
    org = directory.current()
    label = content_types.TOPIC_BY_CODE[topic]
    spec = feeds.FeedSpec(
        f"{org.code}:topic:{topic}",
        f"主题：{label}",
        f"主题分类“{label}”的最新信息。",
        url_for("public.home"),
        org.name,
    )
    return serve(spec, fmt, lambda: feeds.documents_for(org.id, topic=topic))


@bp.get(f"/search.<{FORMATS}:fmt>")
def search_feed(fmt: str):
    """A saved search as a feed: newest matching items, with the search page's filters."""
    wanted, _ = parse_request()
    options = {
        "q": wanted.q,
        "kind": wanted.kind,
        "org": wanted.org,
        "date_from": wanted.date_from,
        "date_to": wanted.date_to,
        "sort": "date",
        "page": 1,
        "per_page": current_app.config["FEED_SIZE"],
    }
    # The results come from the index, so its position in the change log is part of the key:
    # a feed built while the index was still behind is never served as current.
    applied = search.get_backend().applied_change_id()
    key = f"search@{applied}:" + "|".join(f"{k}={v}" for k, v in sorted(options.items()))
    html_path = request.full_path.replace(f"/search.{fmt}", "/search", 1).rstrip("?")
    spec = feeds.FeedSpec(
        key,
        f"搜索“{wanted.q.strip()[:30]}”",
        f"与“{wanted.q.strip()[:30]}”相关的最新信息。",
        html_path,
    )

    def load() -> list[Document]:
        ids = [hit.document.id for hit in search.search(**options).hits]
        return feeds.documents_by_id(ids)

    return serve(spec, fmt, load)
