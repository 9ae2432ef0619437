"""Search quality on the demo content: recall@10 and MRR over ``queries.yaml``."""

from __future__ import annotations

from portal import search
from portal.documents.loader import load_directory
from tests.conftest import ROOT
from tests.search_quality.metrics import K, evaluate, format_misses, load_queries

MIN_RECALL = 0.9
MIN_MRR = 0.7


def test_query_set_is_well_formed() -> None:
    """Every query is unique, has 1-4 relevant documents, and each one exists in content/."""
    queries = load_queries()
    assert len(queries) >= 45
    texts = [q["query"].strip() for q in queries]
    assert len(set(texts)) == len(texts), "duplicate queries"
    for q in queries:
        assert q["query"].strip(), "empty query"
        assert 1 <= len(q["relevant"]) <= 4, q["query"]
        assert len(set(q["relevant"])) == len(q["relevant"]), q["query"]
        for key in q["relevant"]:
            kind, _, slug = key.partition("/")
            assert (ROOT / "content" / kind / f"{slug}.md").is_file(), f"{q['query']}: {key}"


def test_search_quality_on_demo_content(ctx: None) -> None:
    """The search engine finds the relevant documents for realistic resident queries."""
    report = load_directory(ROOT / "content")
    assert report.failed == 0, report.errors
    search.rebuild()

    def run_query(query: str) -> list[str]:
        result = search.search(query, page=1, per_page=K)
        return [f"{hit.document.kind}/{hit.document.slug}" for hit in result.hits]

    scores = evaluate(run_query)
    table = format_misses(scores)
    print(f"recall@10 {scores['recall_at_10']:.3f}  MRR {scores['mrr']:.3f}")
    print(table)
    assert scores["recall_at_10"] >= MIN_RECALL and scores["mrr"] >= MIN_MRR, (
        f"search quality below target (recall@10 >= {MIN_RECALL}, MRR >= {MIN_MRR}):\n{table}"
    )
