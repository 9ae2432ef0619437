"""Checks against the national website inspection rules (政府网站与政务新媒体检查指标),
per organisation.

The rules mark a site down when a column goes unupdated (news-type columns for more than two
weeks, notices and policy files for more than six months) and veto it outright when a
resident's message goes unanswered for three months; every consultation is expected to
publish its result (结果反馈). On a platform each organisation's 专栏 is inspected on its
own, so every figure is gathered per organisation: a few GROUP BY statements whatever the
number of organisations (``standings``), then the warnings are worded in Python. The
dashboard warns long before the rules bite; the supervision view (监管) shows them all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.disclosure import listing
from portal.documents.content_types import REGISTRY
from portal.documents.models import Document, DocumentTally, LinkCheck, WordHit
from portal.extensions import db
from portal.interaction import calendar, deadlines
from portal.interaction.models import InfoRequest, Message
from portal.orgs.models import PROFILE_REVIEW_DAYS, OrgProfile
from portal.outbox import queue
from portal.reports import publication
from portal.states import DocumentStatus, RequestStatus
from portal.timeutil import local_date, local_midnight_utc

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
#: Which rows of an ``organisation_id`` column to count (``actor.scope`` for a permission).
Scope = Callable[[Any], sa.ColumnElement[bool]]


@dataclass(frozen=True)
class Alert:
    text: str
    severe: bool = False
    link: str | None = None  # the staff page listing what the warning counts (an endpoint)


@dataclass
class Standing:
    """What the inspection rules look at in one organisation, as of one day."""

    org_id: int
    newest: dict[str, datetime] = field(default_factory=dict)  # kind → newest published
    published: int = 0  # published documents of every kind
    open_messages: int = 0
    late_messages: int = 0  # past the office's 5-working-day target
    alarm_messages: int = 0  # unanswered for more than two months
    open_requests: int = 0
    overdue_requests: int = 0
    late_results: list[str] = field(default_factory=list)  # consultation titles
    profile_reviewed_at: datetime | None = None  # when its 机构概况 was last checked
    broken_links: int = 0  # dead links and missing attachments at the last link check
    links_checked_at: datetime | None = None
    word_hits: list[str] = field(default_factory=list)  # published titles with a 错敏词
    catalog: list[listing.Problem] = field(default_factory=list)  # empty or stale columns
    last_year_report: bool = False  # the previous year's annual report is published

    @property
    def last_update(self) -> datetime | None:
        """When the organisation last published anything."""
        return max(self.newest.values(), default=None)

    def alerts(self, today: date, *, requests: bool = False) -> list[Alert]:
        """Its warnings, most serious first (overdue requests too when ``requests``)."""
        found = (
            stale_alerts(self.newest, today)
            + message_alerts(self.late_messages, self.alarm_messages)
            + result_alerts(self.late_results)
            + profile_alerts(self.profile_reviewed_at, today)
            + link_alerts(self.broken_links, self.links_checked_at)
            + word_alerts(self.word_hits)
            + catalog_alerts(self.catalog)
            + annual_report_alerts(self.last_year_report, today)
        )
        if requests and self.overdue_requests:
            found.append(
                Alert(f"{self.overdue_requests} 件依申请公开已超过答复期限仍未办结", severe=True)
            )
        return _most_serious_first(found)


def _with(table: dict[int, Standing], org_id: int) -> Standing:
    if org_id not in table:
        table[org_id] = Standing(org_id)
    return table[org_id]


def standings(
    today: date,
    org_ids: Collection[int] | None = None,
    *,
    scope: Scope | None = None,
    requests: bool = True,
) -> dict[int, Standing]:
    """The standing of the organisations ``org_ids`` (None: every one with rows), keyed
    by id, counting only the rows ``scope`` keeps (e.g. ``actor.scope`` for a permission).
    Eight statements (seven without ``requests``) however many organisations there are;
    an organisation of ``org_ids`` without any rows gets an empty standing."""
    table: dict[int, Standing] = {org_id: Standing(org_id) for org_id in org_ids or ()}

    def where(column: Any) -> sa.ColumnElement[bool]:
        clause = sa.true() if org_ids is None else column.in_(sorted(org_ids))
        return clause if scope is None else sa.and_(clause, scope(column))

    published = db.session.execute(
        sa.select(
            DocumentTally.organisation_id,
            DocumentTally.kind,
            DocumentTally.published,
            DocumentTally.newest_at,
        ).where(DocumentTally.published > 0, where(DocumentTally.organisation_id))
    ).all()
    for org_id, kind, count, newest in published:
        standing = _with(table, org_id)
        standing.published += count
        if newest is not None:
            standing.newest[kind] = newest

    alarm_before = local_midnight_utc(today - MESSAGE_ALARM)
    waiting = db.session.execute(
        sa.select(
            Message.organisation_id,
            sa.func.count(Message.id),
            count_if(deadlines.message_overdue_sql(today)),
            count_if(Message.received_at < alarm_before),
        )
        .where(deadlines.message_open(), where(Message.organisation_id))
        .group_by(Message.organisation_id)
    ).all()
    for org_id, open_, late, alarm in waiting:
        standing = _with(table, org_id)
        standing.open_messages, standing.late_messages, standing.alarm_messages = open_, late, alarm

    if requests:
        for org_id, open_, overdue in db.session.execute(
            sa.select(
                InfoRequest.organisation_id,
                sa.func.count(InfoRequest.id),
                count_if(deadlines.request_overdue_sql(today)),
            )
            .where(*request_open(), where(InfoRequest.organisation_id))
            .group_by(InfoRequest.organisation_id)
        ).all():
            standing = _with(table, org_id)
            standing.open_requests, standing.overdue_requests = open_, overdue

    for org_id, title in db.session.execute(
        sa.select(Document.organisation_id, Document.title)
        .where(deadlines.results_overdue_sql(today), where(Document.organisation_id))
        .order_by(Document.organisation_id, Document.id)
    ).all():
        _with(table, org_id).late_results.append(title)

    for org_id, reviewed in db.session.execute(
        sa.select(OrgProfile.organisation_id, OrgProfile.reviewed_at).where(
            where(OrgProfile.organisation_id)
        )
    ).tuples():
        _with(table, org_id).profile_reviewed_at = reviewed

    for org_id, broken, checked_at in db.session.execute(
        sa.select(LinkCheck.organisation_id, LinkCheck.broken, LinkCheck.checked_at).where(
            where(LinkCheck.organisation_id)
        )
    ).tuples():
        standing = _with(table, org_id)
        standing.broken_links, standing.links_checked_at = broken, checked_at

    for org_id, title in db.session.execute(
        sa.select(Document.organisation_id, Document.title)
        .where(
            Document.id.in_(sa.select(WordHit.document_id)),
            Document.status == DocumentStatus.PUBLISHED,
            where(Document.organisation_id),
        )
        .order_by(Document.organisation_id, Document.id)
    ).tuples():
        _with(table, org_id).word_hits.append(title)

    for org_id, found in listing.problems(org_ids, today).items():
        _with(table, org_id).catalog = found

    reported = publication.published_for(today.year - 1, org_ids)
    for org_id, standing in table.items():
        standing.last_year_report = org_id in reported
    return table


def request_open() -> tuple[sa.ColumnElement[bool], ...]:
    """SQL: requests still being handled (not closed, not held back by the system)."""
    return (InfoRequest.status != RequestStatus.CLOSED, InfoRequest.quarantined.is_(False))


def count_if(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    # COUNT of a CASE without ELSE counts the rows where it holds, on SQLite and PostgreSQL.
    return sa.func.count(sa.case((condition, 1)))


def _most_serious_first(found: list[Alert]) -> list[Alert]:
    return sorted(found, key=lambda w: not w.severe)


# -- the warnings, worded -------------------------------------------------------------


def catalog_alerts(problems: list[listing.Problem]) -> list[Alert]:
    """The catalogue's empty columns (one warning naming them all: residents do not see
    them, and five or more blank columns is a veto item of the inspection) and each column
    not updated within its rule."""
    found = []
    empty = [p.name for p in problems if p.age is None]
    if empty:
        found.append(
            Alert(
                f"公开目录有 {len(empty)} 个空白栏目（已对居民隐藏；空白栏目达 5 个及以上为"
                f"检查指标单项否决项，请发布内容或删除栏目）：{'、'.join(empty)}",
                severe=len(empty) >= 5,
            )
        )
    found += [
        Alert(f"公开目录“{p.name}”已 {p.age} 天未更新（{p.rule}）", severe=True)
        for p in problems
        # a column of kinds the rules above judge already has its warning
        if p.age is not None and not (p.kinds and set(p.kinds) <= set(STALE_AFTER))
    ]
    return found


def annual_report_alerts(published: bool, today: date) -> list[Alert]:
    """From 1 January until last year's 政府信息公开工作年度报告 is published: due by
    31 January (条例 Art. 49), overdue after."""
    if published:
        return []
    deadline = date(today.year, 1, 31)
    late, when = today > deadline, f"{today.year} 年 1 月 31 日"
    text = f"{today.year - 1} 年政府信息公开工作年度报告尚未发布，" + (
        f"已超过法定期限（{when}，《政府信息公开条例》第四十九条）"
        if late
        else f"须在{when}前公布（还剩 {(deadline - today).days} 天）"
    )
    return [Alert(text, severe=late, link="admin.annual_reports")]


def word_alerts(titles: list[str]) -> list[Alert]:
    """Published documents in which a 错敏词 was found when they were last published or
    changed, or when the word was added to the list."""
    if not titles:
        return []
    shown = "、".join(f"《{title}》" for title in titles[:3])
    more = f"等 {len(titles)} 篇" if len(titles) > 3 else ""
    return [Alert(f"已发布的信息含错敏词：{shown}{more}，请核实修改", severe=True)]


def link_alerts(broken: int, checked_at: datetime | None) -> list[Alert]:
    """Dead links and missing attachments found by the last ``flask check links``."""
    if not broken or checked_at is None:
        return []
    return [
        Alert(
            f"{broken} 个链接或附件无法打开（{local_date(checked_at):%Y-%m-%d} 检查）",
            severe=True,
            link="admin.link_problems",
        )
    ]


def profile_alerts(reviewed_at: datetime | None, today: date) -> list[Alert]:
    """The 机构概况 (Art. 20(二)) when it was never checked, or not for six months."""
    if reviewed_at is None:
        return [Alert("机构概况（职能、内设机构、领导和联系方式）尚未核对")]
    if local_date(reviewed_at) < today - timedelta(days=PROFILE_REVIEW_DAYS):
        return [Alert(f"机构概况超过 6 个月未核对（上次核对：{local_date(reviewed_at):%Y-%m-%d}）")]
    return []


def stale_alerts(newest: dict[str, datetime], today: date) -> list[Alert]:
    """Columns whose newest published item is older than the rules allow (or that are empty)."""
    warnings = []
    for kind, limit in STALE_AFTER.items():
        label = REGISTRY[kind].label
        if kind not in newest:
            warnings.append(Alert(f"“{label}”栏目还没有发布任何信息", severe=True))
            continue
        age = (today - local_date(newest[kind])).days
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


def message_alerts(late: int, alarm: int) -> list[Alert]:
    """Messages past the office's target (overdue, as the inbox marks them), and those
    nearing the three-month veto."""
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


def result_alerts(late: list[str]) -> list[Alert]:
    """Consultations whose result is overdue (10 working days after closing)."""
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
    in it are counted on the statutory holidays alone. The whole platform's, not one
    organisation's."""
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


def mail_alerts(org_ids: Collection[int] | None = None) -> list[Alert]:
    """Mail to residents: a warning while no relay is configured (nothing is sent), and
    the mails given up after every retry."""
    backlog = queue.backlog(org_ids)
    found = []
    if not backlog.configured:
        waiting = f"，{backlog.queued} 封邮件待发送" if backlog.queued else ""
        found.append(
            Alert(f"未配置邮件服务器（PORTAL_SMTP_URL），不会向居民发送办理进度通知邮件{waiting}")
        )
    if backlog.failed:
        found.append(
            Alert(
                f"{backlog.failed} 封给居民的通知邮件多次发送失败、已停止重试，请检查邮件服务器",
                severe=True,
            )
        )
    return found


# -- totals over several organisations (the CLI, the tests) ---------------------------


def _total(today: date, org_ids: Collection[int] | None) -> list[Standing]:
    return list(standings(today, org_ids=org_ids, requests=False).values())


def unanswered_messages(today: date, org_ids: Collection[int] | None = None) -> list[Alert]:
    """The message warnings over the organisations ``org_ids`` (None: every one)."""
    found = _total(today, org_ids)
    return message_alerts(sum(s.late_messages for s in found), sum(s.alarm_messages for s in found))


def unpublished_results(today: date, org_ids: Collection[int] | None = None) -> list[Alert]:
    """The consultation-result warning over the organisations ``org_ids`` (None: every one)."""
    return result_alerts([title for s in _total(today, org_ids) for title in s.late_results])
