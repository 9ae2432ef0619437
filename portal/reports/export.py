"""The annual report as CSV (every table in its own section, UTF-8 with a BOM for Excel) and,
once published, as the Markdown body of its document."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

from portal.reports.annual import APPLICANT_COLUMNS, AnnualReport
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS, DisclosureReport
from portal.timeutil import to_local

BOM = "\ufeff"


def _stamp(report: AnnualReport) -> str:
    return to_local(report.generated_at).strftime("%Y-%m-%d %H:%M")


def report_csv(
    report: AnnualReport, org_name: str, published: DisclosureReport | None = None
) -> str:
    """The whole report as CSV text, starting with a byte-order mark; a ``published``
    report's frozen figures say so, and add 六's 信息处理费."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow([f"{org_name}{report.year}年政府信息公开工作年度报告（统计数据）"])
    if published is not None and published.published_at is not None:
        w.writerow(
            [
                f"已于 {to_local(published.published_at):%Y-%m-%d} 发布；统计数据生成于 "
                f"{_stamp(report)}（北京时间），发布时固定，此后记录的变化不影响本表"
            ]
        )
    else:
        w.writerow([f"根据门户网站记录生成于 {_stamp(report)}（北京时间）"])
    w.writerow([])

    w.writerow(["一、总体情况"])
    w.writerow([report.summary.sentence])
    w.writerow([report.summary.enforcement_sentence])
    w.writerow([])

    w.writerow(["二、主动公开政府信息情况"])
    for block in report.active.blocks:
        w.writerow([block.heading])
        w.writerow(block.columns)
        for row in block.rows:
            w.writerow([row.label, *(row.values or ())])
    w.writerow([])

    w.writerow(["三、收到和处理政府信息公开申请情况"])
    w.writerow(["本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和"])
    organisations = [f"法人或其他组织：{name}" for name in APPLICANT_COLUMNS[1:]]
    w.writerow(["申请人情况", APPLICANT_COLUMNS[0], *organisations, "总计"])
    for row in report.requests.rows:
        w.writerow([row.label, *(row.values or ())])
    w.writerow([])

    w.writerow(["四、政府信息公开行政复议、行政诉讼情况"])
    w.writerow(
        [
            f"{group_label}：{label}"
            for _, group_label in _review_groups()
            for label in (*(label for _, label in REVIEW_RESULTS), "总计")
        ]
    )
    w.writerow(report.review.cells)
    if not report.review.entered:
        w.writerow(["本年度数据尚未填报，暂以 0 显示"])
    w.writerow([])

    if published is not None:
        w.writerow(["六、其他需要报告的事项"])
        w.writerow(["发出收费通知件数", published.fee_notices or 0])
        w.writerow(["收费通知总金额（元）", published.fee_notified or "0.00"])
        w.writerow(["实际收取总金额（元）", published.fee_collected or "0.00"])
        w.writerow([])

    w.writerow(["说明"])
    for note in report.notes:
        w.writerow([note])
    return BOM + out.getvalue()


def _table(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    """A Markdown table (cells never hold a ``|``: labels and numbers only)."""
    head = [str(cell) for cell in header]
    # labels on the left, figures on the right
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def report_markdown(report: AnnualReport, written: DisclosureReport) -> str:
    """The whole report, in the national format's six parts, as a document's Markdown body:
    the parts staff wrote and the tables as ``report`` counted them."""
    parts = ["## 一、总体情况", written.overview.strip(), "## 二、主动公开政府信息情况"]
    for block in report.active.blocks:
        parts.append(f"**{block.heading}**")
        rows = ([row.label, *(row.values or ())] for row in block.rows)
        parts.append(_table(block.columns, rows))
    parts.append("## 三、收到和处理政府信息公开申请情况")
    parts.append("本表数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和。")
    columns = [APPLICANT_COLUMNS[0], *(f"法人或其他组织：{c}" for c in APPLICANT_COLUMNS[1:])]
    width = len(columns) + 1
    parts.append(
        _table(
            ["申请人情况", *columns, "总计"],
            ([row.label, *(row.values or [""] * width)] for row in report.requests.rows),
        )
    )
    parts.append("## 四、政府信息公开行政复议、行政诉讼情况")
    if not report.review.entered:
        parts.append("本年度数据未填报，表中以 0 显示。")
    parts.append(
        _table(
            ["类别", *(label for _, label in REVIEW_RESULTS), "总计"],
            ([label, *report.review.values[key]] for key, label in _review_groups()),
        )
    )
    parts += ["## 五、存在的主要问题及改进情况", written.problems.strip()]
    parts += ["## 六、其他需要报告的事项", written.fee_sentence]
    if written.other.strip():
        parts.append(written.other.strip())
    parts.append("### 统计说明")
    parts.append(
        f"表二至表四和总体情况中的统计数据由门户网站根据自身记录生成于 {_stamp(report)}"
        "（北京时间），报告发布时固定。"
    )
    parts.append("\n".join(f"{n}. {note}" for n, note in enumerate(report.notes, 1)))
    return "\n\n".join(part for part in parts if part) + "\n"


def _review_groups() -> list[tuple[str, str]]:
    """Table 四's groups with the litigation ones named in full (行政诉讼·…)."""
    return [
        (key, label if key == "review" else f"行政诉讼·{label}") for key, label in REVIEW_GROUPS
    ]


def csv_download(body: str, org_code: str | None, year: int, suffix: str = "") -> Response:
    """``body`` (from ``report_csv``) as a file to save: ``annual-report[-ORG]-YEAR[-suffix].csv``
    (the organisation's code only for an organisation other than the home one)."""
    name = "-".join(str(p) for p in ("annual-report", org_code, year, suffix) if p)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )
