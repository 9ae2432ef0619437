"""A ``QueryPlan`` as a Solr request, and what Solr answers as ranked ids and facets.

The plan's words become required clauses (any alternative of a word may match; every token
of an alternative must), each token searched in the title (boosted as in the Whoosh ranker)
and the content; the exact key (索引号/文号) matches on its own with a large boost. Nothing
a resident typed is parsed as Solr syntax: every token is escaped. Facets follow the Whoosh
ranker's rule: a facet counts the matches of every other filter but its own (Solr's filter
tags and exclusions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.search.schema import STATE_ID
from portal.search.solr_client import SolrClient, escape

TITLE_BOOST = 3.0
EXACT_BOOST = 50.0
VOCABULARY_PATTERN = "[\u3400-\u9fff]{2,8}"


@dataclass
class Ranked:
    ids: list[int]
    total: int
    kind_counts: dict[str, int] = field(default_factory=dict)
    org_counts: dict[str, int] = field(default_factory=dict)
    year_counts: dict[int, int] = field(default_factory=dict)
    relaxed: bool = False


def _token(token: str) -> str:
    term = escape(token)
    return f"(title_t:{term}^{TITLE_BOOST:g} content_t:{term})"


def _alternative(alternative: Any) -> str:
    tokens = [_token(t) for t in alternative.tokens]
    body = tokens[0] if len(tokens) == 1 else "(" + " ".join(f"+{t}" for t in tokens) + ")"
    weight = float(getattr(alternative, "weight", 1.0))
    return body if weight == 1.0 else f"({body})^{weight:g}"


def _word(alternatives: Any) -> str:
    parts = [_alternative(a) for a in alternatives if a.tokens]
    return parts[0] if len(parts) == 1 else "(" + " ".join(parts) + ")"


def build_q(plan: Any, *, strict: bool) -> str:
    """The main query of ``plan``: every word required (``strict``) or any word."""
    words = [_word(w) for w in plan.words if any(a.tokens for a in w)]
    exact = f"exact:{escape(plan.exact)}^{EXACT_BOOST:g}" if plan.exact else ""
    if not words:
        return exact or "-*:*"
    if strict:
        main = "(" + " ".join(f"+{w}" for w in words) + ")"
        return f"{main} {exact}" if exact else main
    return " ".join([*words, exact]).strip()


def _filters(filters: Any) -> list[str]:
    fq = ["kind:[* TO *]"]  # leaves out the state document and Solr's delete tombstones
    if filters.kind:
        fq.append("{!tag=kind}kind:" + escape(filters.kind))
    if filters.org:
        fq.append("{!tag=org}org:" + escape(filters.org))
    if filters.low is not None or filters.high is not None:
        low = filters.low if filters.low is not None else "*"
        high = f"{filters.high - 1}" if filters.high is not None else "*"
        fq.append(f"published:[{low} TO {high}]")
    return fq


def _counts(flat: list[Any]) -> dict[str, int]:
    return {str(flat[i]): int(flat[i + 1]) for i in range(0, len(flat), 2) if flat[i + 1]}


def rank(client: SolrClient, plan: Any, filters: Any, sort: str, start: int, rows: int) -> Ranked:
    """Ranked ids of one page window, the total, and the facet counts."""
    relaxed = False
    answer = _select(client, build_q(plan, strict=True), filters, sort, start, rows)
    if not answer["response"]["numFound"] and len(plan.words) > 1:
        # Relax only when no document at all has every word (as the Whoosh ranker does),
        # not when the filters leave none.
        unfiltered = _count(client, build_q(plan, strict=True))
        if not unfiltered:
            relaxed = True
            answer = _select(client, build_q(plan, strict=False), filters, sort, start, rows)
    facets = answer.get("facet_counts", {}).get("facet_fields", {})
    return Ranked(
        ids=[int(doc["id"]) for doc in answer["response"]["docs"]],
        total=int(answer["response"]["numFound"]),
        kind_counts=_counts(facets.get("kind", [])),
        org_counts=_counts(facets.get("org", [])),
        year_counts={int(k): v for k, v in _counts(facets.get("year", [])).items()},
        relaxed=relaxed,
    )


def _select(
    client: SolrClient, q: str, filters: Any, sort: str, start: int, rows: int
) -> dict[str, Any]:
    params: list[tuple[str, Any]] = [
        ("q", q),
        ("defType", "lucene"),
        ("q.op", "OR"),
        ("fl", "id"),
        ("start", start),
        ("rows", rows),
        ("sort", "published desc,id desc" if sort == "date" else "score desc,published desc"),
        ("facet", "true"),
        ("facet.mincount", 1),
        ("facet.limit", -1),
        ("facet.field", "{!ex=kind}kind"),
        ("facet.field", "{!ex=org}org"),
        ("facet.field", "year"),
        ("wt", "json"),
    ]
    params += [("fq", fq) for fq in _filters(filters)]
    return client.request("POST", "/select", data=params)


def _count(client: SolrClient, q: str) -> int:
    params = [("q", q), ("fq", "kind:[* TO *]"), ("rows", 0), ("wt", "json")]
    return int(client.request("POST", "/select", data=params)["response"]["numFound"])


def vocabulary(client: SolrClient) -> dict[str, int]:
    """Chinese words of 2–8 characters in titles and content, with document frequencies."""
    params = [
        ("terms.fl", "title_t"),
        ("terms.fl", "content_t"),
        ("terms.limit", -1),
        ("terms.mincount", 1),
        ("terms.regex", VOCABULARY_PATTERN),
        ("terms.sort", "index"),
        ("wt", "json"),
        ("json.nl", "flat"),
    ]
    answer = client.request("GET", "/terms", params=params, timeout=60)
    words: dict[str, int] = {}
    for flat in answer.get("terms", {}).values():
        for term, count in _counts(flat).items():
            words[term] = max(count, words.get(term, 0))
    return words


def indexed(client: SolrClient, page: int = 10000) -> dict[int, str]:
    """Every document id in the collection with its ``updated`` value (cursor paging)."""
    found: dict[int, str] = {}
    cursor = "*"
    while True:
        params = [
            ("q", "*:*"),
            ("fq", "kind:[* TO *]"),
            ("fl", "id,updated"),
            ("sort", "id asc"),
            ("rows", page),
            ("cursorMark", cursor),
            ("wt", "json"),
        ]
        answer = client.request("GET", "/select", params=params, timeout=60)
        for doc in answer["response"]["docs"]:
            if doc["id"] != STATE_ID:
                found[int(doc["id"])] = str(doc["updated"])
        following = answer.get("nextCursorMark", cursor)
        if following == cursor:
            return found
        cursor = following
