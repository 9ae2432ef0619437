"""Services for messages and information requests: submit, track, answer, extend, close.

Each is one unit of work (``database.unit_of_work``): it takes the write lock, reads the
item again, checks the state it is in, writes, adds an ``AuditRecord`` and commits — or
stores nothing. A request's statutory clock changes only by adding an event
(``RequestEvent``); its status and due date are then replayed from the events
(``deadlines.refresh_request``), so two handlers acting at once can never both pass a
"only once" rule.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import reread, unit_of_work
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.interaction import deadlines, privacy, publication
from portal.interaction.clock import MAX_EXTENSION
from portal.interaction.models import OUTCOMES, InfoRequest, Message, RequestEvent
from portal.states import MessageStatus, RequestEventKind, RequestStatus
from portal.timeutil import local_date, today, utcnow

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 8
APPLICANT = "applicant"  # the actor of a request's "received" event


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


def _audit(actor: Actor, action: str, target: Message | InfoRequest, **detail: Any) -> None:
    kind = "message" if isinstance(target, Message) else "request"
    audit.record(actor.name, action, kind, target.id, **detail)


def own_details(target: Message | InfoRequest) -> dict[str, Any]:
    """The resident's own name and contacts, for ``privacy.mask_own_details``. An
    organisation's name is not personal data and stays."""
    if isinstance(target, Message):
        return {"name": target.name, "contacts": [c for c in [target.contact] if c]}
    name = target.name if target.applicant_type == "person" else None
    contacts = [v for v in (target.phone, target.email, target.id_number, target.address) if v]
    return {"name": name, "contacts": contacts}


def _for_audit(target: Message | InfoRequest, text: str) -> str:
    """Staff's free text (a note, a reason) as the audit log keeps it: with personal data
    and the resident's own details masked, since the log is kept for good and shown to
    every admin."""
    masked, _ = privacy.mask_own_details(text, **own_details(target))
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
    with unit_of_work():
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
                status=MessageStatus.RECEIVED,
                quarantined=quarantine is not None,
                quarantine_reason=quarantine,
            )
            db.session.add(existing)
    return Submission(existing.tracking_no, query_code(form_token), existing.quarantined)


def submit_request(
    data: dict[str, Any], *, form_token: str, quarantine: str | None = None
) -> Submission:
    """Store an information request once per form token and start its statutory clock."""
    with unit_of_work():
        existing = _existing(InfoRequest, form_token)
        if existing is None:
            now = utcnow()
            existing = InfoRequest(
                tracking_no=_next_tracking_no(InfoRequest, "YSQ"),
                code_hash=generate_password_hash(query_code(form_token)),
                form_token=form_token,
                received_at=now,
                quarantined=quarantine is not None,
                quarantine_reason=quarantine,
                **{k: data.get(k) or None for k in REQUEST_FIELDS},
            )
            existing.events.append(
                RequestEvent(kind=RequestEventKind.RECEIVED, day=local_date(now), actor=APPLICANT)
            )
            deadlines.refresh_request(existing)
            db.session.add(existing)
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


def answer_message(message: Message, *, reply: str, department: str, actor: Actor) -> Message:
    """Record the office's reply to a message (or correct it while it is not public)."""
    require(actor, Permission.HANDLE_MESSAGES)
    errors = {}
    if not (reply or "").strip():
        errors["reply"] = "答复内容：必填"
    if not (department or "").strip():
        errors["department"] = "答复部门：必填"
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        reread(message)
        if message.published:
            raise InvalidTransition("留言已公开，请先取消公开再修改答复")
        message.reply = reply.strip()
        message.reply_department = department.strip()
        message.replied_at = utcnow()
        message.status = MessageStatus.ANSWERED
        _audit(actor, "answer", message, department=message.reply_department)
    return message


def _check_publishable_message(message: Message) -> None:
    if message.status != MessageStatus.ANSWERED:
        raise InvalidTransition("只有已答复的留言可以公开")
    if message.published:
        raise InvalidTransition("该留言已经公开")
    if message.quarantined:
        raise InvalidTransition("该留言被系统拦截，不能公开")
    if not message.consent:
        raise InvalidTransition("留言人未同意公开")


MESSAGE_PUBLIC_FIELDS = {"subject": "留言标题", "content": "留言内容", "reply": "答复内容"}


def message_preview(message: Message) -> dict[str, publication.PublicText]:
    """What publishing would show: each text with personal data masked and marked, for
    the handler to check (and edit) before confirming. Writes nothing."""
    _check_publishable_message(message)
    own = own_details(message)
    return {
        name: publication.prepare(getattr(message, name) or "", label=label, **own)
        for name, label in MESSAGE_PUBLIC_FIELDS.items()
    }


def publish_message(message: Message, *, texts: dict[str, str], actor: Actor) -> None:
    """Publish an answered message with the public texts the handler confirmed (masked in
    the preview, maybe edited). The texts are stored as they are; any that still holds
    personal data is refused, and nothing is published."""
    require(actor, Permission.HANDLE_MESSAGES)
    cleaned = publication.check_texts(texts, MESSAGE_PUBLIC_FIELDS, **own_details(message))
    with unit_of_work():
        reread(message)
        automatic = message_preview(message)  # checks that it may be published
        edited = [text.label for name, text in automatic.items() if cleaned[name] != text.masked]
        message.public_subject = cleaned["subject"]
        message.public_content = cleaned["content"]
        message.public_reply = cleaned["reply"]
        message.published = True
        masked = sum(len(text.findings) for text in automatic.values())
        detail = {"masked": masked, **({"edited": "、".join(edited)} if edited else {})}
        _audit(actor, "publish", message, **detail)


def unpublish_message(message: Message, *, actor: Actor, reason: str) -> None:
    """Take a message off the public list."""
    require(actor, Permission.HANDLE_MESSAGES)
    with unit_of_work():
        reread(message)
        if not message.published:
            raise InvalidTransition("该留言没有公开")
        message.published = False
        _audit(actor, "unpublish", message, reason=_for_audit(message, reason or ""))


def reveal_personal_data(item: Message | InfoRequest, *, fields: list[str], actor: Actor) -> None:
    """Log that ``actor`` saw the full personal data of ``item``: which fields, never values."""
    require(actor, Permission.REVEAL_PERSONAL_DATA)
    with unit_of_work():
        _audit(actor, "reveal", item, fields=fields)


# -- staff: information requests -----------------------------------------------------


def _event(
    item: InfoRequest, kind: RequestEventKind, *, actor: Actor, day: date, **fields: Any
) -> None:
    """Add an event to a request (inside its unit of work) and replay its clock; an event
    its status does not allow raises ``InvalidTransition`` and nothing is stored."""
    item.events.append(RequestEvent(kind=kind, day=day, actor=actor.name, **fields))
    deadlines.refresh_request(item)


def _open_clock(item: InfoRequest):
    reread(item)
    state = item.clock
    if not state.open:
        raise InvalidTransition("该申请已办结")
    return state


def extend_request(
    item: InfoRequest, *, days: int, reason: str, approver: str, actor: Actor
) -> InfoRequest:
    """Extend the deadline once, by at most 20 working days, with a reason and approver."""
    require(actor, Permission.HANDLE_REQUESTS)
    errors = {}
    if not 1 <= days <= MAX_EXTENSION:
        errors["days"] = f"延期天数：应为 1 至 {MAX_EXTENSION} 个工作日"
    if not (reason or "").strip():
        errors["reason"] = "延期理由：必填"
    if not (approver or "").strip():
        errors["approver"] = "批准人：必填"
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        state = _open_clock(item)
        if state.extension_days:
            raise InvalidTransition("每件申请只能延期一次，本申请已延期")
        _event(
            item,
            RequestEventKind.EXTENDED,
            actor=actor,
            day=today(),
            days=days,
            note=reason.strip(),
            approver=approver.strip(),
        )
        _audit(actor, "extend", item, days=days, approver=approver.strip())
    return item


def request_supplement(
    item: InfoRequest, *, note: str, actor: Actor, on: date | None = None
) -> None:
    """Ask the applicant to complete the request (补正); the clock stops until it arrives."""
    require(actor, Permission.HANDLE_REQUESTS)
    if not (note or "").strip():
        raise ValidationError({"note": "补正内容：必填"})
    on = on or today()
    with unit_of_work():
        state = _open_clock(item)
        refusal = deadlines.supplement_refusal(state, on)
        if refusal:
            raise InvalidTransition(refusal)
        _event(item, RequestEventKind.SUPPLEMENT_ASKED, actor=actor, day=on, note=note.strip())
        _audit(actor, "request_supplement", item, on=on.isoformat(), note=_for_audit(item, note))


def start_consultation(
    item: InfoRequest, *, note: str, actor: Actor, on: date | None = None
) -> None:
    """Consulting a third party (Art. 32): the time it takes does not count."""
    require(actor, Permission.HANDLE_REQUESTS)
    on = on or today()
    note = (note or "").strip()
    with unit_of_work():
        state = _open_clock(item)
        if state.paused is not None:
            raise InvalidTransition("计时已暂停，请先登记恢复")
        _event(item, RequestEventKind.CONSULTATION_STARTED, actor=actor, day=on, note=note)
        _audit(actor, "consult", item, on=on.isoformat(), note=_for_audit(item, note))


def resume(item: InfoRequest, *, actor: Actor, on: date | None = None) -> InfoRequest:
    """The supplement arrived (the clock restarts) or the third party answered (it resumes)."""
    require(actor, Permission.HANDLE_REQUESTS)
    on = on or today()
    with unit_of_work():
        pause = _open_clock(item).paused
        if pause is None:
            raise InvalidTransition("计时没有暂停")
        if on < pause.start:
            raise ValidationError({"on": "恢复日期：不能早于暂停日期"})
        kind = (
            RequestEventKind.SUPPLEMENT_RECEIVED
            if pause.kind == "supplement"
            else RequestEventKind.CONSULTATION_ENDED
        )
        _event(item, kind, actor=actor, day=on)
        _audit(actor, "resume", item, on=on.isoformat())
    return item


def close_request(item: InfoRequest, *, outcome: str, reply: str, actor: Actor) -> InfoRequest:
    """Answer the request with an outcome typed as in the annual report's Table 三."""
    require(actor, Permission.HANDLE_REQUESTS)
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = "办理结果：请选择"
    if not (reply or "").strip():
        errors["reply"] = "答复内容：必填"
    if errors:
        raise ValidationError(errors)
    with unit_of_work():
        _open_clock(item)
        _event(item, RequestEventKind.CLOSED, actor=actor, day=today(), outcome=outcome)
        item.outcome = outcome
        item.reply = reply.strip()
        item.closed_at = utcnow()
        _audit(actor, "close", item, outcome=outcome)
    return item


def refresh_deadlines(*, actor: Actor) -> int:
    """Replay every open request's events against the calendar as it now stands (after a
    year's holiday arrangement was entered); returns how many due dates changed."""
    require(actor, Permission.MAINTAIN)
    changed = 0
    with unit_of_work():
        open_requests = db.session.scalars(
            sa.select(InfoRequest)
            .options(selectinload(InfoRequest.events))
            .where(InfoRequest.status != RequestStatus.CLOSED)
            .order_by(InfoRequest.id)
        ).all()
        for item in open_requests:
            before = item.due_date
            deadlines.refresh_request(item)
            if item.due_date != before:
                changed += 1
                _audit(
                    actor,
                    "due_date_refreshed",
                    item,
                    before=before.isoformat(),
                    after=item.due_date.isoformat(),
                )
    return changed
