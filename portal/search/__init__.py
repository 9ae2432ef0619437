"""Chinese full-text search over published documents (Whoosh + jieba).

The narrow interface the rest of the portal uses: ``search``, ``sync``, ``rebuild``,
``verify``. The index follows the database change log written by the publishing service.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from flask import Flask, request, request_started

from portal.documents import publishing
from portal.search import analysis, hotwords, synonyms
from portal.search.index import SearchIndex, VerifyReport
from portal.search.query import SearchRequest, SearchResults, catch_up, get_backend
from portal.search.query import ranked_ids as _ranked_ids
from portal.search.query import search as _search
from portal.search.solr import SolrBackend
from portal.search.solr_client import SolrUnavailable
from portal.web import pagecache

log = logging.getLogger(__name__)

__all__ = [
    "SearchRequest",
    "SearchResults",
    "VerifyReport",
    "get_backend",
    "init_app",
    "ranked_ids",
    "rebuild",
    "search",
]


def init_app(app: Flask) -> None:
    """Attach the search backend to ``app``: the embedded Whoosh index, or a SolrCloud
    collection (``PORTAL_SEARCH_BACKEND``); nothing is read or written until first use."""
    if app.config["SEARCH_BACKEND"] == "solr":
        app.extensions["portal.search"] = SolrBackend(
            app.config["SOLR_URL"],
            shards=app.config["SOLR_SHARDS"],
            replicas=app.config["SOLR_REPLICAS"],
        )
    else:
        app.extensions["portal.search"] = SearchIndex(Path(app.config["SEARCH_INDEX"]).resolve())
    analysis.configure(str(Path(app.instance_path) / "jieba.cache"))
    publishing.changes_committed.connect(_on_changes_committed, weak=False)
    pagecache.keep_pages("search.results", _page_key)
    # Hot words and staff synonyms: every search is logged, even one answered from the
    # page cache (``request_started`` comes before any before_request hook, the cache's
    # included); the analysis reads the synonym groups from the database.
    request_started.connect(_log_search, app)
    synonyms.init_app(app)


def _page_key() -> tuple[object, ...]:
    """A kept search page also depends on this host's index: catch it up first (a page
    served from the cache runs no search that would); and on the hot words it shows."""
    index = get_backend()
    catch_up(index)
    try:
        applied: object = index.applied_change_id()
    except SolrUnavailable:  # nothing to key on: this page is not kept
        applied = ("unavailable", time.monotonic())
    return (applied, tuple(hotwords.hot_words()))


def _log_search(sender: Flask, **extra: Any) -> None:
    """Log a search for the hot words: page 1 of a GET with a query (later pages are the
    same search read on). Never fails the search, and logs neither query nor address."""
    if request.endpoint != "search.results" or request.method != "GET":
        return
    if request.args.get("page", "1") not in ("", "1") or not request.args.get("q", "").strip():
        return
    try:
        hotwords.record(
            request.args["q"], request.remote_addr or "", request.user_agent.string or ""
        )
    except Exception as exc:
        log.error("search query log not written: %s", type(exc).__name__)


def _on_changes_committed(sender: Flask, changes: list[Any]) -> None:
    index = sender.extensions.get("portal.search")
    if index is None:
        return
    try:
        index.sync()
    except Exception:  # the change is committed; the log lets any later sync apply it
        log.exception("search index update failed; it will catch up from the change log")


def search(q: str = "", **options: Any) -> SearchResults:
    """Published documents matching ``q``; options as in ``SearchRequest``."""
    return _search(get_backend(), SearchRequest(q=q, **options))


def ranked_ids(q: str, **options: Any) -> tuple[list[int], int]:
    """Ids of the documents matching ``q``, best first, without reading the database."""
    return _ranked_ids(get_backend(), SearchRequest(q=q, **options))


def sync() -> int:
    """Apply change-log entries the index has not seen yet."""
    return get_backend().sync()


def rebuild(progress=None) -> int:
    """Rebuild the index from the database and switch to it atomically."""
    return get_backend().rebuild(progress)


def verify() -> VerifyReport:
    """Compare index and database: missing, stale and extra documents."""
    return get_backend().verify()
