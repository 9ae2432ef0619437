"""Migration 0009 turns each request's old ``pauses`` JSON and extension columns into events
whose replay gives back the due date the old code had stored, and adds the CHECK
constraints; a downgrade brings the old columns back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db
from portal.interaction import calendar
from portal.interaction.models import InfoRequest

INSERT = sa.text(
    "INSERT INTO info_request (tracking_no, code_hash, form_token, applicant_type, name, "
    "phone, description, medium, delivery, status, quarantined, received_at, receipt_date, "
    "due_date, extension_days, extension_reason, extension_approver, pauses, supplement_note, "
    "outcome, reply, closed_at) VALUES (:no, 'x', :no, 'person', '张三', '13912345678', '某信息', "
    "'电子', '自行领取', :status, false, :received, :receipt, :due, :ext, :reason, :approver, "
    ":pauses, :note, :outcome, :reply, :closed)"
)


def _old_row(no: str, **values):
    base = {
        "no": no,
        "status": "received",
        "received": "2024-09-02 02:00:00",  # 10:00 in Shanghai
        "receipt": date(2024, 9, 2),
        "ext": 0,
        "reason": None,
        "approver": None,
        "pauses": "[]",
        "note": None,
        "outcome": None,
        "reply": None,
        "closed": None,
    }
    base.update(values)
    if not isinstance(base["pauses"], str):
        base["pauses"] = json.dumps(base["pauses"])
    base.setdefault("due", calendar.due_date(base["receipt"], limit=20))
    return base


#: A published document as the 0009 schema held it, with its two revisions, change log
#: and audit rows (written as SQL: today's models have columns 0009 did not).
KEPT_DOCUMENT = (
    "INSERT INTO document (id, kind, slug, title, summary, body, body_html, publisher, "
    "index_no, topic, tags, extra, illustrative, status, published_at, created_at, updated_at) "
    "VALUES (1, 'news', 'kept', '保留', '', '', '', '东晓街道', '11440303MB2C93574X/2024-00001', "
    "'综合政务', '[]', '{}', false, 'published', '2024-05-01 02:00:00', '2024-05-01 02:00:00', "
    "'2024-05-01 02:00:00')",
    "INSERT INTO document_revision (document_id, number, action, actor, snapshot, created_at) "
    "VALUES (1, 1, 'created', 'e', '{}', '2024-05-01'), (1, 2, 'published', 'r', '{}', "
    "'2024-05-01')",
    "INSERT INTO document_change (document_id, action, created_at) VALUES "
    "(1, 'created', '2024-05-01'), (1, 'published', '2024-05-01')",
    "INSERT INTO audit_record (actor, action, target_type, target_id, detail, created_at) "
    "VALUES ('e', 'created', 'document', 1, '{}', '2024-05-01'), "
    "('r', 'published', 'document', 1, '{}', '2024-05-01')",
)


def _children() -> tuple[int, ...]:
    return tuple(
        db.session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        for table in ("document_revision", "document_change", "audit_record")
    )


def test_old_request_rows_become_events_that_replay_to_the_stored_due_date(tmp_path: Path):
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}",
            "SEARCH_INDEX": str(tmp_path / "index"),
        }
    )
    directory = app.extensions["migrate"].directory
    consult = (date(2024, 9, 10), date(2024, 9, 12))
    rows = [
        _old_row("YSQ-2024-000001"),
        # An old two-element (consultation) pause and an extension.
        _old_row(
            "YSQ-2024-000002",
            pauses=[[consult[0].isoformat(), consult[1].isoformat()]],
            ext=10,
            reason="需调阅档案",
            approver="主任",
            due=calendar.due_date(date(2024, 9, 2), limit=20, extension_days=10, pauses=[consult]),
        ),
        # A 补正 answered on 09-06: the clock restarted there.
        _old_row(
            "YSQ-2024-000003",
            pauses=[["2024-09-03", "2024-09-06", "supplement"]],
            note="请写明文件名称",
            receipt=date(2024, 9, 6),
            due=calendar.due_date(date(2024, 9, 6), limit=20),
        ),
        # Still waiting for a 补正.
        _old_row(
            "YSQ-2024-000004",
            status="supplement",
            pauses=[["2024-09-03", None, "supplement"]],
            note="请补充身份证明",
        ),
        # Closed while waiting for its 补正 (the old close ended the pause that day).
        _old_row(
            "YSQ-2024-000005",
            status="closed",
            pauses=[["2024-09-03", "2024-10-08", "supplement"]],
            note="请补充",
            outcome="other.no_supplement",
            reply="视为放弃。",
            closed="2024-10-08 02:00:00",
        ),
    ]
    with app.app_context():
        upgrade(directory=directory, revision="0008")
        with db.engine.begin() as conn:
            for row in rows:
                conn.execute(INSERT, row)
        # A document with its revisions and change log: its table is rebuilt (SQLite) to
        # add the CHECK constraint, which must not take its children with it.
        with db.engine.begin() as conn:
            for statement in KEPT_DOCUMENT:
                conn.execute(sa.text(statement))
        children = _children()
        db.session.remove()
        upgrade(directory=directory)
        assert _children() == children and children[0] == 2
        if db.engine.dialect.name == "sqlite":
            assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        stored = db.session.scalars(sa.select(InfoRequest).order_by(InfoRequest.id)).all()
        kinds = {item.tracking_no: [e.kind.value for e in item.events] for item in stored}
        assert kinds == {
            "YSQ-2024-000001": ["received"],
            # No audit row says when it was extended: it is placed on the day of receipt.
            "YSQ-2024-000002": [
                "received",
                "extended",
                "consultation_started",
                "consultation_ended",
            ],
            "YSQ-2024-000003": ["received", "supplement_asked", "supplement_received"],
            "YSQ-2024-000004": ["received", "supplement_asked"],
            "YSQ-2024-000005": ["received", "supplement_asked", "closed"],
        }
        for item, row in zip(stored, rows, strict=True):
            clock = item.clock
            assert (clock.status, clock.due, clock.starts) == (
                row["status"],
                row["due"],
                row["receipt"],
            )
        assert stored[1].clock.extension_days == 10
        assert stored[3].clock.supplement_note == "请补充身份证明"
        assert stored[4].clock.closed_awaiting_supplement
        # The database now refuses a status it does not know.
        with db.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE info_request SET status = 'lost'"))
        db.session.remove()

        downgrade(directory=directory, revision="0008")
        with db.engine.connect() as conn:
            back = conn.execute(
                sa.text(
                    "SELECT extension_days, pauses, supplement_note FROM info_request ORDER BY id"
                )
            ).all()
        assert back[1][0] == 10 and json.loads(back[1][1]) == [
            ["2024-09-10", "2024-09-12", "consult"]
        ]
        assert back[3][2] == "请补充身份证明"
        db.engine.dispose()
