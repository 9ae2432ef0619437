"""Baseline search quality on the demo content: SQLite FTS5 trigram and a naive LIKE scan.

Not a test. Run by hand from the repository root:

    python bench/search_baseline.py [--misses]

It reads ``content/<kind>/*.md`` directly (YAML front matter + Markdown, no Flask), builds an
in-memory SQLite database over title + summary + body, runs every query of
``tests/search_quality/queries.yaml`` through both baselines and prints recall@10 and MRR as
a Markdown table, the yardstick for the Whoosh engine in ``portal/search/``.

- **LIKE scan**: a document matches when it contains every whitespace-separated query part
  as a substring (ASCII case folded); ranked by occurrences, title x 3 + summary and body.
- **FTS5 trigram**: parts of 3+ characters go to ``MATCH`` as quoted phrases (FTS5 syntax
  characters stripped) ranked by ``bm25`` (title x 3, summary x 2, body x 1); trigrams
  cannot index parts shorter than 3 characters, so those are filtered with a substring test,
  and a query made only of short parts falls back to the LIKE scan.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.search_quality.metrics import (  # noqa: E402
    QUERIES_PATH,
    K,
    evaluate,
    format_misses,
    load_queries,
)

SETS = ("queries", "typos", "pinyin", "initials", "traditional")

FTS5_SYNTAX = re.compile(r'["*^:(){}+\-]')
TEXT = "title || ' ' || summary || ' ' || body"


@dataclass
class ContentDoc:
    key: str
    title: str
    summary: str
    body: str
    published: str


def read_content(root: Path) -> list[ContentDoc]:
    """Parse every ``<kind>/<slug>.md`` below ``root`` that would be published."""
    docs: list[ContentDoc] = []
    for path in sorted(root.glob("*/*.md")):
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
        header, _, rest = text[3:].partition("\n---")
        meta = yaml.safe_load(header) or {}
        if meta.get("status", "published") != "published":
            continue
        body = rest.split("\n", 1)[1] if "\n" in rest else ""
        docs.append(
            ContentDoc(
                key=f"{path.parent.name}/{meta.get('slug', path.stem)}",
                title=str(meta.get("title") or meta.get("question") or ""),
                summary=str(meta.get("summary") or ""),
                body=body.strip(),
                published=str(meta.get("published_at") or ""),
            )
        )
    return docs


def build_database(docs: list[ContentDoc]) -> sqlite3.Connection:
    """A plain table for the LIKE scan and an FTS5 trigram table over the same rows."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE docs (key TEXT, title TEXT, summary TEXT, body TEXT, published TEXT)"
    )
    try:
        conn.execute(
            "CREATE VIRTUAL TABLE docs_fts USING fts5("
            "key UNINDEXED, title, summary, body, published UNINDEXED, tokenize = 'trigram')"
        )
    except sqlite3.OperationalError as exc:
        raise SystemExit(f"SQLite {sqlite3.sqlite_version} lacks FTS5 trigram: {exc}") from None
    rows = [(d.key, d.title, d.summary, d.body, d.published) for d in docs]
    conn.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO docs_fts VALUES (?, ?, ?, ?, ?)", rows)
    return conn


def escape_like(part: str) -> str:
    """Escape LIKE wildcards so a part is matched literally."""
    return part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_search(conn: sqlite3.Connection, query: str) -> list[str]:
    """Documents containing every query part, ranked by title x 3 + body occurrences."""
    parts = query.lower().split()
    if not parts:
        return []
    where = " AND ".join(f"lower({TEXT}) LIKE ? ESCAPE '\\'" for _ in parts)
    rows = conn.execute(
        f"SELECT key, title, summary || ' ' || body, published FROM docs WHERE {where}",
        [f"%{escape_like(part)}%" for part in parts],
    ).fetchall()

    def score(row: tuple[str, str, str, str]) -> int:
        title, body = row[1].lower(), row[2].lower()
        return sum(title.count(part) * 3 + body.count(part) for part in parts)

    rows.sort(key=lambda row: row[3], reverse=True)  # newest first among equal scores
    rows.sort(key=score, reverse=True)
    return [row[0] for row in rows[:K]]


def fts5_search(conn: sqlite3.Connection, query: str) -> list[str]:
    """FTS5 trigram ``MATCH`` for 3+ character parts, substring filter for shorter ones."""
    parts = FTS5_SYNTAX.sub(" ", query).lower().split()
    long_parts = [part for part in parts if len(part) >= 3]
    short_parts = [part for part in parts if len(part) < 3]
    if not long_parts:
        return like_search(conn, " ".join(short_parts))
    match = " AND ".join(f'"{part}"' for part in long_parts)
    filters = "".join(f" AND instr(lower({TEXT}), ?) > 0" for _ in short_parts)
    rows = conn.execute(
        f"SELECT key FROM docs_fts WHERE docs_fts MATCH ?{filters} "
        "ORDER BY bm25(docs_fts, 0.0, 3.0, 2.0, 1.0, 0.0), published DESC LIMIT ?",
        [match, *short_parts, K],
    ).fetchall()
    return [row[0] for row in rows]


def main() -> None:
    """Score both baselines on the query set and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="print each engine's misses")
    parser.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated query sets (default: all)"
    )
    args = parser.parse_args()

    docs = read_content(ROOT / "content")
    conn = build_database(docs)
    engines: dict[str, Callable[[str], list[str]]] = {
        "LIKE scan (all parts as substrings)": lambda q: like_search(conn, q),
        "SQLite FTS5 trigram (+ LIKE for < 3 chars)": lambda q: fts5_search(conn, q),
    }
    print(f"{len(docs)} documents, SQLite {sqlite3.sqlite_version}")
    for set_name in args.sets.split(","):
        queries = load_queries(QUERIES_PATH.with_name(f"{set_name}.yaml"))
        print(f"\n### {set_name} ({len(queries)} queries)\n")
        lines = ["| engine | recall@10 | MRR |", "|---|---|---|"]
        reports = {}
        timings = []
        for name, engine in engines.items():
            started = time.perf_counter()
            reports[name] = report = evaluate(engine, queries)
            elapsed = (time.perf_counter() - started) * 1000 / len(queries)
            lines.append(f"| {name} | {report['recall_at_10']:.3f} | {report['mrr']:.3f} |")
            timings.append(f"{name}: {elapsed:.2f} ms/query")
        print("\n".join(lines))
        print("\n" + "; ".join(timings))
        if args.misses:
            for name, report in reports.items():
                print(f"\n#### {name}\n\n{format_misses(report)}")


if __name__ == "__main__":
    main()
