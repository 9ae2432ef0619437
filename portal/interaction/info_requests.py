"""Staff actions on an information request (依申请公开): extend, ask for 补正, consult a third
party, resume, close with an outcome. Each adds an event to the request's life and replays
its clock (``deadlines.refresh_request``) inside one unit of work, after the lock, so two
handlers acting at once can never both pass an "only once" rule."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.auth.actor import Actor, Permission, require
from portal.database import reread, unit_of_work
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.interaction import deadlines, handling, notices
from portal.interaction.clock import MAX_EXTENSION
from portal.interaction.models import OUTCOMES, InfoRequest, RequestEvent
from portal.states import RequestEventKind, RequestStatus
from portal.timeutil import today, utcnow


def _event(
    item: InfoRequest, kind: RequestEventKind, *, actor: Actor, day: date, **fields: Any
) -> None:
    """Add an event to a request (inside its unit of work) and replay its clock; an event
    its status does not allow raises ``InvalidTransition`` and nothing is stored."""
    item.events.append(RequestEvent(kind=kind, day=day, actor=actor.name, **fields))
    deadlines.refresh_request(item)
    notices.notify(item, kind.value)


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


def close_request(item: InfoRequest, *, outcome: str, reply: str, actor: Actor) -> InfoRequest:
    """Answer the request with an outcome typed as in the annual report's Table 三."""
    require(actor, Permission.HANDLE_REQUESTS, item.organisation_id)
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
        handling.record(actor, "close", item, outcome=outcome)
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
                handling.record(
                    actor,
                    "due_date_refreshed",
                    item,
                    before=before.isoformat(),
                    after=item.due_date.isoformat(),
                )
    return changed
