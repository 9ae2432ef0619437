"""The states of everything the portal keeps a status for, as types.

Each status is a ``StrEnum`` (its members compare equal to their stored text) stored with
``status_type``: a VARCHAR with a CHECK constraint listing the values, so no other value
can reach the database from any code path. Labels are what residents and staff read.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return DOCUMENT_LABELS[self]


DOCUMENT_LABELS = {
    DocumentStatus.DRAFT: "草稿",
    DocumentStatus.IN_REVIEW: "待审核",
    DocumentStatus.PUBLISHED: "已发布",
    DocumentStatus.WITHDRAWN: "已撤回",
}


class MessageStatus(StrEnum):
    RECEIVED = "received"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return MESSAGE_LABELS[self]


MESSAGE_LABELS = {MessageStatus.RECEIVED: "已受理", MessageStatus.ANSWERED: "已答复"}


class RequestStatus(StrEnum):
    """Where an information request stands; derived from its events (``interaction.clock``)."""

    RECEIVED = "received"  # the statutory clock runs
    SUPPLEMENT = "supplement"  # waiting for the applicant's 补正: the clock is stopped
    CONSULTING = "consulting"  # a third party is consulted (Art. 32): the clock is paused
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return REQUEST_LABELS[self]


REQUEST_LABELS = {
    RequestStatus.RECEIVED: "已受理，办理中",
    RequestStatus.SUPPLEMENT: "已通知补正，等待申请人补充",
    RequestStatus.CONSULTING: "征求第三方意见中",
    RequestStatus.CLOSED: "已答复",
}


class RequestEventKind(StrEnum):
    """What can happen to an information request; its life is the list of these."""

    RECEIVED = "received"
    SUPPLEMENT_ASKED = "supplement_asked"
    SUPPLEMENT_RECEIVED = "supplement_received"
    CONSULTATION_STARTED = "consultation_started"
    CONSULTATION_ENDED = "consultation_ended"
    EXTENDED = "extended"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    RequestEventKind.RECEIVED: "收到申请",
    RequestEventKind.SUPPLEMENT_ASKED: "通知申请人补正，计时停止",
    RequestEventKind.SUPPLEMENT_RECEIVED: "收到补正材料，重新计时",
    RequestEventKind.CONSULTATION_STARTED: "征求第三方意见，计时暂停",
    RequestEventKind.CONSULTATION_ENDED: "收到第三方意见，恢复计时",
    RequestEventKind.EXTENDED: "延长答复期限",
    RequestEventKind.CLOSED: "办结",
}


class FeedbackStatus(StrEnum):
    """Where a report of an error on a page (纠错) stands."""

    RECEIVED = "received"
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        return FEEDBACK_LABELS[self]


FEEDBACK_LABELS = {FeedbackStatus.RECEIVED: "已受理", FeedbackStatus.ANSWERED: "已答复"}


class FeedbackKind(StrEnum):
    """The kinds of error a resident can report on a page (纠错)."""

    TYPO = "typo"
    BROKEN_LINK = "broken_link"
    OUTDATED = "outdated"
    OTHER = "other"

    @property
    def label(self) -> str:
        return FEEDBACK_KIND_LABELS[self]


FEEDBACK_KIND_LABELS = {
    FeedbackKind.TYPO: "错别字",
    FeedbackKind.BROKEN_LINK: "链接打不开",
    FeedbackKind.OUTDATED: "内容过时",
    FeedbackKind.OTHER: "其他",
}


class NotificationStatus(StrEnum):
    """Where a mail to a resident stands in the outbox (``portal/outbox``)."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return NOTIFICATION_LABELS[self]


NOTIFICATION_LABELS = {
    NotificationStatus.QUEUED: "待发送",
    NotificationStatus.SENDING: "发送中",
    NotificationStatus.SENT: "已发送",
    NotificationStatus.FAILED: "发送失败",
}


class ReportStatus(StrEnum):
    """Where an organisation's annual disclosure report of a year stands: written, sent to
    review, published (its figures frozen then)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return REPORT_LABELS[self]


REPORT_LABELS = {
    ReportStatus.DRAFT: "草稿",
    ReportStatus.IN_REVIEW: "待审核",
    ReportStatus.PUBLISHED: "已发布",
}


class OpinionStatus(StrEnum):
    RECEIVED = "received"
    PUBLISHED = "published"
    HIDDEN = "hidden"

    @property
    def label(self) -> str:
        return OPINION_LABELS[self]


OPINION_LABELS = {
    OpinionStatus.RECEIVED: "待审核",
    OpinionStatus.PUBLISHED: "已公开",
    OpinionStatus.HIDDEN: "不公开",
}


def status_type(enum: type[StrEnum], name: str, length: int = 12) -> sa.Enum:
    """The column type of a status: its values as text, checked by the database.

    ``name`` names the CHECK constraint (``ck_<table>_<name>`` by the naming convention).
    """
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
