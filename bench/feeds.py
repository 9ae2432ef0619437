"""Benchmark: /feeds/all.rss with and without a matching If-None-Match, through gunicorn.

Not a test. Run by hand from the repository root:

    python bench/feeds.py [--docs 10000] [--seconds 10] [--clients 4]

Builds the same scratch database as ``bench/pages.py``, serves it with gunicorn on a
loopback port and, for each case, keeps ``--clients`` keep-alive connections busy for
``--seconds``: requests/s and p50/p95 latency. Also reports what building the feed
costs: the second server runs with PORTAL_FEED_CACHE_SIZE=0, so every full response builds
the feed, which is what a 304 saves a poller that has not changed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import build_database, free_port, pct, start_gunicorn  # noqa: E402

FEED = "/feeds/all.rss"


def hammer(port: int, headers: dict[str, str], seconds: float, clients: int, status: int):
    """Run ``clients`` keep-alive loops for ``seconds``; returns (requests/s, latencies ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def loop() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine: list[float] = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            conn.request("GET", FEED, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - start) * 1000)
            if response.status != status:
                raise SystemExit(f"expected {status}, got {response.status}")
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=loop) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reuse", type=Path, help="a scratch folder from an earlier run")
    args = parser.parse_args()

    scratch = args.reuse or Path(tempfile.mkdtemp(prefix="portal-bench-feeds-"))
    url = f"sqlite:///{scratch / 'bench.db'}"
    if not args.reuse:
        print(f"Building {args.docs} documents in {scratch} ...")
        build_database(url, str(scratch / "uploads"), args.docs, str(scratch / "index"))

    for cache_size in (256, 0):
        run_server(args, url, scratch, cache_size)


def run_server(args: argparse.Namespace, url: str, scratch: Path, cache_size: int) -> None:
    """Serve the scratch site with the given feed cache size and measure the three cases."""
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_FEED_CACHE_SIZE": str(cache_size),
        "PORTAL_DATABASE_URL": url,
        "PORTAL_UPLOAD_DIR": str(scratch / "uploads"),
        "PORTAL_SEARCH_INDEX": str(scratch / "index"),
        "PORTAL_SECRET_KEY": "benchmark-only",
    }
    server = start_gunicorn(args.workers, port, env)
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", FEED)
                first = conn.getresponse()
                first.read()
                etag = first.getheader("ETag")
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        # Cold builds: every worker builds once; time single requests on fresh workers.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        cold = []
        for _ in range(args.workers * 2):
            start = time.perf_counter()
            conn.request("GET", FEED)
            conn.getresponse().read()
            cold.append((time.perf_counter() - start) * 1000)
        full_rps, full = hammer(port, {}, args.seconds, args.clients, 200)
        cond_rps, cond = hammer(port, {"If-None-Match": etag}, args.seconds, args.clients, 304)
        print()
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, gunicorn -w {args.workers}, {args.docs} documents, "
            f"{args.clients} keep-alive clients x {args.seconds:.0f} s per case, feed of 50 items"
        )
        print("| case | requests/s | p50 ms | p95 ms |")
        print("|---|---|---|---|")
        print(
            f"| first requests after start (feed built per worker, then cached) | – | "
            f"{pct(cold, 50):.1f} | max {max(cold):.1f} |"
        )
        print(
            f"| full feed ({'cached body' if cache_size else 'built for every request'}, 200) "
            f"| {full_rps:.0f} | {pct(full, 50):.1f} | "
            f"{pct(full, 95):.1f} |"
        )
        print(
            f"| matching If-None-Match (304) | {cond_rps:.0f} | {pct(cond, 50):.1f} | "
            f"{pct(cond, 95):.1f} |"
        )
        print(
            f"\n304 p95 / full p95 = {pct(cond, 95) / pct(full, 95):.2f}; "
            f"304 cost per request / full = {full_rps / cond_rps:.2f}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
