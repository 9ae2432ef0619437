"""Benchmark: search at district scale — Solr (SolrCloud, 2 nodes) beside Whoosh, tantivy and
SQLite FTS5 on the same documents (issue 16).

Not a test. Run by hand from the repository root, PostgreSQL running and the platform
benchmark's database loaded (``python bench/district.py --scale 1`` made it: 500,000
published documents across 50 organisations, the generator of ``bench/search.py``):

    python bench/search_scale.py [--url postgresql://postgres@127.0.0.1:5432/bench_platform]
        [--sizes 100000,500000] [--whoosh-sizes 100000] [--heap 1g]

For each size N (every k-th published document, k = total // N; N = all: every document):

1. **Solr**: starts the two-node SolrCloud of the tests (``scripts/solr-testcluster run``,
   one JVM, embedded ZooKeeper, replication factor 2) once, then ``portal.search.rebuild()``
   with ``PORTAL_SEARCH_BACKEND=solr`` (analysis in forked workers, a new collection, the
   alias swapped): documents/s and minutes. While it runs, the analysed tokens are written
   to a scratch file, from which the anchors are built.
2. p50/p95 of the **full** ``GET /search?q=`` request through the Flask test client (facets,
   highlighting, the database re-read; page cache off) for the 50 queries of
   ``bench/search.py``: uncached (the result cache cleared) and repeated; and of the backend
   call alone (``rank``), the query itself.
3. **Publish → visible**: one document published through the publishing service with the sync
   connected, until a search finds it (then withdrawn again).
4. The same for **Whoosh** at the ``--whoosh-sizes`` (the one-office default; its 500,000
   rebuild takes about 40 minutes here).
5. Anchors over the very same jieba tokens: **tantivy** (PyPI ``tantivy``, whitespace
   tokenizer, BM25, title boosted) — the near-physical limit for one machine — and
   **SQLite FTS5** (contentless, unicode61): build time and p50/p95 of the query alone.
6. Memory: RSS of this Python process and of the Solr JVM.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.district import make_app  # noqa: E402
from bench.search import QUERIES, machine  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_platform"


def pct(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_solr(heap: str) -> tuple[subprocess.Popen, list[str]]:
    env = {**os.environ, "SOLR_TESTCLUSTER_JAVA_OPTS": f"-Xmx{heap}"}
    proc = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "solr-testcluster"), "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    started = time.perf_counter()
    for line in proc.stdout:
        if line.startswith("READY "):
            nodes = json.loads(line[6:])["nodes"]
            print(f"  SolrCloud (2 nodes) up in {time.perf_counter() - started:.0f} s: {nodes}")
            return proc, nodes
    raise SystemExit("the Solr test cluster did not start")


def java_pid(proc: subprocess.Popen) -> int:
    """The JVM under the launcher script (the script execs java, so usually the same)."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    kids = children.read_text().split() if children.exists() else []
    return int(kids[0]) if kids else proc.pid


def sampled_batches(step: int):
    import sqlalchemy as sa

    from portal.documents.models import Document

    def batches(session, size: int = 500) -> Iterator[Document]:
        last_id = 0
        while True:
            condition = [Document.status == "published", Document.id > last_id]
            if step > 1:
                condition.append(Document.id % step == 0)
            batch = list(
                session.scalars(
                    sa.select(Document).where(*condition).order_by(Document.id).limit(size)
                )
            )
            if not batch:
                return
            yield from batch
            last_id = batch[-1].id
            session.expunge_all()

    return batches


def published_total(app) -> int:
    import sqlalchemy as sa

    from portal.documents.models import Document
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Document).where(Document.status == "published")
        )


_DUMP: Path | None = None  # where ``dumping`` writes the analysed tokens


def dumping(fields: dict[str, Any]) -> dict[str, Any]:
    """``portal.search.solr.analysed`` that also keeps the tokens for the anchors (runs in
    the forked analysis workers: one file per process)."""
    from portal.search import solr as search_solr

    result = search_solr.plain_analysed(fields)  # type: ignore[attr-defined]
    with open(f"{_DUMP}.{os.getpid()}", "a", encoding="utf-8") as out:
        row = [result["id"], result["title_t"], result["content_t"], result["kind"]]
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return result


def rebuild(app, step: int, dump: Path | None) -> tuple[int, float]:
    """``portal.search.rebuild()`` over every ``step``-th document; tokens to ``dump``."""
    global _DUMP
    from portal import search as portal_search
    from portal.search import index as search_index
    from portal.search import solr as search_solr

    batches = sampled_batches(step)
    plain_analysed = search_solr.analysed
    if dump is not None:
        _DUMP = dump
        search_solr.plain_analysed = plain_analysed  # type: ignore[attr-defined]
        search_solr.analysed = dumping  # type: ignore[assignment]
    search_index._published_in_batches = batches  # type: ignore[assignment]
    search_solr._published_in_batches = batches  # type: ignore[assignment]
    try:
        with app.app_context():
            started = time.perf_counter()
            count = portal_search.rebuild()
            return count, time.perf_counter() - started
    finally:
        search_solr.analysed = plain_analysed  # type: ignore[assignment]


def upgrade(url: str, scratch: Path) -> None:
    """Bring the benchmark database to the newest migration (it may predate this one)."""
    from flask_migrate import upgrade as migrate_upgrade

    app = make_app(url, scratch)
    with app.app_context():
        migrate_upgrade(directory=app.extensions["migrate"].directory)


def request_latency(app) -> dict[str, tuple[float, float]]:
    """Full ``/search`` requests (uncached, repeated) and the backend call alone."""
    from portal.search import query

    client = app.test_client()
    timings: dict[str, list[float]] = {"uncached": [], "repeated": [], "query": []}
    backend_rank = query.backend_rank
    spent: list[float] = []

    def timed(*args: Any, **kwargs: Any):
        began = time.perf_counter()
        try:
            return backend_rank(*args, **kwargs)
        finally:
            spent.append((time.perf_counter() - began) * 1000)

    query.backend_rank = timed  # type: ignore[assignment]
    try:
        for q in QUERIES:  # warm-up pass
            query._cache.data.clear()
            client.get("/search", query_string={"q": q})
        for q in QUERIES:
            query._cache.data.clear()
            spent.clear()
            began = time.perf_counter()
            response = client.get("/search", query_string={"q": q})
            timings["uncached"].append((time.perf_counter() - began) * 1000)
            timings["query"].append(sum(spent))
            assert response.status_code == 200, (q, response.status_code)
            began = time.perf_counter()
            client.get("/search", query_string={"q": q})
            timings["repeated"].append((time.perf_counter() - began) * 1000)
    finally:
        query.backend_rank = backend_rank  # type: ignore[assignment]
    return {name: (pct(v, 50), pct(v, 95)) for name, v in timings.items()}


def publish_visible(app, label: str) -> float:
    """Milliseconds from publishing a document until a search finds it."""
    from portal import search as portal_search
    from portal.auth.actor import SYSTEM
    from portal.database import unit_of_work
    from portal.documents import publishing

    word = f"xqz{label}{int(time.time())}"
    data = {
        "title": f"关于{word}专项整治行动的通知",
        "summary": "专项整治行动。",
        "topic": "城市管理",
        "body": "联合社区工作站开展专项整治行动，欢迎居民监督。",
    }
    with app.app_context():
        started = time.perf_counter()
        with unit_of_work():
            doc = publishing.create("news", f"bench-probe-{word}", data, actor=SYSTEM)
            publishing.publish(doc, actor=SYSTEM)
        doc_id = doc.id
    while True:
        with app.app_context():
            found = portal_search.search(word, page=1, per_page=10)
            if any(hit.document.id == doc_id for hit in found.hits):
                break
        if time.perf_counter() - started > 60:
            raise SystemExit("the published document was not found within 60 s")
        time.sleep(0.005)
    visible = (time.perf_counter() - started) * 1000
    with app.app_context(), unit_of_work():
        from portal.documents.models import Document
        from portal.extensions import db

        publishing.withdraw(db.session.get(Document, doc_id), reason="基准测试", actor=SYSTEM)
    return visible


def dumped_rows(dump: Path) -> Iterator[list[Any]]:
    for part in sorted(dump.parent.glob(dump.name + ".*")):
        with part.open(encoding="utf-8") as rows:
            for line in rows:
                yield json.loads(line)


def tantivy_anchor(dump: Path, scratch: Path) -> dict[str, Any]:
    import tantivy

    from portal.search import analysis

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True)
    builder.add_text_field("title", tokenizer_name="whitespace")
    builder.add_text_field("body", tokenizer_name="whitespace")
    schema = builder.build()
    path = scratch / "tantivy"
    path.mkdir(parents=True)
    index = tantivy.Index(schema, path=str(path))
    started = time.perf_counter()
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    count = 0
    for doc_id, title, body, _ in dumped_rows(dump):
        writer.add_document(tantivy.Document(id=int(doc_id), title=title, body=body))
        count += 1
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    build = time.perf_counter() - started
    searcher = index.searcher()
    times = []
    for q in QUERIES * 2:
        words = analysis.query_words(q)
        clauses = []
        for word in words:
            term = word.replace("\\", "\\\\").replace('"', '\\"')
            clauses.append(f'+(title:"{term}"^3 body:"{term}")')
        began = time.perf_counter()
        if clauses:
            query = index.parse_query(" ".join(clauses), ["title", "body"])
            searcher.search(query, 10, count=True)
        times.append((time.perf_counter() - began) * 1000)
    times = times[len(QUERIES) :]
    return {"docs": count, "build_s": build, "p50": pct(times, 50), "p95": pct(times, 95)}


def fts5_anchor(dump: Path, scratch: Path) -> dict[str, Any]:
    from bench.search_fts import jieba_searcher

    scratch.mkdir(parents=True, exist_ok=True)
    path = scratch / "fts5.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute(
        "CREATE VIRTUAL TABLE docs_jieba USING fts5("
        "title, body, content='', tokenize='unicode61 remove_diacritics 0')"
    )
    started = time.perf_counter()
    count = 0
    with conn:
        for doc_id, title, body, _ in dumped_rows(dump):
            conn.execute(
                "INSERT INTO docs_jieba(rowid, title, body) VALUES (?, ?, ?)",
                (int(doc_id), title, body),
            )
            count += 1
        conn.execute("INSERT INTO docs_jieba(docs_jieba) VALUES ('optimize')")
    conn.close()
    build = time.perf_counter() - started
    run = jieba_searcher(path, count=True)
    for q in QUERIES:
        run(q)
    times = []
    for q in QUERIES:
        began = time.perf_counter()
        run(q)
        times.append((time.perf_counter() - began) * 1000)
    return {"docs": count, "build_s": build, "p50": pct(times, 50), "p95": pct(times, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--sizes", default="100000,500000")
    parser.add_argument("--whoosh-sizes", default="100000")
    parser.add_argument("--heap", default="1g", help="heap of the Solr JVM (both nodes)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    whoosh_sizes = [int(s) for s in args.whoosh_sizes.split(",") if s]
    scratch = Path(tempfile.mkdtemp(prefix="bench-search-scale-"))
    print(f"machine: {machine()}")
    upgrade(args.url, scratch)
    proc, nodes = start_solr(args.heap)
    report: list[dict[str, Any]] = []
    try:
        solr_url = ",".join(f"{n}/bench" for n in nodes)
        for size in sizes:
            solr_app = make_app(
                args.url,
                scratch,
                SEARCH_BACKEND="solr",
                SOLR_URL=solr_url,
                PAGE_CACHE_MB=0,
            )
            total = published_total(solr_app)
            step = max(1, total // size)
            dump = scratch / f"tokens-{size}"
            print(f"== {size:,} documents (every {step}-th of {total:,})")
            count, seconds = rebuild(solr_app, step, dump)
            row: dict[str, Any] = {"size": size, "docs": count}
            row["solr_build_s"] = seconds
            print(f"  Solr rebuild: {count:,} docs in {seconds:.0f} s ({count / seconds:.0f}/s)")
            row["solr"] = request_latency(solr_app)
            print(f"  Solr /search: {row['solr']}")
            row["solr_visible_ms"] = statistics.median(
                publish_visible(solr_app, f"s{size}{n}") for n in range(5)
            )
            print(f"  Solr publish -> visible (median of 5): {row['solr_visible_ms']:.0f} ms")
            row["rss_python_mb"] = rss_mb(os.getpid())
            row["rss_solr_mb"] = rss_mb(java_pid(proc))
            print(f"  RSS python {row['rss_python_mb']:.0f} MB, Solr JVM {row['rss_solr_mb']:.0f}")
            if size in whoosh_sizes:
                shutil.rmtree(scratch / "index", ignore_errors=True)
                whoosh_app = make_app(args.url, scratch, PAGE_CACHE_MB=0)
                count, seconds = rebuild(whoosh_app, step, None)
                row["whoosh_build_s"] = seconds
                print(f"  Whoosh rebuild: {count:,} in {seconds:.0f} s ({count / seconds:.0f}/s)")
                row["whoosh"] = request_latency(whoosh_app)
                print(f"  Whoosh /search: {row['whoosh']}")
                row["whoosh_visible_ms"] = statistics.median(
                    publish_visible(whoosh_app, f"w{size}{n}") for n in range(5)
                )
                print(f"  Whoosh publish -> visible: {row['whoosh_visible_ms']:.0f} ms")
            row["tantivy"] = tantivy_anchor(dump, scratch / f"t{size}")
            print(f"  tantivy: {row['tantivy']}")
            row["fts5"] = fts5_anchor(dump, scratch / f"f{size}")
            print(f"  FTS5: {row['fts5']}")
            report.append(row)
    finally:
        if proc.stdin:
            proc.stdin.close()
        proc.wait(timeout=120)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
