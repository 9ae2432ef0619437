"""Lock, then check: the same action from two processes at once is applied once.

Each process loads the item first (as a staff page does), both wait at a barrier, then both
act. A service that checked the state it had loaded before taking the write lock let both
pass its "only once" rule; one that takes the lock, reads the item again and then checks
refuses the second.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.audit import AuditRecord
from portal.consultations import services as consultations
from portal.consultations.models import Opinion
from portal.documents import publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition
from portal.extensions import db
from portal.interaction import info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message, RequestEvent
from tests.actors import staff
from tests.staff import publish_as_previewed

ACTIONS = ("extend", "supplement", "publish_message", "publish_opinion", "publish_document")


def _act(action: str, item_id: int) -> None:
    if action == "extend":
        item = db.session.get(InfoRequest, item_id)
        info_requests.extend_request(
            item, days=10, reason="需调阅档案", approver="主任", actor=staff("h")
        )
    elif action == "supplement":
        item = db.session.get(InfoRequest, item_id)
        info_requests.request_supplement(item, note="请写明文件名称", actor=staff("h"))
    elif action == "publish_message":
        publish_as_previewed(db.session.get(Message, item_id), "h")
    elif action == "publish_opinion":
        publish_as_previewed(db.session.get(Opinion, item_id), "h")
    else:
        publishing.publish(db.session.get(Document, item_id), actor=staff("r"))


def _worker(config: dict[str, Any], action: str, item_id: int, barrier, results) -> None:
    app = create_app(config)
    with app.app_context():
        # Load the item (and start reading) before the other process acts.
        model = {"publish_message": Message, "publish_opinion": Opinion}.get(action)
        model = model or (Document if action == "publish_document" else InfoRequest)
        loaded = db.session.get(model, item_id)
        assert loaded is not None
        str(loaded.status)
        barrier.wait(timeout=60)
        try:
            _act(action, item_id)
        except InvalidTransition:
            results.append("refused")
        else:
            results.append("done")
        finally:
            db.engine.dispose()


def _setup(action: str) -> int:
    if action in {"extend", "supplement"}:
        sub = submissions.submit_request(
            {
                "applicant_type": "person",
                "name": "张三",
                "phone": "13912345678",
                "description": "东晓街道道路维修资金使用情况",
                "medium": "电子",
                "delivery": "自行领取",
            },
            form_token="race",
        )
        return db.session.scalar(
            sa.select(InfoRequest.id).where(InfoRequest.tracking_no == sub.tracking_no)
        )
    if action == "publish_message":
        sub = submissions.submit_message(
            {
                "subject": "路灯不亮",
                "content": "东晓路路灯坏了一周。",
                "category": "城市管理",
                "consent": True,
            },
            form_token="race",
        )
        message = db.session.scalar(
            sa.select(Message).where(Message.tracking_no == sub.tracking_no)
        )
        messages.answer_message(message, reply="已修复。", department="城管办", actor=staff("h"))
        return message.id
    kind = "consultation" if action == "publish_opinion" else "news"
    fields = {"opens_on": "2000-01-01", "closes_on": "2099-12-31"} if kind == "consultation" else {}
    doc = publishing.create(
        kind,
        "race",
        {"title": "竞争测试", "topic": "综合政务", "body": "正文。", **fields},
        actor=staff("e"),
    )
    if action == "publish_document":
        return doc.id
    publishing.publish(doc, actor=staff("r"))
    opinion = consultations.submit_opinion(
        doc, {"content": "建议多办讲座。", "consent": True}, raw_answers={}, form_token="race"
    )
    return opinion.id


@pytest.mark.parametrize("action", ACTIONS)
def test_the_same_action_from_two_processes_is_applied_once(
    app, ctx, database_url, tmp_path: Path, action: str
):
    item_id = _setup(action)
    db.session.commit()
    config = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": database_url,
        "SEARCH_INDEX": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "CONTENT_DIR": str(tmp_path / "content"),
    }
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(2)
        results = manager.list()
        workers = [
            context.Process(target=_worker, args=(config, action, item_id, barrier, results))
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
            assert worker.exitcode == 0
        outcome = sorted(results)
    assert outcome == ["done", "refused"], action
    db.session.rollback()
    if action in {"extend", "supplement"}:
        kinds = db.session.scalars(sa.select(RequestEvent.kind)).all()
        wanted = "extended" if action == "extend" else "supplement_asked"
        assert kinds.count(wanted) == 1
        item = db.session.get(InfoRequest, item_id)
        assert item.clock.extension_days == (10 if action == "extend" else 0)
    audit_actions = db.session.scalars(
        sa.select(AuditRecord.action).where(AuditRecord.actor.in_(("h", "r")))
    ).all()
    once = {
        "extend": "extend",
        "supplement": "request_supplement",
        "publish_message": "publish",
        "publish_opinion": "opinion_publish",
        "publish_document": "published",
    }[action]
    assert audit_actions.count(once) == 1
