"""Read side of the public catalogue: lists, filters, pagination and neighbours.

Every function runs a fixed number of SQL statements whatever the number of documents,
and list queries never load document bodies.
"""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import load_only, selectinload

from portal import timeutil
from portal.documents import content_types, tally
from portal.documents.models import Document, DocumentTally
from portal.extensions import db
from portal.timeutil import local_date, year_bounds_utc
from portal.web.pagination import Page, PageOutOfRange

LIST_COLUMNS = (
    Document.id,
    Document.organisation_id,
    Document.kind,
    Document.slug,
    Document.title,
    Document.summary,
    Document.publisher,
    Document.topic,
    Document.extra,
    Document.illustrative,
    Document.status,
    Document.published_at,
    Document.updated_at,
)


def published() -> sa.Select[tuple[Document]]:
    return sa.select(Document).where(Document.status == "published")


def _filtered(
    org_id: int, kind: str, year: int | None, topic: str | None
) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = [
        Document.organisation_id == org_id,
        Document.kind == kind,
        Document.status == "published",
    ]
    if year is not None:
        start, end = year_bounds_utc(year)
        conditions += [Document.published_at >= start, Document.published_at < end]
    if topic is not None:
        conditions.append(Document.topic == content_types.TOPIC_BY_CODE[topic])
    return conditions


def list_documents(
    org_id: int,
    kind: str,
    *,
    page: int,
    per_page: int,
    year: int | None = None,
    topic: str | None = None,
) -> Page:
    """An organisation's published documents of ``kind``, newest first; raises
    ``PageOutOfRange``."""
    if page < 1:
        raise PageOutOfRange(page)
    # Unfiltered, the total is the tally's: no need to count tens of thousands of entries.
    known = tally.count(org_id, kind) if year is None and topic is None else None
    items, total = newest_first(_filtered(org_id, kind, year, topic), page, per_page, total=known)
    if (page - 1) * per_page >= max(total, 1):
        raise PageOutOfRange(page)
    return Page(items, page, per_page, total)


def newest_first(
    conditions: list[sa.ColumnElement[bool]],
    page: int,
    per_page: int,
    columns: tuple[Any, ...] = LIST_COLUMNS,
    *,
    total: int | None = None,
) -> tuple[list[Document], int]:
    """Page ``page`` of the documents meeting ``conditions``, newest first (``columns``
    only), and how many meet them (counted unless ``total`` is known); an empty list past
    the end.

    The page's ids are found first and only then its rows read (a deferred join): the
    skipped rows of a deep page are index entries, (organisation, kind, status,
    published_at, id), never table rows.
    """
    if total is None:
        total = (
            db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(*conditions))
            or 0
        )
    if (page - 1) * per_page >= total:
        return [], total
    newest = (Document.published_at.desc(), Document.id.desc())
    page_ids = (
        sa.select(Document.id)
        .where(*conditions)
        .order_by(*newest)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .scalar_subquery()
    )
    items = db.session.scalars(
        sa.select(Document)
        .options(load_only(*columns))
        .where(Document.id.in_(page_ids))
        .order_by(*newest)
    ).all()
    return list(items), total


def filter_options(org_id: int, kind: str) -> dict[str, Any]:
    """Years that have documents of ``kind`` and the count per topic, for the filter form."""
    mine = (
        Document.organisation_id == org_id,
        Document.kind == kind,
        Document.status == "published",
    )
    first, last = db.session.execute(
        sa.select(sa.func.min(Document.published_at), sa.func.max(Document.published_at)).where(
            *mine
        )
    ).one()
    years = list(range(local_date(last).year, local_date(first).year - 1, -1)) if first else []
    topic_counts = dict(
        db.session.execute(
            sa.select(Document.topic, sa.func.count()).where(*mine).group_by(Document.topic)
        )
        .tuples()
        .all()
    )
    topics = [
        (code, name, topic_counts[name])
        for code, name in content_types.TOPICS
        if name in topic_counts
    ]
    return {"years": years, "topics": topics}


def latest_per_kind(org_id: int, limit: int = 5) -> dict[str, list[Document]]:
    """An organisation's newest ``limit`` published documents of every kind, in one query.

    One ``LIMIT`` subquery per kind walks the (organisation, kind, status, published_at)
    index, which stays fast however many documents there are (a window function ranks them
    all).
    """
    newest_ids = sa.union_all(
        *(
            sa.select(
                sa.select(Document.id)
                .where(
                    Document.organisation_id == org_id,
                    Document.kind == kind,
                    Document.status == "published",
                )
                .order_by(Document.published_at.desc(), Document.id.desc())
                .limit(limit)
                .subquery()
                .c.id
            )
            for kind in content_types.REGISTRY
        )
    )
    rows = db.session.scalars(
        sa.select(Document)
        .options(load_only(*LIST_COLUMNS))
        .where(Document.id.in_(newest_ids))
        .order_by(Document.published_at.desc(), Document.id.desc())
    ).all()
    grouped: dict[str, list[Document]] = {kind: [] for kind in content_types.REGISTRY}
    for doc in rows:
        grouped[doc.kind].append(doc)
    return grouped


def counts_per_kind(org_id: int | None) -> dict[str, int]:
    """How many documents of each kind an organisation (None: every one) has published,
    read from the tally the publishing service keeps (``tally.py``), not counted."""
    counted = tally.per_kind(org_id)
    return {kind: counted.get(kind, 0) for kind in content_types.REGISTRY}


def get_public(org_id: int, kind: str, slug: str) -> Document | None:
    """An organisation's published or withdrawn document with its attachments, or None."""
    return db.session.scalar(
        sa.select(Document)
        .options(selectinload(Document.attachments))
        .where(
            Document.organisation_id == org_id,
            Document.kind == kind,
            Document.slug == slug,
            Document.status.in_(("published", "withdrawn")),
        )
    )


def neighbours(doc: Document) -> tuple[Document | None, Document | None]:
    """The previous (older) and next (newer) published documents of the same kind and
    organisation."""
    if doc.status != "published" or doc.published_at is None:
        return None, None
    key = sa.tuple_(Document.published_at, Document.id)
    here = sa.tuple_(sa.literal(doc.published_at, Document.published_at.type), sa.literal(doc.id))
    base = (
        sa.select(Document)
        .options(
            load_only(
                Document.id,
                Document.organisation_id,
                Document.kind,
                Document.slug,
                Document.title,
            )
        )
        .where(
            Document.organisation_id == doc.organisation_id,
            Document.kind == doc.kind,
            Document.status == "published",
        )
    )
    older = db.session.scalar(
        base.where(key < here).order_by(Document.published_at.desc(), Document.id.desc()).limit(1)
    )
    newer = db.session.scalar(
        base.where(key > here).order_by(Document.published_at.asc(), Document.id.asc()).limit(1)
    )
    return older, newer


def resolve_ref(org_id: int, ref: str | None) -> Document | None:
    """The organisation's published document a ``kind/slug`` reference points to, if any."""
    if not ref or "/" not in ref:
        return None
    kind, slug = ref.split("/", 1)
    return db.session.scalar(
        published()
        .options(load_only(*LIST_COLUMNS))
        .where(Document.organisation_id == org_id, Document.kind == kind, Document.slug == slug)
    )


def referring(doc: Document, field_name: str) -> list[Document]:
    """Published documents whose ``extra[field_name]`` points at ``doc`` (e.g. policy → 解读).

    On PostgreSQL migration 0011 indexes ``interpretation`` as this query compiles it."""
    kinds = [ct.name for ct in content_types.REGISTRY.values() if field_name in ct.field_names]
    if not kinds:
        return []
    return list(
        db.session.scalars(
            published()
            .options(load_only(*LIST_COLUMNS))
            .where(
                Document.organisation_id == doc.organisation_id,
                Document.kind.in_(kinds),
                Document.extra[field_name].as_string() == f"{doc.kind}/{doc.slug}",
            )
        ).all()
    )


def open_consultations(org_id: int, today: str) -> list[Document]:
    """An organisation's published consultations open on ``today`` (ISO date), closing
    soonest first."""
    opens = Document.extra["opens_on"].as_string()
    closes = Document.extra["closes_on"].as_string()
    return list(
        db.session.scalars(
            published()
            .options(load_only(*LIST_COLUMNS))
            .where(
                Document.organisation_id == org_id,
                Document.kind == "consultation",
                opens <= today,
                closes >= today,
            )
            .order_by(closes.asc())
        ).all()
    )


class ConsultationState(NamedTuple):
    """Where a consultation stands: ``code`` (upcoming, open, closed, result), its 中文
    label and, while open, the whole days left until ``closes_on`` (0 on the last day)."""

    code: str
    label: str
    days_left: int | None


def consultation_state(extra: dict[str, Any], on: str | date | None = None) -> ConsultationState:
    """The state of a consultation with these fields on ``on`` (default: today, Beijing time).

    Opening and closing days are inclusive. A closed consultation whose ``result_summary``
    is filled in has published its result (结果反馈).
    """
    day = on if isinstance(on, date) else date.fromisoformat(on) if on else timeutil.today()
    opens, closes = extra.get("opens_on"), extra.get("closes_on")
    if not opens or not closes:
        return ConsultationState("upcoming", "未开始", None)
    if day < date.fromisoformat(opens):
        return ConsultationState("upcoming", "未开始", None)
    if day <= date.fromisoformat(closes):
        return ConsultationState("open", "征集中", (date.fromisoformat(closes) - day).days)
    if extra.get("result_summary"):
        return ConsultationState("result", "已公布结果", None)
    return ConsultationState("closed", "已结束", None)


class OrgSummary(NamedTuple):
    """One organisation on ``/orgs/``: how many items it has published, and its newest."""

    published: int
    newest: Document | None


def org_summaries(org_ids: list[int]) -> dict[int, OrgSummary]:
    """Published counts and the newest published item of each organisation, in two
    statements whatever the number of organisations (the tally, and its newest dates
    joined back to the documents)."""
    if not org_ids:
        return {}
    counts = tally.per_org()
    # The newest item of each organisation: its newest date is in the tally, so one join
    # finds it (ties broken by the highest id) without a branch per organisation.
    newest_at = (
        sa.select(
            DocumentTally.organisation_id.label("org_id"),
            sa.func.max(DocumentTally.newest_at).label("at"),
        )
        .group_by(DocumentTally.organisation_id)
        .subquery()
    )
    newest: dict[int, Document] = {}
    for doc in db.session.scalars(
        sa.select(Document)
        .options(load_only(*LIST_COLUMNS))
        .join(
            newest_at,
            sa.and_(
                Document.organisation_id == newest_at.c.org_id,
                Document.published_at == newest_at.c.at,
            ),
        )
        .where(Document.status == "published")
        .order_by(Document.id.desc())
    ):
        newest.setdefault(doc.organisation_id, doc)
    return {org_id: OrgSummary(counts.get(org_id, 0), newest.get(org_id)) for org_id in org_ids}
