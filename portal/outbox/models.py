"""The outbox: one row per mail to a resident, written in the transaction of the change
it reports and delivered later by the sender (``sender.py``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.states import NotificationStatus, status_type
from portal.timeutil import utcnow


class Notification(Model):
    """A mail to the address a resident gave, about one event of one item.

    ``message_id`` is made once, when the row is written, so every delivery attempt of the
    row carries the same ``Message-ID`` and a relay or mailbox can recognise a repeat.
    ``locked_by``/``locked_until`` are the lease of the sender that claimed the row; a
    lease that ran out (the sender died) lets another sender take the row again.
    ``recipient`` is personal data: never logged, masked wherever staff see it, and
    replaced by its masked form once the row is sent or given up.
    """

    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_due", "status", "next_attempt_at"),
        sa.Index("ix_notification_item", "item_type", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    item_type: Mapped[str] = mapped_column(sa.String(20))  # message | request | feedback | opinion
    item_id: Mapped[int] = mapped_column()
    event: Mapped[str] = mapped_column(sa.String(30))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str] = mapped_column(sa.Text)
    #: The mail holds a query code: its bodies are emptied once it is sent or given up.
    carries_code: Mapped[bool] = mapped_column(default=False)
    message_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    status: Mapped[NotificationStatus] = mapped_column(
        status_type(NotificationStatus, "notification_status"),
        default=NotificationStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by: Mapped[str | None] = mapped_column(sa.String(80))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:  # never the recipient
        item = f"{self.item_type}:{self.item_id}"
        return f"<Notification {self.id} {item} {self.event} {self.status}>"

    @property
    def masked_recipient(self) -> str:
        """The address as staff lists show it: ``z***@example.com``."""
        local, _, domain = self.recipient.partition("@")
        return f"{local[:1]}***@{domain}"
