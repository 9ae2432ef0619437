"""Running a resident's search: query plan, filters, facets, ranking, snippets, corrections.

User text is never parsed as query syntax: ``plan.build_plan`` segments it into words, each
matched through plain tokens (its synonyms, or Chinese words its pinyin stands for), so
quotes, AND/OR/NOT, ``*`` or brackets are just text. ``rank`` is the one call into the
engine (cached per index generation and plan); the documents themselves are re-read from
the database, so a withdrawn or draft item can never be shown even if the index is stale.
When nothing (or only part of the query) is found, ``smart`` looks for a slip (违法见筑 for
违法建筑): a confident one is searched instead, with a way back; others are suggested.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy.orm import load_only

from portal import changelog
from portal.documents.models import Document
from portal.extensions import db
from portal.markdown import plain_text
from portal.orgs import directory
from portal.search import analysis, lexicon, smart
from portal.search.index import SearchIndex
from portal.search.lexicon import Lexicon
from portal.search.plan import QueryPlan, build_plan
from portal.search.ranking import Filters, Ranker
from portal.search.solr import SolrBackend
from portal.search.solr_client import SolrUnavailable
from portal.timeutil import local_midnight_utc
from portal.web import pagination

log = logging.getLogger(__name__)

Backend = SearchIndex | SolrBackend  # the embedded index, or a SolrCloud collection


def get_backend() -> Backend:
    """The app's search backend (``PORTAL_SEARCH_BACKEND``)."""
    return current_app.extensions["portal.search"]


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
    correct: bool = True  # False: search exactly what was typed (``nofix=1``), no correction


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
    suggestion: str | None = None  # a corrected query to offer (or the one shown, see below)
    corrected_from: str | None = None  # set when the results are for ``suggestion`` instead

    @property
    def pages(self) -> int:
        return pagination.pages(self.total, self.request.per_page)


@dataclass
class Ranked:
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
        self.data: OrderedDict[tuple, Ranked] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Ranked | None:
        with self.lock:
            value = self.data.get(key)
            if value is not None:
                self.data.move_to_end(key)
            return value

    def put(self, key: tuple, value: Ranked) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_cache = _LRU(CACHE_SIZE)


def highlight_terms(words: list[str]) -> list[str]:
    """Terms to mark for plain query words (their synonyms too), longest first."""
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


def _rank(searcher, plan: QueryPlan, request: SearchRequest) -> Ranked:
    ranker = Ranker(searcher, plan)
    low, high = _year_bounds(request)
    wanted = request.page * request.per_page
    filters = Filters(request.kind, request.org, low, high)
    ranking = ranker.run(filters, request.sort, wanted, EXACT_BOOST)
    start = (request.page - 1) * request.per_page
    ids = [int(searcher.stored_fields(d)["id"]) for d in ranking.ranked[start:wanted]]
    return Ranked(
        ids,
        ranking.total,
        ranking.kind_counts,
        ranking.org_counts,
        ranking.year_counts,
        ranking.relaxed,
    )


CATCH_UP_EVERY = 0.5  # seconds between checks of the change log from one process


def catch_up(index: Backend) -> None:
    """Apply changes other processes or hosts committed but nobody indexed yet.

    Publishing processes index their own changes at once; this check (at most twice a
    second per process) covers a writer that died or gave up on a busy lock, and a Solr
    cluster that was down when they tried.
    """
    now = time.monotonic()
    if now - index.last_catch_up < CATCH_UP_EVERY:
        return
    index.last_catch_up = now
    try:
        if changelog.position() > index.applied_change_id():
            index.sync(timeout=0)
    except SolrUnavailable:  # the search itself says so; nothing to add to the log
        return
    except Exception:  # searching must work even when catching up fails
        log.exception("search index could not catch up with the change log")


def backend_rank(index: Backend, plan: QueryPlan, request: SearchRequest) -> Ranked:
    """The engine itself: Whoosh (with this module's ranker) or Solr, uncached."""
    if isinstance(index, SolrBackend):
        low, high = _year_bounds(request)
        found = index.rank(
            plan,
            Filters(request.kind, request.org, low, high),
            request.sort,
            (request.page - 1) * request.per_page,
            request.per_page,
        )
        return Ranked(
            found.ids,
            found.total,
            found.kind_counts,
            found.org_counts,
            found.year_counts,
            found.relaxed,
        )
    with index.searcher() as (_, searcher):
        return _rank(searcher, plan, request)


def rank(index: Backend, plan: QueryPlan, request: SearchRequest) -> Ranked:
    """The engine call: ids of ``request``'s page window for ``plan``, total and facets.

    Cached per index version (Whoosh: generation; Solr: the change applied) and plan
    (``request.q`` is not part of the key: the plan is what the engine sees)."""
    catch_up(index)
    key = (index.cache_key(), plan, replace(request, q="", correct=True))
    ranked = _cache.get(key)
    if ranked is None:
        ranked = backend_rank(index, plan, request)
        _cache.put(key, ranked)
    return ranked


def index_lexicon(index: Backend) -> Lexicon:
    """The vocabulary of ``index`` keyed by pinyin (rebuilt as the index changes)."""
    return lexicon.for_index(index.cache_key(), index.vocabulary)


def _plan(index: Backend, q: str) -> QueryPlan:
    """The query plan of ``q``; the lexicon is needed (and loaded) only for latin words."""
    words = analysis.query_words(q)
    latin = any(word.isascii() and word.isalpha() for word in words)
    return build_plan(q, index_lexicon(index) if latin else None)


def ranked_ids(index: Backend, request: SearchRequest) -> tuple[list[int], int]:
    """Ids matching ``request`` in its page window, best first, and how many matched.

    Nothing is read from the database: the caller re-reads the documents and keeps only
    the published ones (the index may be a moment behind).
    """
    catch_up(index)
    plan = _plan(index, request.q)
    if not plan.words:
        return [], 0
    ranked = rank(index, plan, request)
    return list(ranked.ids), ranked.total


def _corrected(
    index: Backend, request: SearchRequest, ranked: Ranked
) -> tuple[str, bool, QueryPlan, Ranked] | None:
    """A corrected query for a search that found nothing or only part of the query: the
    query, whether to show its results instead, its plan and its results."""
    if not request.correct or (ranked.total and not ranked.relaxed):
        return None
    lex = index_lexicon(index)
    correction = smart.correct(request.q, lex)
    if correction is None:
        return None
    plan = build_plan(correction.query, lex)
    if not plan.words:
        return None
    found = rank(index, plan, request)
    strict = bool(found.total) and not found.relaxed
    if not (strict or (found.total and not ranked.total)):
        return None
    return correction.query, correction.confident and strict, plan, found


def search(index: Backend, request: SearchRequest) -> SearchResults:
    """Published documents matching ``request``, best first (or newest first)."""
    catch_up(index)
    plan = _plan(index, request.q)
    results = SearchResults(request=request, words=analysis.query_words(request.q))
    if not plan.words:
        return results
    ranked = rank(index, plan, request)
    corrected = _corrected(index, request, ranked)
    if corrected is not None:
        query, apply, corrected_plan, corrected_ranked = corrected
        results.suggestion = query
        if apply:
            results.corrected_from = request.q
            plan, ranked = corrected_plan, corrected_ranked
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
        terms = plan.highlight
        pattern = re.compile("|".join(map(re.escape, terms)), re.IGNORECASE) if terms else None
        for doc_id, doc in docs.items():
            text = " ".join(filter(None, [doc.summary, plain_text(doc.body)]))
            ranked.marked[doc_id] = (_mark(doc.title, pattern), snippet(text, pattern))
    for doc_id in ranked.ids:
        found = docs.get(doc_id)
        if found is not None and doc_id in ranked.marked:
            results.hits.append(Hit(found, *ranked.marked[doc_id]))
    return results


FALLBACK_LIMIT = 20


def title_fallback(request: SearchRequest) -> list[Document]:
    """While the search cluster does not answer: published documents whose title holds
    every word of the query, newest first (a plain database scan, bounded)."""
    words = analysis.query_words(request.q)[:5]
    if not words:
        return []
    conditions = [Document.status == "published"]
    conditions += [Document.title.contains(word, autoescape=True) for word in words]
    if request.org is not None:
        org = directory.by_code(request.org)
        conditions.append(Document.organisation_id == (org.id if org else -1))
    if request.kind:
        conditions.append(Document.kind == request.kind)
    return list(
        db.session.scalars(
            sa.select(Document)
            .options(load_only(*HIT_COLUMNS))
            .where(*conditions)
            .order_by(Document.published_at.desc())
            .limit(FALLBACK_LIMIT)
        )
    )
