"""Database models: documents, their attachments and revision history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.columns import UTCDateTime
from portal.documents import content_types
from portal.extensions import Model
from portal.orgs import directory
from portal.states import DocumentStatus, status_type
from portal.timeutil import utcnow


class Document(Model):
    """One published (or not yet published) item of any kind."""

    __tablename__ = "document"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "kind", "slug", name="uq_document_org_kind_slug"),
        sa.Index("ix_document_kind_status_published", "kind", "status", "published_at"),
        sa.Index("ix_document_status_published", "status", "published_at"),
        sa.Index(
            "ix_document_kind_topic_status_published", "kind", "topic", "status", "published_at"
        ),
        # an organisation's own lists and counts (its home, its kind pages, /orgs/)
        sa.Index(
            "ix_document_org_kind_status_published_id",
            "organisation_id",
            "kind",
            "status",
            "published_at",
            "id",
        ),
        sa.Index("ix_document_org_status_published", "organisation_id", "status", "published_at"),
        # a list page's topic filter counts (its organisation, kind and status fixed)
        sa.Index("ix_document_org_kind_status_topic", "organisation_id", "kind", "status", "topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    slug: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    publisher: Mapped[str] = mapped_column(sa.String(100))
    index_no: Mapped[str] = mapped_column(sa.String(64), unique=True)
    topic: Mapped[str] = mapped_column(sa.String(20))
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    illustrative: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[DocumentStatus] = mapped_column(
        status_type(DocumentStatus, "document_status"), default=DocumentStatus.DRAFT
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)
    source_hash: Mapped[str | None] = mapped_column(sa.String(64))

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="document",
        order_by="Attachment.position",
        cascade="all, delete-orphan",
    )
    revisions: Mapped[list[DocumentRevision]] = relationship(
        back_populates="document",
        order_by="DocumentRevision.number",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Document {self.kind}/{self.slug} {self.status}>"

    @property
    def content_type(self) -> content_types.ContentType:
        return content_types.get(self.kind)

    @property
    def kind_label(self) -> str:
        return self.content_type.label

    @property
    def topic_code(self) -> str | None:
        return content_types.TOPIC_CODE_BY_NAME.get(self.topic)

    @property
    def url(self) -> str:
        from flask import url_for

        return url_for(
            "public.detail",
            kind=self.kind,
            slug=self.slug,
            org_code=directory.url_code(self.organisation_id),
        )

    @property
    def organisation(self) -> directory.Org:
        return directory.get(self.organisation_id)

    @property
    def is_public(self) -> bool:
        return self.status in {DocumentStatus.PUBLISHED, DocumentStatus.WITHDRAWN}


class Attachment(Model):
    """A file attached to a document, stored under the upload folder by content hash."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(sa.String(200))
    filename: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(100))
    mime_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))

    document: Mapped[Document] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.filename} {self.size}B>"

    @property
    def url(self) -> str:
        from flask import url_for

        return url_for("public.attachment", attachment_id=self.id, filename=self.filename)


class DocumentRevision(Model):
    """One recorded change of a document: who did what, and the document as it then was."""

    __tablename__ = "document_revision"
    __table_args__ = (sa.UniqueConstraint("document_id", "number", name="uq_revision_doc_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    number: Mapped[int]
    action: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str] = mapped_column(sa.String(100))
    note: Mapped[str | None] = mapped_column(sa.Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship(back_populates="revisions")

    def __repr__(self) -> str:
        return f"<DocumentRevision {self.document_id}#{self.number} {self.action}>"


class DocumentTally(Model):
    """Published documents of one organisation and kind, and the newest one's date (kept by
    ``portal.documents.tally`` in the publishing service's unit of work)."""

    __tablename__ = "document_tally"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    published: Mapped[int] = mapped_column(default=0)
    newest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<DocumentTally {self.organisation_id}/{self.kind} {self.published}>"


class LinkCheck(Model):
    """The last ``flask check links`` of one organisation: when, how much, how much broken."""

    __tablename__ = "link_check"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    links: Mapped[int] = mapped_column(default=0)  # links and attachments checked
    broken: Mapped[int] = mapped_column(default=0)
    external: Mapped[bool] = mapped_column(default=False)  # external links were checked too


class LinkProblem(Model):
    """A dead link or missing attachment of a published document, found by the last check
    of its organisation (replaced by the next one)."""

    __tablename__ = "link_problem"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("document.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(sa.String(2000))
    problem: Mapped[str] = mapped_column(sa.String(200))


class WordCheckWord(Model):
    """A 错敏词 a platform admin added to the shipped list (``data/wordcheck.tsv``)."""

    __tablename__ = "wordcheck_word"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(sa.String(50), unique=True)
    suggestion: Mapped[str] = mapped_column(sa.String(100), default="")
    category: Mapped[str] = mapped_column(sa.String(20), default="平台添加")
    created_by: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WordHit(Model):
    """A 错敏词 found in a published document when it was last published or changed (the
    dashboard lists such documents)."""

    __tablename__ = "word_hit"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    word: Mapped[str] = mapped_column(sa.String(50), primary_key=True)


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
        # the page cache asks for max(updated_at) on every request
        sa.Index("ix_catalog_node_updated_at", "updated_at"),
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
    #: Its published documents and the newest one's date, kept by the publishing service
    #: (``filing.refresh``) so the dashboard never counts a district's filings.
    published: Mapped[int] = mapped_column(default=0)
    newest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

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
