"""What the public message page and the API count about messages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.interaction import deadlines
from portal.interaction.models import Message
from portal.timeutil import year_bounds_utc


@dataclass
class MessageStats:
    year: int
    received: int
    answered: int
    on_time: int
    average_days: float | None


def message_stats(year: int, org_id: int | None = None) -> MessageStats:
    """This year's message figures of an organisation (None: every one), counted from the
    portal's own records."""
    start, end = year_bounds_utc(year)
    in_year = sa.and_(
        Message.received_at >= start,
        Message.received_at < end,
        Message.quarantined.is_(False),
        sa.true() if org_id is None else Message.organisation_id == org_id,
    )
    received = db.session.scalar(sa.select(sa.func.count(Message.id)).where(in_year)) or 0
    answered = db.session.execute(
        sa.select(Message.received_at, Message.replied_at).where(
            in_year, Message.status == "answered"
        )
    ).all()
    days = [deadlines.working_days_taken(r.received_at, r.replied_at) for r in answered]
    on_time = sum(
        1 for r in answered if not deadlines.message_answered_late(r.received_at, r.replied_at)
    )
    average = round(sum(days) / len(days), 1) if days else None
    return MessageStats(year, received, len(days), on_time, average)
