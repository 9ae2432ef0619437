"""Benchmark: throughput under load with wrk, against two baselines measured in the same run.

Not a test. Run by hand from the repository root (needs Debian's ``wrk`` and ``nginx``):

    python bench/load.py [--docs 10000] [--seconds 10] [--connections 16] [--workers 2]

It builds a scratch SQLite database through the publishing service (as bench/pages.py),
starts ``gunicorn wsgi:app -c gunicorn.conf.py`` with 2 workers on a loopback port and runs
wrk over ``/``, ``/news/``, a detail page, ``/search?q=执法`` and ``/feeds/all.rss``. The
baselines, under the same settings:

- framework floor: bench/floor_app.py, a minimal Flask app returning the same home-page bytes
  under the same gunicorn settings;
- physical limit: nginx serving the same home page as a static file;
- micro-cache: nginx in front of the portal with the proxy cache of docs/deploy.md, which
  honours the portal's ``Cache-Control``.

Every wrk run must finish with zero errors and non-2xx responses. Figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pages import build_database, free_port  # noqa: E402

PATHS = [
    ("home /", "/"),
    ("list /news/", "/news/"),
    ("detail", "/news/bench-5000"),
    ("search /search?q=执法", "/search?q=%E6%89%A7%E6%B3%95"),
    ("feed /feeds/all.rss", "/feeds/all.rss"),
]

NGINX = """
worker_processes 1;
pid {scratch}/nginx.pid;
error_log {scratch}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; }}
    proxy_cache_path {scratch}/nginx-cache levels=1:2 keys_zone=portal:10m max_size=100m
                     inactive=10m use_temp_path=off;
    server {{
        listen 127.0.0.1:{static_port};
        root {scratch}/static-site;
        location = / {{ try_files /index.html =404; }}
    }}
    server {{
        listen 127.0.0.1:{cache_port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # The micro-cache of docs/deploy.md: the portal's Cache-Control decides how long.
            proxy_cache portal;
            proxy_cache_lock on;
            proxy_cache_use_stale updating error timeout;
            proxy_cache_background_update on;
            proxy_cache_bypass $cookie_session $http_authorization;
            proxy_no_cache $cookie_session $http_authorization;
        }}
    }}
}}
"""


def wait_for(port: int) -> None:
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def gunicorn(
    app: str, port: int, env: dict[str, str], workers: int, config: Path = ROOT / "gunicorn.conf.py"
) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", str(config)]
    command += ["-w", str(workers), "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    process = subprocess.Popen([*command, app], cwd=ROOT, env=env)
    wait_for(port)
    return process


def wrk(port: int, path: str, seconds: int, connections: int) -> tuple[float, float, int]:
    """Requests per second, p99 latency in ms, and errors + non-2xx/3xx responses."""
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run(["wrk", "-t2", "-c4", "-d2s", url], capture_output=True, check=True)  # warm
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, float(p99.group(1)) * scale, errors + (int(bad.group(1)) if bad else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is needed: apt-get install {tool}")

    scratch = Path(tempfile.mkdtemp(prefix="portal-load-"))
    scratch.chmod(0o755)  # nginx's worker (www-data) must read the page and write its cache
    url = f"sqlite:///{scratch / 'bench.db'}"
    print(f"Building {args.docs} documents in {scratch} ...")
    build_database(url, str(scratch / "uploads"), args.docs, str(scratch / "index"))
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": url,
        "PORTAL_UPLOAD_DIR": str(scratch / "uploads"),
        "PORTAL_SEARCH_INDEX": str(scratch / "index"),
        "PORTAL_SECRET_KEY": "load-benchmark",
        "PORTAL_PROXY_COUNT": "1",
    }
    app_port, floor_port, static_port, cache_port = (free_port() for _ in range(4))
    processes: list[subprocess.Popen] = []
    results: list[tuple[str, float, float, int]] = []
    try:
        processes.append(gunicorn("wsgi:app", app_port, env, args.workers))
        with urllib.request.urlopen(f"http://127.0.0.1:{app_port}/") as response:
            home = response.read()
        (scratch / "static-site").mkdir()
        (scratch / "static-site" / "index.html").write_bytes(home)
        floor_env = {**env, "FLOOR_PAGE": str(scratch / "static-site" / "index.html")}
        # The same settings file, minus its fork hooks (they reset the portal's database and
        # index, which the floor app does not have).
        floor_conf = scratch / "floor.conf.py"
        floor_conf.write_text(
            f"exec(open({str(ROOT / 'gunicorn.conf.py')!r}).read())\ndel when_ready, post_fork\n"
        )
        processes.append(
            gunicorn("bench.floor_app:app", floor_port, floor_env, args.workers, floor_conf)
        )
        conf = scratch / "nginx.conf"
        conf.write_text(
            NGINX.format(
                scratch=scratch, static_port=static_port, cache_port=cache_port, app_port=app_port
            )
        )
        processes.append(
            subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"], cwd=scratch)
        )
        wait_for(static_port)

        def run(label: str, port: int, path: str) -> tuple[str, float, float, int]:
            rate, p99, errors = wrk(port, path, args.seconds, args.connections)
            print(f"  {label:<36} {rate:>9.0f} req/s  p99 {p99:6.1f} ms  errors {errors}")
            results.append((label, rate, p99, errors))
            return results[-1]

        floor = run("framework floor (minimal Flask)", floor_port, "/")[1]
        static = run("physical limit (nginx static)", static_port, "/")[1]
        portal = {label: run(label, app_port, path)[1] for label, path in PATHS}
        cached = run("home / behind nginx micro-cache", cache_port, "/")[1]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)

    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, gunicorn -w {args.workers} (gunicorn.conf.py), wrk -t2 "
        f"-c{args.connections} -d{args.seconds}s over loopback, {args.docs} documents (SQLite)"
    )
    print("| target | req/s | p99 ms | errors | ratio | goal |")
    print("|---|---|---|---|---|---|")
    goals = {"home /": 0.7, "list /news/": 0.7, "detail": 0.7, "search /search?q=执法": 0.3}
    for label, rate, p99, errors in results:
        if label.startswith("framework"):
            ratio, goal = "1.00 (floor)", ""
        elif label.startswith("physical"):
            ratio, goal = f"{rate / floor:.1f}x floor", ""
        elif label.startswith("home / behind"):
            ratio, goal = f"{cached / static:.2f} of static", ">= 0.5 of static"
        else:
            ratio = f"{portal[label] / floor:.2f} of floor"
            goal = f">= {goals[label]} of floor" if label in goals else "(measured)"
        print(f"| {label} | {rate:.0f} | {p99:.1f} | {errors} | {ratio} | {goal} |")


if __name__ == "__main__":
    main()
