"""The back office's own pages: the dashboard (what to act on in each of one's offices,
and the inspection warnings) and the list of staff accounts. Access is checked in
``auth.blueprint.guard``; every count is scoped to the signed-in actor's memberships."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import render_template
from sqlalchemy.orm import selectinload

from portal.admin import inspection
from portal.auth.actor import SYSTEM, Actor, Permission
from portal.auth.blueprint import bp, current_actor
from portal.auth.models import User
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction import deadlines
from portal.interaction.models import FeedbackReport, InfoRequest, Message
from portal.orgs import directory
from portal.orgs.directory import Org
from portal.states import DocumentStatus
from portal.timeutil import local_date, utcnow

#: Who sees each group of counts in an organisation: those who act on the items, and
#: those who supervise the office (its admins, platform admins).
COUNTED: dict[str, tuple[Permission, ...]] = {
    "documents": (Permission.WRITE_DOCUMENTS, Permission.REVIEW_DOCUMENTS, Permission.SUPERVISE),
    "messages": (Permission.HANDLE_MESSAGES, Permission.SUPERVISE),
    "requests": (Permission.HANDLE_REQUESTS, Permission.SUPERVISE),
}


@dataclass
class Dashboard:
    """One organisation's counts; ``shows`` names the groups (``COUNTED``) the actor may see."""

    in_review: int = 0
    unanswered_messages: int = 0
    late_messages: int = 0
    open_feedback: int = 0  # reports of an error on a page (纠错), handled with messages
    feedback_due_soon: int = 0
    feedback_overdue: int = 0
    open_requests: int = 0
    requests_due_soon: int = 0
    requests_overdue: int = 0
    shows: frozenset[str] = field(default_factory=frozenset)


@dataclass
class Section:
    """One office on the dashboard: its counts and its inspection warnings."""

    org: Org
    counts: Dashboard
    alerts: list[inspection.Alert]


def counts_by_org(
    actor: Actor, org_ids: Collection[int], today: date | None = None
) -> dict[int, Dashboard]:
    """What ``actor`` must act on in each of ``org_ids``, counted from the records by the
    deadline rules: four statements, however many organisations."""
    today = today or local_date(utcnow())
    boards = {
        org_id: Dashboard(
            shows=frozenset(
                area
                for area, permissions in COUNTED.items()
                if any(actor.may(permission, org_id) for permission in permissions)
            )
        )
        for org_id in org_ids
    }
    if not boards:
        return boards

    def where(column: Any, area: str) -> sa.ColumnElement[bool]:
        visible = (actor.scope(column, permission) for permission in COUNTED[area])
        return sa.and_(column.in_(sorted(boards)), sa.or_(*visible))

    in_review = db.session.execute(
        sa.select(Document.organisation_id, sa.func.count())
        .where(
            Document.status == DocumentStatus.IN_REVIEW,
            where(Document.organisation_id, "documents"),
        )
        .group_by(Document.organisation_id)
    ).all()
    for org_id, count in in_review:
        boards[org_id].in_review = count

    waiting = db.session.execute(
        sa.select(
            Message.organisation_id,
            sa.func.count(Message.id),
            inspection.count_if(deadlines.message_overdue_sql(today)),
        )
        .where(deadlines.message_open(), where(Message.organisation_id, "messages"))
        .group_by(Message.organisation_id)
    ).all()
    for org_id, open_, late in waiting:
        boards[org_id].unanswered_messages, boards[org_id].late_messages = open_, late
    _count_feedback(boards, where(FeedbackReport.organisation_id, "messages"), today)

    handling = db.session.execute(
        sa.select(
            InfoRequest.organisation_id,
            sa.func.count(InfoRequest.id),
            inspection.count_if(deadlines.request_due_soon_sql(today)),
            inspection.count_if(deadlines.request_overdue_sql(today)),
        )
        .where(*inspection.request_open(), where(InfoRequest.organisation_id, "requests"))
        .group_by(InfoRequest.organisation_id)
    ).all()
    for org_id, open_, soon, overdue in handling:
        board = boards[org_id]
        board.open_requests, board.requests_due_soon, board.requests_overdue = open_, soon, overdue
    return boards


def _count_feedback(
    boards: dict[int, Dashboard], visible: sa.ColumnElement[bool], today: date
) -> None:
    """Open reports of an error (纠错) per organisation, due soon and overdue on ``today``."""
    found = db.session.execute(
        sa.select(
            FeedbackReport.organisation_id,
            sa.func.count(FeedbackReport.id),
            inspection.count_if(deadlines.feedback_due_soon_sql(today)),
            inspection.count_if(deadlines.feedback_overdue_sql(today)),
        )
        .where(deadlines.feedback_open(), visible)
        .group_by(FeedbackReport.organisation_id)
    ).all()
    for org_id, open_, soon, overdue in found:
        board = boards[org_id]
        board.open_feedback, board.feedback_due_soon, board.feedback_overdue = open_, soon, overdue


def dashboard_counts(actor: Actor = SYSTEM, today: date | None = None) -> Dashboard:
    """The counts of every organisation ``actor`` sees, added up (the portal's own view,
    by default: every organisation)."""
    ids = [org.id for org in directory.all_orgs()]
    total = Dashboard(shows=frozenset(COUNTED))
    numbers = [f.name for f in fields(Dashboard) if f.name != "shows"]
    for board in counts_by_org(actor, ids, today).values():
        for name in numbers:
            setattr(total, name, getattr(total, name) + getattr(board, name))
    return total


def dashboard_sections(actor: Actor, today: date) -> list[Section]:
    """One section per organisation where ``actor`` is a member, in the directory's order:
    the counts they may see there and the office's inspection warnings."""
    orgs = [org for org in directory.all_orgs() if org.id in actor.memberships]
    ids = [org.id for org in orgs]
    counts = counts_by_org(actor, ids, today)
    standing = inspection.standings(today, ids, requests=False)
    return [Section(org, counts[org.id], standing[org.id].alerts(today)) for org in orgs]


@bp.get("/")
def dashboard():
    """What to act on in each of one's offices, and the inspection warnings of each."""
    actor = current_actor()
    today = local_date(utcnow())
    sections = dashboard_sections(actor, today)
    platform_alerts = inspection.calendar_arrangement(today) + inspection.mail_alerts(
        [section.org.id for section in sections]
    )
    if len(sections) == 1:  # one office: its warnings and the platform's in one list
        merged = sections[0].alerts + platform_alerts
        sections[0].alerts = sorted(merged, key=lambda alert: not alert.severe)
        platform_alerts = []
    return render_template(
        "admin/dashboard.html",
        sections=sections,
        platform_alerts=platform_alerts,
        platform_admin=actor.is_platform_admin,
    )


@bp.get("/users")
def users():
    """Staff accounts: the roles each holds in which office, and who is a platform admin."""
    rows = db.session.scalars(
        sa.select(User).options(selectinload(User.memberships)).order_by(User.username)
    ).all()
    return render_template("admin/users.html", users=rows)
