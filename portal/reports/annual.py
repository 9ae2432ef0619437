"""The annual report on government-information disclosure, computed from the portal's records.

The tables follow the national format (国办公开办函〔2021〕30号): 二、主动公开政府信息情况,
三、收到和处理政府信息公开申请情况, 四、政府信息公开行政复议、行政诉讼情况, and the
report's 一、总体情况 opens with the portal's own line (as in 八(四) of the office's 2024
report on law-based government). Every figure is a bounded number of SQL aggregates; only
the year's requests and messages are read row by row, to judge each answer against its
working-day deadline.

Each organisation (行政机关) publishes its own report: every figure counts that
organisation's records only, and Table 三's carry-over and reconciliation hold per
organisation. This module puts the report together (``build``) with its notes for
readers; the tables are laid out in ``tables`` and counted in ``counting``, the portal's
line in ``summary``; ``platform`` sums the organisations' key figures.

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

from dataclasses import dataclass, field
from datetime import datetime

from portal.orgs import directory
from portal.orgs.models import OrgKind
from portal.reports.counting import active_disclosure, request_table, review_table
from portal.reports.summary import PortalSummary, ReplyStats, portal_summary
from portal.reports.tables import APPLICANT_COLUMNS, ActiveDisclosure, RequestTable, ReviewTable
from portal.timeutil import local_date, utcnow

#: The report and the parts its pages, CSV export and tests read.
__all__ = [
    "APPLICANT_COLUMNS",
    "NOTES",
    "ActiveDisclosure",
    "AnnualReport",
    "PortalSummary",
    "ReplyStats",
    "RequestTable",
    "ReviewTable",
    "build",
    "notes_for",
    "venue_of",
]

_RULES_STREET = "规章：街道办事处没有规章制定权，规章各项均为 0。"
_RULES_OTHER = "规章：本门户没有规章的记录，规章各项均为 0。"

NOTES: tuple[str, ...] = (
    "主动公开的信息按发布日期（北京时间）计入年度，只统计目前处于发布状态的信息（已撤回的不计），"
    "与各栏目按年份筛选的条数一致；“等共N条”为所列各项之和。执法公示含行政处罚、行政检查和“双随机、一公开”三类，"
    "其中“双随机、一公开”也列入上一行的门户网站公布信息。",
    f"{_RULES_STREET}行政规范性文件一行只统计标为“行政规范性文件”的政策文件"
    "（内部工作制度、工作方案等不计入）：“本年制发件数”按成文日期计；"
    "“现行有效件数”为成文日期不晚于本年 12 月 31 日、目前有效性为“有效”的文件；"
    "“本年废止件数”为有效性在本年内由其他状态改为“废止”的文件，"
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


@dataclass(frozen=True)
class AnnualReport:
    """A year's report: the portal's line and Tables 二, 三 and 四, as of ``generated_at``."""

    year: int
    org_id: int
    generated_at: datetime
    summary: PortalSummary
    active: ActiveDisclosure
    requests: RequestTable
    review: ReviewTable
    notes: tuple[str, ...] = field(default=NOTES)


def build(year: int, org_id: int) -> AnnualReport:
    """Compute organisation ``org_id``'s report for ``year`` from its records (the caller
    checks the year)."""
    now = utcnow()
    org = directory.get(org_id)
    return AnnualReport(
        year=year,
        org_id=org_id,
        generated_at=now,
        summary=portal_summary(year, local_date(now), org_id, venue=venue_of(org)),
        active=active_disclosure(year, org_id),
        requests=request_table(year, org_id),
        review=review_table(year, org_id),
        notes=notes_for(org),
    )


def venue_of(org: directory.Org) -> str:
    """Where ``org`` publishes, as the report's first line says it: its own site (a
    one-office installation, as today) or its 专栏 on the platform."""
    if directory.is_platform():
        return f"门户网站{org.short_name}专栏"
    return "街道门户网" if org.kind == OrgKind.STREET else "门户网站"


def notes_for(org: directory.Org) -> tuple[str, ...]:
    """The counting notes; only a 街道办事处 says why it has no 规章."""
    if org.kind == OrgKind.STREET:
        return NOTES
    return tuple(note.replace(_RULES_STREET, _RULES_OTHER) for note in NOTES)
