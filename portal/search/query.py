"""Running a resident's search: query building, filters, facets, ranking, snippets.

User text is never parsed as query syntax: it is segmented into words and every word
becomes plain term queries, so quotes, AND/OR/NOT, ``*`` or brackets are just text.
Ranked ids come from the index (cached per index generation); the documents themselves
are re-read from the database, so a withdrawn or draft item can never be shown even if
the index is stale.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup, escape
from sqlalchemy.orm import load_only

from portal import changelog
from portal.documents.models import Document
from portal.extensions import db
from portal.markdown import plain_text
from portal.orgs import directory
from portal.search import analysis
from portal.search.index import SearchIndex
from portal.search.ranking import Filters, Ranker
from portal.timeutil import local_midnight_utc
from portal.web import pagination

log = logging.getLogger(__name__)
EXACT_BOOST = 50.0
CACHE_SIZE = 512
# What a result line shows; body and summary are read only to build new snippets.
HIT_COLUMNS = (
    Document.id,
    Document.organisation_id,
    Document.kind,
    Document.slug,
    Document.title,
    Document.illustrative,
    Document.status,
    Document.published_at,
)
SNIPPET_CHARS = 120


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    kind: str | None = None
    org: str | None = None  # an organisation's code: only its documents
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "relevance"  # or "date"
    page: int = 1
    per_page: int = 10


@dataclass
class Hit:
    document: Document
    title_html: Markup
    snippet_html: Markup


@dataclass
class SearchResults:
    request: SearchRequest
    words: list[str]
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    kind_counts: dict[str, int] = field(default_factory=dict)
    org_counts: dict[str, int] = field(default_factory=dict)  # by organisation code
    year_counts: dict[int, int] = field(default_factory=dict)
    relaxed: bool = False  # no item had every word, so items with some words are shown

    @property
    def pages(self) -> int:
        return pagination.pages(self.total, self.request.per_page)


@dataclass
class _Ranked:
    ids: list[int]
    total: int
    kind_counts: dict[str, int]
    org_counts: dict[str, int]
    year_counts: dict[int, int]
    relaxed: bool
    marked: dict[int, tuple[Markup, Markup]] = field(default_factory=dict)  # title, snippet


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self.data: OrderedDict[tuple, _Ranked] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> _Ranked | None:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: tuple, value: _Ranked) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_cache = _LRU(CACHE_SIZE)


def highlight_terms(words: list[str]) -> list[str]:
    terms = {w for w in words}
    for word in words:
        terms.update(analysis.synonyms(word))
    return sorted((t for t in terms if t.strip()), key=len, reverse=True)


def _mark(text: str, pattern: re.Pattern[str] | None) -> Markup:
    if pattern is None:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def snippet(text: str, pattern: re.Pattern[str] | None, size: int = SNIPPET_CHARS) -> Markup:
    """A window of ``text`` around the first match, escaped, with matches in ``<mark>``."""
    match = pattern.search(text) if pattern else None
    start = max(0, match.start() - size // 3) if match else 0
    piece = text[start : start + size]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + size < len(text) else ""
    return Markup(prefix) + _mark(piece, pattern) + Markup(suffix)


def _year_bounds(request: SearchRequest) -> tuple[int | None, int | None]:
    low = int(local_midnight_utc(request.date_from).timestamp()) if request.date_from else None
    high = None
    if request.date_to:
        next_day = date.fromordinal(request.date_to.toordinal() + 1)
        high = int(local_midnight_utc(next_day).timestamp())
    return low, high


def query_alternatives(words: list[str]) -> list[list[tuple[str, ...]]]:
    """Each word with the token tuples of its synonyms: any alternative may match."""
    result: list[list[tuple[str, ...]]] = []
    for word in words:
        alternatives: list[tuple[str, ...]] = [(word,)]
        for synonym in analysis.synonyms(word):
            tokens = tuple(analysis.query_words(synonym))
            if tokens and tokens not in alternatives:
                alternatives.append(tokens)
        result.append(alternatives)
    return result


def _rank(searcher, words: list[str], request: SearchRequest) -> _Ranked:
    exact_text = analysis.normalize(request.q).replace(" ", "") or None
    ranker = Ranker(searcher, query_alternatives(words), exact_text)
    low, high = _year_bounds(request)
    wanted = request.page * request.per_page
    filters = Filters(request.kind, request.org, low, high)
    ranking = ranker.run(filters, request.sort, wanted, EXACT_BOOST)
    start = (request.page - 1) * request.per_page
    ids = [int(searcher.stored_fields(d)["id"]) for d in ranking.ranked[start:wanted]]
    return _Ranked(
        ids,
        ranking.total,
        ranking.kind_counts,
        ranking.org_counts,
        ranking.year_counts,
        ranking.relaxed,
    )


CATCH_UP_EVERY = 0.5  # seconds between checks of the change log from one process


def catch_up(index: SearchIndex) -> None:
    """Apply changes other processes or hosts committed but nobody indexed yet.

    Publishing processes index their own changes at once; this check (at most twice a
    second per process) covers a writer that died or gave up on a busy lock.
    """
    now = time.monotonic()
    if now - index.last_catch_up < CATCH_UP_EVERY:
        return
    index.last_catch_up = now
    newest = changelog.position()
    if newest > index.applied_change_id():
        try:
            index.sync(timeout=0)
        except Exception:  # searching must work even when catching up fails
            log.exception("search index could not catch up with the change log")


def _ranked(index: SearchIndex, words: list[str], request: SearchRequest) -> _Ranked:
    catch_up(index)
    with index.searcher() as (generation, searcher):
        key = (str(index.root), generation, tuple(words), request)
        ranked = _cache.get(key)
        if ranked is None:
            ranked = _rank(searcher, words, request)
            _cache.put(key, ranked)
    return ranked


def ranked_ids(index: SearchIndex, request: SearchRequest) -> tuple[list[int], int]:
    """Ids matching ``request`` in its page window, best first, and how many matched.

    Nothing is read from the database: the caller re-reads the documents and keeps only
    the published ones (the index may be a moment behind).
    """
    words = analysis.query_words(request.q)
    if not words:
        return [], 0
    ranked = _ranked(index, words, request)
    return list(ranked.ids), ranked.total


def search(index: SearchIndex, request: SearchRequest) -> SearchResults:
    """Published documents matching ``request``, best first (or newest first)."""
    words = analysis.query_words(request.q)
    results = SearchResults(request=request, words=words)
    if not words:
        return results
    ranked = _ranked(index, words, request)
    results.total = ranked.total
    results.kind_counts = ranked.kind_counts
    results.org_counts = ranked.org_counts
    results.year_counts = dict(sorted(ranked.year_counts.items(), reverse=True))
    results.relaxed = ranked.relaxed
    if not ranked.ids:
        return results
    # Re-read from the database: what is no longer published is never shown, even when
    # the index (or this cache entry) has not caught up yet.
    columns = HIT_COLUMNS if ranked.marked else (*HIT_COLUMNS, Document.summary, Document.body)
    conditions = [Document.id.in_(ranked.ids), Document.status == "published"]
    if request.org is not None:  # the scope, checked against the database as well
        org = directory.by_code(request.org)
        conditions.append(Document.organisation_id == (org.id if org else -1))
    docs = {
        doc.id: doc
        for doc in db.session.scalars(
            sa.select(Document).options(load_only(*columns)).where(*conditions)
        )
    }
    if not ranked.marked:
        terms = highlight_terms(words)
        pattern = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None
        for doc_id, doc in docs.items():
            text = " ".join(filter(None, [doc.summary, plain_text(doc.body)]))
            ranked.marked[doc_id] = (_mark(doc.title, pattern), snippet(text, pattern))
    for doc_id in ranked.ids:
        found = docs.get(doc_id)
        if found is not None and doc_id in ranked.marked:
            results.hits.append(Hit(found, *ranked.marked[doc_id]))
    return results
