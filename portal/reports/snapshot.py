"""A published report's figures, frozen: the computed report as JSON and back, and the
figures where today's count differs from what was published.

``freeze`` keeps everything the report's pages, CSV and document are made of (the portal's
line with its counts, Tables 二, 三 and 四, the notes), so ``thaw`` gives back an
``AnnualReport`` that renders exactly as it did the day it was published, whatever happens
to the records afterwards. ``figures`` lists every number of a report under the label a
reader finds it by; ``differences`` compares two reports figure by figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from portal.reports.annual import AnnualReport
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS
from portal.reports.summary import PortalSummary, ReplyStats
from portal.reports.tables import APPLICANT_COLUMNS, ActiveDisclosure, RequestTable, ReviewTable

#: Bumped if the stored shape ever changes, so an old snapshot can still be read.
VERSION = 1

_REPLIES = (
    ("received", "受理"),
    ("answered", "已答复"),
    ("late", "超期答复"),
    ("pending", "正在办理"),
    ("overdue", "正在办理且已超过答复期限"),
)


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def freeze(report: AnnualReport) -> dict[str, Any]:
    """``report`` as plain JSON values."""
    summary = report.summary
    return {
        "version": VERSION,
        "year": report.year,
        "generated_at": _moment(report.generated_at),
        "summary": {
            "current": summary.current,
            "items": [list(item) for item in summary.items],
            "enforcement": [list(item) for item in summary.enforcement],
            "requests": asdict(summary.requests),
            "messages": asdict(summary.messages),
            "venue": summary.venue,
        },
        "active": asdict(report.active),
        "requests": {key: list(values) for key, values in report.requests.counts.items()},
        "channels": dict(report.requests.channels),
        "review": {
            "values": {group: list(values) for group, values in report.review.values.items()},
            "entered": report.review.entered,
            "updated_at": _moment(report.review.updated_at),
        },
        "notes": list(report.notes),
    }


def thaw(data: dict[str, Any], org_id: int) -> AnnualReport:
    """The report ``freeze`` made ``data`` of."""
    year = data["year"]
    summary = data["summary"]
    review = data["review"]
    active_names = {f.name for f in fields(ActiveDisclosure)}
    return AnnualReport(
        year=year,
        org_id=org_id,
        generated_at=_parse(data["generated_at"]) or datetime.min,
        summary=PortalSummary(
            year=year,
            current=summary["current"],
            items=tuple((label, n) for label, n in summary["items"]),
            enforcement=tuple((label, n) for label, n in summary["enforcement"]),
            requests=ReplyStats(**summary["requests"]),
            messages=ReplyStats(**summary["messages"]),
            venue=summary["venue"],
        ),
        active=ActiveDisclosure(
            **{name: value for name, value in data["active"].items() if name in active_names}
        ),
        requests=RequestTable(
            {key: list(values) for key, values in data["requests"].items()},
            channels=dict(data.get("channels", {})),
        ),
        review=ReviewTable(
            {group: tuple(values) for group, values in review["values"].items()},
            entered=review["entered"],
            updated_at=_parse(review["updated_at"]),
        ),
        notes=tuple(data["notes"]),
    )


@dataclass(frozen=True)
class Figure:
    """One number of the report, where a reader finds it: the part and the row · column."""

    part: str
    label: str
    value: int | str


@dataclass(frozen=True)
class Difference:
    """A figure counted differently today than when the report was published."""

    part: str
    label: str
    published: int | str
    current: int | str


def figures(report: AnnualReport) -> dict[str, Figure]:
    """Every figure of ``report`` by a stable key, in reading order."""
    found: dict[str, Figure] = {}
    part = "一、总体情况"
    for label, n in report.summary.items:
        found[f"items:{label}"] = Figure(part, f"门户网站公布{label}", n)
    for label, n in report.summary.enforcement:
        found[f"enforcement:{label}"] = Figure(part, f"执法公示·{label}", n)
    replies = (("依申请公开", report.summary.requests), ("网友留言", report.summary.messages))
    for name, stats in replies:
        for attr, label in _REPLIES:
            found[f"{name}:{attr}"] = Figure(part, f"{name}·{label}", getattr(stats, attr))

    part = "二、主动公开政府信息情况"
    for block in report.active.blocks:
        for row in block.rows:
            for column, value in zip(block.columns[1:], row.values or (), strict=True):
                found[f"active:{row.key}:{column}"] = Figure(part, f"{row.label}·{column}", value)

    part = "三、收到和处理政府信息公开申请情况"
    columns = (*APPLICANT_COLUMNS, "总计")
    for row in report.requests.rows:
        if row.values is None:  # a heading row
            continue
        for column, value in zip(columns, row.values, strict=True):
            found[f"requests:{row.key}:{column}"] = Figure(part, f"{row.label}·{column}", value)
    for channel, count in report.requests.new_by_channel:
        found[f"channels:{channel}"] = Figure(part, f"本年新收·{channel}", count)

    part = "四、政府信息公开行政复议、行政诉讼情况"
    results = (*(label for _, label in REVIEW_RESULTS), "总计")
    for group, group_label in REVIEW_GROUPS:
        named = group_label if group == "review" else f"行政诉讼·{group_label}"
        for result, value in zip(results, report.review.values[group], strict=True):
            found[f"review:{group}:{result}"] = Figure(part, f"{named}·{result}", value)
    return found


def differences(published: AnnualReport, current: AnnualReport) -> list[Difference]:
    """The figures of ``current`` that differ from ``published`` (a figure only one of them
    has counts as 0 in the other), in reading order."""
    then, now = figures(published), figures(current)
    keys = list(now) + [key for key in then if key not in now]
    found = []
    for key in keys:
        old, new = then.get(key), now.get(key)
        shown = old or new
        assert shown is not None
        before = old.value if old else 0
        after = new.value if new else 0
        if str(before) != str(after):
            found.append(Difference(shown.part, shown.label, before, after))
    return found
