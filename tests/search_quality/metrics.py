"""Recall@10 and MRR over ``queries.yaml``; pure functions shared by the test and the bench."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypedDict

import yaml

QUERIES_PATH = Path(__file__).resolve().parent / "queries.yaml"
K = 10


class Query(TypedDict):
    query: str
    relevant: list[str]
    note: str


def load_queries(path: Path = QUERIES_PATH) -> list[Query]:
    """Read the query set: a list of ``{query, relevant, note}`` mappings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of queries")
    return [
        Query(query=str(item["query"]), relevant=list(item["relevant"]), note=item.get("note", ""))
        for item in data
    ]


def evaluate(
    run_query: Callable[[str], Sequence[str]],
    queries: Sequence[Query] | None = None,
    k: int = K,
) -> dict[str, Any]:
    """Score ``run_query`` (query -> ranked ``kind/slug`` list) by mean recall@k and MRR."""
    if queries is None:
        queries = load_queries()
    per_query: list[dict[str, Any]] = []
    for item in queries:
        ranked: list[str] = []
        for key in run_query(item["query"]):
            if key not in ranked:
                ranked.append(key)
        top = ranked[:k]
        relevant = item["relevant"]
        ranks = {key: top.index(key) + 1 for key in relevant if key in top}
        first = min(ranks.values(), default=None)
        per_query.append(
            {
                "query": item["query"],
                "relevant": list(relevant),
                "results": top,
                "ranks": ranks,
                "missed": [key for key in relevant if key not in ranks],
                "recall": len(ranks) / len(relevant),
                "reciprocal_rank": 1 / first if first else 0.0,
                "note": item["note"],
            }
        )
    count = len(per_query) or 1
    return {
        "recall_at_10": sum(row["recall"] for row in per_query) / count,
        "mrr": sum(row["reciprocal_rank"] for row in per_query) / count,
        "per_query": per_query,
    }


def format_misses(report: dict[str, Any], limit: int = 5) -> str:
    """A Markdown table of the queries with a missed document or a first hit below rank 1."""
    lines = [
        f"recall@10 = {report['recall_at_10']:.3f}, MRR = {report['mrr']:.3f}",
        "",
        "| query | recall | RR | missed | got (top results) |",
        "|---|---|---|---|---|",
    ]
    for row in report["per_query"]:
        if row["recall"] == 1 and row["reciprocal_rank"] == 1:
            continue
        got = ", ".join(row["results"][:limit]) or "(nothing)"
        missed = ", ".join(row["missed"]) or "—"
        lines.append(
            f"| {row['query'].strip()} | {row['recall']:.2f} | {row['reciprocal_rank']:.2f} "
            f"| {missed} | {got} |"
        )
    return "\n".join(lines)
