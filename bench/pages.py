"""Benchmark: public page latency at 10,000 documents, through gunicorn over loopback.

Not a test. Run by hand from the repository root:

    python bench/pages.py [--docs 10000] [--requests 400] [--workers 2]

It builds a scratch SQLite database (through the real migrations and the publishing
service), starts ``gunicorn wsgi:app`` on a free loopback port, and measures p50/p95 of
``/``, ``/news/``, ``/news/?page=400`` and a detail page with one keep-alive client, next to
a static file served by the same gunicorn as the baseline. Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = next((ROOT.parent / "shared" / "seed").glob("*.txt"), None)
KIND_MIX = {
    "news": 0.8,  # /news/?page=400 needs >= 8,000 news items
    "notice": 0.05,
    "faq": 0.05,
    "enforcement": 0.05,
    "policy": 0.05,
}


def sentences() -> list[str]:
    text = SEED.read_text(encoding="utf-8") if SEED else "东晓街道坚持依法行政。" * 50
    parts = [s.strip() for s in text.replace("\n", "。").split("。") if len(s.strip()) > 8]
    return parts


def build_database(url: str, upload_dir: str, total: int, index_dir: str) -> None:
    from flask_migrate import upgrade

    from portal import create_app
    from portal.auth.actor import SYSTEM, Actor
    from portal.database import unit_of_work
    from portal.documents import publishing
    from portal.timeutil import parse_local
    from tests.conftest import BASE_FIELDS

    app = create_app(
        {
            "DATABASE_URL": url,
            "UPLOAD_DIR": upload_dir,
            "SEARCH_INDEX": index_dir,
            "CONTENT_DIR": "/nonexistent",
        }
    )
    rng = random.Random(42)
    pool = sentences()
    topics = ["综合政务", "法治建设", "城市管理", "安全应急", "企业服务", "民生服务"]
    kinds = list(KIND_MIX)
    weights = list(KIND_MIX.values())
    started = time.perf_counter()
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        units = ExitStack()  # 500 documents per transaction
        units.enter_context(unit_of_work())
        for n in range(total):
            kind = "news" if n < total * 0.8 else rng.choices(kinds, weights)[0]
            body = "\n\n".join("。".join(rng.sample(pool, 4)) + "。" for _ in range(3))
            data = {
                "title": rng.choice(pool)[:60],
                "summary": rng.choice(pool)[:120],
                "topic": rng.choice(topics),
                "tags": rng.sample(["普法", "执法", "安全", "民生", "企业"], 2),
                "body": body,
                **BASE_FIELDS[kind],
            }
            day = f"20{rng.randint(21, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            doc = publishing.create(kind, f"bench-{n}", data, actor=Actor("bench", SYSTEM.roles))
            publishing.publish(
                doc, actor=Actor("bench", SYSTEM.roles), published_at=parse_local(day)
            )
            if n % 500 == 499:
                units.close()
                units = ExitStack()
                units.enter_context(unit_of_work())
                print(f"  {n + 1:>6} documents", end="\r", flush=True)
        units.close()
    print(f"  {total} documents in {time.perf_counter() - started:.1f} s")


def start_gunicorn(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``gunicorn wsgi:app`` from the repository root on a loopback port."""
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "wsgi:app"]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(port: int, path: str, count: int) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    timings = []
    for i in range(count + 20):
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - start) * 1000
        if response.status != 200:
            raise SystemExit(f"{path} returned {response.status}")
        if i >= 20:  # warm-up requests are not counted
            timings.append(elapsed)
    conn.close()
    return timings


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    url = f"sqlite:///{scratch / 'bench.db'}"
    print(f"Building {args.docs} documents in {scratch} ...")
    build_database(url, str(scratch / "uploads"), args.docs, str(scratch / "index"))

    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_UPLOAD_DIR": str(scratch / "uploads"),
        "PORTAL_SEARCH_INDEX": str(scratch / "index"),
        "PORTAL_SECRET_KEY": "benchmark-only",
    }
    server = start_gunicorn(args.workers, port, env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        detail = "/news/bench-5000"
        paths = [
            ("static file (baseline)", "/static/css/site.css"),
            ("/", "/"),
            ("/news/", "/news/"),
            ("/news/?page=400", "/news/?page=400"),
            ("detail page", detail),
        ]
        results = []
        for label, path in paths:
            timings = measure(port, path, args.requests)
            results.append((label, pct(timings, 50), pct(timings, 95)))
        base_p50 = results[0][1]
        print()
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, gunicorn -w {args.workers}, "
            f"{args.docs} documents, {args.requests} sequential keep-alive requests per URL"
        )
        print("| page | p50 ms | p95 ms | p50 / baseline |")
        print("|---|---|---|---|")
        for label, p50, p95 in results:
            print(f"| {label} | {p50:.1f} | {p95:.1f} | {p50 / base_p50:.1f}x |")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
