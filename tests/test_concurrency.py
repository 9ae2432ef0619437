"""200 message submissions from 8 processes against ``gunicorn -w 4``: all stored exactly once."""

from __future__ import annotations

import http.client
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import sqlalchemy as sa

from portal.extensions import db
from portal.interaction.models import Message
from tests.conftest import ROOT

PROCESSES = 8
PER_PROCESS = 25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _submit_many(port: int, worker: int, results) -> None:
    numbers = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for n in range(PER_PROCESS):
        conn.request("GET", "/messages/new")
        form = conn.getresponse()
        html = form.read().decode()
        cookie = SimpleCookie(form.getheader("Set-Cookie"))
        fields = dict(
            re.findall(r'name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', html)
        )
        body = urlencode(
            {
                **fields,
                "subject": f"并发留言 {worker}-{n}",
                "category": "其他",
                "content": "并发提交测试内容，共二百条。",
            }
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v.value}" for k, v in cookie.items()),
        }
        conn.request("POST", "/messages/new", body=body, headers=headers)
        response = conn.getresponse()
        page = response.read().decode()
        match = re.search(r"LY-\d{4}-\d{6}", page)
        numbers.append(
            match.group(0) if response.status == 200 and match else f"ERR{response.status}"
        )
    conn.close()
    results.extend(numbers)


def test_two_hundred_concurrent_submissions_are_all_stored_once(app, ctx, database_url, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "concurrency-test",
        "PORTAL_MESSAGE_RATE": "10000 per hour",
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_SEARCH_INDEX": str(tmp_path / "index"),
        "PORTAL_UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager:
            results = manager.list()
            workers = [
                context.Process(target=_submit_many, args=(port, w, results))
                for w in range(PROCESSES)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=240)
                assert worker.exitcode == 0
            numbers = list(results)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert len(numbers) == PROCESSES * PER_PROCESS
    assert not [n for n in numbers if n.startswith("ERR")]
    assert len(set(numbers)) == len(numbers)
    db.session.rollback()
    stored = db.session.scalars(sa.select(Message.tracking_no)).all()
    assert sorted(stored) == sorted(numbers)
