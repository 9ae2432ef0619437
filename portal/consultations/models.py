"""Questions staff ask on a consultation and the opinions residents send in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import UTCDateTime
from portal.documents.models import Document
from portal.extensions import Model
from portal.states import OPINION_LABELS, OpinionStatus, status_type
from portal.timeutil import utcnow

QUESTION_TYPES: dict[str, str] = {"single": "单选", "multiple": "多选", "text": "填空"}
OPINION_STATUSES: dict[str, str] = dict(OPINION_LABELS.items())
#: How the office dealt with an opinion, as the result (结果反馈) counts it.
ADOPTION: dict[str, str] = {"adopted": "采纳", "partly": "部分采纳", "rejected": "未采纳"}
#: The consultation's registry field holding each adoption count once the result is out.
ADOPTION_FIELDS: dict[str, str] = {
    "adopted": "result_adopted",
    "partly": "result_partly_adopted",
    "rejected": "result_not_adopted",
}


class Question(Model):
    """One structured question of a consultation: single choice, multiple choice or text."""

    __tablename__ = "consultation_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))  # single | multiple | text
    text: Mapped[str] = mapped_column(sa.String(200))
    options: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Question {self.document_id}#{self.position} {self.kind}>"

    @property
    def number(self) -> int:
        """The number residents see (第 1 题 …)."""
        return self.position + 1

    @property
    def kind_label(self) -> str:
        return QUESTION_TYPES.get(self.kind, self.kind)

    @property
    def is_choice(self) -> bool:
        return self.kind in {"single", "multiple"}

    @property
    def field_name(self) -> str:
        """The name of its input on the resident form."""
        return f"q{self.id}"


class Opinion(Model):
    """One resident's opinion on a consultation; public only once staff publish it, masked.

    ``answers`` maps a question id (as a string) to the chosen option index (single), a
    list of indexes (multiple) or the text typed (text). Name and contact are for staff only.
    """

    __tablename__ = "opinion"
    __table_args__ = (sa.Index("ix_opinion_document_status", "document_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    form_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content: Mapped[str] = mapped_column(sa.Text, default="")
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    name: Mapped[str | None] = mapped_column(sa.String(50))
    contact: Mapped[str | None] = mapped_column(sa.String(254))
    consent: Mapped[bool] = mapped_column(default=False)
    quarantined: Mapped[bool] = mapped_column(default=False)
    quarantine_reason: Mapped[str | None] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[OpinionStatus] = mapped_column(
        status_type(OpinionStatus, "opinion_status"), default=OpinionStatus.RECEIVED
    )
    public_content: Mapped[str | None] = mapped_column(sa.Text)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(sa.Text)
    adoption: Mapped[str | None] = mapped_column(sa.String(12))
    adoption_note: Mapped[str | None] = mapped_column(sa.Text)

    #: The consultation: its organisation is the opinion's.
    document: Mapped[Document] = relationship()

    def __repr__(self) -> str:
        return f"<Opinion {self.id} on {self.document_id} {self.status}>"

    @property
    def status_label(self) -> str:
        return OPINION_STATUSES.get(self.status, self.status)

    @property
    def adoption_label(self) -> str | None:
        return ADOPTION.get(self.adoption or "")
