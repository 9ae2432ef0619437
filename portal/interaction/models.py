"""Public messages (网友留言) and information-disclosure requests (依申请公开)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.interaction.clock import RequestClock, replay
from portal.states import (
    FEEDBACK_KIND_LABELS,
    FEEDBACK_LABELS,
    MESSAGE_LABELS,
    REQUEST_LABELS,
    FeedbackKind,
    FeedbackStatus,
    MessageStatus,
    RequestEventKind,
    RequestStatus,
    status_type,
)
from portal.timeutil import utcnow

#: The actor of the events the applicant makes: the request itself, a 补正 sent online.
APPLICANT = "applicant"
#: Who the audit log says acted when the applicant did.
APPLICANT_LABEL = "申请人"

MESSAGE_CATEGORIES = ("城市管理", "劳资纠纷", "民生诉求", "法律咨询", "其他")
# Kinds of 法人或其他组织, exactly the applicant columns of the annual report's Table 三.
ORGANISATION_TYPES = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
#: How a request arrived (政府信息公开条例 Art. 29, 31): online through the portal's form, or
#: registered by a handler: by letter, by fax, or in person (当面, including one made orally
#: and written down by staff).
ONLINE = "网络"
OFFLINE_CHANNELS: dict[str, str] = {
    "信函": "信函（邮寄）",
    "传真": "传真",
    "当面": "当面（含口头提出、由工作人员代为填写）",
}
CHANNELS: dict[str, str] = {ONLINE: "网络（门户网站）", **OFFLINE_CHANNELS}
MESSAGE_STATUSES: dict[str, str] = dict(MESSAGE_LABELS.items())
REQUEST_STATUSES: dict[str, str] = dict(REQUEST_LABELS.items())
FEEDBACK_STATUSES: dict[str, str] = dict(FEEDBACK_LABELS.items())
FEEDBACK_KINDS: dict[str, str] = dict(FEEDBACK_KIND_LABELS.items())

# Outcomes exactly as the rows of Table 三 of the annual report on government-information
# disclosure (政府信息公开工作年度报告), so the report can be computed from the ledger.
OUTCOMES: dict[str, str] = {
    "disclosed": "予以公开",
    "partly": "部分公开",
    "withheld.state_secret": "不予公开：属于国家秘密",
    "withheld.law_forbids": "不予公开：其他法律行政法规禁止公开",
    "withheld.security": "不予公开：危及“三安全一稳定”",
    "withheld.third_party": "不予公开：保护第三方合法权益",
    "withheld.internal": "不予公开：属于三类内部事务信息",
    "withheld.process": "不予公开：属于四类过程性信息",
    "withheld.enforcement_file": "不予公开：属于行政执法案卷",
    "withheld.query": "不予公开：属于行政查询事项",
    "unavailable.not_held": "无法提供：本机关不掌握相关政府信息",
    "unavailable.needs_making": "无法提供：没有现成信息需要另行制作",
    "unavailable.unclear": "无法提供：补正后申请内容仍不明确",
    "rejected.petition": "不予处理：信访举报投诉类申请",
    "rejected.repeat": "不予处理：重复申请",
    "rejected.publication": "不予处理：要求提供公开出版物",
    "rejected.excessive": "不予处理：无正当理由大量反复申请",
    "rejected.confirmation": "不予处理：要求行政机关确认或重新出具已获取信息",
    "other.no_supplement": (
        "其他处理：申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    ),
    "other.no_fee": (
        "其他处理：申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    ),
    "other.other": "其他处理：其他",
}


class Message(Model):
    """A resident's public message; shown publicly only once answered and approved."""

    __tablename__ = "message"
    __table_args__ = (
        sa.Index("ix_message_public", "published", "replied_at"),
        sa.Index("ix_message_org_public", "organisation_id", "published", "replied_at"),
        sa.Index("ix_message_org_status", "organisation_id", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    tracking_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(200))
    #: A re-issued query code (``recovery``), valid beside ``code_hash`` until first used.
    pending_code_hash: Mapped[str | None] = mapped_column(sa.String(200))
    pending_code_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    subject: Mapped[str] = mapped_column(sa.String(100))
    content: Mapped[str] = mapped_column(sa.Text)
    category: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str | None] = mapped_column(sa.String(50))
    contact: Mapped[str | None] = mapped_column(sa.String(254))
    consent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[MessageStatus] = mapped_column(
        status_type(MessageStatus, "message_status"), default=MessageStatus.RECEIVED
    )
    quarantined: Mapped[bool] = mapped_column(default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str | None] = mapped_column(sa.Text)
    reply_department: Mapped[str | None] = mapped_column(sa.String(100))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published: Mapped[bool] = mapped_column(default=False)
    public_subject: Mapped[str | None] = mapped_column(sa.String(100))
    public_content: Mapped[str | None] = mapped_column(sa.Text)
    #: The reply as published (masked and checked by the handler); ``reply`` stays as written.
    public_reply: Mapped[str | None] = mapped_column(sa.Text)
    is_example: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Message {self.tracking_no} {self.status}>"


class InfoRequest(Model):
    """An application for government information (政府信息公开条例 Art. 29); never public.

    Its life is ``events``; ``status``, ``receipt_date`` and ``due_date`` are what
    ``clock.replay`` makes of them, stored for lists and counts and written only by
    ``deadlines.refresh_request``.
    """

    __tablename__ = "info_request"
    __table_args__ = (sa.Index("ix_info_request_org_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    tracking_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(200))
    #: A re-issued query code (``recovery``), valid beside ``code_hash`` until first used.
    pending_code_hash: Mapped[str | None] = mapped_column(sa.String(200))
    pending_code_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    applicant_type: Mapped[str] = mapped_column(sa.String(12))  # person | organisation
    organisation_type: Mapped[str | None] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(100))
    id_type: Mapped[str | None] = mapped_column(sa.String(20))
    id_number: Mapped[str | None] = mapped_column(sa.String(30))
    phone: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    address: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    purpose: Mapped[str | None] = mapped_column(sa.Text)
    medium: Mapped[str] = mapped_column(sa.String(10))  # 纸质 | 电子
    delivery: Mapped[str] = mapped_column(sa.String(10))  # 邮寄 | 电子邮件 | 自行领取
    channel: Mapped[str] = mapped_column(sa.String(10), default=ONLINE)  # a key of CHANNELS
    status: Mapped[RequestStatus] = mapped_column(
        status_type(RequestStatus, "request_status"), default=RequestStatus.RECEIVED
    )
    quarantined: Mapped[bool] = mapped_column(default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    receipt_date: Mapped[date] = mapped_column(sa.Date)  # the day the statutory clock starts
    due_date: Mapped[date] = mapped_column(sa.Date, index=True)
    outcome: Mapped[str | None] = mapped_column(sa.String(40))
    reply: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The draft made from the released information for proactive disclosure (Art. 44),
    #: shown to staff only; the document itself holds nothing of the request.
    proactive_document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document.id", ondelete="SET NULL")
    )

    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )
    files: Mapped[list[RequestFile]] = relationship(
        back_populates="request", order_by="RequestFile.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<InfoRequest {self.tracking_no} {self.status}>"

    def files_of(self, kind: str) -> list[RequestFile]:
        """The request's files of one kind (``supplement``: sent with a 补正; ``reply``:
        the office's answer), in the order stored."""
        return [f for f in self.files if f.kind == kind]

    @property
    def supplement_answers(self) -> list[RequestEvent]:
        """The 补正 the applicant sent online (their text is the event's note)."""
        return [
            e
            for e in self.events
            if e.kind == RequestEventKind.SUPPLEMENT_RECEIVED and e.actor == APPLICANT
        ]

    @property
    def answered_online(self) -> bool:
        """The applicant's online 补正 is the latest thing that happened: the handler has
        not acted on the request since."""
        last = self.events[-1] if self.events else None
        return (
            last is not None
            and last.kind == RequestEventKind.SUPPLEMENT_RECEIVED
            and last.actor == APPLICANT
        )

    @property
    def outcome_label(self) -> str | None:
        return OUTCOMES.get(self.outcome or "")

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def clock(self) -> RequestClock:
        """The statutory clock as the events say it stands."""
        return replay(self.events)

    # What the tracking page and the inbox show, read off the events.
    @property
    def extension_days(self) -> int:
        return self.clock.extension_days

    @property
    def extension_reason(self) -> str | None:
        return self.clock.extension_reason

    @property
    def supplement_note(self) -> str | None:
        return self.clock.supplement_note


class RequestEvent(Model):
    """One thing that happened to an information request (Alaveteli's info_request_events).

    ``day`` is the day it took effect (Asia/Shanghai), which staff may give for something that
    arrived earlier (a 补正 by post); ``created_at`` is when it was recorded. ``note`` holds
    the 补正 notice, the consultation note or the extension's reason; ``days`` and
    ``approver`` an extension's; ``outcome`` the closing's (a key of ``OUTCOMES``).
    """

    __tablename__ = "info_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("info_request.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[RequestEventKind] = mapped_column(
        status_type(RequestEventKind, "request_event_kind", length=24)
    )
    day: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(50))
    note: Mapped[str | None] = mapped_column(sa.Text)
    days: Mapped[int | None] = mapped_column()
    approver: Mapped[str | None] = mapped_column(sa.String(50))
    outcome: Mapped[str | None] = mapped_column(sa.String(40))

    request: Mapped[InfoRequest] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<RequestEvent {self.request_id} {self.kind} {self.day}>"


#: What a request's file is: sent by the applicant with a 补正, or the office's answer
#: (告知书, the information released).
REQUEST_FILE_KINDS = {"supplement": "补正材料", "reply": "答复文件"}


class RequestFile(Model):
    """A file of an information request; never public. Stored under the upload folder's
    ``requests/`` by a random name (``request_files``), served only to the staff who handle
    the request's organisation and to the applicant who gave its number and code."""

    __tablename__ = "info_request_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("info_request.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("info_request_event.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(sa.String(12))  # a key of REQUEST_FILE_KINDS
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    mime_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    request: Mapped[InfoRequest] = relationship(back_populates="files")
    #: The event it came with: the 补正 received, or the closing.
    event: Mapped[RequestEvent | None] = relationship()

    def __repr__(self) -> str:
        return f"<RequestFile {self.request_id} {self.kind} {self.size}B>"


class FeedbackReport(Model):
    """A resident's report of an error on one of the organisation's pages (纠错); never
    public. ``page_url`` is a path of this portal (``/news/x?page=2``), nothing else."""

    __tablename__ = "feedback_report"
    __table_args__ = (
        sa.Index("ix_feedback_report_org_status", "organisation_id", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    tracking_no: Mapped[str] = mapped_column(sa.String(20), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(200))
    #: A re-issued query code (``recovery``), valid beside ``code_hash`` until first used.
    pending_code_hash: Mapped[str | None] = mapped_column(sa.String(200))
    pending_code_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    form_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    page_url: Mapped[str | None] = mapped_column(sa.String(500))
    kind: Mapped[FeedbackKind] = mapped_column(status_type(FeedbackKind, "feedback_kind"))
    description: Mapped[str] = mapped_column(sa.Text)
    contact: Mapped[str | None] = mapped_column(sa.String(254))
    status: Mapped[FeedbackStatus] = mapped_column(
        status_type(FeedbackStatus, "feedback_status"), default=FeedbackStatus.RECEIVED
    )
    quarantined: Mapped[bool] = mapped_column(default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reply: Mapped[str | None] = mapped_column(sa.Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[str | None] = mapped_column(sa.String(100))

    def __repr__(self) -> str:
        return f"<FeedbackReport {self.tracking_no} {self.status}>"

    @property
    def kind_label(self) -> str:
        return FEEDBACK_KINDS.get(self.kind, self.kind)
