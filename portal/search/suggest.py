"""Suggestions while a resident types (``/search/suggest``): hot words that start with the
input (or whose pinyin does), titles the search itself finds, and dictionary words from
the index's lexicon (``portal.search.lexicon``) — at most 8, never an error."""

from __future__ import annotations

import logging
from typing import Any

from flask import url_for

from portal.extensions import db
from portal.search import hotwords

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 8
MAX_HOT = 3
MAX_TITLES = 5


def dictionary_words(prefix: str, limit: int) -> list[str]:
    """Words of the index's lexicon (``lexicon.Lexicon.complete``, the one the search
    uses, ``query.index_lexicon``) starting with ``prefix`` or whose pinyin does; [] when
    that fails (e.g. Solr does not answer)."""
    try:
        from portal.search import query

        words = query.index_lexicon(query.get_backend()).complete(prefix, limit)
        return [w for w in words if isinstance(w, str)][:limit]
    except Exception as exc:  # suggestions are a convenience: never an error
        log.warning("dictionary suggestions unavailable: %s", type(exc).__name__)
        return []


def _titles(text: str, org: str | None) -> list[dict[str, Any]]:
    from portal import search

    try:
        found = search.search(text, org=org, per_page=MAX_TITLES)
    except Exception as exc:
        log.warning("title suggestions failed: %s", type(exc).__name__)
        db.session.rollback()
        return []
    return [
        {"text": hit.document.title, "type": "title", "url": hit.document.url}
        for hit in found.hits[:MAX_TITLES]
    ]


def _word(text: str, kind: str) -> dict[str, Any]:
    return {"text": text, "type": kind, "url": url_for("search.results", q=text)}


def suggest(q: str, org: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The normalised input and what to offer for it, best first."""
    text = hotwords.normalise(q)
    if not text:
        return text, []
    found: list[dict[str, Any]] = []
    found += [_word(w, "hot") for w in hotwords.starting_with(text, MAX_HOT)]
    found += _titles(text, org)
    found += [
        _word(w, "word") for w in dictionary_words(text, MAX_SUGGESTIONS) if hotwords.shareable(w)
    ]
    seen: set[str] = set()
    unique = []
    for item in found:
        if item["text"] in seen or (item["type"] != "title" and item["text"] == text):
            continue
        seen.add(item["text"])
        unique.append(item)
    return text, unique[:MAX_SUGGESTIONS]
