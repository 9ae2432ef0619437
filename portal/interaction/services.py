"""Services for messages and information requests: submit, track, answer, extend, close.

Every write starts as a writer (``begin_write``: ``BEGIN IMMEDIATE`` on SQLite, an advisory
lock on PostgreSQL), so concurrent submissions get unique tracking numbers and nothing is
lost. Every staff action writes an ``AuditRecord`` in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit
from ..database import begin_write
from ..errors import InvalidTransition, ValidationError
from ..extensions import db
from ..timeutil import local_date, utcnow
from . import calendar, privacy
from .models import OUTCOMES, InfoRequest, Message

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8
REQUEST_LIMIT = 20  # working days (政府信息公开条例 Art. 33)
MAX_EXTENSION = 20
SUPPLEMENT_WITHIN = 7  # working days to ask for 补正 (Art. 30)
#: Request statuses in which the statutory clock is stopped (补正, third-party consultation).
CLOCK_STOPPED = frozenset({"supplement", "consulting"})
MESSAGE_TARGET = 5  # working days the office aims to answer a message in


@dataclass(frozen=True)
class Submission:
    """What a resident gets back: the tracking number and the query code (shown once)."""

    tracking_no: str
    code: str
    quarantined: bool


def query_code(form_token: str) -> str:
    """The query code of a submission, derived from its form token and the secret key.

    Deriving it lets a double-submitted form show the same confirmation again without the
    code ever being stored (only its hash is).
    """
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, form_token.encode(), hashlib.sha256).digest()
    return "".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:CODE_LENGTH])


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


def _audit(actor: str, action: str, target: Message | InfoRequest, **detail: Any) -> None:
    kind = "message" if isinstance(target, Message) else "request"
    audit.record(actor, action, kind, target.id, **detail)


def _for_audit(target: Message | InfoRequest, text: str) -> str:
    """Staff's free text (a note, a reason) as the audit log keeps it: with ID numbers,
    phone numbers, e-mail and the person's own name masked, since the log is kept for
    good and shown to every admin."""
    masked, _ = privacy.mask_personal_data(text)
    person = isinstance(target, Message) or target.applicant_type == "person"
    if person and target.name and len(target.name) >= 2:
        masked = masked.replace(target.name, privacy.mask_name(target.name))
    return masked


def _next_tracking_no(model: type[Message] | type[InfoRequest], prefix: str) -> str:
    year = local_date(utcnow()).year
    head = f"{prefix}-{year}-"
    highest = db.session.scalar(
        sa.select(sa.func.max(model.tracking_no)).where(model.tracking_no.like(head + "%"))
    )
    serial = int(highest.rsplit("-", 1)[1]) + 1 if highest else 1
    return f"{head}{serial:06d}"


def _existing(model: type[Message] | type[InfoRequest], form_token: str):
    return db.session.scalar(sa.select(model).where(model.form_token == form_token))


def submit_message(
    data: dict[str, Any], *, form_token: str, quarantine: str | None = None
) -> Submission:
    """Store a resident's message once per form token; returns its tracking number and code."""
    begin_write()
    existing = _existing(Message, form_token)
    if existing is None:
        existing = Message(
            tracking_no=_next_tracking_no(Message, "LY"),
            code_hash=generate_password_hash(query_code(form_token)),
            form_token=form_token,
            subject=data["subject"],
            content=data["content"],
            category=data["category"],
            name=data.get("name") or None,
            contact=data.get("contact") or None,
            consent=bool(data.get("consent")),
            quarantined=quarantine is not None,
            quarantine_reason=quarantine,
        )
        db.session.add(existing)
    db.session.commit()
    return Submission(existing.tracking_no, query_code(form_token), existing.quarantined)


def submit_request(
    data: dict[str, Any], *, form_token: str, quarantine: str | None = None
) -> Submission:
    """Store an information request once per form token and start its statutory clock."""
    begin_write()
    existing = _existing(InfoRequest, form_token)
    if existing is None:
        now = utcnow()
        receipt = calendar.receipt_day(local_date(now))
        existing = InfoRequest(
            tracking_no=_next_tracking_no(InfoRequest, "YSQ"),
            code_hash=generate_password_hash(query_code(form_token)),
            form_token=form_token,
            received_at=now,
            receipt_date=receipt,
            due_date=calendar.due_date(receipt, limit=REQUEST_LIMIT),
            quarantined=quarantine is not None,
            quarantine_reason=quarantine,
            **{k: data.get(k) or None for k in REQUEST_FIELDS},
        )
        db.session.add(existing)
    db.session.commit()
    return Submission(existing.tracking_no, query_code(form_token), existing.quarantined)


REQUEST_FIELDS = (
    "applicant_type",
    "organisation_type",
    "name",
    "id_type",
    "id_number",
    "phone",
    "email",
    "address",
    "description",
    "purpose",
    "medium",
    "delivery",
)


def track(tracking_no: str, code: str) -> Message | InfoRequest | None:
    """The message or request with this number if the code matches; None otherwise.

    A wrong code and an unknown number look the same, so numbers cannot be probed.
    """
    tracking_no = (tracking_no or "").strip().upper()
    model = InfoRequest if tracking_no.startswith("YSQ-") else Message
    item = db.session.scalar(sa.select(model).where(model.tracking_no == tracking_no))
    code = (code or "").strip().upper()
    if item is None:
        check_password_hash(DUMMY_HASH, code)  # same work either way
        return None
    return item if check_password_hash(item.code_hash, code) else None


DUMMY_HASH = generate_password_hash("not-a-real-code")


# -- staff: messages -----------------------------------------------------------------


def answer_message(message: Message, *, reply: str, department: str, actor: str) -> Message:
    """Record the office's reply to a message (or correct it while it is not public)."""
    if message.published:
        raise InvalidTransition("留言已公开，请先取消公开再修改答复")
    errors = {}
    if not (reply or "").strip():
        errors["reply"] = "答复内容：必填"
    if not (department or "").strip():
        errors["department"] = "答复部门：必填"
    if errors:
        raise ValidationError(errors)
    begin_write()
    message.reply = reply.strip()
    message.reply_department = department.strip()
    message.replied_at = utcnow()
    message.status = "answered"
    _audit(actor, "answer", message, department=message.reply_department)
    db.session.commit()
    return message


def publish_message(message: Message, *, actor: str) -> str:
    """Publish an answered message with personal data masked; returns what was masked."""
    if message.status != "answered":
        raise InvalidTransition("只有已答复的留言可以公开")
    if message.published:
        raise InvalidTransition("该留言已经公开")
    if message.quarantined:
        raise InvalidTransition("该留言被系统拦截，不能公开")
    if not message.consent:
        raise InvalidTransition("留言人未同意公开")
    begin_write()
    findings = []
    masked = {}
    own = False
    for name in ("subject", "content", "reply"):
        text, found = privacy.mask_personal_data(getattr(message, name) or "")
        masked[name] = _without_own_details(message, text)
        own = own or masked[name] != text
        findings += found
    message.public_subject = masked["subject"]
    message.public_content = masked["content"]
    message.reply = masked["reply"]
    message.published = True
    _audit(actor, "publish", message, masked=len(findings))
    db.session.commit()
    told = privacy.describe(findings)
    if own:
        told = "；".join(filter(None, [told, "已遮盖留言人自己的姓名或联系方式"]))
    return told


def _without_own_details(message: Message, text: str) -> str:
    """The submitter's own name and contact, wherever they appear, masked."""
    if message.name and len(message.name) >= 2:
        text = text.replace(message.name, privacy.mask_name(message.name))
    if message.contact:
        kind = "email" if "@" in message.contact else "mobile"
        text = text.replace(message.contact, privacy.mask_value(kind, message.contact))
    return text


def unpublish_message(message: Message, *, actor: str, reason: str) -> None:
    """Take a message off the public list."""
    if not message.published:
        raise InvalidTransition("该留言没有公开")
    begin_write()
    message.published = False
    _audit(actor, "unpublish", message, reason=_for_audit(message, reason or ""))
    db.session.commit()


def reveal_personal_data(item: Message | InfoRequest, *, fields: list[str], actor: str) -> None:
    """Log that ``actor`` saw the full personal data of ``item``: which fields, never values."""
    begin_write()
    _audit(actor, "reveal", item, fields=fields)
    db.session.commit()


# -- staff: information requests -----------------------------------------------------


def _recompute_due(item: InfoRequest) -> None:
    """Due date from the clock's start, the extension and closed third-party pauses.

    A 补正 restarts the clock (Art. 30: the period runs from receipt of the completed
    application), so only consultation pauses (Art. 32) are subtracted.
    """
    closed = [
        (date.fromisoformat(start), date.fromisoformat(end))
        for start, end, kind in _entries(item)
        if end is not None and kind == "consult"
    ]
    item.due_date = calendar.due_date(
        item.receipt_date, limit=REQUEST_LIMIT, extension_days=item.extension_days, pauses=closed
    )


def _open(item: InfoRequest) -> None:
    if item.status == "closed":
        raise InvalidTransition("该申请已办结")


def extend_request(
    item: InfoRequest, *, days: int, reason: str, approver: str, actor: str
) -> InfoRequest:
    """Extend the deadline once, by at most 20 working days, with a reason and approver."""
    _open(item)
    if item.extension_days:
        raise InvalidTransition("每件申请只能延期一次，本申请已延期")
    errors = {}
    if not 1 <= days <= MAX_EXTENSION:
        errors["days"] = f"延期天数：应为 1 至 {MAX_EXTENSION} 个工作日"
    if not (reason or "").strip():
        errors["reason"] = "延期理由：必填"
    if not (approver or "").strip():
        errors["approver"] = "批准人：必填"
    if errors:
        raise ValidationError(errors)
    begin_write()
    item.extension_days = days
    item.extension_reason = reason.strip()
    item.extension_approver = approver.strip()
    _recompute_due(item)
    _audit(actor, "extend", item, days=days, approver=item.extension_approver)
    db.session.commit()
    return item


def _entries(item: InfoRequest) -> list[tuple[str, str | None, str]]:
    """The clock's stops as (start, end or None, kind), kind 'supplement' or 'consult'."""
    return [(e[0], e[1], e[2] if len(e) > 2 else "consult") for e in item.pauses or []]


def _pause(item: InfoRequest, status: str, on: date, note: str, actor: str, action: str) -> None:
    _open(item)
    if item.pauses and item.pauses[-1][1] is None:
        raise InvalidTransition("计时已暂停，请先登记恢复")
    begin_write()
    kind = "supplement" if status == "supplement" else "consult"
    item.pauses = [*(item.pauses or []), [on.isoformat(), None, kind]]
    item.status = status
    item.supplement_note = note if status == "supplement" else item.supplement_note
    _audit(actor, action, item, on=on.isoformat(), note=_for_audit(item, note))
    db.session.commit()


def request_supplement(item: InfoRequest, *, note: str, actor: str, on: date | None = None) -> None:
    """Ask the applicant to complete the request (补正); the clock stops until it arrives."""
    on = on or local_date(utcnow())
    if not (note or "").strip():
        raise ValidationError({"note": "补正内容：必填"})
    if any(kind == "supplement" for _, _, kind in _entries(item)):
        raise InvalidTransition("补正只能一次性告知，本申请已通知过补正")
    if calendar.working_days_between(item.receipt_date, on) > SUPPLEMENT_WITHIN:
        raise InvalidTransition(f"补正须在收到申请之日起 {SUPPLEMENT_WITHIN} 个工作日内一次性告知")
    _pause(item, "supplement", on, note.strip(), actor, "request_supplement")


def start_consultation(item: InfoRequest, *, note: str, actor: str, on: date | None = None) -> None:
    """Consulting a third party (Art. 32): the time it takes does not count."""
    _pause(item, "consulting", on or local_date(utcnow()), (note or "").strip(), actor, "consult")


def resume(item: InfoRequest, *, actor: str, on: date | None = None) -> InfoRequest:
    """The supplement arrived (the clock restarts) or the third party answered (it resumes)."""
    _open(item)
    if not item.pauses or item.pauses[-1][1] is not None:
        raise InvalidTransition("计时没有暂停")
    on = on or local_date(utcnow())
    begin_write()
    start, _, kind = _entries(item)[-1]
    if date.fromisoformat(start) > on:
        raise ValidationError({"on": "恢复日期：不能早于暂停日期"})
    item.pauses = [*item.pauses[:-1], [start, on.isoformat(), kind]]
    if kind == "supplement":  # the completed application starts the clock afresh
        item.receipt_date = calendar.receipt_day(on)
    item.status = "received"
    _recompute_due(item)
    _audit(actor, "resume", item, on=on.isoformat())
    db.session.commit()
    return item


def close_request(item: InfoRequest, *, outcome: str, reply: str, actor: str) -> InfoRequest:
    """Answer the request with an outcome typed as in the annual report's Table 三."""
    _open(item)
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = "办理结果：请选择"
    if not (reply or "").strip():
        errors["reply"] = "答复内容：必填"
    if errors:
        raise ValidationError(errors)
    begin_write()
    if item.pauses and item.pauses[-1][1] is None:
        start, _, kind = _entries(item)[-1]
        item.pauses = [*item.pauses[:-1], [start, local_date(utcnow()).isoformat(), kind]]
        _recompute_due(item)
    item.outcome = outcome
    item.reply = reply.strip()
    item.status = "closed"
    item.closed_at = utcnow()
    _audit(actor, "close", item, outcome=outcome)
    db.session.commit()
    return item


#: The columns ``past_due`` reads (``load_only``), for callers judging many requests at once.
DEADLINE_COLUMNS = (
    InfoRequest.status,
    InfoRequest.due_date,
    InfoRequest.closed_at,
    InfoRequest.outcome,
    InfoRequest.pauses,
)


def past_due(item: InfoRequest, today: date) -> bool:
    """Whether a request missed its deadline: answered after its due date, or still open
    after it with the clock running. The one rule for the dashboard, inbox and report.

    A paused request (补正, third party) is not overdue: its clock is stopped. A request
    closed while waiting for its 补正, or closed because the applicant never sent it
    (``other.no_supplement``), was not answered late: it never got a running deadline back.
    """
    if item.status == "closed":
        if item.closed_at is None:
            return False
        closed = local_date(item.closed_at)
        if item.outcome == "other.no_supplement" or _closed_awaiting_supplement(item, closed):
            return False
        return closed > item.due_date
    if item.status in CLOCK_STOPPED:
        return False
    return item.due_date < today


def _closed_awaiting_supplement(item: InfoRequest, closed: date) -> bool:
    """Closing a paused request ends its last pause on the day it closes (``close_request``);
    a 补正 that arrived instead restarts the clock, so it cannot make that day late."""
    entries = _entries(item)
    if not entries:
        return False
    _, end, kind = entries[-1]
    return kind == "supplement" and end == closed.isoformat()


def working_days_taken(start: datetime, end: datetime) -> int:
    """Working days from receipt to answer, as residents see it on the public list."""
    return calendar.working_days_between(calendar.receipt_day(local_date(start)), local_date(end))
