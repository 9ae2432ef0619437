"""How many documents each organisation has published of each kind, and when it last did:
a small table (``document_tally``) kept in step by the publishing service, in the same unit
of work as the change, so pages that show counts for every organisation (``/orgs/``, home
pages, the supervision view) read tens of rows instead of counting a district's documents.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.documents.models import Document, DocumentTally
from portal.extensions import db
from portal.states import DocumentStatus

_PUBLISHED = Document.status == DocumentStatus.PUBLISHED


def refresh(org_id: int, kind: str) -> None:
    """Count ``kind`` for ``org_id`` again (the caller holds the write lock of its unit)."""
    count, newest = db.session.execute(
        sa.select(sa.func.count(), sa.func.max(Document.published_at))
        .select_from(Document)
        .where(Document.organisation_id == org_id, Document.kind == kind, _PUBLISHED)
    ).one()
    row = db.session.get(DocumentTally, (org_id, kind))
    if row is None:
        row = DocumentTally(organisation_id=org_id, kind=kind)
        db.session.add(row)
    row.published, row.newest_at = count, newest


def rebuild() -> int:
    """Count everything again (after a bulk load that bypassed the publishing service);
    returns how many (organisation, kind) rows there are. The caller commits."""
    db.session.execute(sa.delete(DocumentTally))
    db.session.execute(
        sa.insert(DocumentTally).from_select(
            ["organisation_id", "kind", "published", "newest_at"],
            sa.select(
                Document.organisation_id,
                Document.kind,
                sa.func.count(),
                sa.func.max(Document.published_at),
            )
            .where(_PUBLISHED)
            .group_by(Document.organisation_id, Document.kind),
        )
    )
    return db.session.scalar(sa.select(sa.func.count()).select_from(DocumentTally)) or 0


def count(org_id: int, kind: str) -> int:
    """Published documents of one organisation and kind."""
    found = db.session.scalar(
        sa.select(DocumentTally.published).where(
            DocumentTally.organisation_id == org_id, DocumentTally.kind == kind
        )
    )
    return found or 0


def per_kind(org_id: int | None) -> dict[str, int]:
    """Published documents per kind of one organisation (None: of every one)."""
    query = sa.select(DocumentTally.kind, sa.func.sum(DocumentTally.published)).group_by(
        DocumentTally.kind
    )
    if org_id is not None:
        query = query.where(DocumentTally.organisation_id == org_id)
    return {kind: int(total or 0) for kind, total in db.session.execute(query).tuples()}


def per_org() -> dict[int, int]:
    """Published documents per organisation."""
    query = sa.select(DocumentTally.organisation_id, sa.func.sum(DocumentTally.published)).group_by(
        DocumentTally.organisation_id
    )
    return {org_id: int(total or 0) for org_id, total in db.session.execute(query).tuples()}


def per_org_and_kind() -> list[tuple[int, str, int, datetime | None]]:
    """Every (organisation, kind) with its published count and newest publication."""
    return [
        (row.organisation_id, row.kind, row.published, row.newest_at)
        for row in db.session.scalars(sa.select(DocumentTally))
    ]
