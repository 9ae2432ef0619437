"""Benchmark: Solr's own Chinese analysis (Lucene smartcn) against the portal's pre-analysed text.

Not a test. Run by hand from the repository root (Java 17 + Maven, as for the Solr tests):

    python bench/solr_smartcn.py [--docs 5000] [--no-rewrite]

The portal's Solr backend sends PRE-ANALYSED text (jieba words + sub-words, Solr only splits
on whitespace; synonyms, pinyin, initials and typo correction are done by the portal on the
query side). The variant measured here is Solr's own chain, configset
``bench/solr_smartcn/conf``: ``HMMChineseTokenizerFactory`` at index and query time and the
portal's synonym groups through ``SynonymGraphFilterFactory`` at query time. Both variants
get text through ``portal.search.analysis.normalize`` first, which already folds traditional
characters to simplified ones (OpenCC): the ICU transform is not on the test cluster's
classpath, so folding is Python's in both.

It starts the loopback SolrCloud (``scripts/solr-testcluster run``), then:

1. quality: loads ``content/`` through the portal (temp SQLite database, real migrations),
   indexes every published document's ``indexed_fields`` with raw text into a smartcn
   collection, runs the query sets of ``tests/search_quality`` through edismax
   (``qf=title_t^3 content_t``, ``q.op=AND``, OR when nothing matches) and scores them with
   ``metrics.evaluate``; optionally also with the portal's query rewriting (pinyin/initials
   converted by its lexicon, typos by ``smart.correct``) put in front of smartcn;
2. throughput: N generated documents (``bench/search.py``'s synthetic corpus) indexed as raw
   text into the smartcn collection (Solr time only) and as pre-analysed tokens
   (``analysis.index_tokens``, one Python process) into the normal configset (Python analysis
   + Solr), in docs/s.

Results are printed as Markdown tables. The JVM is quit at the end (stdin closed).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from portal.search import analysis, solr_admin  # noqa: E402
from portal.search.solr_client import escape  # noqa: E402
from tests.search_quality.metrics import QUERIES_PATH, K, evaluate, load_queries  # noqa: E402
from tests.solr_cluster import SolrTestCluster  # noqa: E402

SMARTCN_CONF = ROOT / "bench" / "solr_smartcn"
PORTAL_CONF = solr_admin.CONFIGSET_DIR
SETS = ("queries", "typos", "pinyin", "initials", "traditional")
BATCH = 500
WARM_UP_DOCS = 500

#: The pre-analysed Solr backend on the same sets (recall@10, MRR), measured the same day
#: through the portal's search (tests/search_quality with the Solr backend).
PRE_ANALYSED: dict[str, tuple[float, float]] = {
    "queries": (0.985, 0.964),
    "typos": (1.000, 0.963),
    "pinyin": (0.955, 0.955),
    "initials": (0.944, 0.944),
    "traditional": (1.000, 0.977),
}


# -- Solr ------------------------------------------------------------------------------------


def update(node: str, collection: str, docs: list[dict[str, Any]], commit: bool = False) -> None:
    resp = requests.post(
        f"{node}/{collection}/update",
        params={"wt": "json", **({"commit": "true"} if commit else {})},
        json=docs,
        timeout=300,
    )
    if resp.status_code != 200:
        raise SystemExit(f"update {collection}: HTTP {resp.status_code}: {resp.text[:800]}")


def commit(node: str, collection: str) -> None:
    update(node, collection, [], commit=True)


def query_text(text: str) -> str:
    """A resident's text as edismax input: folded like the index, every special character
    escaped, words left apart (smartcn segments each run of text)."""
    return " ".join(escape(part) for part in analysis.normalize(text).split())


def select(node: str, collection: str, q: str, op: str) -> dict[str, Any]:
    params = {
        "q": q,
        "defType": "edismax",
        "qf": "title_t^3 content_t",
        "q.op": op,
        "fl": "id",
        "rows": K,
        "fq": "kind:[* TO *]",
        "wt": "json",
    }
    resp = requests.post(f"{node}/{collection}/select", data=params, timeout=60)
    if resp.status_code != 200:
        raise SystemExit(f"select {q!r}: HTTP {resp.status_code}: {resp.text[:800]}")
    return resp.json()


def search_ids(
    node: str, collection: str, text: str, escaped: bool = False
) -> tuple[list[str], bool]:
    """Ranked ids for ``text`` (AND, then OR when nothing matches) and whether it relaxed;
    ``escaped`` text is an edismax expression already (the rewriting's ORs)."""
    q = text if escaped else query_text(text)
    if not q:
        return [], False
    answer = select(node, collection, q, "AND")
    relaxed = False
    if not answer["response"]["numFound"]:
        relaxed = True
        answer = select(node, collection, q, "OR")
    return [str(doc["id"]) for doc in answer["response"]["docs"]], relaxed


def new_collection(nodes: list[str], name: str, conf: Path) -> None:
    solr_admin.setup(nodes, name, configset_dir=conf, replication_factor=1, timeout=120)


# -- quality ---------------------------------------------------------------------------------


def demo_documents(tmp: Path) -> tuple[Any, list[dict[str, Any]], dict[str, str]]:
    """The app (for the query rewriting), every published demo document as the smartcn
    collection gets it (raw normalised text), and ``id -> kind/slug``."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from portal import create_app
    from portal.documents.loader import load_directory
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.orgs.service import ensure_home
    from portal.search.schema import indexed_fields, org_codes

    app = create_app(
        {
            "SECRET_KEY": "bench",
            "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "UPLOAD_DIR": str(tmp / "uploads"),
            "SEARCH_INDEX": str(tmp / "search_index"),
            "CONTENT_DIR": str(ROOT / "content"),
        }
    )
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        ensure_home()
        report = load_directory(ROOT / "content")
        if report.failed:
            raise SystemExit(f"content/ did not load: {report.errors}")
        session = db.session
        codes = org_codes(session)
        docs: list[dict[str, Any]] = []
        keys: dict[str, str] = {}
        published = sa.select(Document).where(Document.status == "published")
        for doc in session.scalars(published):
            fields = indexed_fields(doc, codes)
            keys[str(fields["id"])] = f"{doc.kind}/{doc.slug}"
            docs.append(
                {
                    "id": fields["id"],
                    "kind": fields["kind"],
                    "org": fields["org"],
                    "year": fields["year"],
                    "published": fields["published"],
                    "updated": fields["updated"],
                    "title_t": analysis.normalize(str(fields["title"])),
                    "content_t": analysis.normalize(str(fields["content"])),
                    "exact": fields["exact"],
                    "change_id": 1,
                }
            )
        db.session.remove()
    return app, docs, keys


def rewriter(app: Any) -> Callable[[str, Callable[..., tuple[list[str], bool]]], list[str]]:
    """The portal's query-side rewriting in front of another engine: a latin word (pinyin,
    initials) becomes an OR of the Chinese words its lexicon converts it to (best three, as
    the plan's alternatives); Chinese text is left as typed (smartcn segments it); and
    ``smart.correct`` is tried when the query matched nothing or only with OR, the same
    order as ``portal.search.query``."""
    from portal.search import plan as plan_mod
    from portal.search import query, smart

    def latin(alternative: Any) -> bool:
        return all(t.isascii() for t in alternative.tokens)

    def run(q: str, engine: Callable[..., tuple[list[str], bool]]) -> list[str]:
        with app.app_context():
            lex = query.index_lexicon(query.get_backend())
            built = plan_mod.build_plan(q, lex)
            converted = any(latin(o[0]) and len(o) > 1 for o in built.words)
            if converted:
                parts = []
                for options in built.words:
                    if latin(options[0]) and len(options) > 1:
                        best = sorted(options[1:], key=lambda a: -a.weight)[:3]
                        ors = " OR ".join(f"({escape(''.join(a.tokens))})" for a in best)
                        parts.append(f"({ors})")
                    else:
                        parts.append(escape("".join(options[0].tokens)))
                ids, relaxed = engine(" ".join(parts), escaped=True)
            else:
                ids, relaxed = engine(q)
            if not ids or relaxed:
                correction = smart.correct(q, lex)
                if correction is not None:
                    fixed, fixed_relaxed = engine(correction.query)
                    if fixed and (not fixed_relaxed or not ids):
                        return fixed
            return ids

    return run


def quality(
    node: str, collection: str, keys: dict[str, str], rewrite: Callable[..., list[str]] | None
) -> dict[str, dict[str, tuple[float, float]]]:
    out: dict[str, dict[str, tuple[float, float]]] = {"smartcn": {}, "smartcn+rewrite": {}}

    def engine(text: str, escaped: bool = False) -> tuple[list[str], bool]:
        ids, relaxed = search_ids(node, collection, text, escaped)
        return [keys.get(i, i) for i in ids], relaxed

    for name in SETS:
        queries = load_queries(QUERIES_PATH.with_name(f"{name}.yaml"))
        plain = evaluate(lambda q: engine(q)[0], queries)
        out["smartcn"][name] = (plain["recall_at_10"], plain["mrr"])
        misses = [r for r in plain["per_query"] if r["recall"] < 1 or r["reciprocal_rank"] < 1]
        print(f"{name}: smartcn recall@10 {plain['recall_at_10']:.3f} MRR {plain['mrr']:.3f}")
        for row in misses[:8]:
            print(f"    {row['query']!r}: missed {row['missed']} got {row['results'][:3]}")
        if rewrite is not None:
            rewritten = evaluate(lambda q: rewrite(q, engine), queries)
            out["smartcn+rewrite"][name] = (rewritten["recall_at_10"], rewritten["mrr"])
            print(
                f"{name}: smartcn+rewrite recall@10 {rewritten['recall_at_10']:.3f} "
                f"MRR {rewritten['mrr']:.3f}"
            )
            for row in rewritten["per_query"]:
                if row["recall"] < 1 or row["reciprocal_rank"] < 1:
                    print(f"    {row['query']!r}: missed {row['missed']} got {row['results'][:3]}")
    return out


# -- throughput ------------------------------------------------------------------------------


def synthetic(n: int, seed: int, first_id: int) -> list[dict[str, Any]]:
    """``n`` generated documents (title + 300-1,500 characters of seed-report sentences)."""
    from bench.search import make_body, sentences

    rng = random.Random(seed)
    pool = sentences()
    docs = []
    for i in range(n):
        docs.append(
            {
                "id": str(first_id + i),
                "kind": rng.choice(("news", "notice", "policy", "faq")),
                "org": "home",
                "year": rng.randint(2021, 2025),
                "published": 1_600_000_000 + i,
                "updated": "2024-01-01T00:00:00",
                "title": rng.choice(pool)[:40],
                "content": make_body(rng, pool),
                "exact": "",
                "change_id": 1,
            }
        )
    return docs


def batches(items: list[dict[str, Any]], size: int = BATCH) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def raw_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for d in docs:
        fields = {k: v for k, v in d.items() if k not in ("title", "content")}
        fields["title_t"] = analysis.normalize(d["title"])
        fields["content_t"] = analysis.normalize(d["content"])
        out.append(fields)
    return out


def pre_analysed(d: dict[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in d.items() if k not in ("title", "content")}
    fields["title_t"] = " ".join(analysis.index_tokens(d["title"]))
    fields["content_t"] = " ".join(analysis.index_tokens(d["content"]))
    return fields


def index_smartcn(node: str, collection: str, docs: list[dict[str, Any]]) -> float:
    prepared = raw_docs(docs)  # normalisation (OpenCC) outside the timing: Solr only
    start = time.perf_counter()
    for batch in batches(prepared):
        update(node, collection, batch)
    commit(node, collection)
    return time.perf_counter() - start


def index_pre_analysed(node: str, collection: str, docs: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    for batch in batches(docs):
        update(node, collection, [pre_analysed(d) for d in batch])
    commit(node, collection)
    return time.perf_counter() - start


def throughput(nodes: list[str], n: int, suffix: str) -> dict[str, tuple[float, float]]:
    node = nodes[0]
    smart_name, pre_name = f"tp_smartcn_{suffix}", f"tp_pre_{suffix}"
    new_collection(nodes, smart_name, SMARTCN_CONF)
    new_collection(nodes, pre_name, PORTAL_CONF)
    analysis.warm_up()
    warm = synthetic(WARM_UP_DOCS, 7, 10_000_000)  # JIT and caches warm for both, not timed
    index_smartcn(node, smart_name, warm)
    index_pre_analysed(node, pre_name, warm)
    docs = synthetic(n, 20240601, 1)
    results = {}
    # pre-analysed: Python analysis (one process) overlapping nothing, then Solr
    seconds = index_pre_analysed(node, pre_name, docs)
    results["pre-analysed (jieba in Python + Solr whitespace)"] = (seconds, n / seconds)
    seconds = index_smartcn(node, smart_name, docs)
    results["smartcn (Solr only)"] = (seconds, n / seconds)
    # The Python half alone, for where the time goes.
    start = time.perf_counter()
    for d in docs:
        pre_analysed(d)
    seconds = time.perf_counter() - start
    results["(jieba analysis alone, one process)"] = (seconds, n / seconds)
    for name in (smart_name, pre_name):
        solr_admin.delete_collection(nodes, name)
        solr_admin.delete_configset(nodes, name)
    return results


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=5000, help="generated documents (speed)")
    parser.add_argument("--no-rewrite", action="store_true", help="skip smartcn + rewriting")
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput part")
    args = parser.parse_args()

    suffix = str(int(time.time()))
    with tempfile.TemporaryDirectory(prefix="solr_smartcn_") as tmpdir:
        tmp = Path(tmpdir)
        print("loading content/ through the portal ...", flush=True)
        app, docs, keys = demo_documents(tmp)
        print(f"{len(docs)} published documents", flush=True)
        print("starting the Solr test cluster ...", flush=True)
        cluster = SolrTestCluster()
        try:
            nodes = list(cluster.nodes)
            node = nodes[0]
            name = f"smartcn_{suffix}"
            new_collection(nodes, name, SMARTCN_CONF)
            update(node, name, docs, commit=True)
            rewrite = None if args.no_rewrite else rewriter(app)
            scores = quality(node, name, keys, rewrite)
            solr_admin.delete_collection(nodes, name)
            solr_admin.delete_configset(nodes, name)
            speed = {} if args.no_speed else throughput(nodes, args.docs, suffix)
        finally:
            cluster.close()

    print()
    print("## Quality (recall@10 / MRR)")
    print()
    header = "| set | pre-analysed Solr (portal) | smartcn | smartcn + portal rewriting |"
    print(header)
    print("|---|---|---|---|")
    for name in SETS:
        pre = PRE_ANALYSED[name]
        smart = scores["smartcn"][name]
        rew = scores["smartcn+rewrite"].get(name)
        rew_text = f"{rew[0]:.3f} / {rew[1]:.3f}" if rew else "—"
        print(
            f"| {name} | {pre[0]:.3f} / {pre[1]:.3f} | {smart[0]:.3f} / {smart[1]:.3f} "
            f"| {rew_text} |"
        )
    if speed:
        print()
        print(f"## Indexing throughput ({args.docs} generated documents, 1 shard x 1 replica)")
        print()
        print("| variant | seconds | docs/s |")
        print("|---|---|---|")
        for label, (seconds, rate) in speed.items():
            print(f"| {label} | {seconds:.1f} | {rate:.0f} |")


if __name__ == "__main__":
    main()
