"""Crash safety: residents submit messages and a reviewer publishes news while a gunicorn
worker and then the master are killed with SIGKILL. After a restart the database is intact,
every submission that got a success page is stored exactly once, every document whose
publication was confirmed is published, and the search index has no drift (or ``search
verify --fix`` repairs it)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from portal.documents.models import Document
from portal.extensions import db
from portal.interaction.models import Message
from tests.conftest import ROOT
from tests.servers import Session, start_gunicorn
from tests.staff import PASSWORD


def _submit_until(port_box, stop, worker: int, results) -> None:
    """Post messages until ``stop``; record the tracking number of each success page."""
    n = 0
    while not stop.is_set():
        port = port_box.value
        n += 1
        try:
            session = Session(port)
            status, _, page = session.post_form(
                "/messages/new",
                "/messages/new",
                {
                    "subject": f"崩溃测试 {worker}-{n}",
                    "category": "其他",
                    "content": "服务进程被强制结束时提交的留言，应当只保存一次。",
                },
            )
            session.close()
        except OSError:  # the server is down: this submission got no answer
            time.sleep(0.05)
            continue
        match = re.search(r"LY-\d{4}-\d{6}", page)
        if status == 200 and match:
            results.append(match.group(0))


def _publish_until(port_box, stop, results) -> None:
    """Create and publish news items until ``stop``; record confirmed titles."""
    n = 0
    session = None
    while not stop.is_set():
        try:
            if session is None:
                session = Session(port_box.value)
                status, _, _ = session.post_form(
                    "/admin/login", "/admin/login", {"username": "reviewer1", "password": PASSWORD}
                )
                if status != 302:
                    session = None
                    continue
            n += 1
            title = f"崩溃测试新闻第{n}篇"
            status, headers, _ = session.post_form(
                "/admin/documents/new/news",
                "/admin/documents/new/news",
                {"title": title, "topic": "综合政务", "body": "正文。", "action": "save"},
            )
            if status != 302:
                continue
            path = re.sub(r"^https?://[^/]+", "", headers["Location"])
            doc_id = re.search(r"/admin/documents/(\d+)/", path).group(1)
            status, _, _ = session.post_form(path, f"/admin/documents/{doc_id}/publish", {})
            if status == 302:
                results.append(title)
        except (OSError, AttributeError):
            session = None
            time.sleep(0.05)


def _wait_for(condition, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the clients made no progress"
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


def test_killed_workers_and_master_lose_nothing_confirmed(app, make_user, tmp_path):
    make_user("reviewer1", "reviewer")
    env = {
        "PORTAL_DATABASE_URL": app.config["DATABASE_URL"],
        "PORTAL_SECRET_KEY": "crash-test",
        "PORTAL_MESSAGE_RATE": "100000 per hour",
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_SEARCH_INDEX": str(tmp_path / "index"),
        "PORTAL_UPLOAD_DIR": str(tmp_path / "uploads"),
        "PORTAL_PAGE_CACHE_MB": "0",
    }
    master, port = start_gunicorn(env, workers=2, config=True)
    context = multiprocessing.get_context("spawn")
    try:
        with context.Manager() as manager:
            messages, published = manager.list(), manager.list()
            port_box, stop = manager.Value("i", port), manager.Event()
            clients = [
                context.Process(target=_submit_until, args=(port_box, stop, w, messages))
                for w in range(3)
            ]
            clients.append(context.Process(target=_publish_until, args=(port_box, stop, published)))
            for client in clients:
                client.start()
            _wait_for(lambda: len(messages) >= 5 and len(published) >= 1)
            workers = _children(master.pid)
            assert workers, "no gunicorn workers found"
            os.kill(workers[0], signal.SIGKILL)  # a worker dies mid-request
            time.sleep(1.0)
            os.kill(master.pid, signal.SIGKILL)  # then the master
            master.wait(timeout=10)
            for pid in workers[1:]:  # orphaned workers notice the master is gone; make sure
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            before_restart = len(messages)
            master, port_box.value = start_gunicorn(env, workers=2, config=True)
            _wait_for(lambda: len(messages) >= before_restart + 5)  # served again
            stop.set()
            for client in clients:
                client.join(timeout=60)
                assert client.exitcode == 0
            confirmed_messages, confirmed_titles = list(messages), list(published)
    finally:
        master.terminate()
        master.wait(timeout=20)

    print(f"confirmed: {len(confirmed_messages)} messages, {len(confirmed_titles)} publications")
    assert confirmed_messages and confirmed_titles, "nothing succeeded at all"
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        stored = db.session.scalars(sa.select(Message.tracking_no)).all()
        assert len(stored) == len(set(stored)), "a tracking number was stored twice"
        for number in confirmed_messages:
            assert stored.count(number) == 1, number
        titles = dict(db.session.execute(sa.select(Document.title, Document.status)).all())
        for title in confirmed_titles:
            assert titles.get(title) == "published", title

    def search(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "search", *args],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )

    verify = search("verify")
    if verify.returncode != 0:  # drift is allowed only if --fix repairs it
        assert search("verify", "--fix").returncode == 0, verify.stdout
    assert search("verify").returncode == 0
    assert Path(env["PORTAL_SEARCH_INDEX"]).is_dir()
