"""The change log: one row per committed document change, in commit order.

The publishing service writes it in the same transaction as each change; everything
derived from documents (each host's search index, feeds, exports, cached pages) follows it
and compares its own position with ``position()`` to know whether it is behind.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model, db
from portal.timeutil import SHANGHAI, utcnow


class DocumentChange(Model):
    """The change log: one row per committed document change, in commit order.

    Written by the publishing service in the same transaction as the change itself, so
    derived stores (each host's search index) can follow it and never miss an update.
    """

    __tablename__ = "document_change"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<DocumentChange #{self.id} doc {self.document_id} {self.action}>"


def position() -> int:
    """The id of the newest change (0 before the first): any document change moves it."""
    return db.session.scalar(sa.select(sa.func.max(DocumentChange.id))) or 0


def newest() -> tuple[int, datetime]:
    """The newest change: (id, time); before the first, (0, 2000-01-01)."""
    row = db.session.execute(
        sa.select(DocumentChange.id, DocumentChange.created_at)
        .order_by(DocumentChange.id.desc())
        .limit(1)
    ).first()
    return (row.id, row.created_at) if row else (0, datetime(2000, 1, 1, tzinfo=SHANGHAI))
