"""Requests by letter, fax or in person registered by a handler, and information released on
request proposed for proactive disclosure (政府信息公开条例 Art. 29, 31, 44)."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.auth.actor import Actor
from portal.auth.models import Membership, User
from portal.documents import filing, proposals, publishing
from portal.documents.models import CatalogFiling, CatalogNode, Document, DocumentRevision
from portal.errors import NotAuthorized
from portal.extensions import db
from portal.interaction import info_requests
from portal.interaction.models import InfoRequest
from portal.orgs import directory
from portal.outbox.models import Notification
from portal.reports.counting import request_table
from portal.timeutil import local_date
from tests.actors import staff
from tests.clock import frozen
from tests.staff import csrf, login_as
from tests.synthetic_ids import make_id
from tests.test_admin_inbox import add_request
from tests.test_platform_admin import B, make_org

ID_NUMBER = make_id(born="19780512", seq="246")
MOBILE = "13812345679"
EMAIL = "wangdafang@example.com"
NAME = "王大方"
ADDRESS = "深圳市罗湖区东晓路1001号3栋502室"
#: Thursday 2025-03-06: letters and faxes of that week are registered on it.
TODAY = date(2025, 3, 6)


def form_data(**changes: str) -> dict[str, str]:
    """What a handler types from a paper application (Art. 29's items)."""
    return {
        "organisation": "",
        "channel": "信函",
        "received_on": "2025-03-03",
        "applicant_type": "person",
        "organisation_type": "",
        "name": NAME,
        "id_type": "居民身份证",
        "id_number": ID_NUMBER,
        "phone": MOBILE,
        "email": EMAIL,
        "address": ADDRESS,
        "description": "东晓街道2024年老旧小区改造项目的资金安排和施工单位名单",
        "purpose": "了解小区改造情况",
        "medium": "纸质",
        "delivery": "邮寄",
        **changes,
    }


def hidden_fields(html: str) -> dict[str, str]:
    return {
        name: value
        for name, value in re.findall(
            r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', html
        )
    }


def register(client, **changes: str):
    """Open the registration form and send it as typed (``changes`` over the defaults)."""
    page = client.get("/admin/requests/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = form_data(**changes)
    if not data["organisation"]:
        found = re.search(
            r'name="organisation"[^>]*value="([^"]*)"|<option selected value="([^"]*)"', html
        )
        data["organisation"] = found.group(1) or found.group(2)
    return client.post("/admin/requests/new", data={**hidden_fields(html), **data})


def receipt(html: str) -> tuple[str, str]:
    number = re.search(r"YSQ-\d{4}-\d{6}", html).group(0)
    code = re.search(r"<dt>查询码</dt><dd><strong>([^<]+)</strong>", html).group(1)
    return number, code


def stored(app, tracking_no: str) -> InfoRequest:
    with app.app_context():
        item = db.session.scalar(
            sa.select(InfoRequest).where(InfoRequest.tracking_no == tracking_no)
        )
        item.events  # noqa: B018 (loaded before the session ends)
        db.session.expunge_all()
        return item


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post(client, url: str, **data):
    return client.post(url, data={"csrf_token": csrf(client, "/admin/"), **data})


@pytest.fixture
def handler(app, make_user):
    return login_as(app, make_user("handler1", "handler"))


# -- registration ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "received", "starts", "due", "email"),
    [
        # by post: the day the office signed for it (Art. 31 (二))
        ("信函", "2025-03-03", date(2025, 3, 3), date(2025, 3, 31), EMAIL),
        # signed for on a Saturday: the count starts on the next working day
        ("信函", "2025-03-08", date(2025, 3, 10), date(2025, 4, 8), ""),
        # by fax: the day both sides confirmed it (Art. 31 (三))
        ("传真", "2025-03-05", date(2025, 3, 5), date(2025, 4, 2), EMAIL),
        # in person (also oral, written down by the handler): that very day (Art. 31 (一))
        ("当面", "2025-03-06", date(2025, 3, 6), date(2025, 4, 3), ""),
    ],
)
def test_a_request_by_each_channel_runs_from_its_received_date(
    app, make_user, channel, received, starts, due, email
):
    with frozen(TODAY if received <= TODAY.isoformat() else "2025-03-10"):
        client = login_as(app, make_user("handler1", "handler"))
        response = register(
            client,
            channel=channel,
            received_on=received,
            email=email,
            delivery="电子邮件" if email else "自行领取",
            address="",
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        html = response.get_data(as_text=True)
        number, code = receipt(html)
        assert "政府信息公开申请受理回执" in html and "查询码只显示这一次" in html
        assert f"已于 {received} 收到" in html and f"答复期限：{due:%Y-%m-%d}" in html
        assert NAME not in html and ID_NUMBER not in html and MOBILE not in html

        item = stored(app, number)
        assert item.channel == channel and item.channel_label.startswith(channel)
        assert item.receipt_date == starts and item.due_date == due
        assert local_date(item.received_at) == date.fromisoformat(received)
        assert item.events[0].day == date.fromisoformat(received)
        assert item.events[0].actor == "handler1"
        assert (item.name, item.id_number, item.medium) == (NAME, ID_NUMBER, "纸质")

        # the applicant follows it online with the number and code handed to them
        tracked = app.test_client()
        page = tracked.get("/track")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        found = tracked.post(
            "/track", data={"csrf_token": token, "tracking_no": number, "code": code}
        )
        assert found.status_code == 200 and f"{due:%Y年%m月%d日}" in found.text

        # the inbox lists it with its channel, and filters by channel
        listing = client.get("/admin/requests/").get_data(as_text=True)
        assert number in listing and f"<td>{channel}</td>" in listing
        assert number in client.get(f"/admin/requests/?channel={channel}").text
        other = "网络" if channel != "网络" else "信函"
        assert number not in client.get(f"/admin/requests/?channel={other}").text
        detail = client.get(f"/admin/requests/{item.id}").get_data(as_text=True)
        assert "收到渠道" in detail and f"收到申请（{channel}，handler1 登记）" in detail

    with app.app_context():
        audit = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.target_type == "request")
        ).all()
        assert [(r.action, r.actor, r.target_id) for r in audit] == [
            ("register", "handler1", item.id)
        ]
        assert audit[0].detail["channel"] == channel
        assert audit[0].detail["on"] == received
        assert NAME not in json.dumps(audit[0].detail, ensure_ascii=False)
        mails = db.session.scalars(sa.select(Notification)).all()
        # the receipt mail goes as for an online request, only to an address given
        assert [(m.event, m.recipient, m.carries_code) for m in mails] == (
            [("received", EMAIL, True)] if email else []
        )
        if email:
            assert code in mails[0].text_body and number in mails[0].subject
            assert f"{due.year}年{due.month}月{due.day}日" in mails[0].text_body

        # Table 三 counts it, in the year it was received, like any other request
        year = date.fromisoformat(received).year
        table = request_table(year, directory.home().id)
        assert table.total("new") == 1 and table.counts["new"][0] == 1
        assert dict(table.new_by_channel)[channel] == 1


def test_the_annual_report_counts_every_channel_in_the_year_received(app, handler, client):
    add_request(app, "online", received=date(2024, 12, 2))
    with frozen("2025-01-06"):  # a letter signed for before new year, registered after it
        assert register(handler, received_on="2024-12-30").status_code == 200
        assert register(handler, channel="当面", received_on="2025-01-06").status_code == 200
        assert register(handler, channel="传真", received_on="2024-12-31").status_code == 200
        with app.app_context():
            home = directory.home().id
            last, this = request_table(2024, home), request_table(2025, home)
        assert last.total("new") == 3 and this.total("new") == 1
        assert dict(last.new_by_channel) == {"网络": 1, "信函": 1, "传真": 1, "当面": 0}
        assert last.total("carried_out") == 3 and this.total("carried_in") == 3
        assert last.reconciles and this.reconciles
        page = client.get("/reports/annual/2024").get_data(as_text=True)
        assert "本年新收申请按提出方式：网络 1 件，信函 1 件，传真 1 件，当面 0 件" in page


# -- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"received_on": "2025-03-07"}, ["收到申请之日：不能晚于今天"]),
        ({"received_on": "2024-03-05"}, ["收到申请之日：不能早于 2024-03-06"]),
        ({"received_on": "2025-3-3"}, ["收到申请之日：日期格式应为 YYYY-MM-DD"]),
        ({"received_on": "2025-02-30"}, ["收到申请之日：日期格式应为 YYYY-MM-DD"]),
        ({"received_on": ""}, ["收到申请之日：必填"]),
        ({"channel": ""}, ["收到渠道：必填"]),
        ({"channel": "网络"}, ["收到渠道：请选择信函、传真或当面"]),
        ({"channel": "口头"}, ["收到渠道：请选择信函、传真或当面"]),
        ({"name": "", "phone": ""}, ["姓名或名称：必填", "联系电话：必填"]),
        ({"description": "资金"}, ["所需信息的描述：应为 10 至 2000 个字"]),
        ({"id_number": ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")}, ["证件号码："]),
        ({"phone": "12345"}, ["联系电话：请填写11位手机号码或带区号的固定电话"]),
        ({"delivery": "邮寄", "address": ""}, ["通信地址：选择邮寄时必填"]),
        ({"delivery": "电子邮件", "email": ""}, ["电子邮箱：选择电子邮件获取时必填"]),
        ({"medium": "", "delivery": ""}, ["获取信息的方式：必填", "获取信息的途径：必填"]),
        (
            {"applicant_type": "organisation", "organisation_type": ""},
            ["组织类型：法人或其他组织申请时请选择"],
        ),
    ],
)
def test_invalid_registrations_say_why_in_chinese_and_store_nothing(
    app, handler, changes, messages
):
    with frozen(TODAY):
        response = register(handler, **changes)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in messages:
        assert message in html, message
    assert 'class="error-summary"' in html and "请修改以下" in html
    assert count(app, InfoRequest) == 0 and count(app, Notification) == 0
    assert count(app, AuditRecord) == 1  # the sign-in only


def test_without_a_csrf_token_nothing_is_registered(app, handler):
    with frozen(TODAY):
        html = handler.get("/admin/requests/new").get_data(as_text=True)
        fields = {k: v for k, v in hidden_fields(html).items() if k != "csrf_token"}
        response = handler.post("/admin/requests/new", data={**fields, **form_data()})
    assert response.status_code == 400
    assert count(app, InfoRequest) == 0 and count(app, AuditRecord) == 1


def test_a_form_sent_twice_registers_one_request(app, handler):
    with frozen(TODAY):
        html = handler.get("/admin/requests/new").get_data(as_text=True)
        data = {**hidden_fields(html), **form_data()}
        data["organisation"] = directory_code(app)
        first = handler.post("/admin/requests/new", data=data)
        second = handler.post("/admin/requests/new", data=data)
    assert first.status_code == second.status_code == 200
    assert receipt(first.text) == receipt(second.text)
    assert count(app, InfoRequest) == 1
    with app.app_context():
        assert (
            db.session.scalar(sa.select(sa.func.count()).where(AuditRecord.action == "register"))
            == 1
        )


def directory_code(app) -> str:
    with app.app_context():
        return directory.home().code


def test_only_handlers_of_the_organisation_may_register(app, make_user):
    make_org(app, B, 2)
    with app.app_context():
        directory.forget()
        home, theirs = directory.home(), directory.by_code(B)
        home_id, home_code, their_id = home.id, home.code, theirs.id
    their_handler = login_as(app, make_user("handler_b", "handler", orgs=(B,)))
    editor = login_as(app, make_user("editor1", "editor"))
    with frozen(TODAY):
        assert editor.get("/admin/requests/new").status_code == 403
        # a handler of 翠竹街道 offers only their own office, and cannot register for another
        page = their_handler.get("/admin/requests/new").get_data(as_text=True)
        assert f'value="{B}"' in page and f'value="{home_code}"' not in page
        refused = register(their_handler, organisation=home_code)
        assert refused.status_code == 403
        assert count(app, InfoRequest) == 0
        with app.app_context(), pytest.raises(NotAuthorized):
            info_requests.register_request(
                form_data(),
                channel="信函",
                received_on=TODAY,
                org_id=home_id,
                form_token="other-office",
                actor=Actor.staff("handler_b", "handler", org_ids=[their_id]),
            )
        assert count(app, InfoRequest) == 0
        # their own office's is theirs, and out of sight of the home office's handlers
        mine = register(their_handler, organisation=B)
        assert mine.status_code == 200
        number, _ = receipt(mine.text)
        item = stored(app, number)
        assert item.organisation_id == their_id
        home_handler = login_as(app, make_user("handler1", "handler"))
        assert number not in home_handler.get("/admin/requests/").text
        assert home_handler.get(f"/admin/requests/{item.id}").status_code == 404
        assert number in their_handler.get("/admin/requests/").text


# -- Art. 44: released information proposed for proactive disclosure ---------------------


def registered(app, handler) -> InfoRequest:
    with frozen(TODAY):
        response = register(handler)
    assert response.status_code == 200
    return stored(app, receipt(response.text)[0])


REPLY = (
    f"{NAME}：您好！您申请公开的东晓街道2024年老旧小区改造项目资金安排如下："
    "项目总投资1200万元，施工单位为深圳市某建设工程有限公司。"
    f"如有疑问请致电{MOBILE}或发邮件至{EMAIL}联系您的经办人。"
)


def applicant_traces(item: InfoRequest) -> list[str]:
    """The applicant's details, whole or masked in part, and the request's number."""
    return [
        NAME,
        ID_NUMBER,
        MOBILE,
        MOBILE[:3] + "****",
        MOBILE[-4:],
        EMAIL,
        "@example.com",
        ADDRESS,
        "东晓路1001号",
        item.tracking_no,
    ]


def test_a_disclosed_answer_becomes_a_draft_in_the_proactive_column(
    app, handler, client, make_user
):
    item = registered(app, handler)
    url = f"/admin/requests/{item.id}"
    page = handler.get(url).get_data(as_text=True)
    assert 'name="proactive"' in page
    assert '<option selected value="ysqzzd">依申请公开转主动公开</option>' in page

    closed = post(handler, f"{url}/close", outcome="disclosed", reply=REPLY, proactive="y")
    assert closed.status_code == 302
    with app.app_context():
        request_ = db.session.get(InfoRequest, item.id)
        assert request_.status == "closed" and request_.proactive_document_id
        doc = db.session.get(Document, request_.proactive_document_id)
        assert doc.status == "draft" and doc.organisation_id == request_.organisation_id
        assert doc.title == "东晓街道2024年老旧小区改造项目的资金安排和施工单位名单"
        assert "项目总投资1200万元" in doc.body and "第四十四条" in doc.body
        assert doc.body.startswith("申请人：您好！") and "请致电×××或发邮件至×××联系" in doc.body
        filed = db.session.scalars(
            sa.select(CatalogNode.key)
            .join(CatalogFiling, CatalogFiling.node_id == CatalogNode.id)
            .where(CatalogFiling.document_id == doc.id)
        ).all()
        assert filed == ["ysqzzd"]
        # nothing of the applicant, nor of the request, anywhere in the document or its history
        revisions = db.session.scalars(
            sa.select(DocumentRevision).where(DocumentRevision.document_id == doc.id)
        ).all()
        kept = json.dumps(
            [
                doc.title,
                doc.summary,
                doc.body,
                doc.body_html,
                doc.publisher,
                doc.slug,
                doc.extra,
                doc.tags,
                *[(r.snapshot, r.note) for r in revisions],
            ],
            ensure_ascii=False,
        )
        for trace in applicant_traces(item):
            assert trace not in kept, trace
        actions = db.session.scalars(
            sa.select(AuditRecord.action)
            .where(AuditRecord.target_type == "request")
            .order_by(AuditRecord.id)
        ).all()
        assert actions == ["register", "close", "propose_disclosure"]
        doc_id = doc.id
        with app.test_request_context():
            doc_url = doc.url

    # staff see which draft it became, a link to it where they may open it
    page = handler.get(url).get_data(as_text=True)
    assert "已纳入主动公开范围" in page and f"（草稿，信息编号 {doc_id}）" in page
    assert "《东晓街道2024年老旧小区改造项目的资金安排和施工单位名单》" in page
    assert f"/admin/documents/{doc_id}/edit" not in page  # a handler alone may not open it
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "handler1"))
        user.memberships.append(Membership(organisation_id=directory.home().id, role="editor"))
        db.session.commit()
    page = handler.get(url).get_data(as_text=True)
    assert f'href="/admin/documents/{doc_id}/edit"' in page
    editor = login_as(app, make_user("editor1", "editor"))
    assert editor.get(f"/admin/documents/{doc_id}/edit").status_code == 200
    assert editor.get(url).status_code == 403  # the request itself stays the handlers'

    # not public until a reviewer publishes it
    assert client.get(doc_url).status_code == 404
    assert client.get("/disclosure/catalog/ysqzzd/").status_code == 404
    assert "老旧小区改造项目" not in client.get("/search?q=老旧小区改造").text
    with app.app_context():
        publishing.publish(db.session.get(Document, doc_id), actor=staff("r", "reviewer"))
    assert client.get(doc_url).status_code == 200
    column = client.get("/disclosure/catalog/ysqzzd/").get_data(as_text=True)
    assert "东晓街道2024年老旧小区改造项目的资金安排和施工单位名单" in column
    public = client.get(doc_url).get_data(as_text=True)
    for trace in applicant_traces(item):
        assert trace not in public, trace


def test_the_handler_may_choose_another_column_of_the_organisation(app, handler):
    item = registered(app, handler)
    closed = post(
        handler,
        f"/admin/requests/{item.id}/close",
        outcome="partly",
        reply="部分公开：项目总投资1200万元。",
        proactive="y",
        proactive_column="tzgg",
    )
    assert closed.status_code == 302
    with app.app_context():
        doc_id = db.session.get(InfoRequest, item.id).proactive_document_id
        assert [
            n.key
            for n in db.session.scalars(
                sa.select(CatalogNode).where(CatalogNode.id.in_(filing.filed_ids(doc_id)))
            )
        ] == ["tzgg"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"outcome": "withheld.process", "proactive": "y"},
            "纳入主动公开：只有“予以公开”或“部分公开”的信息可以纳入主动公开范围",
        ),
        (
            {"outcome": "disclosed", "proactive": "y", "proactive_column": "no-such-column"},
            "公开目录栏目：请从本单位的栏目中选择",
        ),
        (
            {"outcome": "disclosed", "proactive": "y", "proactive_column": "rules"},
            "公开目录栏目：请从本单位的栏目中选择",
        ),
    ],
)
def test_a_draft_that_cannot_be_made_leaves_the_request_open(app, handler, data, message):
    item = registered(app, handler)
    response = post(handler, f"/admin/requests/{item.id}/close", reply=REPLY, **data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(InfoRequest, item.id).status == "received"
        assert db.session.get(InfoRequest, item.id).proactive_document_id is None
    assert count(app, Document) == 0


def test_closing_without_the_tick_makes_no_draft(app, handler):
    item = registered(app, handler)
    post(handler, f"/admin/requests/{item.id}/close", outcome="disclosed", reply=REPLY)
    with app.app_context():
        assert db.session.get(InfoRequest, item.id).proactive_document_id is None
    assert count(app, Document) == 0
    assert "已纳入主动公开范围" not in handler.get(f"/admin/requests/{item.id}").text


def test_only_the_organisation_s_handlers_may_propose_a_draft(app, handler, make_user):
    item = registered(app, handler)
    make_org(app, B, 2)
    with app.app_context():
        directory.forget()
        their_id = directory.by_code(B).id
    theirs = login_as(app, make_user("handler_b", "handler", orgs=(B,)))
    editor = login_as(app, make_user("editor1", "editor"))
    data = {"outcome": "disclosed", "reply": REPLY, "proactive": "y"}
    assert post(theirs, f"/admin/requests/{item.id}/close", **data).status_code == 404
    assert post(editor, f"/admin/requests/{item.id}/close", **data).status_code == 403
    with app.app_context():
        request_ = db.session.get(InfoRequest, item.id)
        for actor in (
            Actor.staff("handler_b", "handler", org_ids=[their_id]),
            staff("e", "editor"),
            staff("r", "reviewer"),
        ):
            with pytest.raises(NotAuthorized):
                info_requests.close_request(request_, **data, actor=actor)
            with pytest.raises(NotAuthorized):
                proposals.propose(
                    {"title": "x", "topic": "综合政务"},
                    actor=actor,
                    org_id=request_.organisation_id,
                    column=None,
                )
    assert count(app, Document) == 0
    with app.app_context():
        assert db.session.get(InfoRequest, item.id).status == "received"


def test_the_query_code_is_hashed_before_the_write_lock_is_taken(app, handler, monkeypatch):
    """A password hash takes a tenth of a second of CPU by design: made inside the unit of
    work, it would hold every other writer (residents, the outbox sender) that long."""
    from portal.database import _DEPTH_KEY
    from portal.interaction import submissions

    depths: list[int] = []
    real = submissions.generate_password_hash

    def noting(code: str) -> str:
        depths.append(db.session().info.get(_DEPTH_KEY, 0))
        return real(code)

    monkeypatch.setattr(submissions, "generate_password_hash", noting)
    with frozen(TODAY):
        assert register(handler).status_code == 200
    assert count(app, InfoRequest) == 1
    assert depths == [0]  # hashed once, with no unit of work open


def test_the_applicant_s_receipt_names_the_channel_not_an_online_submission(app, handler, client):
    from tests.test_requester import page_tokens, section, text_of, track

    with frozen(TODAY):
        number, code = receipt(register(handler).get_data(as_text=True))
        page = track(client, number, code).get_data(as_text=True)
        shown = client.post("/track/receipt", data=page_tokens(page)).get_data(as_text=True)
    printed = text_of(section(shown, "receipt"))
    assert "提出方式 信函（由本机关工作人员登记）" in printed
    assert "网上提交" not in printed and "00:00" not in printed


def test_a_registration_sent_again_after_the_code_was_replaced_shows_no_dead_code(app, handler):
    from werkzeug.security import generate_password_hash

    with frozen(TODAY):
        html = handler.get("/admin/requests/new").get_data(as_text=True)
        data = {**hidden_fields(html), **form_data(), "organisation": directory_code(app)}
        number, _ = receipt(handler.post("/admin/requests/new", data=data).get_data(as_text=True))
        with app.app_context():  # the applicant asked for a new code and has used it
            item = stored(app, number)
            db.session.get(InfoRequest, item.id).code_hash = generate_password_hash("NEWCODE1")
            db.session.commit()
        again = handler.post("/admin/requests/new", data=data).get_data(as_text=True)
    assert number in again and "None" not in again
    assert "已通过“找回查询码”更换" in again
