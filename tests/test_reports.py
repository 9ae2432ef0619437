"""The annual report on government-information disclosure, computed from the records.

The ledger fixture reproduces what the office's 2024 report (八(四)) says the portal did:
the items published by kind (工作动态 37 … 年度报告 1), 5 information requests and 6
messages, all answered on time, plus records that must not count (other years, drafts,
withdrawn, quarantined) and the 执法公示 reported on their own line.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from portal.audit import AuditRecord
from portal.auth import blueprint
from portal.documents import publishing
from portal.documents.models import Document, DocumentRevision
from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.interaction import info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message
from portal.orgs import directory
from portal.reports import annual
from portal.reports.figures import set_review_figures
from portal.reports.models import REVIEW_FIELDS, ReviewLitigationFigures
from portal.timeutil import local_date, parse_local, utcnow
from tests.actors import staff
from tests.clock import frozen
from tests.staff import csrf, login_as
from tests.synthetic_ids import make_id

ID_NUMBER = make_id()
NAME, PHONE, EMAIL = "李四", "13912345678", "resident@example.com"
MESSAGE_NAME, MESSAGE_PHONE = "王先生", "13812345678"
PERSONAL = (ID_NUMBER, NAME, PHONE, EMAIL, MESSAGE_NAME, MESSAGE_PHONE)

# The seed's eight figures add up to 113; its "等共116条" counts 3 items in columns it does not
# name, which the portal cannot know of, so the computed line reads 等共113条.
SEED_LINE = (
    "工作动态37条、知识问答库31条、政策文件4条、通知公告30条、“双随机、一公开”6条、"
    "财政资金2条、征集调查2条、年度报告1条等共113条；受理依申请公开5条、网友留言6条，已全部答复"
)
ORGS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
COLUMNS = 6  # 自然人 and the five ORGS
THIS_YEAR = local_date(utcnow()).year


def home_id() -> int:
    """The one office of a one-office site: the home organisation."""
    return directory.home().id


def build(year: int) -> annual.AnnualReport:
    """The home organisation's report for ``year``."""
    return annual.build(year, home_id())


def cells(*values: int) -> tuple[int, ...]:
    """A Table 三 row: the six applicant columns (missing ones 0), then the total."""
    padded = (*values, *([0] * (COLUMNS - len(values))))
    return (*padded, sum(padded))


# -- building the ledger --------------------------------------------------------------


@pytest.fixture(autouse=True)
def fast_query_codes(monkeypatch):
    """Query-code hashes at one round: the codes are never checked here, and scrypt is slow."""
    monkeypatch.setattr(
        submissions,
        "generate_password_hash",
        lambda code: generate_password_hash(code, "pbkdf2:sha256:1"),
    )


def add_request(
    received: str,
    *,
    closed: str | None = None,
    outcome: str = "disclosed",
    organisation: str | None = None,
    quarantine: str | None = None,
) -> InfoRequest:
    """A request received (and, if ``closed``, answered) at the given Asia/Shanghai times."""
    data = {
        "applicant_type": "organisation" if organisation else "person",
        "organisation_type": organisation,
        "name": "某某咨询有限公司" if organisation else NAME,
        "id_type": "统一社会信用代码" if organisation else "居民身份证",
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "email": EMAIL,
        "description": "2024年东晓街道违法建筑治理工作方案全文",
        "medium": "电子",
        "delivery": "电子邮件",
    }
    with frozen(parse_local(received)):
        sub = submissions.submit_request(data, form_token=f"r-{received}", quarantine=quarantine)
    item = db.session.scalar(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    )
    if closed:
        with frozen(parse_local(closed)):
            info_requests.close_request(
                item, outcome=outcome, reply="已按申请提供。", actor=staff("handler")
            )
    return item


def add_message(received: str, replied: str | None, *, quarantine: str | None = None) -> Message:
    sub = submissions.submit_message(
        {
            "subject": "小区门口占道经营",
            "content": "每天傍晚小区门口有流动摊贩占道经营，希望处理。",
            "category": "城市管理",
            "name": MESSAGE_NAME,
            "contact": MESSAGE_PHONE,
            "consent": True,
        },
        form_token=f"m-{received}",
        quarantine=quarantine,
    )
    item = db.session.scalar(sa.select(Message).where(Message.tracking_no == sub.tracking_no))
    item.received_at = parse_local(received)
    db.session.commit()
    if replied:
        messages.answer_message(
            item, reply="已安排处理。", department="城市管理办公室", actor=staff("h")
        )
        item.replied_at = parse_local(replied)
        db.session.commit()
    return item


def rows_by_key(table: annual.RequestTable) -> dict[str, tuple[int, ...] | None]:
    return {row.key: row.values for row in table.rows}


def spread(i: int) -> str:
    """A publication time in 2024, spread over the year."""
    return f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d} 10:00"


@pytest.fixture
def ledger(make_doc):
    """The 2024 records of the seed report, and records that must not count."""
    with publishing.batch():
        for kind, n in [
            ("news", 37),
            ("faq", 31),
            ("notice", 30),
            ("finance", 2),
            ("consultation", 2),
            ("report", 1),
        ]:
            for i in range(n):
                make_doc(kind, published_at=spread(i))
        for i in range(6):
            make_doc("enforcement", published_at=spread(i), subtype="双随机一公开")
        # 政策文件, all 行政规范性文件: four published in 2024, one issued (成文) in 2023.
        make_doc("policy", normative=True, published_at="2024-03-05 10:00", issued_on="2024-03-01")
        make_doc("policy", normative=True, published_at="2024-05-12 10:00", issued_on="2024-05-10")
        make_doc(
            "policy",
            normative=True,
            published_at="2024-07-02 10:00",
            issued_on="2024-07-01",
            validity="已修订",
        )
        make_doc("policy", normative=True, published_at="2024-01-10 10:00", issued_on="2023-12-20")
        # Older policies: one abolished during 2024, one stored as 废止 from the start.
        abolished = make_doc(
            "policy", normative=True, published_at="2023-06-01 10:00", issued_on="2022-06-01"
        )
        make_doc(
            "policy",
            normative=True,
            published_at="2023-02-01 10:00",
            issued_on="2020-01-01",
            validity="废止",
        )
        # 执法公示 other than 双随机一公开 (reported on their own line).
        for decided, published in [
            ("2024-03-05", "2024-03-10 10:00"),
            ("2024-06-01", "2024-06-05 10:00"),
            ("2023-12-20", "2024-01-05 10:00"),  # decided in 2023, published in 2024
            ("2024-12-30", "2025-01-03 10:00"),  # decided in 2024, published in 2025
        ]:
            make_doc("enforcement", published_at=published, decided_on=decided)
        for i in range(3):
            make_doc("enforcement", published_at=spread(i), subtype="行政检查", decision_no="")
        # Not in 2024's figures: other years (Asia/Shanghai), not public, withdrawn.
        make_doc("news", published_at="2023-12-31 23:30")
        make_doc("news", published_at="2025-01-01 00:10")
        make_doc("news", status="draft")
        make_doc("news", status="in_review")
        make_doc("news", status="withdrawn", published_at="2024-04-01 10:00")

    publishing.update(
        db.session.get(Document, abolished.id), {"validity": "废止"}, actor=staff("test")
    )
    db.session.execute(
        sa.update(DocumentRevision)
        .where(DocumentRevision.document_id == abolished.id, DocumentRevision.action == "updated")
        .values(created_at=parse_local("2024-08-01 09:00"))
    )
    db.session.commit()

    add_request("2024-02-05 09:30", closed="2024-02-20 16:00", outcome="disclosed")
    add_request("2024-04-08 10:00", closed="2024-04-30 11:00", outcome="partly")
    add_request(
        "2024-06-03 10:00",
        closed="2024-06-25 10:00",
        outcome="withheld.third_party",
        organisation="商业企业",
    )
    add_request(
        "2024-09-02 10:00",
        closed="2024-09-20 10:00",
        outcome="unavailable.not_held",
        organisation="法律服务机构",
    )
    add_request(
        "2024-11-04 10:00",
        closed="2024-11-22 10:00",
        outcome="rejected.repeat",
        organisation="其他",
    )
    add_request("2024-05-01 10:00", quarantine="honeypot")
    for month in (1, 3, 5, 7, 9, 11):
        add_message(f"2024-{month:02d}-10 09:00", f"2024-{month:02d}-11 17:00")
    add_message("2024-08-08 08:08", None, quarantine="too fast")


# -- 一、总体情况: the portal's own line ---------------------------------------------------


def test_the_report_page_and_csv_reproduce_the_seed_figures(ledger, client):
    summary = build(2024).summary
    assert summary.sentence == f"2024年，街道门户网公布{SEED_LINE}。"
    assert summary.enforcement_sentence == (
        "2024年，发布执法公示数据12条，其中行政处罚3条、行政检查3条、“双随机、一公开”6条。"
    )
    page = client.get("/reports/annual/2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert SEED_LINE in html and summary.enforcement_sentence in html
    assert 'media="print"' in html and "/static/css/print.css" in html
    assert "/reports/annual/2024.csv" in html

    response = client.get("/reports/annual/2024.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    table = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(table)))
    firsts = [row[0] for row in rows if row]
    for section in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "第二十条第（八）项",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "说明",
    ):
        assert section in firsts, section
    assert f"2024年，街道门户网公布{SEED_LINE}。" in firsts
    by_label = {row[0]: row[1:] for row in rows if row}
    assert by_label["行政规范性文件"] == ["3", "1", "3"]
    assert by_label["行政处罚"] == ["3"]
    assert by_label["申请人情况"] == ["自然人", *[f"法人或其他组织：{c}" for c in ORGS], "总计"]
    assert by_label["一、本年新收政府信息公开申请数量"] == ["2", "1", "0", "0", "1", "1", "5"]
    assert by_label["（三）不予公开 小计"] == ["0", "1", "0", "0", "0", "0", "1"]
    assert by_label["（七）总计"] == ["2", "1", "0", "0", "1", "1", "5"]
    assert len(by_label["行政复议：结果维持"]) == 14

    # Nobody's name, ID number, phone or e-mail, on the page or in the file.
    for text in (html, table):
        for value in PERSONAL:
            assert value not in text


@pytest.mark.parametrize(
    ("requests", "messages", "ending"),
    [
        ((5, 5, 0, 0, 0), (6, 6, 0, 0, 0), "，已全部答复。"),
        ((5, 5, 1, 0, 0), (6, 6, 0, 0, 0), "，已全部答复，其中超期答复依申请公开1条。"),
        (
            (5, 4, 0, 1, 1),
            (6, 6, 2, 0, 0),
            "，已答复依申请公开4条、网友留言6条，其中超期答复网友留言2条；"
            "正在办理依申请公开1条，其中已超过答复期限依申请公开1条。",
        ),
        ((0, 0, 0, 0, 0), (0, 0, 0, 0, 0), "受理依申请公开0条、网友留言0条。"),
    ],
)
def test_the_line_says_how_answers_went(requests, messages, ending):
    summary = annual.PortalSummary(
        year=2024,
        current=False,
        items=(("工作动态", 1),),
        enforcement=(),
        requests=annual.ReplyStats(*requests),
        messages=annual.ReplyStats(*messages),
    )
    assert summary.sentence.endswith(ending)
    current = annual.PortalSummary(**{**summary.__dict__, "current": True})
    assert current.sentence.startswith("今年以来，街道门户网公布工作动态1条等共1条；")


def test_late_and_unanswered_items_are_told(ctx):
    add_request("2024-03-04 10:00", closed="2024-05-20 10:00")  # due early April
    add_request("2024-03-05 10:00")  # never answered
    add_message("2024-03-04 10:00", "2024-03-20 10:00")  # 12 working days
    sentence = build(2024).summary.sentence
    assert sentence.endswith(
        "受理依申请公开2条、网友留言1条，已答复依申请公开1条、网友留言1条，"
        "其中超期答复依申请公开1条、网友留言1条；正在办理依申请公开1条，"
        "其中已超过答复期限依申请公开1条。"
    )


def test_a_stopped_clock_makes_no_request_late_or_overdue(ctx):
    def paused(received: str, *, consult: bool = False) -> InfoRequest:
        item = add_request(received)  # due in April 2024
        if consult:
            info_requests.start_consultation(
                item, note="征求第三方意见", actor=staff("h"), on=item.receipt_date
            )
        else:
            info_requests.request_supplement(
                item, note="请写明文件名称", actor=staff("h"), on=item.receipt_date
            )
        return item

    paused("2024-03-04 10:00")  # still waiting for the 补正
    paused("2024-03-05 10:00", consult=True)  # still waiting for the third party
    gave_up = paused("2024-03-06 10:00")  # closed now: never completed
    info_requests.close_request(
        gave_up, outcome="other.no_supplement", reply="视为放弃。", actor=staff("h")
    )
    withdrawn = paused("2024-03-07 10:00")  # closed now, while waiting for the 补正
    info_requests.close_request(
        withdrawn, outcome="other.other", reply="申请人撤回申请。", actor=staff("h")
    )
    sentence = build(2024).summary.sentence
    assert sentence.endswith(
        "受理依申请公开4条、网友留言0条，已答复依申请公开2条；正在办理依申请公开2条。"
    )


# -- 二、主动公开政府信息情况 and 三 on the ledger -----------------------------------------


def test_tables_two_and_three_and_other_years_from_the_ledger(ledger, ctx, count_queries):
    with count_queries() as statements:
        report = build(2024)
    # A fixed number of aggregates, whatever the record count (the year's request events
    # are read in one more, to judge each answer against its deadline).
    assert len(statements) <= 9

    active = report.active
    # Issued in 2024: three (the fourth published in 2024 was issued in 2023).
    assert active.normative_issued == 3
    # Changed to 废止 in 2024 (the one stored as 废止 from the start has no date: not counted).
    assert active.normative_abolished == 1
    # Issued by the end of 2024 and 有效: not 已修订, not 废止.
    assert active.normative_in_force == 3
    # 行政处罚 decided in 2024, whenever published.
    assert active.penalties == 3
    assert (active.rules_issued, active.rules_abolished, active.rules_in_force) == (0, 0, 0)
    assert (active.licences, active.coercions, active.fees) == (0, 0, "0")

    earlier = build(2023).active
    assert (earlier.normative_issued, earlier.normative_abolished) == (1, 0)
    assert (earlier.normative_in_force, earlier.penalties) == (1, 1)
    labels = [row.label for block in active.blocks for row in block.rows]
    assert labels == [
        "规章",
        "行政规范性文件",
        "行政许可",
        "行政处罚",
        "行政强制",
        "行政事业性收费",
    ]

    table = report.requests
    rows = rows_by_key(table)
    # Columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计
    assert rows["new"] == (2, 1, 0, 0, 1, 1, 5)
    assert rows["carried_in"] == cells()
    assert rows["disclosed"] == cells(1)
    assert rows["partly"] == cells(1)
    assert rows["withheld.third_party"] == cells(0, 1)
    assert rows["withheld.subtotal"] == cells(0, 1)
    assert rows["unavailable.not_held"] == cells(0, 0, 0, 0, 1)
    assert rows["unavailable.subtotal"] == cells(0, 0, 0, 0, 1)
    assert rows["rejected.repeat"] == cells(0, 0, 0, 0, 0, 1)
    assert rows["rejected.subtotal"] == cells(0, 0, 0, 0, 0, 1)
    assert rows["other.subtotal"] == cells()
    assert rows["results_total"] == (2, 1, 0, 0, 1, 1, 5)
    assert rows["carried_out"] == cells()
    assert table.reconciles
    # Every figure row's total is the sum of its columns; subtotals add up their reasons.
    for row in table.rows:
        if row.values is not None:
            assert sum(row.values[:-1]) == row.values[-1], row.label
    for prefix in ("withheld", "unavailable", "rejected", "other"):
        reasons = [
            v for k, v in rows.items() if k.startswith(prefix + ".") and k != f"{prefix}.subtotal"
        ]
        assert tuple(map(sum, zip(*reasons, strict=True))) == rows[f"{prefix}.subtotal"]

    # Other years see only their own records (boundaries in Asia/Shanghai).
    summary = build(2025).summary
    assert dict(summary.items)["工作动态"] == 1  # published 2025-01-01 00:10
    assert dict(summary.enforcement)["行政处罚"] == 1
    assert (summary.requests.received, summary.messages.received) == (0, 0)
    assert summary.sentence.endswith("等共1条；受理依申请公开0条、网友留言0条。")
    assert dict(build(2023).summary.items)["工作动态"] == 1


# -- 三、收到和处理政府信息公开申请情况 ---------------------------------------------------------


def test_table_three_has_every_row_of_the_national_format(ctx):
    labels = [row.label for row in build(2024).requests.rows]
    assert labels[:5] == [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "三、本年度办理结果",
        "（一）予以公开",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ]
    assert labels[5:15] == [
        "（三）不予公开",
        "1.属于国家秘密",
        "2.其他法律行政法规禁止公开",
        "3.危及“三安全一稳定”",
        "4.保护第三方合法权益",
        "5.属于三类内部事务信息",
        "6.属于四类过程性信息",
        "7.属于行政执法案卷",
        "8.属于行政查询事项",
        "（三）不予公开 小计",
    ]
    assert "（四）无法提供" in labels and "3.补正后申请内容仍不明确" in labels
    assert "5.要求行政机关确认或重新出具已获取信息" in labels
    assert "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" in labels
    assert labels[-2:] == ["（七）总计", "四、结转下年度继续办理"]


def test_requests_carry_over_between_years_and_both_years_reconcile(ctx):
    add_request("2023-11-06 10:00", closed="2024-01-08 10:00", outcome="withheld.process")
    add_request("2024-06-03 10:00")  # still open
    add_request(
        "2024-12-25 10:00", closed="2025-01-10 10:00", outcome="disclosed", organisation="商业企业"
    )
    add_request(  # received on the last evening of 2024, answered just after midnight
        "2024-12-31 23:30",
        closed="2025-01-01 00:05",
        outcome="rejected.repeat",
        organisation="社会公益组织",
    )
    add_request("2025-01-01 00:30", closed="2025-01-20 10:00", outcome="partly")
    add_request("2024-07-01 10:00", quarantine="honeypot")

    y2024 = rows_by_key(build(2024).requests)
    assert y2024["new"] == cells(1, 1, 0, 1)
    assert y2024["carried_in"] == cells(1)
    assert y2024["withheld.process"] == cells(1)
    assert y2024["results_total"] == cells(1)
    assert y2024["carried_out"] == cells(1, 1, 0, 1)

    y2025 = rows_by_key(build(2025).requests)
    assert y2025["new"] == cells(1)
    assert y2025["carried_in"] == y2024["carried_out"]
    assert y2025["disclosed"] == cells(0, 1)
    assert y2025["partly"] == cells(1)
    assert y2025["rejected.repeat"] == cells(0, 0, 0, 1)
    assert y2025["results_total"] == cells(1, 1, 0, 1)
    assert y2025["carried_out"] == cells(1)

    y2023 = rows_by_key(build(2023).requests)
    assert (y2023["new"], y2023["carried_out"]) == (cells(1), cells(1))
    assert y2024["carried_in"] == y2023["carried_out"]

    for year in (2023, 2024, 2025):
        table = build(year).requests
        assert table.reconciles, year
        rows = rows_by_key(table)
        for column in range(COLUMNS + 1):
            incoming = rows["new"][column] + rows["carried_in"][column]
            outgoing = rows["results_total"][column] + rows["carried_out"][column]
            assert incoming == outgoing, (year, column)


# -- 四、行政复议、行政诉讼: entered by staff ------------------------------------------------


def figures(**changes: object) -> dict[str, object]:
    return {**dict.fromkeys(REVIEW_FIELDS, "0"), **changes}


def test_review_figures_are_validated_stored_and_audited(ctx):
    with pytest.raises(ValidationError) as info:
        set_review_figures(
            home_id(),
            2024,
            figures(review_upheld="-1", suit_direct_other="abc", suit_after_review_pending=""),
            actor=staff("chief"),
        )
    assert info.value.errors == {
        "review_upheld": "行政复议·结果维持：请填写不小于 0 的整数",
        "suit_direct_other": "未经复议直接起诉·其他结果：请填写不小于 0 的整数",
        "suit_after_review_pending": "复议后起诉·尚未审结：必填，没有请填 0",
    }
    with pytest.raises(ValidationError) as info:
        set_review_figures(home_id(), 2024, figures(review_other=100_000), actor=staff("chief"))
    assert info.value.errors["review_other"] == "行政复议·其他结果：应为 0 至 99999 之间的整数"
    with pytest.raises(NotFound):
        set_review_figures(home_id(), 1999, figures(), actor=staff("chief"))
    assert db.session.scalar(sa.select(sa.func.count(ReviewLitigationFigures.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == 0

    set_review_figures(
        home_id(), 2024, figures(review_upheld=2, review_pending="1"), actor=staff("chief")
    )
    set_review_figures(
        home_id(), 2024, figures(review_upheld=3, suit_direct_corrected=1), actor=staff("chief")
    )
    review = build(2024).review
    assert review.entered
    assert review.values == {
        "review": (3, 0, 0, 0, 3),
        "suit_direct": (0, 1, 0, 0, 1),
        "suit_after_review": (0, 0, 0, 0, 0),
    }
    audits = db.session.scalars(sa.select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [(a.actor, a.action, a.target_type, a.target_id) for a in audits] == [
        ("chief", "report_figures", "report", 2024)
    ] * 2
    assert "行政复议 结果维持3" in audits[-1].detail["figures"]


@pytest.fixture
def allow_figures(monkeypatch):
    """Until the lead's access table lists the page (the guard refuses anything unlisted)."""
    monkeypatch.setitem(blueprint.ACCESS, "admin.report_figures", frozenset({"admin", "reviewer"}))


def test_staff_enter_review_figures_and_they_appear_on_the_report(
    app, client, make_user, allow_figures
):
    url = "/admin/reports/2024/review-figures"
    chief = login_as(app, make_user("chief", "reviewer"))
    assert chief.get(url).status_code == 200
    bad = chief.post(url, data={"csrf_token": csrf(chief, url), **figures(review_upheld="两件")})
    assert bad.status_code == 400
    assert "行政复议·结果维持：请填写不小于 0 的整数" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLitigationFigures.id))) == 0
    assert "本年度数据尚未填报" in client.get("/reports/annual/2024").get_data(as_text=True)

    data = figures(review_upheld="7", review_corrected="2", suit_after_review_pending="5")
    saved = chief.post(url, data={"csrf_token": csrf(chief, url), **data})
    assert saved.status_code == 302
    assert "已保存" in chief.get(url).get_data(as_text=True)
    html = client.get("/reports/annual/2024").get_data(as_text=True)
    assert "本年度数据尚未填报" not in html
    row = re.search(r'class="report-table review-table".*?<tbody>\s*<tr>(.*?)</tr>', html, re.S)
    numbers = [int(n) for n in re.findall(r"<td>(\d+)</td>", row.group(1))]
    assert numbers == [7, 2, 0, 0, 9] + [0] * 5 + [0, 0, 0, 5, 5]
    with app.app_context():
        audit = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "report_figures")
        ).one()
        assert (audit.actor, audit.target_id) == ("chief", 2024)

    assert chief.get("/admin/reports/1999/review-figures").status_code == 404
    editor = login_as(app, make_user("writer", "editor"))
    assert editor.get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # to the login page


def test_figures_without_csrf_are_refused(app, make_user, allow_figures):
    url = "/admin/reports/2024/review-figures"
    chief = login_as(app, make_user("chief", "admin", totp=True))
    assert chief.post(url, data=figures(review_upheld="1")).status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ReviewLitigationFigures.id))) == 0


# -- years, links, time zones --------------------------------------------------------


def test_years_outside_2000_to_now_are_not_found(client):
    for url in (
        "/reports/annual/1999",
        f"/reports/annual/{THIS_YEAR + 1}",
        "/reports/annual/abc",
        "/reports/annual/1999.csv",
        f"/reports/annual/{THIS_YEAR + 1}.csv",
    ):
        assert client.get(url).status_code == 404, url


def test_an_empty_year_is_a_report_of_zeros(client, ctx):
    response = client.get("/reports/annual/2000")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "等共0条；受理依申请公开0条、网友留言0条。" in html
    report = build(2000)
    assert all(v == 0 for row in report.requests.rows if row.values for v in row.values)
    assert client.get(f"/reports/annual/{THIS_YEAR}").status_code == 200
    assert "今年以来" in client.get(f"/reports/annual/{THIS_YEAR}").get_data(as_text=True)


def test_the_report_kind_links_to_the_computed_report(client, make_doc):
    make_doc("report")
    html = client.get("/report/").get_data(as_text=True)
    assert f"/reports/annual/{THIS_YEAR - 1}" in html


def test_message_and_request_dates_use_the_shanghai_calendar(ctx):
    add_message("2024-12-31 23:30", "2025-01-02 10:00")
    add_message("2025-01-01 00:30", "2025-01-02 10:00")
    assert build(2024).summary.messages.received == 1
    assert build(2025).summary.messages.received == 1
