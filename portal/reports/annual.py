"""The annual report on government-information disclosure, computed from the portal's records.

The tables follow the national format (国办公开办函〔2021〕30号): 二、主动公开政府信息情况,
三、收到和处理政府信息公开申请情况, 四、政府信息公开行政复议、行政诉讼情况, and the
report's 一、总体情况 opens with the portal's own line (as in 八(四) of the office's 2024
report on law-based government). Every figure is a bounded number of SQL aggregates; only
the year's requests and messages are read row by row, to judge each answer against its
working-day deadline.

Counting rules (repeated in ``NOTES`` for readers):

- Documents count in the year they were published (Asia/Shanghai) and only while they are
  published, so each figure matches the kind's list page filtered by that year.
- A request belongs to the year it was received; quarantined submissions never count.
  办理结果 counts requests closed in the year, whenever received; 上年结转 are requests
  received before the year and still open when it began; 结转下年度 are requests received by
  the year's end and still open at its end. Hence, per column,
  本年新收 + 上年结转 = 办理结果总计 + 结转下年度.
- Answers are judged as of now: a request is on time if closed by its due date (which
  already includes an extension and excludes consultation time; one closed while waiting
  for its 补正 is never late, nor is one still waiting overdue), a message if answered by
  its due day — the rules of ``interaction.deadlines``, as the inbox and dashboard apply them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.documents import content_types
from portal.documents.models import Document, DocumentRevision
from portal.extensions import db
from portal.interaction import deadlines
from portal.interaction.models import ORGANISATION_TYPES, OUTCOMES, InfoRequest, Message
from portal.reports.figures import review_figures
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS
from portal.states import DocumentStatus
from portal.timeutil import local_date, utcnow, year_bounds_utc

#: Table 三's applicant columns (总计 follows them).
APPLICANT_COLUMNS: tuple[str, ...] = ("自然人", *ORGANISATION_TYPES)
OTHER_COLUMN = len(APPLICANT_COLUMNS) - 1

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

# Table 三 outcome groups: OUTCOMES key prefix -> the template's group label.
OUTCOME_GROUPS: tuple[tuple[str, str], ...] = (
    ("withheld", "（三）不予公开"),
    ("unavailable", "（四）无法提供"),
    ("rejected", "（五）不予处理"),
    ("other", "（六）其他处理"),
)
PARTLY_LABEL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"

NOTES: tuple[str, ...] = (
    "主动公开的信息按发布日期（北京时间）计入年度，只统计目前处于发布状态的信息（已撤回的不计），"
    "与各栏目按年份筛选的条数一致；“等共N条”为所列各项之和。执法公示含行政处罚、行政检查和“双随机、一公开”三类，"
    "其中“双随机、一公开”也列入上一行的门户网站公布信息。",
    "规章：街道办事处没有规章制定权，规章各项均为 0。本门户的政策文件全部计入行政规范性文件一行："
    "“本年制发件数”按成文日期计；“现行有效件数”为成文日期不晚于本年 12 月 31 日、"
    "目前有效性为“有效”的政策文件；“本年废止件数”为有效性在本年内由其他状态改为“废止”的政策文件，"
    "以信息的修改记录为准（录入时即标为废止、没有修改记录的不计入）。",
    "行政处罚按执法公示中行政处罚决定的作出日期计入年度。本门户没有行政许可、行政强制决定和"
    "行政事业性收费的记录，相应各项为 0。",
    "政府信息公开申请按收到日期（北京时间）计入年度，系统拦截的异常提交不计。"
    "“本年度办理结果”统计本年内办结的申请（含上年结转的）；“上年结转”为本年以前收到、"
    "本年开始时尚未办结的申请；“结转下年度继续办理”为截至本年 12 月 31 日仍未办结的申请。"
    "各“小计”行为本门户为便于核对所加。",
    "答复情况截至报告生成时：依申请公开以答复期限（含依法延长的期限，不含征求第三方意见的时间）"
    "为准，等待申请人补正或征求第三方意见期间不计为超期，申请人未补正而办结的不计为超期答复；"
    "网友留言以收到后 5 个工作日内答复为准。",
)


# -- result types ---------------------------------------------------------------------


@dataclass(frozen=True)
class TableRow:
    """One row of a table: its label as the template words it, and its values."""

    key: str
    label: str
    values: tuple[int | str, ...] | None  # None: a heading row without figures
    style: str = "item"  # section | item | group | reason | subtotal | total


@dataclass(frozen=True)
class TableBlock:
    """One block of Table 二: a 第二十条 heading, its column labels and rows."""

    heading: str
    columns: tuple[str, ...]
    rows: tuple[TableRow, ...]


@dataclass(frozen=True)
class ActiveDisclosure:
    """Table 二 (主动公开政府信息情况)."""

    normative_issued: int
    normative_abolished: int
    normative_in_force: int
    penalties: int
    rules_issued: int = 0
    rules_abolished: int = 0
    rules_in_force: int = 0
    licences: int = 0
    coercions: int = 0
    fees: str = "0"  # 万元

    @property
    def blocks(self) -> tuple[TableBlock, ...]:
        decisions = ("信息内容", "本年处理决定数量")
        return (
            TableBlock(
                "第二十条第（一）项",
                ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
                (
                    TableRow(
                        "rules",
                        "规章",
                        (self.rules_issued, self.rules_abolished, self.rules_in_force),
                    ),
                    TableRow(
                        "normative",
                        "行政规范性文件",
                        (self.normative_issued, self.normative_abolished, self.normative_in_force),
                    ),
                ),
            ),
            TableBlock(
                "第二十条第（五）项",
                decisions,
                (TableRow("licences", "行政许可", (self.licences,)),),
            ),
            TableBlock(
                "第二十条第（六）项",
                decisions,
                (
                    TableRow("penalties", "行政处罚", (self.penalties,)),
                    TableRow("coercions", "行政强制", (self.coercions,)),
                ),
            ),
            TableBlock(
                "第二十条第（八）项",
                ("信息内容", "本年收费金额（单位：万元）"),
                (TableRow("fees", "行政事业性收费", (self.fees,)),),
            ),
        )


@dataclass
class RequestTable:
    """Table 三: counts per row key (``new``, ``carried_in``, OUTCOMES keys, ``carried_out``),
    each a list with one number per applicant column."""

    counts: dict[str, list[int]]

    def cells(self, key: str) -> tuple[int, ...]:
        """The row's numbers per applicant column, then the total."""
        values = self.counts[key]
        return (*values, sum(values))

    def sum_of(self, keys: Iterable[str]) -> tuple[int, ...]:
        keys = list(keys)
        columns = [sum(self.counts[k][i] for k in keys) for i in range(len(APPLICANT_COLUMNS))]
        return (*columns, sum(columns))

    @property
    def results_total(self) -> tuple[int, ...]:
        return self.sum_of(OUTCOMES)

    @property
    def reconciles(self) -> bool:
        """本年新收 + 上年结转 = 办理结果总计 + 结转下年度, in every column."""
        incoming = self.sum_of(["new", "carried_in"])
        outgoing = self.sum_of([*OUTCOMES, "carried_out"])
        return incoming == outgoing

    @property
    def rows(self) -> list[TableRow]:
        rows = [
            TableRow("new", "一、本年新收政府信息公开申请数量", self.cells("new"), "section"),
            TableRow(
                "carried_in",
                "二、上年结转政府信息公开申请数量",
                self.cells("carried_in"),
                "section",
            ),
            TableRow("results", "三、本年度办理结果", None, "section"),
            TableRow("disclosed", "（一）予以公开", self.cells("disclosed")),
            TableRow("partly", PARTLY_LABEL, self.cells("partly")),
        ]
        for prefix, group_label in OUTCOME_GROUPS:
            keys = [key for key in OUTCOMES if key.startswith(prefix + ".")]
            rows.append(TableRow(prefix, group_label, None, "group"))
            for number, key in enumerate(keys, 1):
                reason = OUTCOMES[key].split("：", 1)[1]
                rows.append(TableRow(key, f"{number}.{reason}", self.cells(key), "reason"))
            rows.append(
                TableRow(f"{prefix}.subtotal", f"{group_label} 小计", self.sum_of(keys), "subtotal")
            )
        rows += [
            TableRow("results_total", "（七）总计", self.results_total, "total"),
            TableRow("carried_out", "四、结转下年度继续办理", self.cells("carried_out"), "section"),
        ]
        return rows


@dataclass(frozen=True)
class ReviewTable:
    """Table 四: per group (行政复议, 未经复议直接起诉, 复议后起诉) its four results and total."""

    values: dict[str, tuple[int, ...]]
    entered: bool
    updated_at: datetime | None = None

    @property
    def cells(self) -> tuple[int, ...]:
        return tuple(n for group, _ in REVIEW_GROUPS for n in self.values[group])


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
        return (
            f"{self.opening}街道门户网公布{listed}等共{self.total}条；{received}{self._replies()}。"
        )

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


@dataclass(frozen=True)
class AnnualReport:
    year: int
    generated_at: datetime
    summary: PortalSummary
    active: ActiveDisclosure
    requests: RequestTable
    review: ReviewTable
    notes: tuple[str, ...] = field(default=NOTES)


# -- computing it ---------------------------------------------------------------------


def build(year: int) -> AnnualReport:
    """Compute ``year``'s annual report from the records (the caller checks the year)."""
    now = utcnow()
    today = local_date(now)
    return AnnualReport(
        year=year,
        generated_at=now,
        summary=_summary(year, today),
        active=_active(year),
        requests=_requests(year),
        review=_review(year),
    )


def _published_in(year: int) -> list[sa.ColumnElement[bool]]:
    start, end = year_bounds_utc(year)
    return [
        Document.status == DocumentStatus.PUBLISHED,
        Document.published_at >= start,
        Document.published_at < end,
    ]


def _tally(key: sa.ColumnElement[int], condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows meet ``condition`` (COUNT of a CASE: no literal parameters to type)."""
    return sa.func.count(sa.case((condition, key)))


def _extra(name: str) -> sa.ColumnElement[str]:
    return Document.extra[name].as_string()


def _in_year(column: sa.ColumnElement[str], year: int) -> sa.ColumnElement[bool]:
    """An ISO date string (``extra`` field) falls in ``year``."""
    return sa.and_(column >= f"{year}-01-01", column <= f"{year}-12-31")


def _summary(year: int, today: date) -> PortalSummary:
    subtype = sa.case((Document.kind == "enforcement", _extra("subtype")), else_=None)
    # Grouped in an outer query: PostgreSQL does not match a GROUP BY expression carrying
    # bound parameters to the same expression in the select list.
    published = (
        sa.select(Document.kind.label("kind"), subtype.label("subtype"))
        .where(*_published_in(year))
        .subquery()
    )
    counts = {
        (kind, sub): n
        for kind, sub, n in db.session.execute(
            sa.select(published.c.kind, published.c.subtype, sa.func.count()).group_by(
                published.c.kind, published.c.subtype
            )
        )
    }
    listed = {kind for _, kind, _ in PORTAL_ITEMS}
    items = (
        *((label, _count_kind(counts, kind, sub)) for label, kind, sub in PORTAL_ITEMS),
        # A kind added to the registry later joins the line after the eight above.
        *(
            (ct.label, _count_kind(counts, name, None))
            for name, ct in content_types.REGISTRY.items()
            if name not in listed
        ),
    )
    enforcement = tuple(
        (label, counts.get(("enforcement", sub), 0)) for label, sub in ENFORCEMENT_ITEMS
    )
    return PortalSummary(
        year=year,
        current=year == today.year,
        items=items,
        enforcement=enforcement,
        requests=_request_replies(year, today),
        messages=_message_replies(year, today),
    )


def _count_kind(counts: dict[tuple[str, str | None], int], kind: str, sub: str | None) -> int:
    if sub is not None:
        return counts.get((kind, sub), 0)
    return sum(n for (k, _), n in counts.items() if k == kind)


def _request_replies(year: int, today: date) -> ReplyStats:
    start, end = year_bounds_utc(year)
    rows = db.session.scalars(
        sa.select(InfoRequest)
        .options(selectinload(InfoRequest.events))
        .where(
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


def _message_replies(year: int, today: date) -> ReplyStats:
    start, end = year_bounds_utc(year)
    rows = db.session.execute(
        sa.select(Message.received_at, Message.replied_at).where(
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


def _active(year: int) -> ActiveDisclosure:
    issued, validity = _extra("issued_on"), _extra("validity")
    issued_count, in_force = db.session.execute(
        sa.select(
            _tally(Document.id, _in_year(issued, year)),
            _tally(Document.id, sa.and_(issued <= f"{year}-12-31", validity == "有效")),
        ).where(Document.kind == "policy", Document.status == DocumentStatus.PUBLISHED)
    ).one()
    penalties = db.session.scalar(
        sa.select(sa.func.count(Document.id)).where(
            Document.kind == "enforcement",
            Document.status == DocumentStatus.PUBLISHED,
            _extra("subtype") == "行政处罚",
            _in_year(_extra("decided_on"), year),
        )
    )
    return ActiveDisclosure(
        normative_issued=issued_count,
        normative_abolished=_abolished(year),
        normative_in_force=in_force,
        penalties=penalties or 0,
    )


def _abolished(year: int) -> int:
    """Published policies now 废止 whose revision history changed them to 废止 in ``year``."""
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
            Document.kind == "policy",
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


def _column(applicant_type: str, organisation_type: str | None) -> int:
    if applicant_type == "person":
        return 0
    if organisation_type in ORGANISATION_TYPES:
        return APPLICANT_COLUMNS.index(organisation_type)
    return OTHER_COLUMN


def _requests(year: int) -> RequestTable:
    start, end = year_bounds_utc(year)
    received, closed = InfoRequest.received_at, InfoRequest.closed_at

    def tally(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return _tally(InfoRequest.id, condition)

    rows = db.session.execute(
        sa.select(
            InfoRequest.applicant_type,
            InfoRequest.organisation_type,
            InfoRequest.outcome,
            tally(received >= start),
            tally(sa.and_(received < start, sa.or_(closed.is_(None), closed >= start))),
            tally(sa.and_(closed >= start, closed < end)),
            tally(sa.or_(closed.is_(None), closed >= end)),
        )
        .where(InfoRequest.quarantined.is_(False), received < end)
        .group_by(InfoRequest.applicant_type, InfoRequest.organisation_type, InfoRequest.outcome)
    ).all()
    counts = {key: [0] * len(APPLICANT_COLUMNS) for key in ("new", "carried_in", *OUTCOMES)}
    counts["carried_out"] = [0] * len(APPLICANT_COLUMNS)
    for applicant, organisation, outcome, new, carried_in, done, carried_out in rows:
        column = _column(applicant, organisation)
        counts["new"][column] += new
        counts["carried_in"][column] += carried_in
        # A closed request always has an outcome; were one missing it still counts (as 其他).
        counts[outcome if outcome in OUTCOMES else "other.other"][column] += done
        counts["carried_out"][column] += carried_out
    return RequestTable(counts)


def _review(year: int) -> ReviewTable:
    row = review_figures(year)
    entered = row.values() if row is not None else {}
    values = {}
    for group, _ in REVIEW_GROUPS:
        numbers = tuple(entered.get(f"{group}_{result}", 0) for result, _ in REVIEW_RESULTS)
        values[group] = (*numbers, sum(numbers))
    return ReviewTable(values, entered=row is not None, updated_at=row.updated_at if row else None)
