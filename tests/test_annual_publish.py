"""The annual disclosure report written, reviewed and published (issue 18, points 9–10).

Staff write 一、五 and 六 (with the 信息处理费) and may insert the computed figures into 一;
only policy files flagged 行政规范性文件 count in Table 二; a writer of the organisation
sends the report to review and another member of its staff, a reviewer, publishes it —
staff of another organisation never see it. Publishing freezes every figure: later records
change the live statistics (which then list what differs) but never the published report,
filed as a ``report`` document in /disclosure/annual/ with a print view and CSV. From
1 January the dashboard warns until last year's report is out, severely after 31 January.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.admin import inspection
from portal.audit import AuditRecord
from portal.auth.actor import SYSTEM, Actor
from portal.documents import filing, loader, publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, NotAuthorized, ValidationError
from portal.extensions import db
from portal.orgs import directory
from portal.reports import annual, publication, snapshot
from portal.reports.figures import review_figures, set_review_figures
from portal.reports.models import REVIEW_FIELDS, DisclosureReport
from portal.states import ReportStatus
from portal.timeutil import parse_local
from tests.clock import frozen
from tests.conftest import BASE_FIELDS, ROOT
from tests.staff import csrf, login_as
from tests.test_platform_reports import add_org

OTHER = "cuizhu"
OVERVIEW = "2024年，东晓街道认真贯彻落实《中华人民共和国政府信息公开条例》，推进政务公开。"
PROBLEMS = "一是政策解读形式还不够丰富；二是依申请公开办理规范化水平有待提高。"
GOOD = {
    "overview": OVERVIEW,
    "problems": PROBLEMS,
    "other": "本年度无其他需要报告的事项。",
    "fee_notices": "0",
    "fee_notified": "0",
    "fee_collected": "0",
}


def home_id() -> int:
    return directory.home().id


def writer(name: str = "e", org_id: int | None = None) -> Actor:
    return Actor.staff(name, "editor", org_ids=[org_id or home_id()])


def reviewer(name: str = "r", org_id: int | None = None) -> Actor:
    return Actor.staff(name, "reviewer", org_ids=[org_id or home_id()])


def publish_doc(kind: str, when: str = "2024-05-01 10:00", **fields) -> Document:
    """A published document of the home organisation."""
    data = {"title": f"{kind}信息", "topic": "综合政务", **BASE_FIELDS[kind], **fields}
    doc = publishing.create(kind, "", data, actor=SYSTEM)
    return publishing.publish(doc, actor=SYSTEM, published_at=parse_local(when))


def enter_table_four(year: int, **figures: int) -> None:
    """Table 四 of the home organisation (zeros but for ``figures``)."""
    entered = {name: 0 for name in REVIEW_FIELDS} | figures
    set_review_figures(home_id(), year, entered, actor=SYSTEM)


def submitted(year: int = 2024, by: Actor | None = None) -> DisclosureReport:
    """The home organisation's report of ``year``, written (Table 四 too) and sent to
    review."""
    by = by or writer()
    if review_figures(home_id(), year) is None:
        enter_table_four(year)
    publication.save_draft(home_id(), year, GOOD, actor=by)
    return publication.submit(home_id(), year, actor=by)


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def form_post(client, url: str, **data):
    """Post a staff form to ``url`` with the session's CSRF token."""
    return client.post(url, data={"csrf_token": csrf(client, "/admin/"), **data})


# -- 9. the draft: Chinese validation, inserting the computed figures ---------------------


def test_the_draft_is_checked_with_a_chinese_message_per_field(ctx):
    bad = {
        **GOOD,
        "overview": "年" * (publication.MAX_TEXT + 1),
        "fee_notices": "三件",
        "fee_notified": "12.345",
    }
    with pytest.raises(ValidationError) as refused:
        publication.save_draft(home_id(), 2024, bad, actor=writer())
    assert refused.value.errors == {
        "overview": f"总体情况：不能超过 {publication.MAX_TEXT} 个字",
        "fee_notices": "发出收费通知件数：应为整数",
        "fee_notified": "收费通知总金额：金额最多两位小数",
    }
    with pytest.raises(ValidationError) as refused:
        publication.save_draft(
            home_id(),
            2024,
            {**GOOD, "fee_notices": "2", "fee_notified": "100", "fee_collected": "150.5"},
            actor=writer(),
        )
    assert refused.value.errors == {"fee_collected": "实际收取总金额：不能大于收费通知总金额"}
    assert publication.report_of(home_id(), 2024) is None  # nothing half-saved

    # A draft may be incomplete; sending it to review may not.
    publication.save_draft(home_id(), 2024, {"overview": OVERVIEW}, actor=writer())
    with pytest.raises(ValidationError) as refused:
        publication.submit(home_id(), 2024, actor=writer())
    assert refused.value.errors == {
        "problems": "存在的主要问题及改进情况：提交审核前必须填写",
        "fee_notices": "发出收费通知件数：提交审核前必须填写，没有请填 0",
        "fee_notified": "收费通知总金额：提交审核前必须填写，没有请填 0",
        "fee_collected": "实际收取总金额：提交审核前必须填写，没有请填 0",
        "review": "表四（行政复议、行政诉讼）：提交审核前须先填报，没有请填 0",
    }
    # The current year's report waits until the year is over.
    publication.save_draft(home_id(), 2026, GOOD, actor=writer())
    with frozen("2026-12-31"), pytest.raises(InvalidTransition, match="尚未结束"):
        publication.submit(home_id(), 2026, actor=writer())

    row = publication.save_draft(
        home_id(),
        2024,
        {**GOOD, "fee_notices": "2", "fee_notified": "1,200.5", "fee_collected": "600"},
        actor=writer(),
    )
    assert (row.fee_notices, row.fee_notified, row.fee_collected) == (2, "1200.50", "600.00")
    assert row.fee_sentence == (
        "本年度依据《政府信息公开信息处理费管理办法》发出收费通知2件，"
        "总金额1200.50元，实际收取总金额600.00元。"
    )


def test_staff_edit_the_draft_in_the_back_office(app, make_user):
    editor = login_as(app, make_user("editor1", "editor"))
    url = "/admin/reports/2024/annual"
    page = editor.get(url)
    assert page.status_code == 200 and "一、总体情况" in page.get_data(as_text=True)

    typed = {**GOOD, "fee_collected": "-5"}
    refused = form_post(editor, url, **typed)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "请修改以下 1 处内容" in html and "实际收取总金额：应为不小于 0 的金额" in html
    assert OVERVIEW in html  # what was typed is shown again

    saved = form_post(editor, url, **GOOD)
    assert saved.status_code == 302
    assert "草稿已保存" in editor.get(url).get_data(as_text=True)
    with app.app_context():
        row = publication.report_of(home_id(), 2024)
        assert row is not None and row.overview == OVERVIEW and row.updated_by == "editor1"
        assert row.status == ReportStatus.DRAFT
        audited = db.session.scalar(
            sa.select(AuditRecord).where(AuditRecord.action == "annual_report_saved")
        )
        assert audited is not None and audited.detail["year"] == 2024


def test_inserting_the_computed_figures_into_the_overview(app, make_user):
    with app.app_context():
        for when in ("2024-03-01 10:00", "2024-06-01 10:00"):
            publish_doc("news", when)
        live = annual.build(2024, home_id())
        offered = {s.key: s for s in publication.sentences(live)}
    assert offered["portal"].text == live.summary.sentence
    assert "工作动态2条" in offered["portal"].text
    assert offered["active"].text.startswith("本年度制发行政规范性文件0件")
    assert "review" not in offered  # Table 四 not entered yet: nothing to say of it

    editor = login_as(app, make_user("editor1", "editor"))
    url = "/admin/reports/2024/annual"
    page = editor.get(url).get_data(as_text=True)
    assert offered["portal"].text in page and 'name="insert" value="all"' in page

    assert form_post(editor, url, **{**GOOD, "insert": "portal"}).status_code == 302
    with app.app_context():
        row = publication.report_of(home_id(), 2024)
        assert row.overview == f"{OVERVIEW}\n\n{offered['portal'].text}"
    typed = "我们补充的一句话。"
    assert form_post(editor, url, **{**GOOD, "overview": typed, "insert": "all"}).status_code == 302
    with app.app_context():
        row = publication.report_of(home_id(), 2024)
        paragraph = "".join(s.text for s in offered.values())
        assert row.overview == f"{typed}\n\n{paragraph}"
    assert "已插入统计数据并保存草稿" in editor.get(url).get_data(as_text=True)

    # Once Table 四 is entered, its figures are offered too.
    with app.app_context():
        enter_table_four(2024, review_upheld=1, suit_direct_pending=2)
        offered = {s.key: s for s in publication.sentences(annual.build(2024, home_id()))}
    assert offered["review"].text == "本年度因政府信息公开被申请行政复议1件、提起行政诉讼2件。"


# -- 9. 行政规范性文件: only flagged policy files count in Table 二 ---------------------------


def test_only_normative_documents_count_in_table_two(app, make_user, client):
    with app.app_context():
        flagged = publish_doc("policy", issued_on="2024-03-01", normative=True)
        publish_doc("policy", issued_on="2024-04-01")  # a work plan: not normative
        plan = publish_doc("policy", issued_on="2024-05-01", normative=False)
        active = annual.build(2024, home_id()).active
        assert (active.normative_issued, active.normative_in_force) == (1, 1)
        # every policy file still counts in the portal's own line of what was published
        assert dict(annual.build(2024, home_id()).summary.items)["政策文件"] == 3
        flagged_url, plan_id = f"/policy/{flagged.slug}", plan.id

    # The editor ticks it on a policy file; the published page and list say so.
    chief = login_as(app, make_user("chief", "reviewer"))
    edit_url = f"/admin/documents/{plan_id}/edit"
    form = chief.get(edit_url).get_data(as_text=True)
    assert re.search(r'<input[^>]*id="normative"[^>]*type="checkbox"', form)
    assert "行政规范性文件" in form and "checked" not in re.search(
        r'<input[^>]*id="normative"[^>]*>', form
    ).group(0)
    with app.app_context():
        plan = db.session.get(Document, plan_id)
        data = {"title": plan.title, "topic": plan.topic, "body": plan.body, **plan.extra}
    data.update(normative="y", csrf_token=csrf(chief, edit_url))
    assert chief.post(edit_url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Document, plan_id).extra["normative"] is True
        assert annual.build(2024, home_id()).active.normative_issued == 2

    detail = page_text(client.get(flagged_url))
    assert "行政规范性文件 是" in detail
    listing = client.get("/policy/").get_data(as_text=True)
    assert listing.count("<span>行政规范性文件</span>") == 2


def test_the_demo_content_flags_its_normative_document(app, tmp_path):
    root = ROOT / "content"
    with app.app_context():
        flags = {
            path.stem: loader.parse_file(path, root).data.get("normative")
            for path in sorted((root / "policy").glob("*.md"))
        }
    assert flags.pop("bianmin-fuwu-zhongxin-guanli-banfa-2024") is True
    assert set(flags.values()) == {None}  # work rules, plans and 学习计划 are not
    folder = tmp_path / "content" / "policy"
    folder.mkdir(parents=True)
    (folder / "banfa.md").write_text(
        "---\ntitle: 管理办法\ntopic: 综合政务\npublished_at: 2024-01-02\n"
        "doc_number: 东办〔2024〕1号\nissued_on: 2024-01-01\nvalidity: 有效\n"
        "normative: true\n---\n正文\n",
        encoding="utf-8",
    )
    (folder / "bad.md").write_text(
        "---\ntitle: 坏文件\ntopic: 综合政务\npublished_at: 2024-01-02\n"
        "doc_number: 东办〔2024〕2号\nissued_on: 2024-01-01\nvalidity: 有效\n"
        "normative: 也许\n---\n正文\n",
        encoding="utf-8",
    )
    with app.app_context():
        report = loader.load_directory(tmp_path / "content")
        assert report.created == 1 and report.failed == 1
        assert report.errors == [
            "content/policy/bad.md: 字段 normative（行政规范性文件）：应为“是”或“否”"
        ]
        assert annual.build(2024, home_id()).active.normative_issued == 1


# -- 10. draft → review → publish, by the proper people only ----------------------------


def test_only_the_organisation_s_staff_write_review_and_publish(ctx):
    other = add_org(OTHER, "翠竹街道", 1)
    stranger = reviewer("stranger", other.id)
    with pytest.raises(NotAuthorized):
        publication.save_draft(home_id(), 2024, GOOD, actor=stranger)
    with pytest.raises(NotAuthorized):  # a handler writes no documents
        publication.save_draft(home_id(), 2024, GOOD, actor=Actor.staff("h", "handler"))
    submitted(by=writer("e"))
    with pytest.raises(NotAuthorized):
        publication.publish(home_id(), 2024, actor=writer("e2"))  # an editor never publishes
    with pytest.raises(NotAuthorized):
        publication.publish(home_id(), 2024, actor=stranger)
    with pytest.raises(NotAuthorized):
        publication.send_back(home_id(), 2024, "请补充", actor=stranger)
    with pytest.raises(InvalidTransition):  # in review: writers may no longer change it
        publication.save_draft(home_id(), 2024, GOOD, actor=writer("e"))

    # A reviewer sends it back; one who then changes and resubmits it cannot publish it.
    with pytest.raises(ValidationError, match="退回意见：必填"):
        publication.send_back(home_id(), 2024, " ", actor=reviewer("r"))
    publication.send_back(home_id(), 2024, "请补充存在的问题。", actor=reviewer("r"))
    row = publication.report_of(home_id(), 2024)
    assert row.status == ReportStatus.DRAFT and row.returned_note == "请补充存在的问题。"
    submitted(by=reviewer("r"))
    assert not publication.may_publish(row, reviewer("r"))
    with pytest.raises(NotAuthorized):
        publication.publish(home_id(), 2024, actor=reviewer("r"))
    assert publication.may_publish(row, reviewer("r2"))
    row = publication.publish(home_id(), 2024, actor=reviewer("r2"))
    assert row.status == ReportStatus.PUBLISHED and row.published_by == "r2"
    with pytest.raises(InvalidTransition):
        publication.publish(home_id(), 2024, actor=reviewer("r3"))
    with pytest.raises(InvalidTransition):
        publication.save_draft(home_id(), 2024, GOOD, actor=writer("e"))
    actions = db.session.scalars(
        sa.select(AuditRecord.action)
        .where(AuditRecord.target_type == "disclosure_report")
        .order_by(AuditRecord.id)
    ).all()
    assert actions[-3:] == [
        "annual_report_saved",
        "annual_report_submitted",
        "annual_report_published",
    ]
    # The other organisation's report is its own: nothing of it exists.
    assert publication.report_of(other.id, 2024) is None


def test_the_back_office_flow_by_role(app, make_user):
    with app.app_context():
        add_org(OTHER, "翠竹街道", 1)
    home = directory_code(app)
    editor = login_as(app, make_user("editor1", "editor", orgs=(home,)))
    chief = login_as(app, make_user("chief", "reviewer", orgs=(home,)))
    outsider = login_as(app, make_user("outsider", "reviewer", orgs=(OTHER,)))
    url = "/admin/reports/2024/annual"

    # Another organisation's staff: its own report only, never this one.
    assert outsider.get(f"{url}?org={home}").status_code == 404
    assert form_post(editor, url, **GOOD).status_code == 302
    refused = form_post(editor, f"{url}/submit")
    assert refused.status_code == 400 and "表四（行政复议、行政诉讼）" in refused.get_data(
        as_text=True
    )
    with app.app_context():
        enter_table_four(2024)
    assert form_post(editor, f"{url}/submit").status_code == 302
    # An editor may not publish (the route table), the outsider sees no such report.
    assert form_post(editor, f"{url}/publish").status_code == 403
    assert form_post(outsider, f"{url}/publish?org={home}").status_code == 404
    review = chief.get(url).get_data(as_text=True)
    assert "待审核" in review and f"{url}/publish" in review
    assert editor.get(url).status_code == 200
    published = form_post(chief, f"{url}/publish")
    assert published.status_code == 302
    done = chief.get(url).get_data(as_text=True)
    assert "年度报告已发布" in done and "按目前记录统计的数据与发布时一致" in done
    # The outsider's own organisation still has nothing published.
    with app.app_context():
        assert publication.published_for(2024) == {directory.home().id}


def directory_code(app) -> str:
    with app.app_context():
        return directory.home().code


# -- 10. frozen figures, the document, its print view and CSV -----------------------------


@pytest.fixture
def published_2024(app):
    """The home organisation's 2024 report, published over a few records."""
    with app.app_context():
        for when in ("2024-03-01 10:00", "2024-06-01 10:00", "2024-09-01 10:00"):
            publish_doc("news", when)
        publish_doc("policy", issued_on="2024-02-01", normative=True)
        submitted()
        row = publication.publish(home_id(), 2024, actor=reviewer("r"))
        return row.id


def test_publishing_freezes_every_figure(app, client, published_2024):
    with app.app_context():
        row = db.session.get(DisclosureReport, published_2024)
        before = publication.frozen(row)
        assert dict(before.summary.items)["工作动态"] == 3
        assert before.active.normative_issued == 1
        assert snapshot.differences(before, annual.build(2024, home_id())) == []

        # Later records: one more 2024 news item and a normative document.
        publish_doc("news", "2024-11-11 10:00")
        publish_doc("policy", issued_on="2024-10-01", normative=True)
        db.session.expire_all()
        row = db.session.get(DisclosureReport, published_2024)
        after = publication.frozen(row)
        assert dict(after.summary.items)["工作动态"] == 3  # as published
        assert after.active.normative_issued == 1
        changed = {
            d.label: (d.published, d.current)
            for d in snapshot.differences(after, annual.build(2024, home_id()))
        }
    assert changed == {
        "门户网站公布工作动态": (3, 4),
        "门户网站公布政策文件": (1, 2),
        "行政规范性文件·本年制发件数": (1, 2),
        "行政规范性文件·现行有效件数": (1, 2),
    }

    live = client.get("/reports/annual/2024").get_data(as_text=True)
    assert "已发布的年度报告" in live and "以下 4 项与已发布报告不同" in live
    assert "门户网站公布工作动态" in page_text(client.get("/reports/annual/2024"))
    printed = client.get("/disclosure/annual/2024/print").get_data(as_text=True)
    assert '<th scope="row">行政规范性文件</th><td>1</td><td>0</td><td>1</td>' in printed
    csv_rows = client.get("/disclosure/annual/2024.csv").get_data().decode("utf-8-sig")
    assert "行政规范性文件,1,0,1" in csv_rows
    assert "工作动态3条" in csv_rows and "工作动态4条" not in csv_rows


def test_the_published_report_is_filed_as_a_document_with_print_view_and_csv(
    app, client, published_2024
):
    with app.app_context():
        row = db.session.get(DisclosureReport, published_2024)
        doc = db.session.get(Document, row.document_id)
        assert doc.kind == "report" and doc.status == "published" and doc.extra == {"year": 2024}
        assert doc.title == f"{directory.home().name}2024年政府信息公开工作年度报告"
        assert "年度报告" in filing.filed_names(doc.id)
        assert row.snapshot["requests"]["new"] == [0] * 6
        doc_url = f"/report/{doc.slug}"
        for heading in (
            "## 一、总体情况",
            "## 五、存在的主要问题及改进情况",
            "## 六、其他需要报告的事项",
        ):
            assert heading in doc.body
        assert OVERVIEW in doc.body and PROBLEMS in doc.body
        assert "本年度没有发出信息处理费收费通知" in doc.body

    listing = client.get("/disclosure/annual/").get_data(as_text=True)
    assert f'href="{doc_url}"' in listing
    assert 'href="/disclosure/annual/2024/print"' in listing
    assert 'href="/disclosure/annual/2024.csv"' in listing
    assert "本单位发布的其他年度报告" not in listing  # listed once, as the year's report
    assert client.get("/disclosure/annual/2024").headers["Location"].endswith(doc_url)

    detail = client.get(doc_url).get_data(as_text=True)
    assert "/disclosure/annual/2024/print" in detail and "<table>" in detail

    printed = client.get("/disclosure/annual/2024/print")
    html = printed.get_data(as_text=True)
    assert printed.status_code == 200
    assert "/static/css/print.css" in html and 'media="print"' not in html
    assert "site-header" not in html  # one document, nothing but the report
    for part in (
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ):
        assert part in html, part
    assert OVERVIEW in html and PROBLEMS in html
    with client.get("/static/css/print.css") as stylesheet:
        assert "size: A4" in stylesheet.get_data(as_text=True)

    response = client.get("/disclosure/annual/2024.csv")
    assert response.mimetype == "text/csv" and response.get_data().startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][0].startswith("已于 ") and "发布时固定" in rows[1][0]
    by_label = {row[0]: row[1:] for row in rows if row}
    assert by_label["行政规范性文件"] == ["1", "0", "1"]
    assert by_label["发出收费通知件数"] == ["0"]

    for missing in (
        "/disclosure/annual/2023",
        "/disclosure/annual/2023/print",
        "/disclosure/annual/2023.csv",
    ):
        assert client.get(missing).status_code == 404

    # Withdrawn through the document workflow, the report is no longer public.
    with app.app_context():
        doc = db.session.get(Document, db.session.get(DisclosureReport, published_2024).document_id)
        publishing.withdraw(doc, reason="内容有误，重新发布", actor=SYSTEM)
    assert client.get("/disclosure/annual/2024/print").status_code == 404


# -- 10. the dashboard from 1 January ------------------------------------------------------


def test_the_dashboard_warns_until_last_year_s_report_is_published(app, make_user):
    editor = login_as(app, make_user("editor1", "editor"))
    warning = "2026 年政府信息公开工作年度报告尚未发布"
    with frozen("2027-01-05"):
        html = editor.get("/admin/").get_data(as_text=True)
        assert warning in html and "须在2027 年 1 月 31 日前公布（还剩 26 天）" in html
        assert not re.search(r"<strong>严重：</strong>2026 年政府信息公开", html)
        assert 'href="/admin/reports/annual' in html
    with frozen("2027-02-01"):
        html = editor.get("/admin/").get_data(as_text=True)
        assert re.search(
            r"<strong>严重：</strong>2026 年政府信息公开工作年度报告尚未发布，已超过法定期限", html
        )

    with frozen("2027-01-05"), app.app_context():
        submitted(2026)
        publication.publish(home_id(), 2026, actor=reviewer("r"))
    with frozen("2027-01-05"):
        assert warning not in editor.get("/admin/").get_data(as_text=True)
    with frozen("2027-03-01"):
        assert warning not in editor.get("/admin/").get_data(as_text=True)
    with frozen("2028-01-02"):  # a new year: the 2027 report is due
        assert "2027 年政府信息公开工作年度报告尚未发布" in editor.get("/admin/").get_data(
            as_text=True
        )


def test_each_organisation_is_warned_about_its_own_report(ctx):
    other = add_org(OTHER, "翠竹街道", 1)
    with frozen("2027-01-05"):
        submitted(2026)
        publication.publish(home_id(), 2026, actor=reviewer("r"))
        table = inspection.standings(date(2027, 1, 5), [home_id(), other.id], requests=False)
    texts = {
        org_id: [alert.text for alert in standing.alerts(date(2027, 1, 5))]
        for org_id, standing in table.items()
    }
    assert not any("年度报告尚未发布" in text for text in texts[home_id()])
    assert any("2026 年政府信息公开工作年度报告尚未发布" in text for text in texts[other.id])
