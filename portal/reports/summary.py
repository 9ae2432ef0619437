"""The portal's own line in the annual report's 一、总体情况, and how it is counted.

One sentence of items published by kind (工作动态N条、……等共N条) with the requests and
messages received and how they were answered, and one of the 执法公示 by subtype, as in
八(四) of the office's 2024 report on law-based government. Answers are judged as of now by
the rules of ``interaction.deadlines``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.documents import content_types
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction import deadlines
from portal.interaction.models import InfoRequest, Message
from portal.states import DocumentStatus
from portal.timeutil import local_date, year_bounds_utc

#: The portal's line of published items: label, kind, enforcement subtype (if any).
PORTAL_ITEMS: tuple[tuple[str, str, str | None], ...] = (
    ("工作动态", "news", None),
    ("知识问答库", "faq", None),
    ("政策文件", "policy", None),
    ("通知公告", "notice", None),
    ("“双随机、一公开”", "enforcement", "双随机一公开"),
    ("财政资金", "finance", None),
    ("征集调查", "consultation", None),
    ("年度报告", "report", None),
)
#: Enforcement disclosures (执法公示) are reported on their own line, by subtype.
ENFORCEMENT_ITEMS: tuple[tuple[str, str], ...] = (
    ("行政处罚", "行政处罚"),
    ("行政检查", "行政检查"),
    ("“双随机、一公开”", "双随机一公开"),
)


@dataclass(frozen=True)
class ReplyStats:
    """Requests or messages received in the year and how they were answered (as of now)."""

    received: int = 0
    answered: int = 0
    late: int = 0  # answered after the deadline
    pending: int = 0
    overdue: int = 0  # not answered and past the deadline

    @property
    def all_on_time(self) -> bool:
        return self.pending == 0 and self.late == 0


@dataclass(frozen=True)
class PortalSummary:
    """The portal's own line: items published, requests and messages received and answered."""

    year: int
    current: bool
    items: tuple[tuple[str, int], ...]
    enforcement: tuple[tuple[str, int], ...]
    requests: ReplyStats
    messages: ReplyStats
    venue: str = "街道门户网"  # where they were published: the site, or a platform's 专栏

    @property
    def total(self) -> int:
        return sum(n for _, n in self.items)

    @property
    def enforcement_total(self) -> int:
        return sum(n for _, n in self.enforcement)

    @property
    def opening(self) -> str:
        return "今年以来，" if self.current else f"{self.year}年，"

    @property
    def sentence(self) -> str:
        """今年以来，街道门户网公布工作动态N条、……等共N条；受理依申请公开N条、网友留言N条，已全部答复。"""
        listed = "、".join(f"{label}{n}条" for label, n in self.items)
        received = f"受理依申请公开{self.requests.received}条、网友留言{self.messages.received}条"
        published = f"{self.venue}公布{listed}等共{self.total}条"
        return f"{self.opening}{published}；{received}{self._replies()}。"

    @property
    def enforcement_sentence(self) -> str:
        parts = "、".join(f"{label}{n}条" for label, n in self.enforcement)
        return f"{self.opening}发布执法公示数据{self.enforcement_total}条，其中{parts}。"

    def _replies(self) -> str:
        both = (("依申请公开", self.requests), ("网友留言", self.messages))
        if not any(stats.received for _, stats in both):
            return ""

        def listing(attr: str) -> str:
            return "、".join(
                f"{label}{getattr(s, attr)}条" for label, s in both if getattr(s, attr)
            )

        if all(stats.pending == 0 for _, stats in both):
            text = "，已全部答复"
        else:
            text = "，已答复" + "、".join(
                f"{label}{s.answered}条" for label, s in both if s.received
            )
        if any(stats.late for _, stats in both):
            text += "，其中超期答复" + listing("late")
        if any(stats.pending for _, stats in both):
            text += "；正在办理" + listing("pending")
            if any(stats.overdue for _, stats in both):
                text += "，其中已超过答复期限" + listing("overdue")
        return text


def portal_summary(
    year: int, today: date, org_id: int, *, venue: str = "街道门户网"
) -> PortalSummary:
    """Count ``org_id``'s line for ``year``: published items by kind, requests and messages
    (as of ``today``); ``venue`` is where it published them."""
    counts = published_counts(year, org_id).get(org_id, {})
    return PortalSummary(
        year=year,
        current=year == today.year,
        items=portal_items(counts),
        enforcement=tuple(
            (label, counts.get(("enforcement", sub), 0)) for label, sub in ENFORCEMENT_ITEMS
        ),
        requests=_request_replies(year, today, org_id),
        messages=_message_replies(year, today, org_id),
        venue=venue,
    )


Counts = dict[tuple[str, str | None], int]


def published_counts(year: int, org_id: int | None = None) -> dict[int, Counts]:
    """Items published in ``year`` per organisation (only ``org_id``'s, if given), by kind
    and enforcement subtype: one grouped aggregate, however many organisations there are."""
    start, end = year_bounds_utc(year)
    subtype = sa.case(
        (Document.kind == "enforcement", Document.extra["subtype"].as_string()), else_=None
    )
    query = sa.select(
        Document.organisation_id.label("org_id"),
        Document.kind.label("kind"),
        subtype.label("subtype"),
    ).where(
        Document.status == DocumentStatus.PUBLISHED,
        Document.published_at >= start,
        Document.published_at < end,
    )
    if org_id is not None:
        query = query.where(Document.organisation_id == org_id)
    # Grouped in an outer query: PostgreSQL does not match a GROUP BY expression carrying
    # bound parameters to the same expression in the select list.
    published = query.subquery()
    columns = (published.c.org_id, published.c.kind, published.c.subtype)
    counts: dict[int, Counts] = {}
    for org, kind, sub, n in db.session.execute(
        sa.select(*columns, sa.func.count()).group_by(*columns)
    ):
        counts.setdefault(org, {})[(kind, sub)] = n
    return counts


def portal_items(counts: Counts) -> tuple[tuple[str, int], ...]:
    """The line's items (label, count): the eight of ``PORTAL_ITEMS``, always, then each
    kind added to the registry later (办事服务…) that published anything that year."""
    listed = {kind for _, kind, _ in PORTAL_ITEMS}
    added = (
        (ct.label, _count_kind(counts, name, None))
        for name, ct in content_types.REGISTRY.items()
        if name not in listed
    )
    return (
        *((label, _count_kind(counts, kind, sub)) for label, kind, sub in PORTAL_ITEMS),
        *(item for item in added if item[1]),
    )


def _count_kind(counts: Counts, kind: str, sub: str | None) -> int:
    if sub is not None:
        return counts.get((kind, sub), 0)
    return sum(n for (k, _), n in counts.items() if k == kind)


def _request_replies(year: int, today: date, org_id: int) -> ReplyStats:
    start, end = year_bounds_utc(year)
    rows = db.session.scalars(
        sa.select(InfoRequest)
        .options(selectinload(InfoRequest.events))
        .where(
            InfoRequest.organisation_id == org_id,
            InfoRequest.quarantined.is_(False),
            InfoRequest.received_at >= start,
            InfoRequest.received_at < end,
        )
    ).all()
    answered = [deadlines.past_due(item, today) for item in rows if item.closed_at is not None]
    waiting = [deadlines.past_due(item, today) for item in rows if item.closed_at is None]
    return ReplyStats(
        received=len(rows),
        answered=len(answered),
        late=sum(answered),
        pending=len(waiting),
        overdue=sum(waiting),
    )


def _message_replies(year: int, today: date, org_id: int) -> ReplyStats:
    start, end = year_bounds_utc(year)
    rows = db.session.execute(
        sa.select(Message.received_at, Message.replied_at).where(
            Message.organisation_id == org_id,
            Message.quarantined.is_(False),
            Message.received_at >= start,
            Message.received_at < end,
        )
    ).all()
    answered = [
        deadlines.message_answered_late(received, replied)
        for received, replied in rows
        if replied is not None
    ]
    waiting = [received for received, replied in rows if replied is None]
    overdue = sum(
        1 for received in waiting if deadlines.message_due_on(local_date(received)) < today
    )
    return ReplyStats(
        received=len(rows),
        answered=len(answered),
        late=sum(answered),
        pending=len(waiting),
        overdue=overdue,
    )
