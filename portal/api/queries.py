"""Read side of the API: bounded queries, a fixed number per request, no bodies in lists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import load_only

from portal import changelog, search
from portal.api.serialize import MESSAGE_COLUMNS
from portal.audit import AuditRecord
from portal.changelog import DocumentChange
from portal.consultations.models import Opinion
from portal.documents import catalog, content_types, tally
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction.deadlines import MESSAGE_TARGET
from portal.interaction.models import InfoRequest, Message
from portal.interaction.queries import message_stats
from portal.orgs import directory
from portal.timeutil import local_date, utcnow, year_bounds_utc

LIST_COLUMNS = (*catalog.LIST_COLUMNS, Document.index_no, Document.tags)
MAX_SEARCH_RESULTS = 2000  # a full-text query considers at most this many best matches


@dataclass(frozen=True)
class DocumentFilters:
    kind: str | None = None
    org: directory.Org | None = None  # None: every organisation
    topic: str | None = None
    year: int | None = None
    q: str | None = None
    updated_since: datetime | None = None


def _conditions(filters: DocumentFilters) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [Document.status == "published"]
    if filters.org is not None:
        conditions.append(Document.organisation_id == filters.org.id)
    if filters.kind:
        conditions.append(Document.kind == filters.kind)
    if filters.topic:
        conditions.append(Document.topic == content_types.TOPIC_BY_CODE[filters.topic])
    if filters.year is not None:
        start, end = year_bounds_utc(filters.year)
        conditions += [Document.published_at >= start, Document.published_at < end]
    if filters.updated_since is not None:
        # The change log also catches a document published today with an older date.
        since = filters.updated_since
        changed = sa.select(DocumentChange.document_id).where(DocumentChange.created_at >= since)
        conditions.append(sa.or_(Document.updated_at >= since, Document.id.in_(changed)))
    return conditions


def _load(ids: list[int]) -> list[Document]:
    """Published documents with these ids, in this order, list columns only."""
    if not ids:
        return []
    found = {
        doc.id: doc
        for doc in db.session.scalars(
            sa.select(Document)
            .options(load_only(*LIST_COLUMNS))
            .where(Document.id.in_(ids), Document.status == "published")
        )
    }
    return [found[i] for i in ids if i in found]


def _search_documents(
    filters: DocumentFilters, page: int, per_page: int
) -> tuple[list[Document], int]:
    """Full-text matches in search order, filtered and re-checked against the database."""
    assert filters.q is not None
    options: dict[str, Any] = {
        "kind": filters.kind,
        "org": filters.org.code if filters.org is not None else None,
        "page": 1,
        "per_page": MAX_SEARCH_RESULTS,
    }
    if filters.year is not None:
        options["date_from"] = date(filters.year, 1, 1)
        options["date_to"] = date(filters.year, 12, 31)
    ranked, _ = search.ranked_ids(filters.q, **options)
    if not ranked:
        return [], 0
    candidates = sa.select(Document.id).where(Document.id.in_(ranked), *_conditions(filters))
    allowed = set(db.session.scalars(candidates))
    matching = [doc_id for doc_id in ranked if doc_id in allowed]
    start = (page - 1) * per_page
    return _load(matching[start : start + per_page]), len(matching)


def list_documents(
    filters: DocumentFilters, *, page: int, per_page: int
) -> tuple[list[Document], int]:
    """A page of published documents (newest first, or best first for ``q``) and the total."""
    if filters.q and filters.q.strip():
        return _search_documents(filters, page, per_page)
    plain = not (filters.topic or filters.year is not None or filters.updated_since)
    known = None
    if plain and filters.org is not None:  # an organisation's total is the tally's
        if filters.kind:
            known = tally.count(filters.org.id, filters.kind)
        else:
            known = sum(tally.per_kind(filters.org.id).values())
    return catalog.newest_first(_conditions(filters), page, per_page, LIST_COLUMNS, total=known)


def topic_counts() -> dict[str, int]:
    """Published documents per topic code (every topic, zero included)."""
    by_name = dict(
        db.session.execute(
            sa.select(Document.topic, sa.func.count())
            .where(Document.status == "published")
            .group_by(Document.topic)
        )
        .tuples()
        .all()
    )
    return {code: by_name.get(name, 0) for code, name in content_types.TOPICS}


def counts_per_org_and_kind() -> dict[int, dict[str, int]]:
    """Published documents per organisation (id) and kind, from the publishing service's
    tally (one statement over a row per organisation and kind)."""
    counts: dict[int, dict[str, int]] = {}
    for org_id, kind, count, _ in tally.per_org_and_kind():
        if count:
            counts.setdefault(org_id, {})[kind] = count
    return counts


PUBLIC_MESSAGE = sa.and_(
    Message.published.is_(True), Message.status == "answered", Message.replied_at.is_not(None)
)


def public_messages(*, page: int, per_page: int) -> tuple[list[Message], int]:
    """Answered messages the office published, newest answer first, and the total."""
    total = db.session.scalar(sa.select(sa.func.count(Message.id)).where(PUBLIC_MESSAGE)) or 0
    if (page - 1) * per_page >= total:
        return [], total
    items = db.session.scalars(
        sa.select(Message)
        .options(load_only(*MESSAGE_COLUMNS))
        .where(PUBLIC_MESSAGE)
        .order_by(Message.replied_at.desc(), Message.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(items), total


# -- cache validators ------------------------------------------------------------------


def document_version() -> int:
    """The change-log position: every document change moves it (as for feeds)."""
    return changelog.position()


def organisation_version() -> str:
    """A digest of every organisation as this request loaded them (one statement a request
    makes anyway): a new organisation or a changed name or contact moves it."""
    return hashlib.sha256(repr(directory.all_orgs()).encode()).hexdigest()[:16]


def interaction_version() -> tuple[int, int, int]:
    """Moves whenever a message or request arrives or staff act on one (each action is
    audited in the same transaction): newest message, request and audit record ids."""
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.max(Message.id)).scalar_subquery(),
            sa.select(sa.func.max(InfoRequest.id)).scalar_subquery(),
            sa.select(sa.func.max(AuditRecord.id)).scalar_subquery(),
        )
    ).one()
    return (row[0] or 0, row[1] or 0, row[2] or 0)


def consultation_version() -> tuple[int, int]:
    """Moves whenever an opinion arrives or staff moderate one (each action is audited)."""
    row = db.session.execute(
        sa.select(
            sa.select(sa.func.max(Opinion.id)).scalar_subquery(),
            sa.select(sa.func.max(AuditRecord.id))
            .where(AuditRecord.target_type == "opinion")
            .scalar_subquery(),
        )
    ).one()
    return (row[0] or 0, row[1] or 0)


# -- statistics ------------------------------------------------------------------------


def _year_span(column: Any, *where: sa.ColumnElement[bool]) -> list[int]:
    first, last = db.session.execute(
        sa.select(sa.func.min(column), sa.func.max(column)).where(*where)
    ).one()
    if first is None:
        return []
    return list(range(local_date(first).year, local_date(last).year + 1))


def _count_if(*conditions: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet every condition (portable: no FILTER clause needed)."""
    return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*conditions), 1), else_=0)), 0)


def _in_year(column: Any, year: int) -> sa.ColumnElement[bool]:
    start, end = year_bounds_utc(year)
    return sa.and_(column >= start, column < end)


def document_statistics() -> dict[str, Any]:
    """Published documents per kind and per year (Asia/Shanghai) of publication."""
    published = Document.status == "published"
    years = _year_span(Document.published_at, published)
    by_kind = catalog.counts_per_kind(None)
    per_year: dict[int, dict[str, int]] = {year: {} for year in years}
    if years:
        rows = db.session.execute(
            sa.select(
                Document.kind, *(_count_if(_in_year(Document.published_at, y)) for y in years)
            )
            .where(published)
            .group_by(Document.kind)
        ).all()
        for kind, *counts in rows:
            for year, count in zip(years, counts, strict=True):
                per_year[year][kind] = int(count)
    return {
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "by_year": [
            {
                "year": year,
                "total": sum(per_year[year].values()),
                "by_kind": {kind: per_year[year].get(kind, 0) for kind in content_types.REGISTRY},
            }
            for year in sorted(years, reverse=True)
        ],
    }


def message_statistics() -> dict[str, Any]:
    """Message totals and, per year, the figures the /messages/ page shows for this year."""
    real = Message.quarantined.is_(False)
    received, answered, published = db.session.execute(
        sa.select(
            sa.func.count(Message.id),
            _count_if(Message.status == "answered"),
            _count_if(PUBLIC_MESSAGE),
        ).where(real)
    ).one()
    this_year = local_date(utcnow()).year
    years = _year_span(Message.received_at, real) or [this_year]
    years = list(range(min(years[0], this_year), max(years[-1], this_year) + 1))
    yearly = []
    for year in sorted(years, reverse=True):
        stats = message_stats(year)
        yearly.append(
            {
                "year": year,
                "received": stats.received,
                "answered": stats.answered,
                "answered_on_time": stats.on_time,
                "average_working_days": stats.average_days,
            }
        )
    return {
        "received": int(received),
        "answered": int(answered),
        "published": int(published),
        "target_working_days": MESSAGE_TARGET,
        "by_year": yearly,
    }


def request_statistics() -> dict[str, Any]:
    """Information requests: aggregate counts only (received and answered, per year)."""
    real = InfoRequest.quarantined.is_(False)
    closed = InfoRequest.status == "closed"
    years = _year_span(InfoRequest.received_at, real)
    columns = [sa.func.count(InfoRequest.id), _count_if(closed)]
    for year in years:
        in_year = _in_year(InfoRequest.received_at, year)
        columns += [_count_if(in_year), _count_if(in_year, closed)]
    row = [int(value) for value in db.session.execute(sa.select(*columns).where(real)).one()]
    yearly = [
        {"year": year, "received": row[2 + 2 * i], "closed": row[3 + 2 * i]}
        for i, year in enumerate(years)
    ]
    return {"received": row[0], "closed": row[1], "by_year": yearly[::-1]}
