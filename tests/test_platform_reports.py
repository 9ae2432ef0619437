"""The annual report per organisation on a platform, and the platform summary.

Each 行政机关 publishes its own report: 东晓街道 (the home organisation, at the root) and
翠竹街道 (under ``/org/cuizhu/``) each count only their own documents, requests, messages
and Table 四 figures; Table 三's carry-over and reconciliation hold per organisation; the
platform summary lists both and adds them up in a fixed number of statements.
"""

from __future__ import annotations

import csv
import io
import itertools
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from portal.audit import AuditRecord
from portal.auth.actor import SYSTEM, Actor
from portal.creditcode import check_char
from portal.documents import publishing
from portal.errors import NotAuthorized
from portal.extensions import db
from portal.interaction import info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message
from portal.orgs import directory, service
from portal.reports import annual, platform
from portal.reports.figures import review_figures, set_review_figures
from portal.reports.models import REVIEW_FIELDS
from portal.timeutil import parse_local
from tests.actors import staff
from tests.clock import frozen
from tests.conftest import BASE_FIELDS
from tests.staff import csrf, login_as

HOME, CUIZHU = "dongxiao", "cuizhu"


@pytest.fixture(autouse=True)
def fast_query_codes(monkeypatch):
    """Query-code hashes at one round: the codes are never checked here, and scrypt is slow."""
    monkeypatch.setattr(
        submissions,
        "generate_password_hash",
        lambda code: generate_password_hash(code, "pbkdf2:sha256:1"),
    )


def credit(serial: int) -> str:
    first = f"11440303MB2E{serial:05d}"
    return first + check_char(first)


def add_org(code: str, short: str, serial: int, kind: str = "street") -> directory.Org:
    service.create(
        SYSTEM,
        code=code,
        name=f"深圳市罗湖区{short}办事处",
        short_name=short,
        kind=kind,
        credit_code=credit(serial),
    )
    directory.forget()
    org = directory.by_code(code)
    assert org is not None
    return org


def org_id(code: str) -> int:
    org = directory.by_code(code)
    assert org is not None
    return org.id


def add_request(
    code: str,
    received: str,
    *,
    closed: str | None = None,
    outcome: str = "disclosed",
    organisation: str | None = None,
) -> InfoRequest:
    """A request to organisation ``code`` received (and answered) at Asia/Shanghai times."""
    data = {
        "applicant_type": "organisation" if organisation else "person",
        "organisation_type": organisation,
        "name": "某某咨询有限公司" if organisation else "李四",
        "id_type": "统一社会信用代码" if organisation else "居民身份证",
        "id_number": "91440300MA5DC6QX9X" if organisation else "110101199003076515",
        "phone": "13912345678",
        "email": "resident@example.com",
        "description": "2024年违法建筑治理工作方案全文",
        "medium": "电子",
        "delivery": "电子邮件",
    }
    with frozen(parse_local(received)):
        sub = submissions.submit_request(
            data, form_token=f"r-{code}-{received}", org_id=org_id(code)
        )
    item = db.session.scalars(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    ).one()
    if closed:
        with frozen(parse_local(closed)):
            info_requests.close_request(
                item, outcome=outcome, reply="已按申请提供。", actor=staff("handler")
            )
    return item


def add_message(code: str, received: str, replied: str | None = None) -> Message:
    sub = submissions.submit_message(
        {"subject": "路灯不亮", "content": "小区路灯坏了一周。", "category": "城市管理"},
        form_token=f"m-{code}-{received}",
        org_id=org_id(code),
    )
    item = db.session.scalars(
        sa.select(Message).where(Message.tracking_no == sub.tracking_no)
    ).one()
    item.received_at = parse_local(received)
    db.session.commit()
    if replied:
        messages.answer_message(item, reply="已修复。", department="城建办", actor=staff("h"))
        item.replied_at = parse_local(replied)
        db.session.commit()
    return item


def figures(**changes: object) -> dict[str, object]:
    return {**dict.fromkeys(REVIEW_FIELDS, "0"), **changes}


def rows_by_key(table: annual.RequestTable) -> dict[str, tuple[int, ...]]:
    """Table 三's figure rows (not its headings) by key."""
    return {row.key: tuple(map(int, row.values)) for row in table.rows if row.values}


def stored(code: str, year: int) -> dict[str, int]:
    row = review_figures(org_id(code), year)
    assert row is not None
    return row.values()


def search(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.S)
    assert found is not None, pattern
    return found.group(found.lastindex or 0)


def make_doc(
    kind: str,
    *,
    org: str = HOME,
    status: str = "published",
    published_at: str = "2024-05-01 10:00",
    **fields: object,
) -> None:
    """A document of organisation ``org``, published at an Asia/Shanghai time unless a draft."""
    n = next(_serial)
    data = {"title": f"测试信息{n}", "topic": "综合政务", "body": f"正文第{n}篇。"}
    data.update(BASE_FIELDS[kind], **fields)
    doc = publishing.create(kind, f"{kind}-{n}", data, actor=SYSTEM, org_id=org_id(org))
    if status == "published":
        publishing.publish(doc, actor=SYSTEM, published_at=parse_local(published_at))


_serial = itertools.count(1)


@pytest.fixture
def district(app):
    """东晓 (home) and 翠竹, each with its own 2024 documents, requests, messages and Table 四;
    plus 黄贝, an organisation with nothing yet. Made in an app context of its own: requests
    of a test must not share one (Flask-WTF keeps the CSRF token on ``g``)."""
    with app.app_context():
        _populate()


def _populate() -> None:
    add_org(CUIZHU, "翠竹街道", 1)
    add_org("huangbei", "黄贝街道", 2)
    # 东晓: 3 news, 1 policy, 1 行政处罚 — and a news item of 2023.
    for i in range(3):
        make_doc("news", published_at=f"2024-0{i + 1}-10 10:00")
    make_doc("news", published_at="2023-06-01 10:00")
    make_doc("policy", normative=True, published_at="2024-03-05 10:00", issued_on="2024-03-01")
    make_doc("enforcement", published_at="2024-05-10 10:00", decided_on="2024-05-06")
    # 翠竹: 2 news, 1 FAQ, 2 policies (one in force), 2 行政处罚, a draft.
    for i in range(2):
        make_doc("news", org=CUIZHU, published_at=f"2024-0{i + 4}-10 10:00")
    make_doc("faq", org=CUIZHU, published_at="2024-07-01 10:00")
    make_doc(
        "policy",
        normative=True,
        org=CUIZHU,
        published_at="2024-02-05 10:00",
        issued_on="2024-02-01",
    )
    make_doc(
        "policy",
        normative=True,
        org=CUIZHU,
        published_at="2024-06-05 10:00",
        issued_on="2024-06-01",
        validity="已修订",
    )
    for decided in ("2024-03-01", "2024-08-01"):
        make_doc("enforcement", org=CUIZHU, published_at=f"{decided} 12:00", decided_on=decided)
    make_doc("news", org=CUIZHU, status="draft")

    # Requests: 东晓 two (both answered), 翠竹 three (one carried over into 2025).
    add_request(HOME, "2024-02-05 09:30", closed="2024-02-20 16:00")
    add_request(HOME, "2024-04-08 10:00", closed="2024-04-30 11:00", outcome="partly")
    add_request(CUIZHU, "2024-03-04 10:00", closed="2024-03-20 10:00", organisation="商业企业")
    add_request(CUIZHU, "2024-05-06 10:00", closed="2024-05-28 10:00", outcome="withheld.process")
    add_request(CUIZHU, "2024-12-25 10:00", closed="2025-01-10 10:00")
    # Messages: 东晓 one, 翠竹 three.
    add_message(HOME, "2024-03-04 10:00", "2024-03-05 10:00")
    for month in (4, 5, 6):
        add_message(CUIZHU, f"2024-{month:02d}-10 09:00", f"2024-{month:02d}-11 17:00")

    set_review_figures(org_id(HOME), 2024, figures(review_upheld=1), actor=SYSTEM)
    set_review_figures(
        org_id(CUIZHU),
        2024,
        figures(review_upheld=2, review_corrected=1, suit_direct_pending=4),
        actor=SYSTEM,
    )


# -- each organisation's report ---------------------------------------------------------


def test_each_report_counts_only_its_own_organisation(district, ctx, client):
    home = annual.build(2024, org_id(HOME))
    cuizhu = annual.build(2024, org_id(CUIZHU))
    empty = annual.build(2024, org_id("huangbei"))

    assert dict(home.summary.items)["工作动态"] == 3
    assert (home.summary.total, cuizhu.summary.total) == (4, 5)
    assert dict(cuizhu.summary.items)["知识问答库"] == 1
    assert dict(home.summary.enforcement)["行政处罚"] == 1
    assert dict(cuizhu.summary.enforcement)["行政处罚"] == 2
    assert (home.summary.requests.received, cuizhu.summary.requests.received) == (2, 3)
    assert (home.summary.messages.received, cuizhu.summary.messages.received) == (1, 3)
    # On a platform each organisation's line names its 专栏.
    assert cuizhu.summary.sentence.startswith("2024年，门户网站翠竹街道专栏公布工作动态2条、")
    assert home.summary.sentence.startswith("2024年，门户网站东晓街道专栏公布工作动态3条、")

    # Table 二
    assert (home.active.normative_issued, home.active.normative_in_force) == (1, 1)
    assert (cuizhu.active.normative_issued, cuizhu.active.normative_in_force) == (2, 1)
    assert (home.active.penalties, cuizhu.active.penalties) == (1, 2)
    # Table 三
    assert rows_by_key(home.requests)["new"][-1] == 2
    assert rows_by_key(cuizhu.requests)["new"] == (2, 1, 0, 0, 0, 0, 3)
    assert rows_by_key(cuizhu.requests)["withheld.process"][-1] == 1
    assert rows_by_key(home.requests)["withheld.process"][-1] == 0
    # Table 四
    assert home.review.values["review"] == (1, 0, 0, 0, 1)
    assert cuizhu.review.values["review"] == (2, 1, 0, 0, 3)
    assert cuizhu.review.values["suit_direct"] == (0, 0, 0, 4, 4)
    assert not empty.review.entered and empty.summary.total == 0
    assert all(v == 0 for row in empty.requests.rows if row.values for v in row.values)

    # The pages: the home organisation's at the root, 翠竹's under /org/cuizhu/.
    root = client.get("/reports/annual/2024").get_data(as_text=True)
    assert "深圳市罗湖区东晓街道办事处2024年政府信息公开工作年度报告" in root
    assert home.summary.sentence in root and cuizhu.summary.sentence not in root
    page = client.get("/org/cuizhu/reports/annual/2024")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>深圳市罗湖区翠竹街道办事处2024年政府信息公开工作年度报告</h1>" in html
    assert cuizhu.summary.sentence in html and home.summary.sentence not in html
    assert "/org/cuizhu/reports/annual/2024.csv" in html
    assert "/org/cuizhu/reports/annual/2023" in html
    assert client.get("/org/nowhere/reports/annual/2024").status_code == 404
    moved = client.get("/org/dongxiao/reports/annual/2024")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/reports/annual/2024")

    response = client.get("/org/cuizhu/reports/annual/2024.csv")
    assert response.status_code == 200
    assert 'filename="annual-report-cuizhu-2024.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["深圳市罗湖区翠竹街道办事处2024年政府信息公开工作年度报告（统计数据）"]
    by_label = {row[0]: row[1:] for row in rows if row}
    assert by_label["一、本年新收政府信息公开申请数量"] == ["2", "1", "0", "0", "0", "0", "3"]
    assert by_label["行政处罚"] == ["2"]
    root_csv = client.get("/reports/annual/2024.csv")
    assert 'filename="annual-report-2024.csv"' in root_csv.headers["Content-Disposition"]


def test_carry_over_and_reconciliation_hold_per_organisation(district, ctx):
    # More requests spanning the years, in both organisations.
    add_request(HOME, "2023-11-06 10:00", closed="2024-01-08 10:00", outcome="withheld.process")
    add_request(HOME, "2024-06-03 10:00")  # still open
    add_request(CUIZHU, "2023-12-28 10:00")  # still open
    add_request(CUIZHU, "2024-12-31 23:30", closed="2025-01-01 00:05", outcome="rejected.repeat")
    add_request(CUIZHU, "2025-01-02 10:00", closed="2025-01-20 10:00")

    expected = {
        # (new, carried in, closed, carried out) per organisation and year
        (HOME, 2023): (1, 0, 0, 1),
        (HOME, 2024): (3, 1, 3, 1),
        (HOME, 2025): (0, 1, 0, 1),
        (CUIZHU, 2023): (1, 0, 0, 1),
        (CUIZHU, 2024): (4, 1, 2, 3),
        (CUIZHU, 2025): (1, 3, 3, 1),
    }
    for (code, year), numbers in expected.items():
        table = annual.build(year, org_id(code)).requests
        assert table.reconciles, (code, year)
        rows = rows_by_key(table)
        got = tuple(rows[key][-1] for key in ("new", "carried_in", "results_total", "carried_out"))
        assert got == numbers, (code, year)
        for column in range(len(rows["new"])):
            incoming = rows["new"][column] + rows["carried_in"][column]
            outgoing = rows["results_total"][column] + rows["carried_out"][column]
            assert incoming == outgoing, (code, year, column)
    for code in (HOME, CUIZHU):
        for year in (2023, 2024):
            before = rows_by_key(annual.build(year, org_id(code)).requests)["carried_out"]
            after = rows_by_key(annual.build(year + 1, org_id(code)).requests)["carried_in"]
            assert before == after, (code, year)


# -- the platform summary ----------------------------------------------------------------


def test_the_platform_summary_sums_every_organisation(district, ctx, client, count_queries):
    summary = platform.platform_summary(2024)
    rows = {row.org.code: row for row in summary.rows}
    assert list(rows) == [HOME, CUIZHU, "huangbei"]
    for code, row in rows.items():
        report = annual.build(2024, org_id(code))
        table = rows_by_key(report.requests)
        assert row.figures == platform.Figures(
            published=report.summary.total,
            messages=report.summary.messages.received,
            requests_new=table["new"][-1],
            requests_carried_in=table["carried_in"][-1],
            requests_closed=table["results_total"][-1],
            requests_carried_out=table["carried_out"][-1],
            review=report.review.values["review"][-1],
            litigation=report.review.values["suit_direct"][-1]
            + report.review.values["suit_after_review"][-1],
        ), code
        assert row.figures.reconciles
    assert rows[CUIZHU].figures == platform.Figures(5, 3, 3, 0, 2, 1, 3, 4)
    assert rows["huangbei"].figures == platform.Figures()
    assert summary.total == platform.Figures(9, 4, 5, 0, 4, 1, 4, 4)
    assert [org.code for org in summary.missing_review] == ["huangbei"]

    # A fixed number of statements, however many organisations there are.
    with count_queries() as statements:
        platform.platform_summary(2024)
    few = len(statements)
    assert few <= 5
    for serial in range(10, 16):
        add_org(f"dept{serial}", f"部门{serial}", serial, kind="department")
    with count_queries() as statements:
        assert len(platform.platform_summary(2024).rows) == 9
    assert len(statements) == few

    page = client.get("/reports/annual/2024/platform")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "2024年政府信息公开工作年度报告汇总" in html
    total = search(r'<tr class="row-total".*?</tr>', html)
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", total)] == [9, 4, 5, 0, 4, 1, 4, 4]
    assert 'href="/org/cuizhu/reports/annual/2024"' in html
    assert 'href="/reports/annual/2024"' in html
    assert "尚未填报" in html and "黄贝街道" in html
    # Each organisation's report links to the summary.
    for url in ("/reports/annual/2024", "/org/cuizhu/reports/annual/2024"):
        assert "/reports/annual/2024/platform" in client.get(url).get_data(as_text=True)
    assert client.get("/reports/annual/1999/platform").status_code == 404
    assert client.get("/org/cuizhu/reports/annual/2024/platform").status_code == 404


def test_a_one_office_site_has_no_platform_summary(client, ctx):
    html = client.get("/reports/annual/2024").get_data(as_text=True)
    assert "/reports/annual/2024/platform" not in html
    assert "2024年，街道门户网公布" in html
    moved = client.get("/reports/annual/2024/platform")
    assert moved.status_code == 302 and moved.headers["Location"].endswith("/reports/annual/2024")


# -- Table 四 per organisation ---------------------------------------------------------


def test_a_reviewer_enters_table_four_only_for_their_own_organisation(district, ctx):
    reviewer = Actor.staff("chief", "reviewer", org_ids=[org_id(CUIZHU)])
    with pytest.raises(NotAuthorized):
        set_review_figures(org_id(HOME), 2024, figures(review_upheld=9), actor=reviewer)
    assert stored(HOME, 2024)["review_upheld"] == 1

    set_review_figures(org_id(CUIZHU), 2024, figures(review_other=5), actor=reviewer)
    assert stored(CUIZHU, 2024)["review_other"] == 5
    assert stored(HOME, 2024)["review_other"] == 0
    audit = db.session.scalars(
        sa.select(AuditRecord)
        .where(AuditRecord.action == "report_figures")
        .order_by(AuditRecord.id.desc())
    ).first()
    assert audit is not None
    assert (audit.actor, audit.organisation_id, audit.target_id) == ("chief", org_id(CUIZHU), 2024)
    editor = Actor.staff("e", "editor", org_ids=[org_id(CUIZHU)])
    with pytest.raises(NotAuthorized):
        set_review_figures(org_id(CUIZHU), 2024, figures(), actor=editor)


def test_the_figures_screen_offers_only_the_reviewer_s_organisations(
    app, client, district, make_user
):
    url = "/admin/reports/2024/review-figures"
    home_only = login_as(app, make_user("chief", "reviewer", orgs=(HOME,)))
    page = home_only.get(url)
    assert page.status_code == 200
    assert "东晓街道 2024 年政府信息公开行政复议" in page.get_data(as_text=True)
    assert home_only.get(url + "?org=cuizhu").status_code == 404
    assert home_only.get(url + "?org=nowhere").status_code == 404
    refused = home_only.post(
        url + "?org=cuizhu", data={"csrf_token": csrf(home_only, url), **figures()}
    )
    assert refused.status_code == 404, refused.get_data(as_text=True)

    both = login_as(app, make_user("lead", "reviewer", orgs=(HOME, CUIZHU)))
    html = both.get(url).get_data(as_text=True)
    assert 'aria-label="选择单位"' in html and "翠竹街道" in html
    chosen = url + "?org=cuizhu"
    data = figures(review_upheld="6", suit_after_review_other="2")
    saved = both.post(chosen, data={"csrf_token": csrf(both, chosen), **data})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(chosen)
    assert "翠竹街道 2024 年行政复议、行政诉讼数据已保存" in both.get(chosen).get_data(as_text=True)

    def review_cells(page_url: str) -> list[int]:
        html = client.get(page_url).get_data(as_text=True)
        row = search(r'class="report-table review-table".*?<tbody>\s*<tr>(.*?)</tr>', html)
        return [int(n) for n in re.findall(r"<td>(\d+)</td>", row)]

    cuizhu = review_cells("/org/cuizhu/reports/annual/2024")
    assert cuizhu == [6, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2]
    assert review_cells("/reports/annual/2024")[:5] == [1, 0, 0, 0, 1]
