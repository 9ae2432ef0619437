"""Checks against the national website inspection rules (政府网站与政务新媒体检查指标).

The rules mark a site down when a column goes unupdated (news-type columns for more than two
weeks, notices and policy files for more than six months) and veto it outright when a
resident's message goes unanswered for three months; every consultation is expected to
publish its result (结果反馈). The dashboard warns long before that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..content_types import REGISTRY
from ..extensions import db
from ..interaction import calendar, services
from ..interaction.models import Message
from ..models import Document
from ..timeutil import local_date, utcnow

#: Kind → days without a new item before the column counts as not updated.
STALE_AFTER: dict[str, int] = {"news": 14, "notice": 183, "policy": 183}
STALE_RULE = {
    "news": "超过 2 周未更新",
    "notice": "超过 6 个月未更新",
    "policy": "超过 6 个月未更新",
}
#: An unanswered message this old is one month from the three-month veto.
MESSAGE_ALARM = timedelta(days=60)
#: Working days after a consultation closes within which its result should be published.
RESULT_WITHIN = 10


@dataclass(frozen=True)
class Alert:
    text: str
    severe: bool = False


def stale_columns(today: date) -> list[Alert]:
    """Columns whose newest published item is older than the rules allow (or that are empty)."""
    warnings = []
    for kind, limit in STALE_AFTER.items():
        newest = db.session.scalar(
            sa.select(sa.func.max(Document.published_at)).where(
                Document.kind == kind, Document.status == "published"
            )
        )
        label = REGISTRY[kind].label
        if newest is None:
            warnings.append(Alert(f"“{label}”栏目还没有发布任何信息", severe=True))
            continue
        age = (today - local_date(newest)).days
        if age > limit:
            warnings.append(
                Alert(
                    f"“{label}”栏目已 {age} 天未更新（检查指标：{STALE_RULE[kind]}即扣分）",
                    severe=True,
                )
            )
        elif age > limit - 3:
            warnings.append(Alert(f"“{label}”栏目已 {age} 天未更新，请尽快发布"))
    return warnings


def unanswered_messages(today: date) -> list[Alert]:
    """Messages waiting longer than the office's target, and those nearing the veto."""
    waiting = db.session.scalars(
        sa.select(Message.received_at).where(
            Message.status == "received", Message.quarantined.is_(False)
        )
    ).all()
    late = [
        received
        for received in waiting
        if calendar.working_days_between(calendar.receipt_day(local_date(received)), today)
        > services.MESSAGE_TARGET
    ]
    alarm = [received for received in late if today - local_date(received) > MESSAGE_ALARM]
    warnings = []
    if late:
        warnings.append(Alert(f"{len(late)} 条留言超过 {services.MESSAGE_TARGET} 个工作日未答复"))
    if alarm:
        warnings.append(
            Alert(
                f"{len(alarm)} 条留言已超过 2 个月未答复：满 3 个月未答复属检查指标单项否决",
                severe=True,
            )
        )
    return warnings


def unpublished_results(today: date) -> list[Alert]:
    """Consultations closed more than 10 working days ago whose result is not published."""
    closes = Document.extra["closes_on"].as_string()
    closed = db.session.execute(
        sa.select(Document.title, Document.extra).where(
            Document.kind == "consultation",
            Document.status == "published",
            closes < today.isoformat(),
        )
    ).all()
    late = [
        title
        for title, extra in closed
        if not (extra or {}).get("result_summary")
        and calendar.working_days_between(date.fromisoformat(extra["closes_on"]), today)
        > RESULT_WITHIN
    ]
    if not late:
        return []
    titles = "、".join(f"“{t}”" for t in late[:3]) + (" 等" if len(late) > 3 else "")
    return [
        Alert(
            f"{len(late)} 项征集调查结束超过 {RESULT_WITHIN} 个工作日仍未公布结果：{titles}"
            "（检查指标：征集调查须公开结果反馈，否则扣分）",
            severe=True,
        )
    ]


def warnings(today: date | None = None) -> list[Alert]:
    """Every inspection warning that applies today, most serious first."""
    today = today or local_date(utcnow())
    found = stale_columns(today) + unanswered_messages(today) + unpublished_results(today)
    return sorted(found, key=lambda w: not w.severe)
