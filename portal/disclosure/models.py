"""The 政府信息公开 section's own records: each organisation's catalogue of 法定主动公开内容
(``catalog_node``), the documents filed under its nodes (``catalog_filing``), and its
公开指南's editable text (``disclosure_guide``) with every version residents were shown
(``guide_version``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.timeutil import utcnow


class DisclosureGuide(Model):
    """What an organisation's admins write into its 政府信息公开指南 (the rest is generated
    from its facts): the office that takes requests, the 救济 bodies, and free text."""

    __tablename__ = "disclosure_guide"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    intro: Mapped[str] = mapped_column(sa.Text, default="")
    office: Mapped[str] = mapped_column(sa.String(100), default="")
    review_body: Mapped[str] = mapped_column(sa.String(100), default="")
    court: Mapped[str] = mapped_column(sa.String(100), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(100), default="")


class GuideVersion(Model):
    """One version of an organisation's guide as residents saw it: recorded whenever its
    text or the facts it is generated from change."""

    __tablename__ = "guide_version"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "number", name="uq_guide_version_org_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(100))
    digest: Mapped[str] = mapped_column(sa.String(64))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
