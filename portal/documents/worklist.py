"""Staff's read side of documents: what the back office lists and opens, scoped to the
organisations where the signed-in person may write (another office's document is a 404)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import defer, selectinload

from portal.auth.actor import Actor, Permission
from portal.documents.models import Document, DocumentRevision
from portal.extensions import db
from portal.web.pagination import Page, PageOutOfRange


def document(actor: Actor, doc_id: int, *, history: bool = False) -> Document | None:
    """The document ``doc_id`` with its attachments (and its revisions, without their
    snapshots, for ``history``) if ``actor`` writes for its organisation; None otherwise."""
    options: list[Any] = [selectinload(Document.attachments)]
    if history:  # the list of revisions, without their snapshots (each a whole body)
        options.append(selectinload(Document.revisions).defer(DocumentRevision.snapshot))
    doc = db.session.get(Document, doc_id, options=options)
    if doc is None or not actor.may(Permission.WRITE_DOCUMENTS, doc.organisation_id):
        return None
    return doc


def documents(
    actor: Actor,
    *,
    kind: str,
    status: str,
    q: str,
    org_id: int | None,
    page: int,
    per_page: int,
) -> Page:
    """The documents of the organisations where ``actor`` writes, most recently changed
    first, filtered; raises ``PageOutOfRange``."""
    conditions: list[sa.ColumnElement[bool]] = [
        actor.scope(Document.organisation_id, Permission.WRITE_DOCUMENTS)
    ]
    if org_id is not None:
        conditions.append(Document.organisation_id == org_id)
    if kind:
        conditions.append(Document.kind == kind)
    if status:
        conditions.append(Document.status == status)
    if q:
        conditions.append(Document.title.icontains(q, autoescape=True))
    total = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(*conditions)) or 0
    )
    if page < 1 or (page - 1) * per_page >= max(total, 1):
        raise PageOutOfRange(page)
    rows = db.session.scalars(
        sa.select(Document)
        .options(defer(Document.body), defer(Document.body_html))
        .where(*conditions)
        .order_by(Document.updated_at.desc(), Document.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Page(list(rows), page, per_page, total)
