"""Benchmark: the portal's Chinese search (Whoosh + jieba) next to SQLite FTS5, at N documents.

Not a test. Run by hand from the repository root:

    python bench/search.py [--docs 10000] [--keep] [--no-profile]

It builds a scratch SQLite database in a temp dir (``TMPDIR``) through the real migrations
and the publishing service: N documents of all eight kinds, 300-1,500 characters of
sentences from the seed report each, random topics and dates 2021-2025, from a seeded RNG
(the search sync is disconnected while loading). Then, in one run:

1. a full Whoosh rebuild through ``portal.search.rebuild`` (docs/s, index size on disk);
2. p50/p95 of ``portal.search.search(q, page=1, per_page=10)`` for 50 resident-style
   queries, each in its own app context: uncached (result cache cleared before each query,
   after one warm-up pass) and repeated at once (cache hit); and one publish through the
   publishing service with the search sync connected, until a search finds it;
3. where an uncached search spends its time (timed steps, then cProfile);
4. SQLite FTS5 trigram and FTS5 over jieba tokens (``bench/search_fts.py``) on the same
   documents and queries: build time, size, p50/p95.

Everything is printed as it is measured, then as Markdown tables. Figures go in
BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402

from bench import search_fts, search_profile  # noqa: E402

SEED_DIR = ROOT.parent / "shared" / "seed"
RNG_SEED = 20240601
FIRST_DAY = date(2021, 1, 1)
DAYS = (date(2025, 12, 31) - FIRST_DAY).days + 1
TAGS = ("普法", "执法", "安全", "民生", "企业", "调解", "应急", "城市管理", "法治", "社区")

#: Resident-style queries from the report's vocabulary: frequent and rare words, 1-3 words,
#: a few with no document containing every word (the relaxed OR path) or none at all.
QUERIES: tuple[str, ...] = (
    "行政复议",
    "法律明白人",
    "垃圾分类 执法",
    "民生诉求",
    "2024年 普法",
    "AI赋能",
    "双随机 一公开",
    "应急 演练",
    "劳资纠纷 调解",
    "违法建筑",
    "复议",
    "明白人",
    "执法",
    "法治",
    "调解",
    "信访",
    "人民调解",
    "网格",
    "法律顾问",
    "矛盾纠纷",
    "行政诉讼",
    "营商环境",
    "台风",
    "城中村",
    "重大行政决策",
    "基层治理",
    "合法性审查",
    "第一议题",
    "法治政府 年度报告",
    "行政执法 公示",
    "社区 矛盾纠纷 化解",
    "民生诉求 办理",
    "行政复议 应诉 案件",
    "法治 宣传 社区",
    "安全 隐患 排查",
    "违法建筑 整治",
    "法律顾问 社区",
    "第一议题 学习",
    "案审会",
    "每周一议",
    "法德讲堂",
    "悦聊空间",
    "无讼社区",
    "检察建议",
    "开放日",
    "禁火令",
    "出租屋",
    "消防",
    "老板欠工资怎么办",
    "被罚款了不服怎么办",
)


# -- corpus --------------------------------------------------------------------------


def sentences() -> list[str]:
    """The seed report's sentences (split on 。 and newlines)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEED_DIR.glob("*.txt")))
    if not text:
        raise SystemExit(f"no seed report in {SEED_DIR}")
    parts = (s.strip() for s in text.replace("\n", "。").split("。"))
    return [s for s in parts if len(s) >= 6]


def make_body(rng: random.Random, pool: list[str]) -> str:
    """300-1,500 characters of paragraphs of 2-4 seed sentences."""
    length = rng.randint(300, 1500)
    paragraphs: list[str] = []
    size = 0
    while size < length:
        paragraph = "。".join(rng.sample(pool, rng.randint(2, 4))) + "。"
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[: length - 1].rstrip("，、；：。 \n") + "。"


def kind_fields(kind: str, rng: random.Random, pool: list[str], n: int, day: date) -> dict:
    """``BASE_FIELDS`` of ``kind`` with numbers and dates varied per document."""
    from portal.documents import content_types
    from tests.conftest import BASE_FIELDS

    fields = dict(BASE_FIELDS[kind])
    year = day.year
    if kind == "notice":
        fields["valid_until"] = (day + timedelta(days=365)).isoformat()
    elif kind == "policy":
        fields["doc_number"] = f"深罗东办〔{year}〕{n + 1}号"
        fields["issued_on"] = day.isoformat()
        fields["validity"] = rng.choice(content_types.POLICY_VALIDITY)
    elif kind == "enforcement":
        fields["subtype"] = rng.choice(content_types.ENFORCEMENT_SUBTYPES)
        fields["decision_no"] = f"深罗东执罚〔{year}〕第{n + 1:05d}号"
        fields["decided_on"] = day.isoformat()
    elif kind == "faq":
        fields["question"] = rng.choice(pool)[:40] + "？"
    elif kind == "finance":
        fields["fiscal_year"] = year
    elif kind == "consultation":
        fields["opens_on"] = day.isoformat()
        fields["closes_on"] = (day + timedelta(days=30)).isoformat()
    elif kind == "report":
        fields["year"] = year
    return fields


def load_corpus(app: Flask, total: int) -> tuple[float, int]:
    """Publish ``total`` generated documents; returns seconds and body characters."""
    from flask_migrate import upgrade

    from portal import search as portal_search
    from portal.auth.actor import SYSTEM, Actor
    from portal.database import unit_of_work
    from portal.documents import content_types, publishing
    from portal.timeutil import parse_local

    bench = Actor("bench", SYSTEM.roles)

    publishing.changes_committed.disconnect(portal_search._on_changes_committed)
    rng = random.Random(RNG_SEED)
    pool = sentences()
    kinds = list(content_types.REGISTRY)
    topics = [name for _, name in content_types.TOPICS]
    credit_code = app.config["ORG_CREDIT_CODE"]
    chars = 0
    started = time.perf_counter()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        serials: dict[int, int] = {}

        def next_serial(year: int) -> int:
            serials[year] = serials.get(year, 0) + 1
            return serials[year]

        units = ExitStack()  # 500 documents per transaction
        units.enter_context(unit_of_work())
        for n in range(total):
            kind = rng.choice(kinds)
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            body = make_body(rng, pool)
            chars += len(body)
            title = rng.choice(pool)[: rng.randint(12, 40)].rstrip("，、；：（(")
            data = {
                "title": title,
                "summary": rng.choice(pool)[:120],
                "topic": rng.choice(topics),
                "tags": rng.sample(TAGS, rng.randint(0, 3)),
                # a serial per year given here skips the MAX() lookup for each document
                "index_no": f"{credit_code}/{day.year}-{next_serial(day.year):05d}",
                "body": body,
                **kind_fields(kind, rng, pool, n, day),
            }
            published = parse_local(f"{day} {rng.randint(8, 18):02d}:{rng.randint(0, 59):02d}")
            doc = publishing.create(kind, f"bench-{n}", data, actor=bench)
            publishing.publish(doc, actor=bench, published_at=published)
            if n % 500 == 499:
                units.close()
                units = ExitStack()
                units.enter_context(unit_of_work())
                Progress.show(f"  loading {n + 1:>7,} / {total:,}", n + 1, total)
        units.close()
    seconds = time.perf_counter() - started
    print(f"  loaded {total:,} documents in {seconds:.1f} s ({total / seconds:.0f} docs/s)")
    return seconds, chars


# -- helpers -------------------------------------------------------------------------


class Progress:
    """A progress callback: ``\\r`` counter on a terminal, a line every 5% in a log file."""

    def __init__(self, label: str):
        self.label = label
        self.started = time.perf_counter()
        self.finished: float | None = None  # when the last document was reported

    @staticmethod
    def show(text: str, done: int, total: int) -> None:
        if sys.stdout.isatty():
            print(text, end="\r", flush=True)
        elif done == total or done % max(total // 20, 1) < 500:
            print(text, flush=True)

    def __call__(self, done: int, total: int) -> None:
        if done == total:
            self.finished = time.perf_counter()
        if done % 500 and done != total:
            return
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed else 0.0
        left = (total - done) / rate if rate else 0.0
        self.show(
            f"  {self.label} {done:>7,} / {total:,}  {rate:.0f} docs/s, {left:.0f} s left",
            done,
            total,
        )


def pct(values: list[float], q: int) -> float:
    """The ``q``-th percentile (same method as bench/pages.py)."""
    return statistics.quantiles(values, n=100)[q - 1]


def tree_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def mb(size: int) -> float:
    return size / 1_000_000


def machine() -> str:
    try:
        meminfo = Path("/proc/meminfo").read_text().split()
        ram = f"{int(meminfo[meminfo.index('MemTotal:') + 1]) / 1024**2:.0f} GiB RAM, "
    except (OSError, ValueError):
        ram = ""
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, {ram}Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, Whoosh {importlib.metadata.version('whoosh')}, "
        f"jieba {importlib.metadata.version('jieba')}"
    )


@dataclass
class Latency:
    """Per-query milliseconds of one engine, in ``QUERIES`` order."""

    name: str
    ms: list[float] = field(default_factory=list)
    hits: list[int] = field(default_factory=list)  # total (Whoosh) or ids returned (FTS5)

    @property
    def p50(self) -> float:
        return pct(self.ms, 50)

    @property
    def p95(self) -> float:
        return pct(self.ms, 95)

    @property
    def with_hits(self) -> int:
        return sum(1 for h in self.hits if h)


# -- Whoosh through the portal -------------------------------------------------------


def rebuild_whoosh(app: Flask) -> tuple[float, int, int, float]:
    """Full rebuild through ``portal.search.rebuild``.

    Returns seconds, documents, bytes on disk and the seconds until the last document was
    added (the rest is the final commit with optimize, then a sync).
    """
    from portal import search as portal_search
    from portal.search import analysis
    from portal.search.index import get_index

    started = time.perf_counter()
    analysis.warm_up()  # jieba's dictionary, loaded once per process: not part of the rebuild
    print(f"  jieba dictionary loaded in {time.perf_counter() - started:.1f} s")
    with app.app_context():
        progress = Progress("indexing")
        started = time.perf_counter()
        count = portal_search.rebuild(progress)
        ended = time.perf_counter()
        index = get_index()
        size = tree_size(index.root / index.current_generation())
    seconds = ended - started
    adding = (progress.finished or ended) - started
    print(
        f"  Whoosh rebuild: {count:,} documents in {seconds:.1f} s "
        f"({count / seconds:.0f} docs/s), {mb(size):.0f} MB; adding documents {adding:.1f} s, "
        f"then commit(optimize=True) + sync {seconds - adding:.1f} s"
    )
    return seconds, count, size, adding


def whoosh_search(app: Flask, q: str, *, uncached: bool) -> tuple[float, int]:
    """One search in its own app context (as a request): milliseconds and total."""
    from portal import search as portal_search
    from portal.search import query, ranking

    if uncached:
        # No result cache and no decoded posting lists: only the per-segment columns
        # (kind, year, date, field lengths), loaded once per segment, stay warm.
        query._cache.data.clear()
        for data in ranking._segments.values():
            data.postings.clear()
    with app.app_context():
        started = time.perf_counter()
        results = portal_search.search(q, page=1, per_page=10)
        elapsed = (time.perf_counter() - started) * 1000
    return elapsed, results.total


def measure_whoosh(app: Flask) -> tuple[Latency, Latency]:
    """Uncached (after a warm-up pass) and repeated-at-once latency of every query."""
    for q in QUERIES:
        whoosh_search(app, q, uncached=True)
    uncached = Latency("Whoosh `search()` uncached")
    repeated = Latency("Whoosh `search()` repeated (cache hit)")
    for q in QUERIES:
        ms, total = whoosh_search(app, q, uncached=True)
        uncached.ms.append(ms)
        uncached.hits.append(total)
        ms, total = whoosh_search(app, q, uncached=False)
        repeated.ms.append(ms)
        repeated.hits.append(total)
    for lat in (uncached, repeated):
        print(f"  {lat.name}: p50 {lat.p50:.1f} ms, p95 {lat.p95:.1f} ms")
    return uncached, repeated


def uncached_pass(app: Flask) -> Callable[[], int]:
    """A function running every query once, uncached; returns how many ran."""

    def run() -> int:
        for q in QUERIES:
            whoosh_search(app, q, uncached=True)
        return len(QUERIES)

    return run


@dataclass
class PublishCycle:
    publish_ms: float  # create + publish + commit, including the synchronous index sync
    sync_ms: float  # of which the index sync
    visible_ms: float  # from the start until a search finds the document
    searches: int


def publish_cycle(app: Flask, total: int) -> PublishCycle:
    """Publish one document with the search sync connected; time until search finds it."""
    from portal import search as portal_search
    from portal.auth.actor import SYSTEM, Actor
    from portal.database import unit_of_work
    from portal.documents import publishing
    from portal.search.index import get_index

    bench = Actor("bench", SYSTEM.roles)

    publishing.changes_committed.connect(portal_search._on_changes_committed, weak=False)
    word = f"xqz{RNG_SEED}{total}"
    data = {
        "title": f"关于{word}专项整治行动的通知",
        "summary": "东晓街道开展专项整治行动。",
        "topic": "城市管理",
        "body": "东晓街道联合社区工作站开展专项整治行动，欢迎居民监督。",
    }
    sync_seconds = 0.0
    with app.app_context():
        index = get_index()
        plain_sync = index.sync

        def timed_sync(**kwargs: Any) -> int:
            nonlocal sync_seconds
            began = time.perf_counter()
            try:
                return plain_sync(**kwargs)
            finally:
                sync_seconds += time.perf_counter() - began

        index.sync = timed_sync  # type: ignore[method-assign]
        try:
            started = time.perf_counter()
            with unit_of_work():  # created and published in one commit, as before
                doc = publishing.create("news", f"bench-probe-{total}", data, actor=bench)
                publishing.publish(doc, actor=bench)
            published = time.perf_counter()
            doc_id = doc.id
        finally:
            del index.sync
    searches = 0
    while True:
        with app.app_context():
            searches += 1
            results = portal_search.search(word, page=1, per_page=10)
            if any(hit.document.id == doc_id for hit in results.hits):
                break
        if time.perf_counter() - started > 60:
            raise SystemExit(f"published document {doc_id} not found by search after 60 s")
        time.sleep(0.01)
    visible = time.perf_counter()
    cycle = PublishCycle(
        (published - started) * 1000, sync_seconds * 1000, (visible - started) * 1000, searches
    )
    print(
        f"  publish -> visible: publish+commit {cycle.publish_ms:.0f} ms "
        f"(index sync {cycle.sync_ms:.0f} ms), found after {cycle.visible_ms:.0f} ms "
        f"by search #{cycle.searches}"
    )
    return cycle


# -- FTS5 peers ----------------------------------------------------------------------


def measure_engine(name: str, run: Callable[[str], list[int]]) -> Latency:
    """Each query once after a warm-up pass."""
    for q in QUERIES:
        run(q)
    lat = Latency(name)
    for q in QUERIES:
        started = time.perf_counter()
        ids = run(q)
        lat.ms.append((time.perf_counter() - started) * 1000)
        lat.hits.append(len(ids))
    print(f"  {name}: p50 {lat.p50:.1f} ms, p95 {lat.p95:.1f} ms")
    return lat


# -- report --------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if b else "–"


def print_report(
    args: argparse.Namespace,
    load: tuple[float, int],
    whoosh_build: tuple[float, int, int, float],
    latencies: list[Latency],
    builds: dict[str, search_fts.Build],
    cycle: PublishCycle,
) -> None:
    load_seconds, chars = load
    w_seconds, w_docs, w_size, w_adding = whoosh_build
    whoosh = latencies[0]
    print()
    print(f"## Search at {args.docs:,} documents (`bench/search.py --docs {args.docs}`)")
    print()
    print(f"Machine: {machine()}.")
    print(
        f"Corpus: {args.docs:,} documents, all eight kinds, bodies 300-1,500 characters "
        f"(mean {chars / args.docs:.0f}) from the seed report's sentences, dates 2021-2025, "
        f"RNG seed {RNG_SEED}; loaded through the publishing service in {load_seconds:.0f} s "
        f"({args.docs / load_seconds:.0f} docs/s, search sync disconnected). "
        f"{len(QUERIES)} queries; each search in its own app context."
    )
    print()
    print(
        "| engine | build s | build docs/s | index MB | p50 ms | p95 ms | queries with hits "
        "| Whoosh build / this | Whoosh p50 / this | Whoosh p95 / this |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    build_of = {whoosh.name: (w_seconds, w_docs, w_size)}
    for build in builds.values():
        build_of[build.name] = (build.seconds, build.documents, build.size_bytes)
    for lat in latencies:
        seconds, docs, size = build_of.get(lat.name, (0.0, 0, 0))
        cells = [
            lat.name,
            f"{seconds:.1f}" if seconds else "–",
            f"{docs / seconds:.0f}" if seconds else "–",
            f"{mb(size):.0f}" if size else "–",
            f"{lat.p50:.1f}",
            f"{lat.p95:.1f}",
            f"{lat.with_hits}/{len(QUERIES)}",
            ratio(w_seconds, seconds) if seconds else "–",
            ratio(whoosh.p50, lat.p50),
            ratio(whoosh.p95, lat.p95),
        ]
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        f"Whoosh rebuild ({w_docs:,} documents): adding documents {w_adding:.1f} s "
        f"({w_docs / w_adding:.0f} docs/s), then `commit(optimize=True)` + sync "
        f"{w_seconds - w_adding:.1f} s; size is `du` of the generation directory."
    )
    print(
        f"Publish -> visible in search (sync connected): create + publish + commit "
        f"{cycle.publish_ms:.0f} ms, of which the index sync {cycle.sync_ms:.0f} ms; found by "
        f"search #{cycle.searches} {cycle.visible_ms:.0f} ms after the start."
    )
    print(
        "Whoosh `search()` counts every match, builds kind/year facets, re-reads the page's "
        "documents and builds snippets; the FTS5 rows return up to 10 ids (+ COUNT(*) where "
        "marked). FTS5 trigram MB includes its copy of the text; FTS5 jieba is contentless."
    )


def print_per_query(latencies: list[Latency]) -> None:
    print()
    print("| query | " + " | ".join(f"{lat.name} ms (hits)" for lat in latencies) + " |")
    print("|---|" + "---|" * len(latencies))
    for i, q in enumerate(QUERIES):
        cells = [f"{lat.ms[i]:.1f} ({lat.hits[i]})" for lat in latencies]
        print(f"| {q} | " + " | ".join(cells) + " |")


def print_breakdown(totals: dict[str, float], count: int, unprofiled_mean: float) -> None:
    whole = sum(totals.values())
    print()
    print(f"### Where an uncached Whoosh search spends its time ({count} queries, mean per query)")
    print()
    print("| step | ms per query | share |")
    print("|---|---|---|")
    for step in sorted(totals, key=totals.get, reverse=True):  # type: ignore[arg-type]
        per_query = totals[step] * 1000 / count
        print(f"| {step} | {per_query:.2f} | {totals[step] / whole:.0%} |")
    print(f"| **total (timed)** | {whole * 1000 / count:.2f} | 100% |")
    print(f"| mean of the latency run (no timers) | {unprofiled_mean:.2f} | |")


# -- main ----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--no-profile", action="store_true", help="skip the time breakdown")
    args = parser.parse_args()

    from portal import create_app

    scratch = Path(tempfile.mkdtemp(prefix="portal-bench-search-"))
    print(f"Scratch directory {scratch} ({shutil.disk_usage(scratch).free / 1e9:.0f} GB free)")
    print(f"Machine: {machine()}", flush=True)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{scratch / 'portal.db'}",
            "SEARCH_INDEX": str(scratch / "search_index"),
            "UPLOAD_DIR": str(scratch / "uploads"),
            "CONTENT_DIR": "/nonexistent",
        }
    )
    try:
        print(f"Loading {args.docs:,} documents ...", flush=True)
        load = load_corpus(app, args.docs)

        print("Whoosh (portal.search) ...", flush=True)
        whoosh_build = rebuild_whoosh(app)
        uncached, repeated = measure_whoosh(app)
        breakdown = None
        if not args.no_profile:
            breakdown = search_profile.step_breakdown(uncached_pass(app))
            print_breakdown(*breakdown, statistics.fmean(uncached.ms))
            print("\ncProfile of the same uncached pass (most own time first):\n")
            print(search_profile.cprofile_top(uncached_pass(app)), flush=True)
        cycle = publish_cycle(app, args.docs)

        portal_db = scratch / "portal.db"
        builds: dict[str, search_fts.Build] = {}
        latencies = [uncached, repeated]
        print("SQLite FTS5 trigram ...", flush=True)
        build = builds["trigram"] = search_fts.build_trigram(portal_db, scratch / "fts_trigram.db")
        print(f"  built in {build.seconds:.1f} s, {mb(build.size_bytes):.0f} MB")
        name = "FTS5 trigram (+ LIKE for < 3 chars)"
        latencies.append(measure_engine(name, search_fts.trigram_searcher(build.path)))
        build.name = name
        print("SQLite FTS5 over jieba tokens ...", flush=True)
        build = builds["jieba"] = search_fts.build_jieba(portal_db, scratch / "fts_jieba.db")
        print(f"  built in {build.seconds:.1f} s, {mb(build.size_bytes):.0f} MB")
        name = "FTS5 jieba tokens"
        latencies.append(measure_engine(name, search_fts.jieba_searcher(build.path)))
        build.name = name
        run = search_fts.jieba_searcher(build.path, count=True)
        latencies.append(measure_engine("FTS5 jieba tokens + COUNT(*)", run))

        print_report(args, load, whoosh_build, latencies, builds, cycle)
        print_per_query(latencies)
        if breakdown:
            print_breakdown(*breakdown, statistics.fmean(uncached.ms))
    finally:
        if args.keep:
            print(f"\nScratch directory kept: {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
