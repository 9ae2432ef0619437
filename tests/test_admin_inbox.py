"""Staff inbox: lists by deadline, masked personal data, reveal, actions, access."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from portal.audit import AuditRecord
from portal.extensions import db
from portal.interaction import calendar, deadlines, info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message, RequestEvent
from portal.timeutil import local_date, local_midnight_utc, utcnow
from tests.actors import staff
from tests.clock import frozen
from tests.staff import csrf, login_as
from tests.synthetic_ids import make_id

ID_NUMBER = make_id()
OTHER_ID = make_id(born="19850612", seq="456")
MOBILE = "13912345678"
OTHER_MOBILE = "13712345670"
FULL_ID_RE = re.compile(r"\d{17}[\dXx]")
MOBILE_RE = re.compile(r"1[3-9]\d{9}")


# -- fixtures and helpers --------------------------------------------------------------


@pytest.fixture
def handler(app, make_user):
    return login_as(app, make_user("handler1", "handler"))


def today() -> date:
    return local_date(utcnow())


def working_days_before(day: date, n: int) -> date:
    """The working day from which ``day`` is ``n`` working days later."""
    start = day - timedelta(days=1)
    while not (calendar.is_working_day(start) and calendar.working_days_between(start, day) == n):
        start -= timedelta(days=1)
    return start


def add_message(app, key: str, *, received: date | None = None, **fields) -> int:
    data = {
        "subject": "小区门口占道经营",
        "content": f"每天傍晚有摊贩占道经营。我的电话{OTHER_MOBILE}，身份证{OTHER_ID}。",
        "category": "城市管理",
        "name": "王小明",
        "contact": MOBILE,
        "consent": True,
        **fields,
    }
    quarantine = data.pop("quarantine", None)
    with app.app_context():
        sub = submissions.submit_message(data, form_token=key, quarantine=quarantine)
        message = db.session.scalar(
            sa.select(Message).where(Message.tracking_no == sub.tracking_no)
        )
        if received is not None:
            message.received_at = local_midnight_utc(received) + timedelta(hours=10)
            db.session.commit()
        return message.id


def add_request(
    app, key: str, *, due: date | None = None, received: date | None = None, **fields
) -> int:
    """A request received on ``received`` (today by default), or on the working day that
    makes it due on (or just before) ``due``."""
    data = {
        "applicant_type": "person",
        "name": "李四海",
        "id_type": "居民身份证",
        "id_number": ID_NUMBER,
        "phone": MOBILE,
        "email": "lisihai@example.com",
        "address": "深圳市罗湖区东晓路1号",
        "description": f"2024年东晓街道道路维修资金使用情况。联系人身份证{OTHER_ID}。",
        "medium": "电子",
        "delivery": "电子邮件",
        **fields,
    }
    quarantine = data.pop("quarantine", None)
    if due is not None:
        received = working_days_before(due, deadlines.REQUEST_LIMIT)
    with app.app_context(), frozen(received or today()):
        sub = submissions.submit_request(data, form_token=key, quarantine=quarantine)
        item = db.session.scalar(
            sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
        )
        return item.id


def tracking_no(app, model, item_id: int) -> str:
    with app.app_context():
        return db.session.get(model, item_id).tracking_no


def rows(html: str) -> list[tuple[str, str, str]]:
    """(tracking number, row class, row text) of each row of a staff list, in order."""
    found = []
    for chunk in html.split("<tr")[2:]:  # [0] before the table, [1] the header row
        number = re.search(r"(?:LY|YSQ)-\d{4}-\d{6}", chunk).group(0)
        css = re.match(r'(?: class="([^"]*)")?>', chunk).group(1) or ""
        found.append((number, css, chunk.split("</tr>")[0]))
    return found


def confirm_publish(client, url: str, *, follow: bool = False, **changes: str):
    """Open a publish preview at ``url`` and confirm the public texts it offers (with
    ``changes`` typed over them), as a handler does."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    html = page.get_data(as_text=True)
    texts = {
        name: unescape(value)
        for name, value in re.findall(
            r'<textarea[^>]*name="(\w+)"[^>]*>\n?(.*?)</textarea>', html, re.S
        )
    }
    return post(client, url, follow=follow, **{**texts, **changes})


def post(client, url: str, *, follow: bool = False, **data):
    """POST a staff form with a valid CSRF token."""
    token = csrf(client, "/admin/")
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=follow)


def audit_rows(app, target_type: str | None = None) -> list[AuditRecord]:
    """Audit rows about messages and requests (or of one type); sign-ins left out."""
    with app.app_context():
        query = sa.select(AuditRecord).order_by(AuditRecord.id)
        if target_type:
            query = query.where(AuditRecord.target_type == target_type)
        else:
            query = query.where(AuditRecord.target_type.in_(["message", "request"]))
        records = db.session.scalars(query).all()
        db.session.expunge_all()
        return records


def assert_masked(html: str) -> None:
    html = re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)
    assert not FULL_ID_RE.search(html), FULL_ID_RE.search(html).group(0)
    assert not MOBILE_RE.search(html), MOBILE_RE.search(html).group(0)


# -- lists ----------------------------------------------------------------------------


def test_request_list_is_sorted_by_due_date_with_due_soon_and_overdue_flagged(app, handler):
    now = today()
    far = add_request(app, "far", due=calendar.add_working_days(now, 15))
    late = add_request(app, "late", due=now - timedelta(days=1))
    soon = add_request(app, "soon", due=calendar.add_working_days(now, 2))
    done = add_request(app, "done", due=now - timedelta(days=30))
    with app.app_context():
        info_requests.close_request(
            db.session.get(InfoRequest, done),
            outcome="disclosed",
            reply="已公开。",
            actor=staff("x"),
        )
    numbers = {i: tracking_no(app, InfoRequest, i) for i in (far, late, soon, done)}

    page = handler.get("/admin/requests/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    listed = rows(page.get_data(as_text=True))
    assert [n for n, _, _ in listed] == [numbers[late], numbers[soon], numbers[far]]
    assert [css for _, css, _ in listed] == ["overdue", "due-soon", ""]
    assert "已超期" in listed[0][2] and "超期 " in listed[0][2]
    assert "即将到期" in listed[1][2] and "剩余 2 个工作日" in listed[1][2]
    assert "即将到期" not in listed[2][2] and "已超期" not in listed[2][2]

    everything = rows(handler.get("/admin/requests/?status=all").get_data(as_text=True))
    assert [n for n, _, _ in everything][-1] == numbers[done]  # finished items after open ones
    closed = rows(handler.get("/admin/requests/?status=closed").get_data(as_text=True))
    assert [n for n, _, _ in closed] == [numbers[done]]


def test_message_list_is_sorted_by_the_five_day_target(app, handler):
    now = today()
    fresh = add_message(app, "fresh")
    late = add_message(app, "late", received=now - timedelta(days=30))
    soon = add_message(app, "soon", received=working_days_before(now, 3))
    numbers = {i: tracking_no(app, Message, i) for i in (fresh, late, soon)}

    listed = rows(handler.get("/admin/messages/").get_data(as_text=True))
    assert [n for n, _, _ in listed] == [numbers[late], numbers[soon], numbers[fresh]]
    assert [css for _, css, _ in listed] == ["overdue", "due-soon", ""]
    assert "已超期" in listed[0][2] and "即将到期" in listed[1][2]


def test_list_filters_quarantine_category_search_and_pages(app, handler):
    add_message(app, "a", category="城市管理")
    add_message(app, "b", category="法律咨询")
    spam = add_message(app, "spam", quarantine="honeypot")
    bot = add_request(app, "bot", quarantine="too fast")
    real = add_request(app, "real")
    spam_no = tracking_no(app, Message, spam)

    default = handler.get("/admin/messages/").get_data(as_text=True)
    assert len(rows(default)) == 2 and spam_no not in default
    assert "系统拦截的留言（1 条）" in default
    held = rows(handler.get("/admin/messages/?status=quarantined").get_data(as_text=True))
    assert [n for n, _, _ in held] == [spam_no] and "系统拦截" in held[0][2]
    legal = rows(handler.get("/admin/messages/?category=法律咨询").get_data(as_text=True))
    assert len(legal) == 1 and "法律咨询" in legal[0][2]
    searched = rows(handler.get(f"/admin/messages/?q={spam_no[-6:]}&status=quarantined").text)
    assert [n for n, _, _ in searched] == [spam_no]
    assert rows(handler.get("/admin/messages/?q=LY-1999").get_data(as_text=True)) == []

    requests = rows(handler.get("/admin/requests/").get_data(as_text=True))
    assert [n for n, _, _ in requests] == [tracking_no(app, InfoRequest, real)]
    held = rows(handler.get("/admin/requests/?status=quarantined").get_data(as_text=True))
    assert [n for n, _, _ in held] == [tracking_no(app, InfoRequest, bot)]

    app.config["PAGE_SIZE"] = 1
    first = handler.get("/admin/messages/").get_data(as_text=True)
    assert "第 1 / 2 页" in first and len(rows(first)) == 1
    assert len(rows(handler.get("/admin/messages/?page=2").get_data(as_text=True))) == 1
    assert handler.get("/admin/messages/?page=3").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["page=abc", "page=0", "page=-1", "page=99999999999", "page=%00"],
)
def test_bad_page_numbers_are_404_not_500(handler, query):
    assert handler.get(f"/admin/messages/?{query}").status_code == 404
    assert handler.get(f"/admin/requests/?{query}").status_code == 404


@pytest.mark.parametrize(
    "query", ["status=bogus", "category=%00", "q=%00%27%22", "q=" + "Y" * 500, "status=&q=%25_"]
)
def test_odd_filters_are_ignored(app, handler, query):
    add_message(app, "m")
    add_request(app, "r")
    assert handler.get(f"/admin/messages/?{query}").status_code == 200
    assert handler.get(f"/admin/requests/?{query}").status_code == 200


# -- masking and reveal ---------------------------------------------------------------


def test_no_full_id_number_or_mobile_on_any_staff_list_or_detail_page(app, handler):
    message = add_message(app, "m")
    held = add_message(app, "held", quarantine="honeypot")
    item = add_request(app, "r")
    organisation = add_request(
        app,
        "org",
        applicant_type="organisation",
        organisation_type="商业企业",
        name="某某餐饮管理有限公司",
        id_type="统一社会信用代码",
        id_number="91440300MA5F000000",
        phone=OTHER_MOBILE,
    )
    with app.app_context():
        m = db.session.get(Message, message)
        messages.answer_message(
            m,
            reply=f"王小明：已处理，请拨打{OTHER_MOBILE}。",
            department="执法队",
            actor=staff("x"),
        )
        info_requests.close_request(
            db.session.get(InfoRequest, item),
            outcome="disclosed",
            reply=f"已通过邮件发送，如有疑问致电{OTHER_MOBILE}。",
            actor=staff("x"),
        )
    pages = [
        "/admin/messages/",
        "/admin/messages/?status=all",
        "/admin/messages/?status=quarantined",
        f"/admin/messages/{message}",
        f"/admin/messages/{held}",
        "/admin/requests/",
        "/admin/requests/?status=all",
        f"/admin/requests/{item}",
        f"/admin/requests/{organisation}",
    ]
    for url in pages:
        response = handler.get(url)
        assert response.status_code == 200, url
        assert_masked(response.get_data(as_text=True))
    detail = handler.get(f"/admin/requests/{item}").get_data(as_text=True)
    assert "李**" in detail and "lisihai@example.com" not in detail and "东晓路1号" not in detail
    assert "某某餐饮管理有限公司" in handler.get("/admin/requests/").get_data(as_text=True)
    listing = handler.get("/admin/messages/?status=all").get_data(as_text=True)
    assert "王小明" not in listing and "王**" in listing
    published = post(handler, f"/admin/messages/{message}/publish", follow=True)
    assert_masked(published.get_data(as_text=True))


def test_reveal_shows_the_values_once_and_is_audited_without_them(app, handler):
    item = add_request(app, "r")
    url = f"/admin/requests/{item}"
    revealed = post(handler, f"{url}/reveal")
    html = revealed.get_data(as_text=True)
    assert revealed.status_code == 200 and revealed.headers["Cache-Control"] == "no-store"
    assert f'<span class="revealed">{ID_NUMBER}</span>' in html
    assert MOBILE in html and "lisihai@example.com" in html and OTHER_ID in html
    assert "此次查看已记入操作日志" in html

    (record,) = audit_rows(app, "request")
    assert (record.action, record.actor, record.target_id) == ("reveal", "handler1", item)
    assert record.ip
    assert {"name", "id_number", "phone", "email", "address", "description"} <= set(
        record.detail["fields"]
    )
    assert ID_NUMBER not in str(record.detail) and MOBILE not in str(record.detail)

    again = handler.get(url).get_data(as_text=True)
    assert ID_NUMBER not in again and 'class="revealed"' not in again
    assert_masked(again)
    assert "查看完整个人信息" in again  # the reveal shows in the item's history

    message = add_message(app, "m")
    html = post(handler, f"/admin/messages/{message}/reveal").get_data(as_text=True)
    assert MOBILE in html and OTHER_ID in html and "王小明" in html
    (record,) = audit_rows(app, "message")
    assert record.action == "reveal" and set(record.detail["fields"]) >= {"name", "contact"}
    assert_masked(handler.get(f"/admin/messages/{message}").get_data(as_text=True))


# -- actions --------------------------------------------------------------------------


def test_message_answer_publish_unpublish(app, handler):
    message = add_message(app, "m")
    url = f"/admin/messages/{message}"

    empty = post(handler, f"{url}/answer", reply=" ", department="")
    assert empty.status_code == 400
    assert "答复内容：必填" in empty.text and "答复部门：必填" in empty.text
    too_long = post(handler, f"{url}/answer", reply="好", department="部" * 101)
    assert too_long.status_code == 400 and "答复部门：不能超过 100 个字" in too_long.text
    assert audit_rows(app) == []

    answered = post(handler, f"{url}/answer", reply="已安排执法队处理。", department="执法队")
    assert answered.status_code == 302 and answered.headers["Location"].endswith(url)
    page = handler.get(url).get_data(as_text=True)
    assert "答复已保存" in page and "已安排执法队处理。" in page

    preview = handler.get(f"{url}/publish").get_data(as_text=True)
    assert "已遮盖" in preview and "身份证号 1 处" in preview and "<mark" in preview
    assert OTHER_ID not in preview.split("公开文本（可修改）")[1]  # the form offers masked text
    published = confirm_publish(handler, f"{url}/publish", follow=True).get_data(as_text=True)
    assert "留言已公开" in published
    public = handler.get("/messages/").get_data(as_text=True)
    assert "已安排执法队处理。" in public

    assert handler.get(f"{url}/publish").status_code == 409  # already public
    again = post(handler, f"{url}/publish", subject="标题", content="内容", reply="答复")
    assert again.status_code == 409
    assert post(handler, f"{url}/answer", reply="改", department="改").status_code == 409
    no_reason = post(handler, f"{url}/unpublish", reason="  ")
    assert no_reason.status_code == 400 and "取消公开原因：必填" in no_reason.text
    withdrawn = post(handler, f"{url}/unpublish", reason="留言人要求", follow=True)
    assert "留言已取消公开" in withdrawn.text
    assert "已安排执法队处理。" not in handler.get("/messages/").get_data(as_text=True)
    assert post(handler, f"{url}/unpublish", reason="再次").status_code == 409

    records = audit_rows(app, "message")
    assert [r.action for r in records] == ["answer", "publish", "unpublish"]
    assert {r.actor for r in records} == {"handler1"} and all(r.ip for r in records)


def test_message_without_consent_or_answer_cannot_be_published(app, handler):
    unanswered = add_message(app, "m")
    assert post(handler, f"/admin/messages/{unanswered}/publish").status_code == 409
    private = add_message(app, "p", consent=False)
    post(handler, f"/admin/messages/{private}/answer", reply="已处理。", department="执法队")
    page = handler.get(f"/admin/messages/{private}").get_data(as_text=True)
    assert "留言人未同意公开" in page
    assert post(handler, f"/admin/messages/{private}/publish").status_code == 409
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Message.published)) == 0


def test_request_actions_move_the_clock_and_are_audited(app, handler):
    item = add_request(app, "r")
    url = f"/admin/requests/{item}"

    for days, message in [
        ("abc", "延期天数：请填写 1 至 20 之间的整数"),
        ("", "延期天数：请填写 1 至 20 之间的整数"),
        ("-3", "延期天数：请填写 1 至 20 之间的整数"),
        ("1e3", "延期天数：请填写 1 至 20 之间的整数"),
        ("99999999999999999999", "延期天数：请填写 1 至 20 之间的整数"),
        ("25", "延期天数：应为 1 至 20 个工作日"),
        ("0", "延期天数：应为 1 至 20 个工作日"),
    ]:
        response = post(handler, f"{url}/extend", days=days, reason="调档", approver="主任")
        assert response.status_code == 400 and message in response.text, days
    missing = post(handler, f"{url}/extend", days="10")
    assert "延期理由：必填" in missing.text and "批准人：必填" in missing.text
    with app.app_context():
        before = db.session.get(InfoRequest, item).due_date
        assert db.session.get(InfoRequest, item).extension_days == 0
    assert audit_rows(app) == []

    extended = post(handler, f"{url}/extend", days="10", reason="需调阅档案", approver="王主任")
    assert extended.status_code == 302
    assert "已延期" in handler.get(url).get_data(as_text=True)
    with app.app_context():
        after = db.session.get(InfoRequest, item)
        assert after.extension_days == 10
        assert calendar.working_days_between(before, after.due_date) == 10

    assert post(handler, f"{url}/supplement", note="").status_code == 400
    assert post(handler, f"{url}/supplement", note="请写明文件名称").status_code == 302
    page = handler.get(url).get_data(as_text=True)
    assert "计时停止" in page and "收到补正材料" in page
    assert post(handler, f"{url}/consult", note="x").status_code == 409  # already paused
    assert post(handler, f"{url}/resume").status_code == 302
    assert post(handler, f"{url}/resume").status_code == 409  # not paused
    assert post(handler, f"{url}/consult", note="征求某公司意见").status_code == 302
    assert "征求第三方意见，计时暂停" in handler.get(url).get_data(as_text=True)
    assert post(handler, f"{url}/resume").status_code == 302

    bad = post(handler, f"{url}/close", outcome="bogus", reply="")
    assert bad.status_code == 400
    assert "办理结果：请选择" in bad.text and "答复内容：必填" in bad.text
    closed = post(handler, f"{url}/close", outcome="partly", reply="部分公开。", follow=True)
    assert "申请已办结" in closed.text and "部分公开" in closed.text

    records = audit_rows(app, "request")
    assert [r.action for r in records] == [
        "extend",
        "request_supplement",
        "resume",
        "consult",
        "resume",
        "close",
    ]
    assert {r.actor for r in records} == {"handler1"}


def test_forbidden_transitions_are_409_and_change_nothing(app, handler):
    item = add_request(app, "r")
    url = f"/admin/requests/{item}"
    post(handler, f"{url}/extend", days="5", reason="需调阅档案", approver="王主任")
    twice = post(handler, f"{url}/extend", days="5", reason="再延", approver="王主任")
    assert twice.status_code == 409 and "只能延期一次" in twice.text
    post(handler, f"{url}/close", outcome="disclosed", reply="已公开。")
    with app.app_context():
        state = db.session.get(InfoRequest, item)
        snapshot = (
            state.status,
            state.due_date,
            state.extension_days,
            state.reply,
            len(state.events),
        )
    for action, data in [
        ("close", {"outcome": "partly", "reply": "再答复"}),
        ("consult", {"note": "x"}),
        ("supplement", {"note": "x"}),
        ("resume", {}),
    ]:
        assert post(handler, f"{url}/{action}", **data).status_code == 409, action
    with app.app_context():
        state = db.session.get(InfoRequest, item)
        assert snapshot == (
            state.status,
            state.due_date,
            state.extension_days,
            state.reply,
            len(state.events),
        )
    assert [r.action for r in audit_rows(app, "request")] == ["extend", "close"]
    page = handler.get(url).get_data(as_text=True)
    assert 'action="/admin/requests/' not in page.split("办理经过")[1].split("操作记录")[0]


def test_every_post_needs_a_csrf_token(app, handler):
    message = add_message(app, "m")
    item = add_request(app, "r")
    urls = [
        f"/admin/messages/{message}/{action}"
        for action in ("reveal", "answer", "publish", "unpublish")
    ] + [
        f"/admin/requests/{item}/{action}"
        for action in ("reveal", "extend", "supplement", "consult", "resume", "close")
    ]
    data = {"reply": "答复", "department": "部门", "reason": "理由", "days": "5"}
    data |= {"approver": "主任", "note": "补正", "outcome": "disclosed"}
    for url in urls:
        assert handler.post(url, data=data).status_code == 400, url
    assert audit_rows(app) == []
    with app.app_context():
        assert db.session.get(Message, message).status == "received"
        assert db.session.get(InfoRequest, item).status == "received"


def test_unknown_ids_are_404(handler):
    for url in ["/admin/messages/1", "/admin/requests/1", "/admin/messages/99999999999999999999"]:
        assert handler.get(url).status_code == 404, url
    assert post(handler, "/admin/requests/99999999999999999999/close").status_code == 404


@pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
def test_only_handlers_may_open_the_inbox(app, make_user, role):
    message = add_message(app, "m")
    item = add_request(app, "r")
    client = login_as(app, make_user(f"{role}1", role))
    for url in [
        "/admin/messages/",
        "/admin/requests/",
        f"/admin/messages/{message}",
        f"/admin/requests/{item}",
    ]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.headers["Cache-Control"] == "no-store"
    assert post(client, f"/admin/requests/{item}/reveal").status_code == 403
    assert "留言办理" not in client.get("/admin/").get_data(as_text=True)
    assert audit_rows(app, "request") == []


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    message = add_message(app, "m")
    response = client.get(f"/admin/messages/{message}")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_an_invalid_resume_shows_the_reason_and_stores_nothing(app, handler):
    item = add_request(app, "r")
    with app.app_context():  # a pause recorded as starting tomorrow (e.g. entered ahead)
        info_requests.start_consultation(
            db.session.get(InfoRequest, item),
            note="征求意见",
            actor=staff("h"),
            on=today() + timedelta(days=1),
        )
    before = audit_rows(app)
    response = post(handler, f"/admin/requests/{item}/resume")
    assert response.status_code == 400 and "恢复日期：不能早于暂停日期" in response.text
    with app.app_context():
        assert db.session.get(InfoRequest, item).status == "consulting"
    assert [r.id for r in audit_rows(app)] == [r.id for r in before]


def test_the_audit_log_keeps_notes_and_reasons_with_personal_data_masked(app, handler, make_user):
    item = add_request(app, "r")
    message = add_message(app, "m")
    note = f"请李四海补充身份证{OTHER_ID}的复印件，有疑问请致电{OTHER_MOBILE}"
    assert post(handler, f"/admin/requests/{item}/supplement", note=note).status_code == 302
    post(handler, f"/admin/messages/{message}/answer", reply="已安排处理。", department="城管办")
    assert confirm_publish(handler, f"/admin/messages/{message}/publish").status_code == 302
    reason = f"王小明来电（{MOBILE}）要求撤下"
    assert post(handler, f"/admin/messages/{message}/unpublish", reason=reason).status_code == 302

    admin = login_as(app, make_user("admin1", "admin"))
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "的复印件，有疑问请致电" in html and "来电（" in html  # the texts are there …
    assert_masked(html)  # … without the numbers
    assert "李四海" not in html and "王小明" not in html  # nor the person's own name
    assert_masked(handler.get(f"/admin/requests/{item}").get_data(as_text=True))


def test_a_paused_clock_is_neither_overdue_nor_due_soon(app, handler):
    now = today()
    # Paused long ago: without the pause one would be long overdue, the other due soon.
    waiting = add_request(app, "supplement", due=now - timedelta(days=10))
    consulting = add_request(app, "consult", due=calendar.add_working_days(now, 1))
    late = add_request(app, "late", due=now - timedelta(days=10))
    with app.app_context():
        item = db.session.get(InfoRequest, waiting)
        info_requests.request_supplement(
            item, note="请写明文件名称", actor=staff("h"), on=item.receipt_date + timedelta(days=1)
        )
        item = db.session.get(InfoRequest, consulting)
        info_requests.start_consultation(
            item, note="征求意见", actor=staff("h"), on=item.receipt_date
        )
    numbers = {i: tracking_no(app, InfoRequest, i) for i in (waiting, consulting, late)}

    dashboard = handler.get("/admin/").get_data(as_text=True)
    assert "<strong>3</strong>办理中的依申请公开" in dashboard
    assert "<strong>1</strong>已超期" in dashboard
    assert "<strong>0</strong>3 个工作日内到期" in dashboard
    listed = {n: css for n, css, _ in rows(handler.get("/admin/requests/").get_data(as_text=True))}
    assert listed == {numbers[late]: "overdue", numbers[waiting]: "", numbers[consulting]: ""}


def test_overdue_seen_on_a_day_off_is_at_least_one_day_over():
    from portal.interaction import inbox as inbox_data

    due = date(2025, 1, 2)
    while not (calendar.is_working_day(due) and not calendar.is_working_day(due + timedelta(1))):
        due += timedelta(days=1)
    day_off = due + timedelta(days=1)  # the first day after the due date is not a working day
    received = working_days_before(due, deadlines.REQUEST_LIMIT)
    item = InfoRequest(events=[RequestEvent(kind="received", day=received, actor="applicant")])
    assert item.clock.due == due
    shown = inbox_data.request_deadline(item, day_off)
    assert shown.state == "overdue" and shown.remaining == "超期 1 个工作日"
    assert inbox_data.request_deadline(item, due).remaining == "今日到期"


def test_the_handler_sees_and_edits_what_will_be_public_before_it_is(app, handler, client):
    message = add_message(app, "m")
    url = f"/admin/messages/{message}"
    post(
        handler,
        f"{url}/answer",
        reply=f"王小明您好，已处理，可致电{OTHER_MOBILE}。",
        department="城管办",
    )
    with app.app_context():
        assert db.session.get(Message, message).published is False  # a preview writes nothing
    preview = handler.get(f"{url}/publish").get_data(as_text=True)
    assert preview.count("<mark") >= 3 and "手机号" in preview
    refused = confirm_publish(handler, f"{url}/publish", content=f"请联系{MOBILE}")
    assert refused.status_code == 400 and "公开的留言内容：仍含有个人信息" in refused.text
    with app.app_context():
        assert db.session.get(Message, message).published is False
    done = confirm_publish(handler, f"{url}/publish", content="每天傍晚有摊贩占道经营。")
    assert done.status_code == 302
    public = client.get("/messages/").get_data(as_text=True)
    assert "每天傍晚有摊贩占道经营。" in public and OTHER_ID not in public
    assert OTHER_MOBILE not in public and "王小明" not in public
    with app.app_context():
        stored = db.session.get(Message, message)
        assert stored.public_content == "每天傍晚有摊贩占道经营。"
        assert OTHER_MOBILE in stored.reply and OTHER_ID in stored.content  # originals kept
    (record,) = [r for r in audit_rows(app, "message") if r.action == "publish"]
    assert record.detail["edited"] == "留言内容"
