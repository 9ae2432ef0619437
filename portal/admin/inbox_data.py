"""Read side of the staff inbox: filtered lists sorted by deadline, and masked views.

Nothing here writes. Personal data leaves this module masked unless a view is built with
``revealed=True`` (after the handler asked, and the reveal was logged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ..audit import AuditRecord
from ..extensions import db
from ..interaction import calendar, privacy, services
from ..interaction.models import MESSAGE_STATUSES, OUTCOMES, REQUEST_STATUSES, InfoRequest, Message
from ..timeutil import local_date

SOON = 3  # working days: open items due within this many are flagged 即将到期
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
PAUSE_EVENTS = {
    "supplement": ("通知申请人补正，计时停止", "收到补正材料，重新计时"),
    "consult": ("征求第三方意见，计时暂停", "收到第三方意见，恢复计时"),
}


# -- deadlines ------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """Where an item stands against its due date; ``state`` doubles as the row's CSS class."""

    due: date
    state: str  # "" | "due-soon" | "overdue" | "paused" | "done"
    days_left: int | None = None  # working days; negative when overdue

    @property
    def row_class(self) -> str:
        return self.state if self.state in {"due-soon", "overdue"} else ""

    @property
    def remaining(self) -> str:
        if self.days_left is None:
            return "—"
        if self.days_left < 0:
            return f"超期 {-self.days_left} 个工作日"
        if self.days_left == 0:
            return "今日到期"
        return f"剩余 {self.days_left} 个工作日"


def deadline(
    due: date, today: date, *, open_: bool, paused: bool = False, overdue: bool | None = None
) -> Deadline:
    """The deadline state of an item due on ``due``, seen on ``today``; ``overdue`` overrides
    the plain ``due < today`` (requests: ``services.past_due``)."""
    if not open_:
        return Deadline(due, "done")
    if paused:
        return Deadline(due, "paused")
    if overdue is None:
        overdue = due < today
    if overdue:
        # Seen on a weekend or holiday just after the due day no working day has passed
        # yet, but the item is late all the same: count at least one.
        late = max(1, calendar.working_days_between(due, today))
        return Deadline(due, "overdue", -late)
    left = calendar.working_days_between(today, due)
    return Deadline(due, "due-soon" if left <= SOON else "", left)


def message_due(message: Message) -> date:
    """The office's target for a message: 5 working days from the day it counts as received."""
    received = calendar.receipt_day(local_date(message.received_at))
    return calendar.add_working_days(received, services.MESSAGE_TARGET)


def message_deadline(message: Message, today: date) -> Deadline:
    return deadline(message_due(message), today, open_=message.status == "received")


def request_deadline(item: InfoRequest, today: date) -> Deadline:
    return deadline(
        item.due_date,
        today,
        open_=item.status != "closed",
        paused=item.status in services.CLOCK_STOPPED,
        overdue=services.past_due(item, today),
    )


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
    own: tuple[str, ...] = ()  # the submitter's own name: masked in free text too
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


def mask_text(text: str | None, own: tuple[str, ...] = ()) -> str:
    """Free text with ID numbers, phone numbers, e-mail and the submitter's name masked."""
    masked, _ = privacy.mask_personal_data(text or "")
    for name in own:
        if name and len(name) >= 2:
            masked = masked.replace(name, privacy.mask_name(name))
    return masked


def contact_kind(value: str) -> str:
    """How to mask a contact: e-mail, landline (starts with an area code) or mobile."""
    if "@" in value:
        return "email"
    return "landline" if value.strip().startswith(("0", "(0", "（0")) else "mobile"


def excerpt(text: str | None, own: tuple[str, ...] = ()) -> str:
    """The start of a free text, masked first so a cut never exposes part of a number."""
    flat = " ".join(mask_text(text, own).split())
    return flat if len(flat) <= EXCERPT else flat[:EXCERPT] + "…"


def _own(item: Message | InfoRequest) -> tuple[str, ...]:
    if isinstance(item, InfoRequest) and item.applicant_type != "person":
        return ()
    return (item.name,) if item.name else ()


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
    rows: list[Row]
    page: int
    pages: int
    total: int
    quarantined: int  # how many items the system held back (shown as a separate view)


def _search(column: sa.ColumnElement[str], q: str) -> sa.ColumnElement[bool]:
    return column.contains(q.strip().upper(), autoescape=True)


def _page(query: sa.Select, page: int, per_page: int) -> list[Any]:
    return list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))


def _pages(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _count(model: type, *where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where)) or 0


def message_list(
    *, view: str, category: str, q: str, page: int, per_page: int, today: date
) -> Listing | None:
    """Messages in ``view``, open ones first by due date; None if ``page`` is past the end."""
    where: list[sa.ColumnElement[bool]] = [
        Message.quarantined.is_(view == "quarantined"),
        *{
            "open": [Message.status == "received"],
            "answered": [Message.status == "answered"],
            "published": [Message.published.is_(True)],
        }.get(view, []),
    ]
    if category:
        where.append(Message.category == category)
    if q:
        where.append(_search(Message.tracking_no, q))
    total = _count(Message, *where)
    if page > _pages(total, per_page):
        return None
    # The due date grows with the time received, so sorting by it sorts by due date.
    open_ = Message.status == "received"
    query = (
        sa.select(Message)
        .where(*where)
        .order_by(
            sa.case((open_, 0), else_=1),
            sa.case((open_, Message.received_at), else_=None),
            Message.received_at.desc(),
            Message.id,
        )
    )
    rows = [
        Row(
            item=m,
            excerpt=excerpt(m.subject, _own(m)),
            who=applicant_name(m),
            contact=masked_contact(m.contact),
            status=MESSAGE_STATUSES.get(m.status, m.status),
            deadline=message_deadline(m, today),
        )
        for m in _page(query, page, per_page)
    ]
    return Listing(
        rows, page, _pages(total, per_page), total, _count(Message, Message.quarantined.is_(True))
    )


def masked_contact(value: str | None) -> Shown:
    """A phone number or e-mail address as staff lists show it."""
    if not value:
        return Shown("—")
    return Shown(privacy.mask_value(contact_kind(value), value), "masked")


def request_list(*, view: str, q: str, page: int, per_page: int, today: date) -> Listing | None:
    """Requests in ``view``, open ones first by due date; None if ``page`` is past the end."""
    where: list[sa.ColumnElement[bool]] = [InfoRequest.quarantined.is_(view == "quarantined")]
    if view == "open":
        where.append(InfoRequest.status != "closed")
    elif view in REQUEST_STATUSES:
        where.append(InfoRequest.status == view)
    if q:
        where.append(_search(InfoRequest.tracking_no, q))
    total = _count(InfoRequest, *where)
    if page > _pages(total, per_page):
        return None
    open_ = InfoRequest.status != "closed"
    query = (
        sa.select(InfoRequest)
        .where(*where)
        .order_by(
            sa.case((open_, 0), else_=1),
            sa.case((open_, InfoRequest.due_date), else_=None),
            InfoRequest.due_date.desc(),
            InfoRequest.id,
        )
    )
    rows = [
        Row(
            item=r,
            excerpt=excerpt(r.description, _own(r)),
            who=applicant_name(r),
            contact=masked_contact(r.phone),
            status=REQUEST_STATUSES.get(r.status, r.status),
            deadline=request_deadline(r, today),
        )
        for r in _page(query, page, per_page)
    ]
    return Listing(
        rows,
        page,
        _pages(total, per_page),
        total,
        _count(InfoRequest, InfoRequest.quarantined.is_(True)),
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
    mask = Masker(revealed=revealed, own=_own(message))
    contact = message.contact or ""
    facts = [
        ("查询编号", Shown(message.tracking_no)),
        ("留言类别", Shown(message.category)),
        ("状态", Shown(MESSAGE_STATUSES.get(message.status, message.status))),
        ("留言人", applicant_name(message, mask)),
        ("联系方式", mask.value("contact", contact_kind(contact), contact)),
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


def pauses(item: InfoRequest) -> list[tuple[str, str | None, str]]:
    """The clock's stops as (start, end or None, kind); entries without a kind are consults."""
    return [(p[0], p[1], p[2] if len(p) > 2 else "consult") for p in item.pauses or []]


def request_detail(item: InfoRequest, today: date, *, revealed: bool = False) -> Detail:
    """A request for its handler: applicant (masked), request, clock, outcome and actions."""
    mask = Masker(revealed=revealed, own=_own(item))
    person = item.applicant_type == "person"
    facts = [
        ("查询编号", Shown(item.tracking_no)),
        ("状态", Shown(REQUEST_STATUSES.get(item.status, item.status))),
        ("申请人类型", Shown("自然人" if person else f"组织（{item.organisation_type}）")),
        ("姓名或名称", applicant_name(item, mask)),
        ("证件类型", Shown(item.id_type or "—")),
        ("证件号码", mask.value("id_number", "id_number", item.id_number)),
        ("联系电话", mask.value("phone", contact_kind(item.phone or ""), item.phone)),
        ("电子邮箱", mask.value("email", "email", item.email)),
        ("通信地址", mask.value("address", "address", item.address)),
        ("所需信息", mask.text("description", item.description)),
        ("用途", mask.text("purpose", item.purpose)),
        ("获取方式", Shown(f"{item.medium}，{item.delivery}")),
        ("计时起算日", Shown(item.receipt_date.isoformat())),
    ]
    if item.quarantined:
        facts.append(("系统拦截", Shown(f"是（{item.quarantine_reason or '未注明原因'}）")))
    if item.extension_days:
        facts.append(
            (
                "延期",
                Shown(
                    f"{item.extension_days} 个工作日；理由：{item.extension_reason}；"
                    f"批准人：{item.extension_approver}"
                ),
            )
        )
    if item.supplement_note:
        facts.append(("补正内容", mask.text("supplement_note", item.supplement_note)))
    if item.outcome:
        facts.append(("办理结果", Shown(OUTCOMES.get(item.outcome, item.outcome))))
    if item.reply:
        facts.append(("答复内容", mask.text("reply", item.reply)))
    events = [Event(item.received_at, "收到申请")]
    for start, end, kind in pauses(item):
        began, ended = PAUSE_EVENTS.get(kind, PAUSE_EVENTS["consult"])
        events.append(Event(date.fromisoformat(start), began))
        if end:
            events.append(Event(date.fromisoformat(end), ended))
    if item.closed_at:
        events.append(Event(item.closed_at, f"办结：{OUTCOMES.get(item.outcome or '', '')}"))
    return Detail(
        facts=facts,
        events=_sorted(events),
        deadline=request_deadline(item, today),
        sensitive=mask.sensitive,
        history=_history("request", item.id),
    )


def can_request_supplement(item: InfoRequest, today: date) -> bool:
    """补正 is asked once, within 7 working days of receipt, while the clock runs."""
    return (
        item.status == "received"
        and not any(kind == "supplement" for _, _, kind in pauses(item))
        and calendar.working_days_between(item.receipt_date, today) <= services.SUPPLEMENT_WITHIN
    )
