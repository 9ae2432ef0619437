"""Search quality on the demo content: recall@10 and MRR over ``queries.yaml``, and over the
sets of pinyin, initials, traditional-character and mistyped queries."""

from __future__ import annotations

from typing import Any

import pytest

from portal import search
from portal.documents.loader import load_directory
from portal.search import lexicon
from tests.conftest import ROOT
from tests.search_quality.metrics import QUERIES_PATH, K, evaluate, format_misses, load_queries

MIN_RECALL = 0.9
MIN_MRR = 0.7
MIN_SET_RECALL = 0.85
SETS = ("typos", "pinyin", "initials", "traditional")


@pytest.fixture
def search_config(both_backends: dict[str, Any]) -> dict[str, Any]:
    """Every quality figure holds on the embedded index and on Solr alike."""
    return both_backends


@pytest.mark.parametrize(("name", "least"), [("queries", 45)] + [(name, 15) for name in SETS])
def test_query_set_is_well_formed(name: str, least: int) -> None:
    """Every query is unique, has 1-4 relevant documents, and each one exists in content/."""
    queries = load_queries(QUERIES_PATH.with_name(f"{name}.yaml"))
    assert len(queries) >= least
    texts = [q["query"].strip() for q in queries]
    assert len(set(texts)) == len(texts), "duplicate queries"
    for q in queries:
        assert q["query"].strip(), "empty query"
        assert 1 <= len(q["relevant"]) <= 4, q["query"]
        assert len(set(q["relevant"])) == len(q["relevant"]), q["query"]
        for key in q["relevant"]:
            kind, _, slug = key.partition("/")
            assert (ROOT / "content" / kind / f"{slug}.md").is_file(), f"{q['query']}: {key}"


def _load_demo_content(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lexicon, "REBUILD_EVERY", 0.0)  # this test's index, not an earlier one's
    report = load_directory(ROOT / "content")
    assert report.failed == 0, report.errors
    search.rebuild()


def run_query(query: str) -> list[str]:
    result = search.search(query, page=1, per_page=K)
    return [f"{hit.document.kind}/{hit.document.slug}" for hit in result.hits]


def test_search_quality_on_demo_content(ctx: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search engine finds the relevant documents for realistic resident queries."""
    _load_demo_content(monkeypatch)
    scores = evaluate(run_query)
    table = format_misses(scores)
    print(f"recall@10 {scores['recall_at_10']:.3f}  MRR {scores['mrr']:.3f}")
    print(table)
    assert scores["recall_at_10"] >= MIN_RECALL and scores["mrr"] >= MIN_MRR, (
        f"search quality below target (recall@10 >= {MIN_RECALL}, MRR >= {MIN_MRR}):\n{table}"
    )


@pytest.mark.parametrize("name", SETS)
def test_search_quality_of_each_query_set(
    ctx: None, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Pinyin, initials, traditional characters and IME slips find what the Chinese query
    finds (recall@10 per set)."""
    _load_demo_content(monkeypatch)
    scores = evaluate(run_query, load_queries(QUERIES_PATH.with_name(f"{name}.yaml")))
    table = format_misses(scores)
    print(f"{name}: recall@10 {scores['recall_at_10']:.3f}  MRR {scores['mrr']:.3f}")
    print(table)
    assert scores["recall_at_10"] >= MIN_SET_RECALL, (
        f"{name}: recall@10 below {MIN_SET_RECALL}:\n{table}"
    )
