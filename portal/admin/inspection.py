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

from portal.documents.content_types import REGISTRY
from portal.documents.models import Document
from portal.extensions import db
from portal.interaction import calendar, deadlines
from portal.interaction.models import Message
from portal.states import DocumentStatus
from portal.timeutil import local_date, local_midnight_utc, utcnow

#: Kind → days without a new item before the column counts as not updated.
STALE_AFTER: dict[str, int] = {"news": 14, "notice": 183, "policy": 183}
STALE_RULE = {
    "news": "超过 2 周未更新",
    "notice": "超过 6 个月未更新",
    "policy": "超过 6 个月未更新",
}
#: An unanswered message this old is one month from the three-month veto.
MESSAGE_ALARM = timedelta(days=60)
RESULT_WITHIN = deadlines.RESULT_WITHIN


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
                Document.kind == kind, Document.status == DocumentStatus.PUBLISHED
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


def _count(*where: sa.ColumnElement[bool]) -> int:
    return db.session.scalar(sa.select(sa.func.count(Message.id)).where(*where)) or 0


def unanswered_messages(today: date) -> list[Alert]:
    """Messages past the office's target (overdue, as the inbox marks them), and those
    nearing the three-month veto."""
    late = _count(deadlines.message_overdue_sql(today))
    alarm_before = local_midnight_utc(today - MESSAGE_ALARM)
    alarm = _count(deadlines.message_open(), Message.received_at < alarm_before)
    warnings = []
    if late:
        warnings.append(
            Alert(f"{late} 条留言超过 {deadlines.MESSAGE_TARGET} 个工作日未答复（已超期）")
        )
    if alarm:
        warnings.append(
            Alert(
                f"{alarm} 条留言已超过 2 个月未答复：满 3 个月未答复属检查指标单项否决",
                severe=True,
            )
        )
    return warnings


def unpublished_results(today: date) -> list[Alert]:
    """Consultations whose result is overdue (10 working days after closing)."""
    late = db.session.scalars(
        sa.select(Document.title).where(deadlines.results_overdue_sql(today)).order_by(Document.id)
    ).all()
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


def calendar_arrangement(today: date) -> list[Alert]:
    """A warning while this or next year's holiday arrangement is not entered: deadlines
    in it are counted on the statutory holidays alone."""
    years = [y for y in (today.year, today.year + 1) if calendar.is_provisional(date(y, 6, 1))]
    if not years:
        return []
    named = "、".join(f"{y} 年" for y in years)
    return [
        Alert(
            f"尚未录入{named}国务院办公厅节假日安排（含调休上班日），"
            f"这期间的答复期限{deadlines.PROVISIONAL_NOTE}；"
            "安排公布后请录入节假日数据并运行 flask --app app deadlines refresh",
            severe=today.year in years,
        )
    ]


def warnings(today: date | None = None) -> list[Alert]:
    """Every inspection warning that applies today, most serious first."""
    today = today or local_date(utcnow())
    found = (
        stale_columns(today)
        + unanswered_messages(today)
        + unpublished_results(today)
        + calendar_arrangement(today)
    )
    return sorted(found, key=lambda w: not w.severe)
