"""The platform summary: every organisation's key figures of a year, and their sum.

Each 行政机关 on a district platform publishes its own annual report; the summary lists,
per organisation, what those reports say in brief — items published (the report line's
“等共N条”), messages received, Table 三's requests received, carried in, closed and carried
out, and Table 四's review and litigation totals — and adds them up. It is counted with the
same queries as the reports, grouped by organisation: a fixed number of SQL statements
however many organisations there are.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import sqlalchemy as sa

from portal.extensions import db
from portal.interaction.models import Message
from portal.orgs import directory
from portal.orgs.models import KIND_ORDER
from portal.reports.counting import request_tables, review_tables
from portal.reports.summary import portal_items, published_counts
from portal.reports.tables import RequestTable
from portal.timeutil import year_bounds_utc


@dataclass(frozen=True)
class Figures:
    """One organisation's key figures of a year (or their sum across organisations)."""

    published: int = 0  # 主动公开: the report line's “等共N条”
    messages: int = 0  # 网友留言 received
    requests_new: int = 0  # Table 三 一、本年新收
    requests_carried_in: int = 0  # 二、上年结转
    requests_closed: int = 0  # 三、本年度办理结果（七）总计
    requests_carried_out: int = 0  # 四、结转下年度继续办理
    review: int = 0  # Table 四 行政复议 总计
    litigation: int = 0  # Table 四 行政诉讼 总计

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    @property
    def reconciles(self) -> bool:
        """本年新收 + 上年结转 = 办理结果总计 + 结转下年度."""
        incoming = self.requests_new + self.requests_carried_in
        return incoming == self.requests_closed + self.requests_carried_out


@dataclass(frozen=True)
class OrgRow:
    """An organisation's line of the summary."""

    org: directory.Org
    figures: Figures
    review_entered: bool  # whether it has entered Table 四 for the year


@dataclass(frozen=True)
class PlatformSummary:
    year: int
    rows: tuple[OrgRow, ...]

    @property
    def total(self) -> Figures:
        return sum((row.figures for row in self.rows), Figures())

    @property
    def missing_review(self) -> tuple[directory.Org, ...]:
        """Organisations that have not entered Table 四 for the year."""
        return tuple(row.org for row in self.rows if not row.review_entered)


def platform_summary(year: int) -> PlatformSummary:
    """Every organisation's key figures for ``year`` (in the order of ``/orgs/``: kind, then
    the directory's order), counted in four grouped statements."""
    published = published_counts(year)
    requests = request_tables(year)
    reviews = review_tables(year)
    messages = _messages_received(year)
    rows = []
    for org in sorted(directory.all_orgs(), key=lambda org: KIND_ORDER.index(org.kind)):
        table = requests.get(org.id) or RequestTable.empty()
        review = reviews.get(org.id)
        figures = Figures(
            published=sum(n for _, n in portal_items(published.get(org.id, {}))),
            messages=messages.get(org.id, 0),
            requests_new=table.total("new"),
            requests_carried_in=table.total("carried_in"),
            requests_closed=table.total("results_total"),
            requests_carried_out=table.total("carried_out"),
            review=review.review_total if review else 0,
            litigation=review.litigation_total if review else 0,
        )
        rows.append(OrgRow(org, figures, review_entered=review is not None))
    return PlatformSummary(year, tuple(rows))


def _messages_received(year: int) -> dict[int, int]:
    """Messages received in ``year`` per organisation (quarantined ones never count)."""
    start, end = year_bounds_utc(year)
    return {
        org_id: n
        for org_id, n in db.session.execute(
            sa.select(Message.organisation_id, sa.func.count(Message.id))
            .where(
                Message.quarantined.is_(False),
                Message.received_at >= start,
                Message.received_at < end,
            )
            .group_by(Message.organisation_id)
        )
    }
