"""Counting the records into the annual report's Tables 二, 三 and 四.

Each table is a bounded number of SQL aggregates over one organisation's year (the
counting rules are in ``annual``'s docstring and ``NOTES``): published policies and
enforcement decisions for Table 二, information requests by applicant column and outcome
for Table 三, and the review and litigation figures staff entered for Table 四. Tables 三 and
四 are also counted for every organisation at once (``org_id=None``, grouped by
organisation) for the platform summary, in the same number of statements.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal.documents.models import Document, DocumentRevision
from portal.extensions import db
from portal.interaction.models import ORGANISATION_TYPES, OUTCOMES, InfoRequest
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS, ReviewLitigationFigures
from portal.reports.tables import (
    APPLICANT_COLUMNS,
    OTHER_COLUMN,
    ActiveDisclosure,
    RequestTable,
    ReviewTable,
)
from portal.states import DocumentStatus
from portal.timeutil import year_bounds_utc


def _tally(
    key: sa.SQLColumnExpression[int], condition: sa.ColumnElement[bool]
) -> sa.ColumnElement[int]:
    """How many rows meet ``condition`` (COUNT of a CASE: no literal parameters to type)."""
    return sa.func.count(sa.case((condition, key)))


def _extra(name: str) -> sa.ColumnElement[str]:
    return Document.extra[name].as_string()


def _normative() -> sa.ColumnElement[bool]:
    """A policy file flagged 行政规范性文件 (the registry's ``normative``; absent means no)."""
    return sa.and_(Document.kind == "policy", Document.extra["normative"].as_boolean())


def _in_year(column: sa.ColumnElement[str], year: int) -> sa.ColumnElement[bool]:
    """An ISO date string (``extra`` field) falls in ``year``."""
    return sa.and_(column >= f"{year}-01-01", column <= f"{year}-12-31")


# -- Table 二 ---------------------------------------------------------------------------


def active_disclosure(year: int, org_id: int) -> ActiveDisclosure:
    """Table 二 of ``org_id``: normative documents (policy files flagged 行政规范性文件)
    issued, abolished and in force; 行政处罚 decided."""
    mine = Document.organisation_id == org_id
    issued, validity = _extra("issued_on"), _extra("validity")
    issued_count, in_force = db.session.execute(
        sa.select(
            _tally(Document.id, _in_year(issued, year)),
            _tally(Document.id, sa.and_(issued <= f"{year}-12-31", validity == "有效")),
        ).where(mine, _normative(), Document.status == DocumentStatus.PUBLISHED)
    ).one()
    penalties = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Document)
        .where(
            mine,
            Document.kind == "enforcement",
            Document.status == DocumentStatus.PUBLISHED,
            _extra("subtype") == "行政处罚",
            _in_year(_extra("decided_on"), year),
        )
    )
    return ActiveDisclosure(
        normative_issued=issued_count,
        normative_abolished=_abolished(year, org_id),
        normative_in_force=in_force,
        penalties=penalties or 0,
    )


def _abolished(year: int, org_id: int) -> int:
    """Published normative documents now 废止 whose revision history changed them to 废止
    in ``year``."""
    start, end = year_bounds_utc(year)
    was = DocumentRevision.snapshot[("extra", "validity")].as_string()
    history = (
        sa.select(
            DocumentRevision.document_id.label("document_id"),
            DocumentRevision.created_at.label("created_at"),
            was.label("validity"),
            sa.func.lag(was)
            .over(partition_by=DocumentRevision.document_id, order_by=DocumentRevision.number)
            .label("before"),
        )
        .join(Document, Document.id == DocumentRevision.document_id)
        .where(
            Document.organisation_id == org_id,
            _normative(),
            Document.status == DocumentStatus.PUBLISHED,
            _extra("validity") == "废止",
        )
        .subquery()
    )
    changed = (
        sa.select(history.c.document_id, sa.func.min(history.c.created_at).label("changed_at"))
        .where(
            history.c.validity == "废止",
            history.c.before.is_not(None),
            history.c.before != "废止",
        )
        .group_by(history.c.document_id)
        .subquery()
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                changed.c.changed_at >= start, changed.c.changed_at < end
            )
        )
        or 0
    )


# -- Table 三 ---------------------------------------------------------------------------


def _column(applicant_type: str, organisation_type: str | None) -> int:
    if applicant_type == "person":
        return 0
    if organisation_type in ORGANISATION_TYPES:
        return APPLICANT_COLUMNS.index(organisation_type)
    return OTHER_COLUMN


def request_table(year: int, org_id: int) -> RequestTable:
    """Table 三 of ``org_id``: requests received, carried in, closed by outcome, carried out."""
    return request_tables(year, org_id).get(org_id) or RequestTable.empty()


def request_tables(year: int, org_id: int | None = None) -> dict[int, RequestTable]:
    """Table 三 per organisation (only ``org_id``'s, if given) with any request in reach of
    ``year``: one grouped aggregate, however many organisations there are."""
    start, end = year_bounds_utc(year)
    received, closed = InfoRequest.received_at, InfoRequest.closed_at

    def tally(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return _tally(InfoRequest.id, condition)

    groups = (
        InfoRequest.organisation_id,
        InfoRequest.applicant_type,
        InfoRequest.organisation_type,
        InfoRequest.outcome,
        InfoRequest.channel,
    )
    query = (
        sa.select(
            *groups,
            tally(received >= start),
            tally(sa.and_(received < start, sa.or_(closed.is_(None), closed >= start))),
            tally(sa.and_(closed >= start, closed < end)),
            tally(sa.or_(closed.is_(None), closed >= end)),
        )
        .where(InfoRequest.quarantined.is_(False), received < end)
        .group_by(*groups)
    )
    if org_id is not None:
        query = query.where(InfoRequest.organisation_id == org_id)
    tables: dict[int, RequestTable] = {}
    for (
        org,
        applicant,
        organisation,
        outcome,
        channel,
        new,
        carried_in,
        done,
        carried_out,
    ) in db.session.execute(query).all():
        table = tables.setdefault(org, RequestTable.empty())
        counts = table.counts
        # Every request counts, however it arrived; how many came by each way is told apart.
        table.channels[channel] = table.channels.get(channel, 0) + new
        column = _column(applicant, organisation)
        counts["new"][column] += new
        counts["carried_in"][column] += carried_in
        # A closed request always has an outcome; were one missing it still counts (as 其他).
        counts[outcome if outcome in OUTCOMES else "other.other"][column] += done
        counts["carried_out"][column] += carried_out
    return tables


# -- Table 四 ---------------------------------------------------------------------------


def review_table(year: int, org_id: int) -> ReviewTable:
    """Table 四 of ``org_id``: the review and litigation figures entered for ``year`` (zeros
    if none)."""
    return review_tables(year, org_id).get(org_id) or _review(None)


def review_tables(year: int, org_id: int | None = None) -> dict[int, ReviewTable]:
    """Table 四 of every organisation (only ``org_id``'s, if given) that entered ``year``'s
    figures, in one statement."""
    query = sa.select(ReviewLitigationFigures).where(ReviewLitigationFigures.year == year)
    if org_id is not None:
        query = query.where(ReviewLitigationFigures.organisation_id == org_id)
    return {row.organisation_id: _review(row) for row in db.session.scalars(query)}


def _review(row: ReviewLitigationFigures | None) -> ReviewTable:
    entered = row.values() if row is not None else {}
    values = {}
    for group, _ in REVIEW_GROUPS:
        numbers = tuple(entered.get(f"{group}_{result}", 0) for result, _ in REVIEW_RESULTS)
        values[group] = (*numbers, sum(numbers))
    return ReviewTable(values, entered=row is not None, updated_at=row.updated_at if row else None)
