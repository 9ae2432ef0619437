"""Writing, reviewing and publishing an organisation's annual disclosure report.

Staff write three parts of the national format (国办公开办函〔2021〕30号) — 一、总体情况,
五、存在的主要问题及改进情况 and 六、其他需要报告的事项 with the 信息处理费 charged — while
Tables 二, 三 and 四 are counted from the records. A writer of the organisation's documents
saves the draft and sends it to review; a reviewer of that organisation who neither sent it
nor last changed it publishes it, or sends it back. Publishing freezes every computed
figure in the report's row (``snapshot``) and files the whole report as a ``report``
document through the publishing service, in one unit of work: both or neither. Every step
is audited; nothing changes a published report.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.auth.actor import Actor, Permission, require
from portal.database import unit_of_work
from portal.documents import content_types, publishing, wordcheck
from portal.documents.models import Document
from portal.errors import InvalidTransition, NotAuthorized, NotFound, ValidationError
from portal.extensions import db
from portal.orgs import directory
from portal.reports import annual, export, snapshot
from portal.reports.figures import review_figures, valid_year
from portal.reports.models import DisclosureReport
from portal.reports.tables import OUTCOME_GROUPS
from portal.states import DocumentStatus, ReportStatus
from portal.timeutil import local_date, utcnow

MAX_TEXT = 20_000
Field = content_types.Field
#: What staff write, checked by the registry's own field rules (Chinese messages).
FIELDS: tuple[Field, ...] = (
    Field("overview", "总体情况", "markdown", max_length=MAX_TEXT),
    Field("problems", "存在的主要问题及改进情况", "markdown", max_length=MAX_TEXT),
    Field("other", "其他需要报告的事项", "markdown", max_length=MAX_TEXT),
    Field("fee_notices", "发出收费通知件数", "int", min_value=0, max_value=99_999),
    Field("fee_notified", "收费通知总金额", "decimal"),
    Field("fee_collected", "实际收取总金额", "decimal"),
)
LABELS = {f.name: f.label for f in FIELDS}
TEXTS = ("overview", "problems", "other")
#: Needed before the report goes to review (六's text may stay empty: its fees say enough).
REQUIRED_TO_SUBMIT = ("overview", "problems", "fee_notices", "fee_notified", "fee_collected")
TOPIC = "综合政务"


@dataclass(frozen=True)
class Sentence:
    """A sentence of computed figures that staff may insert into 一、总体情况."""

    key: str
    label: str
    text: str


def report_of(org_id: int, year: int) -> DisclosureReport | None:
    """``org_id``'s report of ``year`` as written so far (None: nobody has started it)."""
    return db.session.scalar(
        sa.select(DisclosureReport).where(
            DisclosureReport.organisation_id == org_id, DisclosureReport.year == year
        )
    )


def _public() -> sa.ColumnElement[bool]:
    """SQL: a report published and still public (its document not withdrawn)."""
    return sa.and_(
        DisclosureReport.status == ReportStatus.PUBLISHED,
        Document.status == DocumentStatus.PUBLISHED,
    )


def public_reports(org_id: int) -> dict[int, tuple[DisclosureReport, Document]]:
    """The organisation's published reports and their documents, by year."""
    rows = db.session.execute(
        sa.select(DisclosureReport, Document)
        .join(Document, Document.id == DisclosureReport.document_id)
        .where(DisclosureReport.organisation_id == org_id, _public())
    ).tuples()
    return {row.year: (row, doc) for row, doc in rows}


def published_for(year: int, org_ids: Collection[int] | None = None) -> set[int]:
    """The organisations (of ``org_ids``; None: all) whose report of ``year`` is public."""
    query = (
        sa.select(DisclosureReport.organisation_id)
        .join(Document, Document.id == DisclosureReport.document_id)
        .where(DisclosureReport.year == year, _public())
    )
    if org_ids is not None:
        query = query.where(DisclosureReport.organisation_id.in_(sorted(org_ids)))
    return set(db.session.scalars(query))


def frozen(row: DisclosureReport) -> annual.AnnualReport:
    """The figures of a published report as they were when it was published."""
    if row.snapshot is None:
        raise NotFound(row.year)
    return snapshot.thaw(row.snapshot, row.organisation_id)


def sentences(report: annual.AnnualReport) -> list[Sentence]:
    """The computed figures worded for 一、总体情况, each a sentence staff may insert
    (Table 四's once its figures are entered)."""
    active, table, review = report.active, report.requests, report.review
    results = [("予以公开", table.total("disclosed")), ("部分公开", table.total("partly"))]
    for prefix, group_label in OUTCOME_GROUPS:  # （三）不予公开 …
        keys = [key for key in table.counts if key.startswith(prefix + ".")]
        results.append((group_label.split("）", 1)[1], table.sum_of(keys)[-1]))
    outcomes = "、".join(f"{label}{n}件" for label, n in results if n)
    done = table.total("results_total")
    requests = (
        f"本年度新收政府信息公开申请{table.total('new')}件，上年结转{table.total('carried_in')}件；"
        f"办结{done}件"
        + (f"，其中{outcomes}" if outcomes else "")
        + f"；结转下年度继续办理{table.total('carried_out')}件。"
    )
    found = [
        Sentence("portal", "门户网站公开和答复情况", report.summary.sentence),
        Sentence("enforcement", "执法公示情况", report.summary.enforcement_sentence),
        Sentence(
            "active",
            "主动公开（表二）",
            f"本年度制发行政规范性文件{active.normative_issued}件，废止{active.normative_abolished}件，"
            f"现行有效{active.normative_in_force}件；作出行政处罚决定{active.penalties}件。",
        ),
        Sentence("requests", "依申请公开（表三）", requests),
    ]
    if review.entered:  # until then its zeros say nothing
        disputes = (
            f"本年度因政府信息公开被申请行政复议{review.review_total}件、"
            f"提起行政诉讼{review.litigation_total}件。"
        )
        found.append(Sentence("review", "行政复议和行政诉讼（表四）", disputes))
    return found


def with_sentences(text: str, chosen: Iterable[Sentence]) -> str:
    """``text`` with the ``chosen`` sentences added as one more paragraph."""
    paragraph = "".join(sentence.text for sentence in chosen)
    if not paragraph:
        return text
    return f"{text.rstrip()}\n\n{paragraph}" if text.strip() else paragraph


def _clean(values: Mapping[str, object]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for fld in FIELDS:
        value = values.get(fld.name)
        if isinstance(value, str):  # browsers send CRLF line ends
            value = value.replace("\r\n", "\n")
        try:
            cleaned[fld.name] = fld.clean(value)
        except content_types.FieldError as exc:
            errors[fld.name] = f"{fld.label}：{exc}"
    notices, notified, collected = (
        cleaned.get("fee_notices"),
        cleaned.get("fee_notified"),
        cleaned.get("fee_collected"),
    )
    if notified is not None and collected is not None and Decimal(collected) > Decimal(notified):
        errors.setdefault("fee_collected", "实际收取总金额：不能大于收费通知总金额")
    if notices == 0 and notified is not None and Decimal(notified) != 0:
        errors.setdefault("fee_notified", "收费通知总金额：没有发出收费通知时应为 0")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check(actor: Actor, permission: Permission, org_id: int, year: int) -> None:
    require(actor, permission, org_id)
    if not valid_year(year):
        raise NotFound(year)


def _audit(actor: Actor, action: str, row: DisclosureReport, **detail: Any) -> None:
    db.session.flush()
    audit.record(
        actor.name,
        action,
        "disclosure_report",
        row.id,
        org_id=row.organisation_id,
        year=row.year,
        **detail,
    )


def save_draft(
    org_id: int, year: int, values: Mapping[str, object], *, actor: Actor
) -> DisclosureReport:
    """Save what staff wrote of ``org_id``'s report of ``year`` (started on first save).

    Raises ``NotAuthorized`` unless ``actor`` writes the organisation's documents,
    ``ValidationError`` (a Chinese message per bad field, nothing stored) and
    ``InvalidTransition`` once it is in review or published.
    """
    _check(actor, Permission.WRITE_DOCUMENTS, org_id, year)
    cleaned = _clean(values)
    with unit_of_work():
        row = report_of(org_id, year)
        if row is None:
            row = DisclosureReport(organisation_id=org_id, year=year, status=ReportStatus.DRAFT)
            db.session.add(row)
        elif row.status != ReportStatus.DRAFT:
            raise InvalidTransition("报告已提交审核或已发布，不能再修改（审核人员可以退回修改）")
        for name, value in cleaned.items():  # an empty text is "", an empty figure None
            setattr(row, name, (value or "") if name in TEXTS else value)
        row.updated_by, row.updated_at = actor.name, utcnow()
        _audit(actor, "annual_report_saved", row)
    return row


def submit(org_id: int, year: int, *, actor: Actor) -> DisclosureReport:
    """Send the draft to the organisation's reviewers, once the year is over and 一, 五,
    the 信息处理费 and Table 四 are filled in."""
    _check(actor, Permission.WRITE_DOCUMENTS, org_id, year)
    with unit_of_work():
        row = report_of(org_id, year)
        if row is None or row.status != ReportStatus.DRAFT:
            raise InvalidTransition("只有草稿可以提交审核")
        if year >= local_date(utcnow()).year:
            raise InvalidTransition(f"{year} 年尚未结束，年度报告须在次年 1 月 1 日以后提交审核")
        missing = {
            name: f"{LABELS[name]}：提交审核前必须填写" + ("，没有请填 0" if "fee" in name else "")
            for name in REQUIRED_TO_SUBMIT
            if getattr(row, name) in (None, "")
        }
        if review_figures(org_id, year) is None:
            missing["review"] = "表四（行政复议、行政诉讼）：提交审核前须先填报，没有请填 0"
        if missing:
            raise ValidationError(missing)
        row.status = ReportStatus.IN_REVIEW
        row.submitted_by, row.submitted_at = actor.name, utcnow()
        row.returned_note = None
        _audit(actor, "annual_report_submitted", row)
    return row


def send_back(org_id: int, year: int, note: str, *, actor: Actor) -> DisclosureReport:
    """A reviewer returns the report in review to its writers, saying what to change."""
    _check(actor, Permission.REVIEW_DOCUMENTS, org_id, year)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "退回意见：必填"})
    if len(note) > 1000:
        raise ValidationError({"note": "退回意见：不能超过 1000 个字"})
    with unit_of_work():
        row = report_of(org_id, year)
        if row is None or row.status != ReportStatus.IN_REVIEW:
            raise InvalidTransition("只有待审核的报告可以退回")
        row.status, row.returned_note = ReportStatus.DRAFT, note
        _audit(actor, "annual_report_returned", row, note=note)
    return row


def may_publish(row: DisclosureReport | None, actor: Actor) -> bool:
    """Whether ``actor`` may publish ``row`` now (used to offer the button)."""
    return (
        row is not None
        and row.status == ReportStatus.IN_REVIEW
        and actor.may(Permission.REVIEW_DOCUMENTS, row.organisation_id)
        and not _own_work(row, actor)
    )


def _own_work(row: DisclosureReport, actor: Actor) -> bool:
    """The report was sent to review, or last changed, by ``actor``: another must sign it off."""
    return not actor.is_system and actor.name in {row.submitted_by, row.updated_by}


def publish(
    org_id: int, year: int, *, actor: Actor, acknowledged: Collection[str] = ()
) -> DisclosureReport:
    """Publish the report in review: freeze its figures as they are now and file it in the
    organisation's 年度报告 as a ``report`` document (once every 错敏词 found in it is among
    the ``acknowledged`` words)."""
    _check(actor, Permission.REVIEW_DOCUMENTS, org_id, year)
    with unit_of_work():
        row = report_of(org_id, year)
        if row is None or row.status != ReportStatus.IN_REVIEW:
            raise InvalidTransition("只有待审核的报告可以发布")
        if _own_work(row, actor):
            raise NotAuthorized(f"{actor.name} submitted or last changed the report")
        report = annual.build(year, org_id)
        doc = publishing.create(
            "report",
            f"{year}-zhengfu-xinxi-gongkai-gongzuo-niandu-baogao",
            document_fields(row, report),
            actor=actor,
            org_id=org_id,
        )
        publishing.publish(doc, actor=actor, acknowledged=acknowledged)
        row.snapshot = snapshot.freeze(report)
        row.document_id = doc.id
        row.status = ReportStatus.PUBLISHED
        row.published_by, row.published_at = actor.name, doc.published_at
        _audit(actor, "annual_report_published", row, document=doc.id)
    return row


def document_fields(row: DisclosureReport, report: annual.AnnualReport) -> dict[str, Any]:
    """The ``report`` document the report is filed as: the whole report in its body."""
    org = directory.get(row.organisation_id)
    title = f"{org.name}{row.year}年政府信息公开工作年度报告"
    return {
        "title": title,
        "summary": (
            f"{org.name}{row.year}年度政府信息公开工作情况：总体情况，主动公开政府信息情况，"
            "收到和处理政府信息公开申请情况，政府信息公开行政复议、行政诉讼情况，"
            "存在的主要问题及改进情况，其他需要报告的事项。"
        ),
        "topic": TOPIC,
        "tags": ["政府信息公开", "年度报告", f"{row.year}年"],
        "body": export.report_markdown(report, row),
        "year": row.year,
    }


def word_hits(row: DisclosureReport, report: annual.AnnualReport) -> list[wordcheck.Hit]:
    """The 错敏词 in the report as it would be published now, with ``report`` its figures
    (the reviewer confirms each)."""
    fields = document_fields(row, report)
    return wordcheck.scan(_Draft(fields["title"], fields["summary"], fields["body"]))


@dataclass(frozen=True)
class _Draft:
    """The would-be document, as the 错敏词 check reads one."""

    title: str
    summary: str
    body: str
    kind: str = "report"

    @property
    def extra(self) -> dict[str, Any]:
        return {}


def document_of(row: DisclosureReport) -> Document | None:
    """The document a published report was filed as (None: not published)."""
    return db.session.get(Document, row.document_id) if row.document_id else None


def filed_report(doc: Document) -> DisclosureReport | None:
    """The published annual disclosure report ``doc`` was filed as (None: another report,
    such as a 法治政府建设 one)."""
    return db.session.scalar(
        sa.select(DisclosureReport).where(
            DisclosureReport.document_id == doc.id,
            DisclosureReport.status == ReportStatus.PUBLISHED,
        )
    )
