"""The annual report as CSV: every table in its own section, UTF-8 with a BOM for Excel."""

from __future__ import annotations

import csv
import io

from portal.reports.annual import APPLICANT_COLUMNS, AnnualReport
from portal.reports.models import REVIEW_GROUPS, REVIEW_RESULTS
from portal.timeutil import to_local

BOM = "\ufeff"


def report_csv(report: AnnualReport, org_name: str) -> str:
    """The whole report as CSV text, starting with a byte-order mark."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    generated = to_local(report.generated_at).strftime("%Y-%m-%d %H:%M")
    w.writerow([f"{org_name}{report.year}年政府信息公开工作年度报告（统计数据）"])
    w.writerow([f"根据门户网站记录生成于 {generated}（北京时间）"])
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

    w.writerow(["说明"])
    for note in report.notes:
        w.writerow([note])
    return BOM + out.getvalue()


def _review_groups() -> list[tuple[str, str]]:
    """Table 四's groups with the litigation ones named in full (行政诉讼·…)."""
    return [
        (key, label if key == "review" else f"行政诉讼·{label}") for key, label in REVIEW_GROUPS
    ]
