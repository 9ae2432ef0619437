"""200 message submissions from 8 processes against ``gunicorn -w 4``: all stored exactly once."""

from __future__ import annotations

import multiprocessing
import re

import sqlalchemy as sa

from portal.extensions import db
from portal.interaction.models import Message
from tests.servers import Session, gunicorn

PROCESSES = 8
PER_PROCESS = 25


def _submit_many(port: int, worker: int, results) -> None:
    session = Session(port)
    numbers = []
    for n in range(PER_PROCESS):
        status, _, page = session.post_form(
            "/messages/new",
            "/messages/new",
            {
                "subject": f"并发留言 {worker}-{n}",
                "category": "其他",
                "content": "并发提交测试内容，共二百条。",
            },
        )
        match = re.search(r"LY-\d{4}-\d{6}", page)
        numbers.append(match.group(0) if status == 200 and match else f"ERR{status}")
    session.close()
    results.extend(numbers)


def test_two_hundred_concurrent_submissions_are_all_stored_once(app, ctx, database_url, tmp_path):
    env = {
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SECRET_KEY": "concurrency-test",
        "PORTAL_MESSAGE_RATE": "10000 per hour",
        "PORTAL_MIN_FILL_SECONDS": "0",
        "PORTAL_SEARCH_INDEX": str(tmp_path / "index"),
        "PORTAL_UPLOAD_DIR": str(tmp_path / "uploads"),
    }
    with gunicorn(env, workers=4) as port:
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
    assert len(numbers) == PROCESSES * PER_PROCESS
    assert not [n for n in numbers if n.startswith("ERR")]
    assert len(set(numbers)) == len(numbers)
    db.session.rollback()
    stored = db.session.scalars(sa.select(Message.tracking_no)).all()
    assert sorted(stored) == sorted(numbers)
