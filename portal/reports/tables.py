"""The annual report's three national tables as values: what each row says and holds.

Table 二 (主动公开政府信息情况, ``ActiveDisclosure``), Table 三 (收到和处理政府信息公开申请情况,
``RequestTable``) and Table 四 (政府信息公开行政复议、行政诉讼情况, ``ReviewTable``), worded as
the national template (国办公开办函〔2021〕30号) words them. Counting the records into them is
``counting``'s work; these types only lay the figures out in rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from portal.interaction.models import CHANNELS, ORGANISATION_TYPES, OUTCOMES
from portal.reports.models import REVIEW_GROUPS

#: Table 三's applicant columns (总计 follows them).
APPLICANT_COLUMNS: tuple[str, ...] = ("自然人", *ORGANISATION_TYPES)
OTHER_COLUMN = len(APPLICANT_COLUMNS) - 1

# Table 三 outcome groups: OUTCOMES key prefix -> the template's group label.
OUTCOME_GROUPS: tuple[tuple[str, str], ...] = (
    ("withheld", "（三）不予公开"),
    ("unavailable", "（四）无法提供"),
    ("rejected", "（五）不予处理"),
    ("other", "（六）其他处理"),
)
PARTLY_LABEL = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"


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
    #: 本年新收 by the way each request arrived (a key of ``CHANNELS``: 网络, 信函 …).
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def new_by_channel(self) -> list[tuple[str, int]]:
        """(channel, 本年新收) for every channel, in ``CHANNELS``' order."""
        return [(channel, self.channels.get(channel, 0)) for channel in CHANNELS]

    @classmethod
    def empty(cls) -> RequestTable:
        """A table of zeros (no request in reach of the year)."""
        keys = ("new", "carried_in", *OUTCOMES, "carried_out")
        return cls({key: [0] * len(APPLICANT_COLUMNS) for key in keys})

    def total(self, key: str) -> int:
        """A row's total across the applicant columns (``results_total`` sums the outcomes)."""
        if key == "results_total":
            return self.results_total[-1]
        return sum(self.counts[key])

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

    @property
    def review_total(self) -> int:
        """行政复议 总计."""
        return self.values["review"][-1]

    @property
    def litigation_total(self) -> int:
        """行政诉讼 总计 (未经复议直接起诉 and 复议后起诉)."""
        return sum(self.values[group][-1] for group, _ in REVIEW_GROUPS if group != "review")
