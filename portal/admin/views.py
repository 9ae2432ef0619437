"""The back office's own pages: the dashboard (what to act on, across areas, and the
inspection warnings) and the list of staff accounts. Access is checked in
``auth.blueprint.guard``."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import render_template

from portal.admin import inspection
from portal.auth.blueprint import bp
from portal.auth.models import User
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction import deadlines
from portal.interaction.models import InfoRequest, Message
from portal.states import DocumentStatus, RequestStatus
from portal.timeutil import local_date, utcnow


@dataclass
class Dashboard:
    in_review: int
    unanswered_messages: int
    late_messages: int
    open_requests: int
    requests_due_soon: int
    requests_overdue: int


def dashboard_counts() -> Dashboard:
    """What staff must act on, counted from the records by the deadline rules."""
    today = local_date(utcnow())

    def count(model: type[Document | Message | InfoRequest], *where: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(sa.select(sa.func.count(model.id)).where(*where)) or 0

    return Dashboard(
        in_review=count(Document, Document.status == DocumentStatus.IN_REVIEW),
        unanswered_messages=count(Message, deadlines.message_open()),
        late_messages=count(Message, deadlines.message_overdue_sql(today)),
        open_requests=count(
            InfoRequest,
            InfoRequest.status != RequestStatus.CLOSED,
            InfoRequest.quarantined.is_(False),
        ),
        requests_due_soon=count(InfoRequest, deadlines.request_due_soon_sql(today)),
        requests_overdue=count(InfoRequest, deadlines.request_overdue_sql(today)),
    )


@bp.get("/")
def dashboard():
    """Counts to act on: items in review, messages waiting, requests due soon or overdue."""
    return render_template(
        "admin/dashboard.html", counts=dashboard_counts(), warnings=inspection.warnings()
    )


@bp.get("/users")
def users():
    """Staff accounts and their roles (admin only)."""
    rows = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows)
