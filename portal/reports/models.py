"""Table 四 of the annual report: review and litigation figures, typed in by staff per year."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.columns import UTCDateTime
from portal.extensions import Model
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
