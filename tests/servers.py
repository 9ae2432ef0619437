"""Real servers for tests: ``gunicorn wsgi:app`` on a free loopback port, and a small HTTP
session that keeps cookies and reads CSRF tokens, as a browser would."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], workers: int = 1, *, config: bool = False
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the portal under gunicorn (with ``gunicorn.conf.py`` when ``config``) and wait
    until a worker answers; returns the master process and the port."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning"]
    command += ["-c", str(ROOT / "gunicorn.conf.py")] if config else ["wsgi:app"]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 30
    while not answers(port):
        if time.monotonic() > deadline or server.poll() is not None:
            server.kill()
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.1)
    return server, port


def answers(port: int, timeout: float = 5.0) -> bool:
    """Whether a server on ``port`` answers a request. The socket listens before gunicorn's
    workers exist (they fork after warm-up); a probe that times out on a busy machine
    still closes its socket."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/static/icon.png")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 1) -> Iterator[int]:
    """Serve the portal with ``PORTAL_*`` settings from ``env``; yields the port."""
    server, port = start_gunicorn(env, workers)
    try:
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


class Session:
    """Requests to one server with cookies kept between them."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict[str, str] | None = None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, page: str, action: str, data: dict[str, str]):
        """Open ``page``, take its form tokens, and post ``data`` with them to ``action``."""
        _, _, html = self.get(page)
        tokens = dict(
            re.findall(r'name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', html)
        )
        return self.request("POST", action, {**tokens, **data})

    def close(self) -> None:
        self.conn.close()
