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


class CatalogNode(Model):
    """One column of an organisation's catalogue, with the columns of 基层政务公开标准目录
    (国办发〔2019〕54号): 公开依据, 公开时限, 公开主体 and 公开渠道.

    ``kinds`` are the document kinds filed here when their editor chooses nothing;
    ``update_days`` how long it may go without a new item before staff are warned;
    ``page`` a portal page that answers for it (``about``, ``service``); ``part`` marks
    the section's own parts (``rules``) that are not listed in the catalogue itself.
    """

    __tablename__ = "catalog_node"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "key", name="uq_catalog_node_org_key"),
        sa.Index("ix_catalog_node_org_parent", "organisation_id", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE")
    )
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("catalog_node.id", ondelete="CASCADE")  # ``editing.remove`` refuses
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    name: Mapped[str] = mapped_column(sa.String(60))
    basis: Mapped[str] = mapped_column(sa.Text, default="")
    time_limit: Mapped[str] = mapped_column(sa.String(200), default="")
    subject: Mapped[str] = mapped_column(sa.String(100), default="")
    channel: Mapped[str] = mapped_column(sa.String(200), default="")
    kinds: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    update_days: Mapped[int | None] = mapped_column()
    page: Mapped[str | None] = mapped_column(sa.String(20))
    part: Mapped[str | None] = mapped_column(sa.String(20))
    position: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<CatalogNode {self.organisation_id}/{self.key}>"


class CatalogFiling(Model):
    """A document filed under a catalogue node (a document may be under several)."""

    __tablename__ = "catalog_filing"
    __table_args__ = (sa.Index("ix_catalog_filing_document", "document_id"),)

    node_id: Mapped[int] = mapped_column(
        sa.ForeignKey("catalog_node.id", ondelete="CASCADE"), primary_key=True
    )
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )


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
