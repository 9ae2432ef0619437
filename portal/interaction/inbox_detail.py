"""Read side of the staff inbox's detail pages: what a message or request says, its
events and history, with personal data masked unless revealed (after the handler asked,
and the reveal was logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.interaction import handling, privacy
from portal.interaction.inbox import (
    Deadline,
    Masker,
    Shown,
    applicant_name,
    feedback_deadline,
    mask_text,
    message_deadline,
    request_deadline,
)
from portal.interaction.models import (
    APPLICANT,
    FEEDBACK_STATUSES,
    MESSAGE_STATUSES,
    OUTCOMES,
    REQUEST_STATUSES,
    FeedbackReport,
    InfoRequest,
    Message,
)
from portal.timeutil import local_date


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
        ("收到渠道", Shown(item.channel_label)),
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
    for answer in item.supplement_answers:
        label = f"申请人网上补正（{answer.day.isoformat()}）"
        facts.append((label, mask.text("supplement_answer", answer.note or "（只提交了文件）")))
    if item.outcome:
        facts.append(("办理结果", Shown(OUTCOMES.get(item.outcome, item.outcome))))
    if item.reply:
        facts.append(("答复内容", mask.text("reply", item.reply)))
    events = [Event(item.received_at, "收到申请")]
    received = item.events[0] if item.events else None
    if received is not None and received.actor != APPLICANT:  # registered by a handler
        events = [Event(received.day, f"收到申请（{item.channel}，{received.actor} 登记）")]
    for event in item.events[1:]:
        text = event.kind.label
        if event.actor == APPLICANT:
            text += "（申请人网上提交）"
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


def feedback_detail(report: FeedbackReport, today: date, *, revealed: bool = False) -> Detail:
    """A report of an error for its handler: the page, the kind, what is wrong, the
    contact (masked), the deadline and the record of actions."""
    mask = Masker(revealed=revealed, own=handling.own_details(report))
    contact = report.contact or ""
    facts = [
        ("查询编号", Shown(report.tracking_no)),
        ("错误类型", Shown(report.kind_label)),
        ("状态", Shown(FEEDBACK_STATUSES.get(report.status, report.status))),
        ("出错的页面", mask.text("page_url", report.page_url)),
        ("问题描述", mask.text("description", report.description)),
        ("联系方式", mask.value("contact", privacy.contact_kind(contact), contact)),
    ]
    if report.quarantined:
        facts.append(("系统拦截", Shown(f"是（{report.quarantine_reason or '未注明原因'}）")))
    if report.reply:
        facts += [
            ("答复人", Shown(report.answered_by or "")),
            ("答复内容", mask.text("reply", report.reply)),
        ]
    events = [Event(report.received_at, "收到纠错")]
    if report.replied_at:
        events.append(Event(report.replied_at, "答复"))
    return Detail(
        facts=facts,
        events=_sorted(events),
        deadline=feedback_deadline(report, today),
        sensitive=mask.sensitive,
        history=_history("feedback", report.id),
    )
