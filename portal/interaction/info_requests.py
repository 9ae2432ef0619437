"""Staff actions on an information request (依申请公开): register one that came by letter,
fax or in person, extend, ask for 补正, consult a third party, resume, close with an outcome
(with the answer's files and, for information released, a proposal for proactive
disclosure); and the applicant's one action, a 补正 sent online. Each adds an event to the
request's life and replays its clock (``deadlines.refresh_request``) inside one unit of
work, after the lock, so two handlers acting at once can never both pass an "only once"
rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import reread, unit_of_work
from portal.documents.uploads import Received
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.interaction import (
    deadlines,
    handling,
    notices,
    proactive_disclosure,
    request_files,
    submissions,
)
from portal.interaction.clock import MAX_EXTENSION, REFUSALS
from portal.interaction.models import (
    APPLICANT,
    APPLICANT_LABEL,
    OFFLINE_CHANNELS,
    OUTCOMES,
    InfoRequest,
    RequestEvent,
)
from portal.states import RequestEventKind, RequestStatus
from portal.timeutil import today, utcnow

#: How far back a request received by letter, fax or in person may still be registered.
REGISTER_WITHIN_DAYS = 365
#: Outcomes whose information may be proposed for proactive disclosure (Art. 44).
#: What an applicant must have given (Art. 29): the form checks each field's shape.
REQUIRED_FIELDS = {
    "applicant_type": "申请人类型",
    "name": "姓名或名称",
    "phone": "联系电话",
    "description": "所需信息的描述",
    "medium": "获取信息的方式",
    "delivery": "获取信息的途径",
}


def received_refusal(day: date | None, on: date) -> str | None:
    """Why ``day`` cannot be the day a request was received, registered on ``on``."""
    if day is None:
        return "收到申请之日：必填，格式为 YYYY-MM-DD"
    if day > on:
        return "收到申请之日：不能晚于今天"
    earliest = on - timedelta(days=REGISTER_WITHIN_DAYS)
    if day < earliest:
        return f"收到申请之日：不能早于 {earliest.isoformat()}（只能登记一年内收到的申请）"
    return None


def register_request(
    data: dict[str, Any],
    *,
    channel: str,
    received_on: date | None,
    org_id: int,
    form_token: str,
    actor: Actor,
) -> submissions.Submission:
    """Register a request that reached organisation ``org_id`` by letter, fax or in person
    (当面, including one made orally and written down by the handler, Art. 29) on
    ``received_on`` — the day its clock starts from (Art. 31: handed in, signed for, or
    confirmed with the applicant). It is stored as an online one is (the same service, once
    per form token, the receipt mailed if an e-mail address was given) with its channel,
    and the handler hands or posts the tracking number and query code to the applicant."""
    require(actor, Permission.HANDLE_REQUESTS, org_id)
    errors = {
        name: f"{label}：必填"
        for name, label in REQUIRED_FIELDS.items()
        if not str(data.get(name) or "").strip()
    }
    if channel not in OFFLINE_CHANNELS:
        errors["channel"] = "收到渠道：请选择信函、传真或当面"
    refusal = received_refusal(received_on, today())
    if refusal:
        errors["received_on"] = refusal
    if errors:
        raise ValidationError(errors)
    code_hash = submissions.new_code_hash(form_token)  # before the write lock
    with unit_of_work():
        again = db.session.scalar(
            sa.select(InfoRequest.id).where(InfoRequest.form_token == form_token)
        )
        receipt = submissions.submit_request(
            data,
            form_token=form_token,
            org_id=org_id,
            channel=channel,
            received_on=received_on,
            received_by=actor.name,
            code_hash=code_hash,
        )
        if again is None:
            item = db.session.execute(
                sa.select(InfoRequest).where(InfoRequest.tracking_no == receipt.tracking_no)
            ).scalar_one()
            handling.record(
                actor,
                "register",
                item,
                channel=channel,
                on=received_on.isoformat() if received_on else None,
            )
    return receipt


def add_event(
    item: InfoRequest, kind: RequestEventKind, *, actor: str, day: date, **fields: Any
) -> RequestEvent:
    """Add an event to a request (inside its unit of work), replay its clock and queue the
    applicant's mail about it; an event its status does not allow raises
    ``InvalidTransition`` and nothing is stored."""
    event = RequestEvent(kind=kind, day=day, actor=actor, **fields)
    item.events.append(event)
    deadlines.refresh_request(item)
    notices.notify(item, kind.value)
    return event


def _event(
    item: InfoRequest, kind: RequestEventKind, *, actor: Actor, day: date, **fields: Any
) -> RequestEvent:
    return add_event(item, kind, actor=actor.name, day=day, **fields)


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
    require(actor, Permission.HANDLE_REQUESTS, item.organisation_id)
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
        handling.record(actor, "extend", item, days=days, approver=approver.strip())
    return item


def request_supplement(
    item: InfoRequest, *, note: str, actor: Actor, on: date | None = None
) -> None:
    """Ask the applicant to complete the request (补正); the clock stops until it arrives."""
    require(actor, Permission.HANDLE_REQUESTS, item.organisation_id)
    if not (note or "").strip():
        raise ValidationError({"note": "补正内容：必填"})
    on = on or today()
    with unit_of_work():
        state = _open_clock(item)
        refusal = deadlines.supplement_refusal(state, on)
        if refusal:
            raise InvalidTransition(refusal)
        _event(item, RequestEventKind.SUPPLEMENT_ASKED, actor=actor, day=on, note=note.strip())
        handling.record(
            actor,
            "request_supplement",
            item,
            on=on.isoformat(),
            note=handling.for_audit(item, note),
        )


def start_consultation(
    item: InfoRequest, *, note: str, actor: Actor, on: date | None = None
) -> None:
    """Consulting a third party (Art. 32): the time it takes does not count."""
    require(actor, Permission.HANDLE_REQUESTS, item.organisation_id)
    on = on or today()
    note = (note or "").strip()
    with unit_of_work():
        state = _open_clock(item)
        if state.paused is not None:
            raise InvalidTransition("计时已暂停，请先登记恢复")
        _event(item, RequestEventKind.CONSULTATION_STARTED, actor=actor, day=on, note=note)
        handling.record(
            actor, "consult", item, on=on.isoformat(), note=handling.for_audit(item, note)
        )


def resume(item: InfoRequest, *, actor: Actor, on: date | None = None) -> InfoRequest:
    """The supplement arrived (the clock restarts) or the third party answered (it resumes)."""
    require(actor, Permission.HANDLE_REQUESTS, item.organisation_id)
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
        handling.record(actor, "resume", item, on=on.isoformat())
    return item


def close_request(
    item: InfoRequest,
    *,
    outcome: str,
    reply: str,
    actor: Actor,
    files: Sequence[Received] = (),
    proactive: bool = False,
    column: str | None = None,
) -> InfoRequest:
    """Answer the request with an outcome typed as in the annual report's Table 三, and
    the files that go with the answer (告知书, the information released: checked uploads,
    ``request_files.received``), which the applicant downloads from the tracking page.

    ``proactive``: the information released (予以公开 or 部分公开) may be disclosed to
    everyone (Art. 44: several applicants asked for it, or the applicant suggested it); a
    draft is made of it for an editor to review, filed under the catalogue column keyed
    ``column`` (None: the default, ``filing.proactive_column``). All or nothing: a draft
    that cannot be made leaves the request open."""
    require(actor, Permission.HANDLE_REQUESTS, item.organisation_id)
    errors = {}
    if outcome not in OUTCOMES:
        errors["outcome"] = "办理结果：请选择"
    if not (reply or "").strip():
        errors["reply"] = "答复内容：必填"
    if proactive and outcome in OUTCOMES and outcome not in proactive_disclosure.OUTCOMES:
        errors["proactive"] = "纳入主动公开：只有“予以公开”或“部分公开”的信息可以纳入主动公开范围"
    if errors:
        raise ValidationError(errors)
    written: list[Path] = []
    try:
        with unit_of_work():
            _open_clock(item)
            event = _event(item, RequestEventKind.CLOSED, actor=actor, day=today(), outcome=outcome)
            item.outcome = outcome
            item.reply = reply.strip()
            item.closed_at = utcnow()
            written = request_files.store(item, "reply", files, event)
            extra = {"files": len(files)} if files else {}
            handling.record(actor, "close", item, outcome=outcome, **extra)
            if proactive:
                proactive_disclosure.propose(item, column, actor)
    except BaseException:
        request_files.remove(written)
        raise
    return item


SUPPLEMENT_TEXT_LIMIT = 2000


def answer_supplement(
    item: InfoRequest, *, text: str, files: Sequence[Received] = (), on: date | None = None
) -> RequestEvent:
    """The applicant's 补正, sent online: the same event as a handler's "收到补正" (Art. 30:
    the period runs afresh from the day it arrives), with what they wrote as its note and
    their files (checked uploads, ``request_files.received``). The handler sees it in the
    inbox; the applicant gets the mail every 补正 received gets.

    Whoever calls this has checked the request's number and query code; the applicant is
    the actor. ``InvalidTransition`` when the request is not waiting for a 补正."""
    text = (text or "").strip()
    if not text and not files:
        raise ValidationError({"text": "补正内容：请填写补正内容或上传补正材料"})
    if len(text) > SUPPLEMENT_TEXT_LIMIT:
        raise ValidationError({"text": f"补正内容：不能超过 {SUPPLEMENT_TEXT_LIMIT} 个字"})
    on = on or today()
    written: list[Path] = []
    try:
        with unit_of_work():
            reread(item)
            if item.clock.status != RequestStatus.SUPPLEMENT:
                raise InvalidTransition(REFUSALS[RequestEventKind.SUPPLEMENT_RECEIVED])
            event = add_event(
                item,
                RequestEventKind.SUPPLEMENT_RECEIVED,
                actor=APPLICANT,
                day=on,
                note=text or None,
            )
            written = request_files.store(item, "supplement", files, event)
            audit.record(
                APPLICANT_LABEL,
                "supplement_submitted",
                "request",
                item.id,
                org_id=item.organisation_id,
                on=on.isoformat(),
                files=len(files),
            )
    except BaseException:
        request_files.remove(written)
        raise
    return event


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
                handling.record(
                    actor,
                    "due_date_refreshed",
                    item,
                    before=before.isoformat(),
                    after=item.due_date.isoformat(),
                )
    return changed
