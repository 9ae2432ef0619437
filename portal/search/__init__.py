"""Chinese full-text search over published documents (Whoosh + jieba).

The narrow interface the rest of the portal uses: ``search``, ``sync``, ``rebuild``,
``verify``. The index follows the database change log written by the publishing service.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask

from portal.documents import publishing
from portal.search import analysis
from portal.search.index import SearchIndex, VerifyReport, get_index
from portal.search.query import SearchRequest, SearchResults, catch_up
from portal.search.query import ranked_ids as _ranked_ids
from portal.search.query import search as _search
from portal.web import pagecache

log = logging.getLogger(__name__)

__all__ = [
    "SearchRequest",
    "SearchResults",
    "VerifyReport",
    "init_app",
    "ranked_ids",
    "rebuild",
    "search",
]


def init_app(app: Flask) -> None:
    """Attach the search index to ``app``; nothing is read or written until first use."""
    app.extensions["portal.search"] = SearchIndex(Path(app.config["SEARCH_INDEX"]).resolve())
    analysis.configure(str(Path(app.instance_path) / "jieba.cache"))
    publishing.changes_committed.connect(_on_changes_committed, weak=False)
    pagecache.keep_pages("search.results", _page_key)


def _page_key() -> tuple[int]:
    """A kept search page also depends on this host's index: catch it up first (a page
    served from the cache runs no search that would)."""
    index = get_index()
    catch_up(index)
    return (index.applied_change_id(),)


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
    return _search(get_index(), SearchRequest(q=q, **options))


def ranked_ids(q: str, **options: Any) -> tuple[list[int], int]:
    """Ids of the documents matching ``q``, best first, without reading the database."""
    return _ranked_ids(get_index(), SearchRequest(q=q, **options))


def sync() -> int:
    """Apply change-log entries the index has not seen yet."""
    return get_index().sync()


def rebuild(progress=None) -> int:
    """Rebuild the index from the database and switch to it atomically."""
    return get_index().rebuild(progress)


def verify() -> VerifyReport:
    """Compare index and database: missing, stale and extra documents."""
    return get_index().verify()
