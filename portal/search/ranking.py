"""Fast matching, facets and BM25 ranking over the Whoosh index's own segments.

Profiling Whoosh's generic query machinery at 10,000 documents showed it spending most of
a query in per-posting Python calls: ``docs_for_query`` to find matches for the facets,
then ``search`` matching and scoring everything again (p95 ~200 ms, see BENCHMARKS.md).
Here each posting list is read block by block (array slices, no per-posting calls), the
words are intersected as sets, and only the surviving candidates are scored with BM25F
(title boosted). Per-document columns (kind, year, date, field lengths) and decoded posting
lists are cached per segment; Whoosh segments never change once written (only their
deletion sets do, which are read fresh), so a publish invalidates only the small new
segment, not the cache of the large ones.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from whoosh.codec.whoosh3 import W3LeafMatcher

from portal.search.plan import Alternative, QueryPlan

K1 = 1.2
B = 0.75
FIELD_BOOSTS = (("title", 3.0), ("content", 1.0))
POSTINGS_PER_SEGMENT = 4096


@dataclass
class SegmentData:
    """Columns of one immutable segment, and a cache of its decoded posting lists."""

    kinds: list[str]
    orgs: list[str]  # organisation codes
    years: list[int]
    published: list[int]
    lengths: dict[str, list[int]]
    postings: OrderedDict[tuple[str, str], dict[int, float]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


_segments: OrderedDict[str, SegmentData] = OrderedDict()
_segments_lock = threading.Lock()
MAX_SEGMENTS = 64


def _load_segment(reader) -> SegmentData:
    count = reader.doc_count_all()
    kinds = reader.column_reader("kind")
    orgs = reader.column_reader("org")
    years = reader.column_reader("year")
    published = reader.column_reader("published")
    lengths = {
        name: [reader.doc_field_length(d, name, 0) or 0 for d in range(count)]
        for name, _ in FIELD_BOOSTS
    }
    return SegmentData(
        kinds=[kinds[d] for d in range(count)],
        orgs=[orgs[d] for d in range(count)],
        years=[years[d] for d in range(count)],
        published=[published[d] for d in range(count)],
        lengths=lengths,
    )


def segment_data(reader) -> SegmentData:
    """The cached columns of the segment behind ``reader`` (a leaf reader)."""
    key = reader.segment().segment_id()
    with _segments_lock:
        data = _segments.get(key)
        if data is not None:
            _segments.move_to_end(key)
            return data
    data = _load_segment(reader)
    with _segments_lock:
        _segments[key] = data
        while len(_segments) > MAX_SEGMENTS:
            _segments.popitem(last=False)
    return data


def postings(reader, data: SegmentData, fieldname: str, term: str) -> dict[int, float]:
    """``{docnum: term frequency}`` of ``term`` in one segment, decoded block by block."""
    key = (fieldname, term)
    with data.lock:
        found = data.postings.get(key)
        if found is not None:
            data.postings.move_to_end(key)
            return found
    result: dict[int, float] = {}
    if (fieldname, term) in reader:
        matcher = reader.postings(fieldname, term)
        while hasattr(matcher, "child"):  # deletions are applied by the caller
            matcher = matcher.child
        if isinstance(matcher, W3LeafMatcher):
            while not matcher._atend:
                matcher._read_ids()
                matcher._read_weights()
                result.update(zip(matcher._ids, matcher._weights, strict=False))
                matcher._next_block()
        else:  # another codec: the slow, public way
            while matcher.is_active():
                result[matcher.id()] = matcher.weight()
                matcher.next()
    with data.lock:
        data.postings[key] = result
        while len(data.postings) > POSTINGS_PER_SEGMENT:
            data.postings.popitem(last=False)
    return result


@dataclass
class Ranking:
    ranked: list[int]  # global docnums, best first, for the requested page window
    total: int
    kind_counts: dict[str, int]
    org_counts: dict[str, int]
    year_counts: dict[int, int]
    relaxed: bool


@dataclass(frozen=True)
class Filters:
    """What a ranking keeps: a kind, an organisation (code), a publication window (Unix
    seconds, ``high`` exclusive). Each facet counts the matches of every other filter but
    its own, so picking a kind still shows the other kinds' counts (and so for
    organisations)."""

    kind: str | None = None
    org: str | None = None
    low: int | None = None
    high: int | None = None


class Ranker:
    """Scores one query plan (words, each with weighted alternatives) against a searcher."""

    def __init__(self, searcher, plan: QueryPlan):
        self.searcher = searcher
        self.words = plan.words
        self.exact = plan.exact
        total = max(searcher.doc_count_all(), 1)
        self.total_docs = total
        self.avg = {name: (searcher.field_length(name) / total) or 1.0 for name, _ in FIELD_BOOSTS}
        self.idf_cache: dict[tuple[str, str], float] = {}

    def idf(self, fieldname: str, term: str) -> float:
        key = (fieldname, term)
        if key not in self.idf_cache:
            df = self.searcher.doc_frequency(fieldname, term)
            self.idf_cache[key] = math.log(1 + (self.total_docs - df + 0.5) / (df + 0.5))
        return self.idf_cache[key]

    def _token_docs(self, reader, data, token: str) -> set[int]:
        docs: set[int] = set()
        for name, _ in FIELD_BOOSTS:
            docs.update(postings(reader, data, name, token).keys())
        return docs

    def _word_docs(self, reader, data, alternatives: tuple[Alternative, ...]) -> set[int]:
        docs: set[int] = set()
        for alternative in alternatives:
            sets = [self._token_docs(reader, data, t) for t in alternative.tokens]
            docs |= set.intersection(*sets) if sets else set()
        return docs

    def _scorer(self, reader, data):
        """A function scoring a candidate doc of this segment: per word the best of its
        alternatives, each its weight times its BM25F score."""
        plan = []
        for alternatives in self.words:
            options = []
            for alternative in alternatives:
                parts = []
                for token in alternative.tokens:
                    for name, boost in FIELD_BOOSTS:
                        tfs = postings(reader, data, name, token)
                        if tfs:
                            idf = self.idf(name, token)
                            weight = alternative.weight * boost * idf * (K1 + 1)
                            parts.append((weight, tfs, data.lengths[name], K1 / self.avg[name]))
                options.append(parts)
            plan.append(options)
        one_minus_b = K1 * (1 - B)

        def score(doc: int) -> float:
            total = 0.0
            for options in plan:
                best = 0.0
                for parts in options:
                    value = 0.0
                    for weight, tfs, lengths, k_over_avg in parts:
                        tf = tfs.get(doc)
                        if tf:
                            norm = one_minus_b + B * k_over_avg * lengths[doc]
                            value += weight * tf / (tf + norm)
                    if value > best:
                        best = value
                total += best
            return total

        return score

    def run(self, filters: Filters, sort: str, wanted: int, exact_boost: float) -> Ranking:
        relaxed = False
        per_segment: list[tuple[Any, int, SegmentData, set[int], set[int]]] = []
        for strict in (True, False):
            per_segment = []
            found_any = False
            for reader, offset in self._leaves():
                data = segment_data(reader)
                deleted = reader.segment().deleted_docs() if reader.has_deletions() else ()
                word_sets = [self._word_docs(reader, data, alts) for alts in self.words]
                if strict:
                    matched = set.intersection(*word_sets) if word_sets else set()
                else:
                    matched = set().union(*word_sets)
                exact_docs: set[int] = set()
                if self.exact:
                    exact_docs = set(postings(reader, data, "exact", self.exact))
                    matched |= exact_docs
                if deleted:
                    matched.difference_update(deleted)
                found_any = found_any or bool(matched)
                per_segment.append((reader, offset, data, matched, exact_docs))
            if found_any or len(self.words) < 2:
                break
            relaxed = True

        kind, org, low, high = filters.kind, filters.org, filters.low, filters.high
        kind_counts: dict[str, int] = {}
        org_counts: dict[str, int] = {}
        year_counts: dict[int, int] = {}
        candidates: list[tuple[float, int, int]] = []
        for reader, offset, data, matched, exact_docs in per_segment:
            kinds, orgs, years, published = data.kinds, data.orgs, data.years, data.published
            score_of = self._scorer(reader, data) if sort != "date" else None
            for doc in matched:
                stamp = published[doc]
                if (low is not None and stamp < low) or (high is not None and stamp >= high):
                    continue
                doc_kind, doc_org = kinds[doc], orgs[doc]
                kind_ok = not kind or doc_kind == kind
                org_ok = not org or doc_org == org
                if org_ok:
                    kind_counts[doc_kind] = kind_counts.get(doc_kind, 0) + 1
                if kind_ok:
                    org_counts[doc_org] = org_counts.get(doc_org, 0) + 1
                if not (kind_ok and org_ok):
                    continue
                year_counts[years[doc]] = year_counts.get(years[doc], 0) + 1
                if sort == "date":
                    candidates.append((float(stamp), stamp, offset + doc))
                else:
                    score = score_of(doc)  # type: ignore[misc]
                    if doc in exact_docs:
                        score += exact_boost
                    candidates.append((round(score, 6), stamp, offset + doc))
        best = heapq.nlargest(wanted, candidates)
        ranked = [c[2] for c in best]
        return Ranking(ranked, len(candidates), kind_counts, org_counts, year_counts, relaxed)

    def _leaves(self):
        return [(leaf.reader(), offset) for leaf, offset in self.searcher.leaf_searchers()]
