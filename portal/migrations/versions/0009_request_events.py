"""typed states and an information request's life as events

- ``info_request_event``: each request's life (received, 补正 asked / received, third-party
  consultation started / ended, extended, closed with an outcome) as rows, converted from
  the old ``pauses`` JSON (whose entries had 2 or 3 elements), the extension columns, the
  补正 note and the closing; who did what and when is taken from the audit log where it
  says so. The stored ``status``, ``receipt_date`` and ``due_date`` were computed by the
  same rules and stay as they are.
- ``message.public_reply``: the published reply is kept apart from the reply as written
  (publishing used to overwrite the reply with its masked form).
- CHECK constraints on every status column (document, message, info_request, opinion).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 16:00:00

"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SHANGHAI = timedelta(hours=8)  # Asia/Shanghai has had no daylight saving since 1991

STATUSES = {
    "document": ("ck_document_document_status", ("draft", "in_review", "published", "withdrawn")),
    "message": ("ck_message_message_status", ("received", "answered")),
    "info_request": (
        "ck_info_request_request_status",
        ("received", "supplement", "consulting", "closed"),
    ),
    "opinion": ("ck_opinion_opinion_status", ("received", "published", "hidden")),
}
EVENT_KINDS = (
    "received",
    "supplement_asked",
    "supplement_received",
    "consultation_started",
    "consultation_ended",
    "extended",
    "closed",
)


def _in(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _local_day(value: Any) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return (value + SHANGHAI).date()


def _utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=None) if value.tzinfo is None else value


def upgrade():
    op.create_table(
        "info_request_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=50), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("approver", sa.String(length=50), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in EVENT_KINDS) + ")",
            name=op.f("ck_info_request_event_request_event_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["info_request.id"],
            name=op.f("fk_info_request_event_request_id_info_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_info_request_event")),
    )
    op.create_index(op.f("ix_info_request_event_request_id"), "info_request_event", ["request_id"])
    _convert_requests()

    with op.batch_alter_table("message") as batch_op:
        batch_op.add_column(sa.Column("public_reply", sa.Text(), nullable=True))
    # The reply of a published message had been overwritten with its masked form: that is
    # the public reply (the unmasked original is gone).
    op.execute("UPDATE message SET public_reply = reply WHERE published")

    with op.batch_alter_table("info_request") as batch_op:
        for column in (
            "pauses",
            "extension_days",
            "extension_reason",
            "extension_approver",
            "supplement_note",
        ):
            batch_op.drop_column(column)

    for table, (name, values) in STATUSES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.create_check_constraint(op.f(name), _in(values))


def _convert_requests() -> None:
    conn = op.get_bind()
    audit = sa.table(
        "audit_record",
        sa.column("id", sa.Integer),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("target_type", sa.String),
        sa.column("target_id", sa.Integer),
        sa.column("created_at", sa.DateTime),
    )
    actions: dict[int, dict[str, list[tuple[str, Any]]]] = {}
    for row in conn.execute(
        sa.select(audit.c.target_id, audit.c.action, audit.c.actor, audit.c.created_at)
        .where(audit.c.target_type == "request")
        .order_by(audit.c.id)
    ):
        actions.setdefault(row.target_id, {}).setdefault(row.action, []).append(
            (row.actor, row.created_at)
        )
    requests = sa.table(
        "info_request",
        sa.column("id", sa.Integer),
        sa.column("received_at", sa.DateTime),
        sa.column("status", sa.String),
        sa.column("extension_days", sa.Integer),
        sa.column("extension_reason", sa.Text),
        sa.column("extension_approver", sa.String),
        sa.column("pauses", sa.JSON),
        sa.column("supplement_note", sa.Text),
        sa.column("outcome", sa.String),
        sa.column("closed_at", sa.DateTime),
    )
    events = sa.table(
        "info_request_event",
        sa.column("request_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("day", sa.Date),
        sa.column("created_at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("note", sa.Text),
        sa.column("days", sa.Integer),
        sa.column("approver", sa.String),
        sa.column("outcome", sa.String),
    )
    for row in conn.execute(sa.select(requests).order_by(requests.c.id)):
        rows = _events_of(row, actions.get(row.id, {}))
        if rows:
            conn.execute(events.insert(), rows)


def _events_of(row: Any, actions: dict[str, list[tuple[str, Any]]]) -> list[dict[str, Any]]:
    """The events one old request row stood for, in the order they happened."""

    def who(action: str, n: int = 0, default: str = "system") -> tuple[str, Any]:
        found = actions.get(action) or []
        return found[n] if n < len(found) else (default, None)

    received_at = _utc(row.received_at)
    found: list[dict[str, Any]] = []

    def add(kind: str, day: date, actor: str, at: Any = None, **fields: Any) -> None:
        found.append(
            {
                "request_id": row.id,
                "kind": kind,
                "day": day,
                "created_at": _utc(at) if at is not None else received_at,
                "actor": (actor or "system")[:50],
                "note": fields.get("note"),
                "days": fields.get("days"),
                "approver": fields.get("approver"),
                "outcome": fields.get("outcome"),
            }
        )

    add("received", _local_day(received_at), "applicant")
    closed_day = _local_day(row.closed_at) if row.closed_at is not None else None
    pauses = row.pauses or []
    counts = {"supplement": 0, "consult": 0, "resume": 0}
    for n, entry in enumerate(pauses):
        start = date.fromisoformat(entry[0])
        end = date.fromisoformat(entry[1]) if entry[1] else None
        kind = entry[2] if len(entry) > 2 else "consult"
        action = "request_supplement" if kind == "supplement" else "consult"
        actor, at = who(action, counts[kind])
        counts[kind] += 1
        if kind == "supplement":
            add("supplement_asked", start, actor, at, note=row.supplement_note)
        else:
            add("consultation_started", start, actor, at)
        last = n == len(pauses) - 1
        # Closing a paused request used to end its pause on the closing day; the pause was
        # still running when it closed.
        if end is None or (last and row.status == "closed" and end == closed_day):
            continue
        actor, at = who("resume", counts["resume"])
        counts["resume"] += 1
        add("supplement_received" if kind == "supplement" else "consultation_ended", end, actor, at)
    if row.extension_days:
        # An extension is allowed in any open state: it goes where its day puts it.
        actor, at = who("extend")
        day = _local_day(at) if at is not None else _local_day(received_at)
        add(
            "extended",
            day,
            actor,
            at,
            days=row.extension_days,
            note=row.extension_reason,
            approver=row.extension_approver,
        )
        extension = found.pop()
        position = next((i for i, e in enumerate(found) if i > 0 and e["day"] > day), len(found))
        found.insert(position, extension)
    if row.status == "closed" and closed_day is not None:
        actor, at = who("close")
        add("closed", closed_day, actor, at or row.closed_at, outcome=row.outcome)
    return found


def downgrade():
    for table, (name, _values) in STATUSES.items():
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_constraint(op.f(name), type_="check")
    with op.batch_alter_table("info_request") as batch_op:
        batch_op.add_column(sa.Column("pauses", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("extension_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("extension_approver", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("supplement_note", sa.Text(), nullable=True))
    conn = op.get_bind()
    events = sa.table(
        "info_request_event",
        sa.column("id", sa.Integer),
        sa.column("request_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("day", sa.Date),
        sa.column("note", sa.Text),
        sa.column("days", sa.Integer),
        sa.column("approver", sa.String),
    )
    requests = sa.table(
        "info_request",
        sa.column("id", sa.Integer),
        sa.column("pauses", sa.JSON),
        sa.column("extension_days", sa.Integer),
        sa.column("extension_reason", sa.Text),
        sa.column("extension_approver", sa.String),
        sa.column("supplement_note", sa.Text),
    )
    by_request: dict[int, list[Any]] = {}
    for event in conn.execute(sa.select(events).order_by(events.c.id)):
        by_request.setdefault(event.request_id, []).append(event)
    for request_id, rows in by_request.items():
        pauses: list[list[Any]] = []
        values: dict[str, Any] = {"extension_days": 0}
        for event in rows:
            if event.kind in {"supplement_asked", "consultation_started"}:
                kind = "supplement" if event.kind == "supplement_asked" else "consult"
                pauses.append([event.day.isoformat(), None, kind])
                if kind == "supplement":
                    values["supplement_note"] = event.note
            elif event.kind in {"supplement_received", "consultation_ended", "closed"}:
                if pauses and pauses[-1][1] is None:
                    pauses[-1][1] = event.day.isoformat()
            elif event.kind == "extended":
                values.update(
                    extension_days=event.days or 0,
                    extension_reason=event.note,
                    extension_approver=event.approver,
                )
        conn.execute(
            requests.update().where(requests.c.id == request_id).values(pauses=pauses, **values)
        )
    conn.execute(
        requests.update().where(requests.c.extension_days.is_(None)).values(extension_days=0)
    )
    conn.execute(requests.update().where(requests.c.pauses.is_(None)).values(pauses=[]))
    with op.batch_alter_table("info_request") as batch_op:
        batch_op.alter_column("pauses", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("extension_days", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_column("public_reply")
    op.drop_index(op.f("ix_info_request_event_request_id"), table_name="info_request_event")
    op.drop_table("info_request_event")
