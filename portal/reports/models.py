"""What staff keep of the annual report: Table 四's review and litigation figures, and the
report itself as written, reviewed and published (its texts and its frozen figures)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
from portal.states import ReportStatus, status_type
from portal.timeutil import utcnow

# Column groups and result columns exactly as Table 四 of 国办公开办函〔2021〕30号 words them.
REVIEW_GROUPS: tuple[tuple[str, str], ...] = (
    ("review", "行政复议"),
    ("suit_direct", "未经复议直接起诉"),
    ("suit_after_review", "复议后起诉"),
)
REVIEW_RESULTS: tuple[tuple[str, str], ...] = (
    ("upheld", "结果维持"),
    ("corrected", "结果纠正"),
    ("other", "其他结果"),
    ("pending", "尚未审结"),
)
#: Every figure staff enter, as column name -> Chinese label (总计 is computed, not entered).
REVIEW_FIELDS: dict[str, str] = {
    f"{group}_{result}": f"{group_label}·{result_label}"
    for group, group_label in REVIEW_GROUPS
    for result, result_label in REVIEW_RESULTS
}


class ReviewLitigationFigures(Model):
    """One year's 行政复议 / 行政诉讼 figures of one organisation (a row per organisation and
    year)."""

    __tablename__ = "review_litigation_figures"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "year", name="uq_review_org_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    year: Mapped[int]
    review_upheld: Mapped[int] = mapped_column(default=0)
    review_corrected: Mapped[int] = mapped_column(default=0)
    review_other: Mapped[int] = mapped_column(default=0)
    review_pending: Mapped[int] = mapped_column(default=0)
    suit_direct_upheld: Mapped[int] = mapped_column(default=0)
    suit_direct_corrected: Mapped[int] = mapped_column(default=0)
    suit_direct_other: Mapped[int] = mapped_column(default=0)
    suit_direct_pending: Mapped[int] = mapped_column(default=0)
    suit_after_review_upheld: Mapped[int] = mapped_column(default=0)
    suit_after_review_corrected: Mapped[int] = mapped_column(default=0)
    suit_after_review_other: Mapped[int] = mapped_column(default=0)
    suit_after_review_pending: Mapped[int] = mapped_column(default=0)
    updated_by: Mapped[str] = mapped_column(sa.String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ReviewLitigationFigures {self.year}>"

    def values(self) -> dict[str, int]:
        """The twelve entered figures, keyed as ``REVIEW_FIELDS``."""
        return {name: getattr(self, name) for name in REVIEW_FIELDS}


class DisclosureReport(Model):
    """One organisation's 政府信息公开工作年度报告 of one year: the texts staff write
    (一、总体情况, 五、存在的主要问题及改进情况, 六、其他需要报告的事项 with the 信息处理费
    charged), who wrote, submitted and published it, and — once published — every computed
    figure as it stood then (``snapshot``) and the ``report`` document it was filed as.

    Written only by ``reports.publication``; a published row never changes again.
    """

    __tablename__ = "disclosure_report"
    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "year", name="uq_disclosure_report_org_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    year: Mapped[int]
    status: Mapped[ReportStatus] = mapped_column(
        status_type(ReportStatus, "report_status"), default=ReportStatus.DRAFT
    )
    overview: Mapped[str] = mapped_column(sa.Text, default="")  # 一、总体情况
    problems: Mapped[str] = mapped_column(sa.Text, default="")  # 五、存在的主要问题及改进情况
    other: Mapped[str] = mapped_column(sa.Text, default="")  # 六、其他需要报告的事项
    # 信息处理费 (国办函〔2020〕109号): notices sent, their total and what was collected (元)
    fee_notices: Mapped[int | None] = mapped_column()
    fee_notified: Mapped[str | None] = mapped_column(sa.String(20))
    fee_collected: Mapped[str | None] = mapped_column(sa.String(20))
    updated_by: Mapped[str] = mapped_column(sa.String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(sa.String(100))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_note: Mapped[str | None] = mapped_column(sa.Text)  # why a reviewer sent it back
    published_by: Mapped[str | None] = mapped_column(sa.String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    document_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("document.id", ondelete="SET NULL")
    )

    def __repr__(self) -> str:
        return f"<DisclosureReport {self.organisation_id}/{self.year} {self.status}>"

    @property
    def fee_sentence(self) -> str:
        """六's statement of the 信息处理费, as the national format asks for it: notices
        sent and their total, and what was actually collected."""
        if not self.fee_notices:
            return "本年度没有发出信息处理费收费通知，未收取信息处理费。"
        notified, collected = self.fee_notified or "0.00", self.fee_collected or "0.00"
        return (
            f"本年度依据《政府信息公开信息处理费管理办法》发出收费通知{self.fee_notices}件，"
            f"总金额{notified}元，实际收取总金额{collected}元。"
        )
