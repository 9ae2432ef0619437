"""Read side of the staff inbox: filtered lists sorted by deadline, and masked views.

Nothing here writes. Personal data leaves this module masked unless a view is built with
``revealed=True`` (after the handler asked, and the reveal was logged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.audit import AuditRecord
from portal.extensions import db
from portal.interaction import deadlines, handling, privacy
from portal.interaction.models import (
    MESSAGE_STATUSES,
    OUTCOMES,
    REQUEST_STATUSES,
    InfoRequest,
    Message,
)
from portal.states import MessageStatus, RequestStatus
from portal.timeutil import local_date
from portal.web.pagination import Page, paginate

EXCERPT = 40  # characters of subject or description on the lists

MESSAGE_VIEWS = {
    "open": "待办",
    "answered": "已答复",
    "published": "已公开",
    "all": "全部（不含系统拦截）",
    "quarantined": "系统拦截",
}
REQUEST_VIEWS = {
    "open": "待办",
    **REQUEST_STATUSES,
    "all": "全部（不含系统拦截）",
    "quarantined": "系统拦截",
}


# -- deadlines (the rules live in ``interaction.deadlines``) ---------------------------

Deadline = deadlines.Deadline
message_deadline = deadlines.message_deadline
request_deadline = deadlines.request_deadline


# -- masking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A value as the page shows it; ``css`` is "masked", "revealed" or ""."""

    text: str
    css: str = ""


@dataclass
class Masker:
    """Masks values for one page and remembers which fields held personal data."""

    revealed: bool = False
    own: dict[str, Any] = field(default_factory=dict)  # ``handling.own_details``
    sensitive: list[str] = field(default_factory=list)

    def value(self, name: str, kind: str, value: str | None) -> Shown:
        if not value:
            return Shown("—")
        self.sensitive.append(name)
        if self.revealed:
            return Shown(value, "revealed")
        return Shown(privacy.mask_value(kind, value), "masked")

    def text(self, name: str, value: str | None) -> Shown:
        if not value:
            return Shown("—")
        masked = mask_text(value, self.own)
        if masked == value:
            return Shown(value)
        self.sensitive.append(name)
        return Shown(value, "revealed") if self.revealed else Shown(masked)


def mask_text(text: str | None, own: dict[str, Any] | None = None) -> str:
    """Free text with personal data and the resident's own details masked."""
    masked, _ = privacy.mask_own_details(text or "", **(own or {}))
    return masked


def excerpt(text: str | None, own: dict[str, Any] | None = None) -> str:
    """The start of a free text, masked first so a cut never exposes part of a number."""
    flat = " ".join(mask_text(text, own).split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT] + "…"


def applicant_name(item: Message | InfoRequest, masker: Masker | None = None) -> Shown:
    """A person's name masked; an organisation's name (not personal data) in full."""
    if not item.name:
        return Shown("匿名")
    if isinstance(item, InfoRequest) and item.applicant_type != "person":
        return Shown(item.name)
    if masker is not None:
        return masker.value("name", "name", item.name)
    return Shown(privacy.mask_name(item.name), "masked")


# -- lists ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    item: Any
    excerpt: str
    who: Shown
    contact: Shown
    status: str
    deadline: Deadline


@dataclass(frozen=True)
class Listing:
    """One page of an inbox list, and how many items the system held back (shown as a
    separate view)."""

    found: Page[Row]
    quarantined: int

    @property
    def rows(self) -> list[Row]:
        return self.found.items

    @property
    def page(self) -> int:
        return self.found.page

    @property
    def pages(self) -> int:
        return self.found.pages

    @property
    def total(self) -> int:
        return self.found.total


def _search(column: sa.SQLColumnExpression[str], q: str) -> sa.ColumnElement[bool]:
    return column.contains(q.strip().upper(), autoescape=True)


def _count(model: type[Message | InfoRequest], *where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where)) or 0


def message_list(
    *, view: str, category: str, q: str, page: int, per_page: int, today: date
) -> Listing:
    """Messages in ``view``, open ones first by due date (404 past the last page)."""
    by_view: dict[str, list[sa.ColumnElement[bool]]] = {
        "open": [Message.status == MessageStatus.RECEIVED],
        "answered": [Message.status == MessageStatus.ANSWERED],
        "published": [Message.published.is_(True)],
    }
    where: list[sa.ColumnElement[bool]] = [
        Message.quarantined.is_(view == "quarantined"),
        *by_view.get(view, []),
    ]
    if category:
        where.append(Message.category == category)
    if q:
        where.append(_search(Message.tracking_no, q))
    # The due date grows with the time received, so sorting by it sorts by due date.
    return _listing(
        Message,
        where,
        Message.status == MessageStatus.RECEIVED,
        Message.received_at,
        page,
        per_page,
        lambda m: Row(
            item=m,
            excerpt=excerpt(m.subject, handling.own_details(m)),
            who=applicant_name(m),
            contact=masked_contact(m.contact),
            status=MESSAGE_STATUSES.get(m.status, m.status),
            deadline=message_deadline(m, today),
        ),
    )


def _listing(
    model: type[Message] | type[InfoRequest],
    where: list[sa.ColumnElement[bool]],
    open_: sa.ColumnElement[bool],
    due: sa.SQLColumnExpression[Any],
    page: int,
    per_page: int,
    row: Callable[[Any], Row],
) -> Listing:
    """One page of an inbox list: open items first, the soonest ``due`` on top, then the
    rest newest first; and how many the system held back."""
    query = (
        sa.select(model)
        .where(*where)
        .order_by(
            sa.case((open_, 0), else_=1),
            sa.case((open_, due), else_=None),
            due.desc(),
            model.id,
        )
    )
    if model is InfoRequest:
        query = query.options(selectinload(InfoRequest.events))
    found = paginate(query, page, per_page, count=sa.select(sa.func.count(model.id)).where(*where))
    return Listing(
        Page([row(item) for item in found.items], found.page, found.per_page, found.total),
        _count(model, model.quarantined.is_(True)),
    )


def masked_contact(value: str | None) -> Shown:
    """A phone number or e-mail address as staff lists show it."""
    if not value:
        return Shown("—")
    return Shown(privacy.mask_value(privacy.contact_kind(value), value), "masked")


def request_list(*, view: str, q: str, page: int, per_page: int, today: date) -> Listing:
    """Requests in ``view``, open ones first by due date (404 past the last page)."""
    where: list[sa.ColumnElement[bool]] = [InfoRequest.quarantined.is_(view == "quarantined")]
    if view == "open":
        where.append(InfoRequest.status != RequestStatus.CLOSED)
    elif view in REQUEST_STATUSES:
        where.append(InfoRequest.status == view)
    if q:
        where.append(_search(InfoRequest.tracking_no, q))
    return _listing(
        InfoRequest,
        where,
        InfoRequest.status != RequestStatus.CLOSED,
        InfoRequest.due_date,
        page,
        per_page,
        lambda r: Row(
            item=r,
            excerpt=excerpt(r.description, handling.own_details(r)),
            who=applicant_name(r),
            contact=masked_contact(r.phone),
            status=REQUEST_STATUSES.get(r.status, r.status),
            deadline=request_deadline(r, today),
        ),
    )


# -- detail pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    when: date | datetime
    text: str


@dataclass
class Detail:
    """Everything a detail page shows, with personal data masked unless revealed."""

    facts: list[tuple[str, Shown]]
    events: list[Event]
    deadline: Deadline
    sensitive: list[str]  # fields holding personal data (what a reveal shows and logs)
    history: list[AuditRecord]


def _history(target_type: str, target_id: int) -> list[AuditRecord]:
    return list(
        db.session.scalars(
            sa.select(AuditRecord)
            .where(AuditRecord.target_type == target_type, AuditRecord.target_id == target_id)
            .order_by(AuditRecord.created_at, AuditRecord.id)
            .limit(200)
        )
    )


def _sorted(events: list[Event]) -> list[Event]:
    def key(event: Event) -> date:
        return local_date(event.when) if isinstance(event.when, datetime) else event.when

    return sorted(events, key=key)


def message_detail(message: Message, today: date, *, revealed: bool = False) -> Detail:
    """A message for its handler: facts, events, deadline and the record of actions."""
    mask = Masker(revealed=revealed, own=handling.own_details(message))
    contact = message.contact or ""
    facts = [
        ("查询编号", Shown(message.tracking_no)),
        ("留言类别", Shown(message.category)),
        ("状态", Shown(MESSAGE_STATUSES.get(message.status, message.status))),
        ("留言人", applicant_name(message, mask)),
        ("联系方式", mask.value("contact", privacy.contact_kind(contact), contact)),
        ("同意公开", Shown("是" if message.consent else "否")),
        ("留言标题", mask.text("subject", message.subject)),
        ("留言内容", mask.text("content", message.content)),
    ]
    if message.quarantined:
        facts.append(("系统拦截", Shown(f"是（{message.quarantine_reason or '未注明原因'}）")))
    if message.reply:
        facts += [
            ("答复部门", Shown(message.reply_department or "")),
            ("答复内容", mask.text("reply", message.reply)),
        ]
    facts.append(("公开状态", Shown("已公开（个人信息已遮盖）" if message.published else "未公开")))
    if message.published:
        facts += [
            ("公开的标题", Shown(message.public_subject or "")),
            ("公开的内容", Shown(message.public_content or "")),
            ("公开的答复", Shown(message.public_reply or "")),
        ]
    events = [Event(message.received_at, "收到留言")]
    if message.replied_at:
        events.append(Event(message.replied_at, f"答复（{message.reply_department or ''}）"))
    return Detail(
        facts=facts,
        events=_sorted(events),
        deadline=message_deadline(message, today),
        sensitive=mask.sensitive,
        history=_history("message", message.id),
    )


def request_detail(item: InfoRequest, today: date, *, revealed: bool = False) -> Detail:
    """A request for its handler: applicant (masked), request, clock, outcome and actions."""
    mask = Masker(revealed=revealed, own=handling.own_details(item))
    person = item.applicant_type == "person"
    clock = item.clock
    facts = [
        ("查询编号", Shown(item.tracking_no)),
        ("状态", Shown(REQUEST_STATUSES.get(item.status, item.status))),
        ("申请人类型", Shown("自然人" if person else f"组织（{item.organisation_type}）")),
        ("姓名或名称", applicant_name(item, mask)),
        ("证件类型", Shown(item.id_type or "—")),
        ("证件号码", mask.value("id_number", "id_number", item.id_number)),
        ("联系电话", mask.value("phone", privacy.contact_kind(item.phone or ""), item.phone)),
        ("电子邮箱", mask.value("email", "email", item.email)),
        ("通信地址", mask.value("address", "address", item.address)),
        ("所需信息", mask.text("description", item.description)),
        ("用途", mask.text("purpose", item.purpose)),
        ("获取方式", Shown(f"{item.medium}，{item.delivery}")),
        ("计时起算日", Shown(clock.starts.isoformat())),
    ]
    if item.quarantined:
        facts.append(("系统拦截", Shown(f"是（{item.quarantine_reason or '未注明原因'}）")))
    if clock.extension_days:
        reason = mask_text(clock.extension_reason, mask.own)
        facts.append(
            (
                "延期",
                Shown(
                    f"{clock.extension_days} 个工作日；理由：{reason}；"
                    f"批准人：{clock.extension_approver}"
                ),
            )
        )
    if clock.supplement_note:
        facts.append(("补正内容", mask.text("supplement_note", clock.supplement_note)))
    if item.outcome:
        facts.append(("办理结果", Shown(OUTCOMES.get(item.outcome, item.outcome))))
    if item.reply:
        facts.append(("答复内容", mask.text("reply", item.reply)))
    events = [Event(item.received_at, "收到申请")]
    for event in item.events[1:]:
        text = event.kind.label
        if event.days:
            text += f" {event.days} 个工作日"
        if event.outcome:
            text += f"：{OUTCOMES.get(event.outcome, '')}"
        events.append(Event(event.day, text))
    return Detail(
        facts=facts,
        events=events,
        deadline=request_deadline(item, today),
        sensitive=mask.sensitive,
        history=_history("request", item.id),
    )


can_request_supplement = deadlines.can_request_supplement
