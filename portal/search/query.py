"""Running a resident's search: query building, filters, facets, ranking, snippets.

User text is never parsed as query syntax: it is segmented into words and every word
becomes plain term queries, so quotes, AND/OR/NOT, ``*`` or brackets are just text.
Ranked ids come from the index (cached per index generation); the documents themselves
are re-read from the database, so a withdrawn or draft item can never be shown even if
the index is stale.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from markupsafe import Markup, escape
from whoosh.query import And, Or, Query, Term

from ..extensions import db
from ..markdown import plain_text
from ..models import Document, DocumentChange
from ..timeutil import local_midnight_utc
from . import analysis
from .index import SearchIndex

TITLE_BOOST = 3.0
EXACT_BOOST = 50.0
CACHE_SIZE = 512
SNIPPET_CHARS = 120


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    kind: str | None = None
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
    year_counts: dict[int, int] = field(default_factory=dict)
    relaxed: bool = False  # no item had every word, so items with some words are shown

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


@dataclass
class _Ranked:
    ids: list[int]
    total: int
    kind_counts: dict[str, int]
    year_counts: dict[int, int]
    relaxed: bool


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


def _word_query(word: str) -> Query:
    """One query word, as title or content, or any of its synonyms."""
    options: list[Query] = []
    for alternative in [word, *analysis.synonyms(word)]:
        parts = [alternative] if alternative == word else analysis.query_words(alternative)
        terms = [Or([Term("title", t, boost=TITLE_BOOST), Term("content", t)]) for t in parts]
        if terms:
            options.append(terms[0] if len(terms) == 1 else And(terms))
    return options[0] if len(options) == 1 else Or(options)


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


def _rank(searcher, words: list[str], request: SearchRequest) -> _Ranked:
    exact_text = analysis.normalize(request.q).replace(" ", "")
    word_queries = [_word_query(w) for w in words]
    exact = Term("exact", exact_text, boost=EXACT_BOOST) if exact_text else None
    strict: Query = And(word_queries) if len(word_queries) > 1 else word_queries[0]
    query = Or([strict, exact]) if exact is not None else strict
    matched = set(searcher.docs_for_query(query))
    relaxed = False
    if not matched and len(word_queries) > 1:
        query = Or(word_queries + ([exact] if exact is not None else []))
        matched = set(searcher.docs_for_query(query))
        relaxed = True

    reader = searcher.reader()
    kinds = reader.column_reader("kind")
    years = reader.column_reader("year")
    published = reader.column_reader("published")
    low, high = _year_bounds(request)
    kind_counts: dict[str, int] = {}
    year_counts: dict[int, int] = {}
    allowed: set[int] = set()
    for docnum in matched:
        stamp = published[docnum]
        if (low is not None and stamp < low) or (high is not None and stamp >= high):
            continue
        kind = kinds[docnum]
        kind_counts[kind] = kind_counts.get(kind, 0) + 1
        if request.kind and kind != request.kind:
            continue
        year = years[docnum]
        year_counts[year] = year_counts.get(year, 0) + 1
        allowed.add(docnum)

    wanted = request.page * request.per_page
    if not allowed:
        ids: list[int] = []
    elif request.sort == "date":
        ordered = sorted(allowed, key=lambda d: published[d], reverse=True)[:wanted]
        ids = [int(searcher.stored_fields(d)["id"]) for d in ordered]
    else:
        results = searcher.search(query, filter=allowed, limit=wanted + 20)
        scored = [
            (-round(hit.score, 6), -published[hit.docnum], -int(hit["id"]), int(hit["id"]))
            for hit in results
        ]
        ids = [item[3] for item in sorted(scored)[:wanted]]
    start = (request.page - 1) * request.per_page
    return _Ranked(ids[start:wanted], len(allowed), kind_counts, year_counts, relaxed)


def catch_up(index: SearchIndex) -> None:
    """Apply changes other processes or hosts committed but nobody indexed yet."""
    newest = db.session.scalar(sa.select(sa.func.max(DocumentChange.id))) or 0
    if newest > index.applied_change_id():
        index.sync(timeout=0)


def search(index: SearchIndex, request: SearchRequest) -> SearchResults:
    """Published documents matching ``request``, best first (or newest first)."""
    words = analysis.query_words(request.q)
    results = SearchResults(request=request, words=words)
    if not words:
        return results
    catch_up(index)
    with index.searcher() as (generation, searcher):
        key = (generation, tuple(words), request)
        ranked = _cache.get(key)
        if ranked is None:
            ranked = _rank(searcher, words, request)
            _cache.put(key, ranked)
    results.total = ranked.total
    results.kind_counts = ranked.kind_counts
    results.year_counts = dict(sorted(ranked.year_counts.items(), reverse=True))
    results.relaxed = ranked.relaxed
    if not ranked.ids:
        return results
    docs = {
        doc.id: doc
        for doc in db.session.scalars(
            sa.select(Document).where(Document.id.in_(ranked.ids), Document.status == "published")
        )
    }
    terms = highlight_terms(words)
    pattern = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None
    for doc_id in ranked.ids:
        doc = docs.get(doc_id)
        if doc is None:  # withdrawn or unpublished since it was indexed
            continue
        text = " ".join(filter(None, [doc.summary, plain_text(doc.body)]))
        results.hits.append(Hit(doc, _mark(doc.title, pattern), snippet(text, pattern)))
    return results
