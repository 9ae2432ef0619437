"""Message box and information requests: forms, tracking, staff services, privacy."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal import search
from portal.audit import AuditRecord
from portal.creditcode import check_char as credit_code_check_char
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.interaction import info_requests, messages, submissions
from portal.interaction.models import InfoRequest, Message
from portal.interaction.validators import resident_id_check_char
from tests.actors import staff
from tests.clock import frozen
from tests.staff import publish_as_previewed

# Synthetic identifiers with correct check characters (nobody's real numbers).
ID_NUMBER = "44030319900101123" + resident_id_check_char("44030319900101123")
BAD_ID_NUMBER = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
CREDIT_CODE = "91440300MA5" + "F0000" + "0"
CREDIT_CODE = CREDIT_CODE[:17] + credit_code_check_char(CREDIT_CODE[:17])


def csrf_token(client, url: str) -> dict[str, str]:
    html = client.get(url).get_data(as_text=True)
    fields = dict(
        re.findall(r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', html)
    )
    assert "csrf_token" in fields, "form has no CSRF token"
    return fields


def message_data(**overrides) -> dict[str, str]:
    return {
        "subject": "小区门口占道经营",
        "category": "城市管理",
        "content": "每天傍晚小区门口有流动摊贩占道经营，影响通行，希望处理。",
        "name": "王先生",
        "contact": "13812345678",
        "consent": "y",
        **overrides,
    }


def request_data(**overrides) -> dict[str, str]:
    return {
        "applicant_type": "person",
        "name": "李四",
        "id_type": "居民身份证",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "email": "resident@example.com",
        "address": "深圳市罗湖区某某路1号",
        "description": "2024年东晓街道违法建筑治理工作方案全文",
        "medium": "电子",
        "delivery": "电子邮件",
        **overrides,
    }


@pytest.fixture
def post_form(client):
    def _post(url: str, data: dict[str, str]):
        return client.post(url, data={**csrf_token(client, url), **data})

    return _post


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# -- message box ----------------------------------------------------------------------


def test_message_gets_tracking_number_and_code_and_can_be_tracked(client, post_form, ctx):
    response = post_form("/messages/new", message_data())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    number = re.search(r"LY-\d{4}-\d{6}", html).group(0)
    code = re.search(r"<dt>查询码</dt><dd><strong>([A-Z0-9]{8})</strong>", html).group(1)
    tracked = post_form("/track", {"tracking_no": number, "code": code}).get_data(as_text=True)
    assert "已受理" in tracked and "小区门口占道经营" in tracked
    wrong = post_form("/track", {"tracking_no": number, "code": "WRONGCOD"}).get_data(as_text=True)
    unknown = post_form("/track", {"tracking_no": "LY-2020-999999", "code": code}).get_data(
        as_text=True
    )
    assert "没有找到对应的记录" in wrong and "没有找到对应的记录" in unknown
    assert "小区门口占道经营" not in wrong


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": ""}, "留言标题：必填"),
        ({"subject": "短"}, "留言标题：应为 4 至 50 个字"),
        ({"content": "太短了"}, "留言内容：应为 10 至 2000 个字"),
        ({"content": "长" * 2001}, "留言内容：应为 10 至 2000 个字"),
        ({"category": "娱乐"}, "留言类别：请从列表中选择"),
        ({"contact": "1381234567"}, "联系方式："),
        ({"contact": "not-an-email@"}, "联系方式："),
        ({"name": "名" * 21}, "姓名：应为 1 至 20 个字"),
    ],
)
def test_bad_message_fields_get_chinese_messages_and_nothing_is_stored(
    post_form, ctx, overrides, message
):
    response = post_form("/messages/new", message_data(**overrides))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'value="小区门口占道经营"' in html or overrides.get("subject") is not None  # kept
    assert count(Message) == 0


def test_missing_csrf_token_is_refused_and_stores_nothing(client, ctx):
    response = client.post("/messages/new", data=message_data())
    assert response.status_code == 400
    assert count(Message) == 0


def test_double_submitted_form_stores_one_message(client, ctx):
    fields = csrf_token(client, "/messages/new")
    first = client.post("/messages/new", data={**fields, **message_data()})
    second = client.post("/messages/new", data={**fields, **message_data()})
    assert first.status_code == second.status_code == 200
    number = re.search(r"LY-\d{4}-\d{6}", first.get_data(as_text=True)).group(0)
    assert number in second.get_data(as_text=True)
    assert count(Message) == 1


def test_honeypot_and_too_fast_forms_are_quarantined_but_look_normal(app, client, post_form, ctx):
    trapped = post_form("/messages/new", message_data(website="http://spam.example"))
    assert trapped.status_code == 200 and "您的留言已提交" in trapped.get_data(as_text=True)
    app.config["MIN_FILL_SECONDS"] = 60
    fast = post_form("/messages/new", message_data(subject="机器人提交的留言"))
    assert "您的留言已提交" in fast.get_data(as_text=True)
    reasons = db.session.scalars(sa.select(Message.quarantine_reason).order_by(Message.id)).all()
    assert reasons == ["honeypot", "too fast"]
    message = db.session.scalars(sa.select(Message)).first()
    messages.answer_message(message, reply="已处理", department="城管办", actor=staff("staff"))
    with pytest.raises(InvalidTransition):
        publish_as_previewed(message, "staff")


def test_rate_limit_returns_429_and_stores_nothing(app, client, post_form, ctx):
    app.config["MESSAGE_RATE"] = "2 per hour"
    assert post_form("/messages/new", message_data()).status_code == 200
    assert post_form("/messages/new", message_data()).status_code == 200
    blocked = post_form("/messages/new", message_data())
    assert blocked.status_code == 429
    assert "操作过于频繁" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers
    assert count(Message) == 2


def test_forwarded_for_is_ignored_without_a_trusted_proxy(app, client, post_form, ctx):
    app.config["MESSAGE_RATE"] = "1 per hour"
    headers = {"X-Forwarded-For": "10.0.0.1"}
    fields = csrf_token(client, "/messages/new")
    assert (
        client.post("/messages/new", data={**fields, **message_data()}, headers=headers).status_code
        == 200
    )
    fields = csrf_token(client, "/messages/new")
    headers = {"X-Forwarded-For": "10.0.0.2"}
    assert (
        client.post("/messages/new", data={**fields, **message_data()}, headers=headers).status_code
        == 429
    )


def test_public_list_shows_only_published_answers_with_masked_personal_data(client, post_form, ctx):
    post_form(
        "/messages/new",
        message_data(content="我的电话13812345678，身份证" + ID_NUMBER + "，请联系我。"),
    )
    post_form("/messages/new", message_data(subject="未答复的留言内容"))
    first, _unanswered = db.session.scalars(sa.select(Message).order_by(Message.id)).all()
    messages.answer_message(
        first, reply="已安排执法队处理。", department="综合行政执法队", actor=staff("staff")
    )
    told = publish_as_previewed(first, "staff")
    assert "手机" in told and "身份证" in told
    html = client.get("/messages/").get_data(as_text=True)
    assert "已安排执法队处理。" in html and "综合行政执法队" in html
    assert "13812345678" not in html and ID_NUMBER not in html
    assert "138****5678" in html
    assert "王先生" not in html
    assert "未答复的留言内容" not in html
    assert "收到留言" in html and "5 个工作日内答复" in html
    actions = db.session.scalars(sa.select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions == ["answer", "publish"]


def test_message_without_consent_cannot_be_published(ctx):
    sub = submissions.submit_message(
        {"subject": "不同意公开", "content": "内容" * 10, "category": "其他", "consent": False},
        form_token="t-1",
    )
    message = db.session.scalar(sa.select(Message).where(Message.tracking_no == sub.tracking_no))
    messages.answer_message(message, reply="答复", department="党政办", actor=staff("staff"))
    with pytest.raises(InvalidTransition):
        publish_as_previewed(message, "staff")


def test_suggestions_while_typing(client, make_doc):
    make_doc("faq", title="如何申请政府信息公开？", question="如何申请政府信息公开？")
    token = csrf_token(client, "/messages/new")["csrf_token"]
    headers = {"X-CSRFToken": token}
    items = client.post("/messages/suggest", json={"q": "政府信息公开"}, headers=headers).get_json()
    assert items[0]["title"] == "如何申请政府信息公开？"
    assert client.post("/messages/suggest", json={"q": "x"}, headers=headers).get_json() == []
    assert client.post("/messages/suggest", json={"q": ["列表"]}, headers=headers).get_json() == []
    assert client.post("/messages/suggest", json={"q": "政府"}).status_code == 400  # no CSRF


# -- information requests -------------------------------------------------------------


def test_request_is_stored_with_statutory_due_date(client, post_form, ctx):
    response = post_form("/requests/new", request_data())
    assert response.status_code == 200, response.get_data(as_text=True)
    item = db.session.scalars(sa.select(InfoRequest)).one()
    assert item.tracking_no.startswith("YSQ-")
    assert item.id_number == ID_NUMBER
    from portal.interaction import calendar

    assert calendar.is_working_day(item.due_date)
    assert calendar.working_days_between(item.receipt_date, item.due_date) == 20


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": BAD_ID_NUMBER}, "证件号码："),
        ({"id_number": "12345"}, "证件号码："),
        (
            {
                "applicant_type": "organisation",
                "organisation_type": "商业企业",
                "id_number": "91440300MA5F00000Z",
            },
            "统一社会信用代码：",
        ),
        (
            {"applicant_type": "organisation", "id_number": CREDIT_CODE},
            "组织类型：法人或其他组织申请时请选择",
        ),
        (  # the form's old choices are gone: only the annual report's Table 三 columns
            {
                "applicant_type": "organisation",
                "organisation_type": "企业",
                "id_number": CREDIT_CODE,
            },
            "组织类型：法人或其他组织申请时请选择",
        ),
        ({"phone": "12345"}, "联系电话："),
        ({"email": "", "delivery": "电子邮件"}, "电子邮箱：选择电子邮件获取时必填"),
        ({"address": "", "delivery": "邮寄"}, "通信地址：选择邮寄时必填"),
        ({"description": "短"}, "所需信息的描述：应为 10 至 2000 个字"),
        ({"medium": ""}, "获取信息的方式：必填"),
        ({"name": ""}, "姓名或名称：必填"),
    ],
)
def test_bad_request_fields_get_chinese_messages(post_form, ctx, overrides, message):
    response = post_form("/requests/new", request_data(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(InfoRequest) == 0


def test_organisation_request_with_valid_credit_code(post_form, ctx):
    data = request_data(
        applicant_type="organisation", organisation_type="法律服务机构", id_number=CREDIT_CODE
    )
    assert post_form("/requests/new", data).status_code == 200
    item = db.session.scalars(sa.select(InfoRequest)).one()
    assert (item.id_type, item.organisation_type) == ("统一社会信用代码", "法律服务机构")


def _request(on: date) -> InfoRequest:
    """A request received on ``on`` (the clock frozen at 10:00 that day)."""
    with frozen(on):
        sub = submissions.submit_request(
            {
                "applicant_type": "person",
                "name": "张三",
                "phone": "13912345678",
                "description": "某项信息",
                "medium": "电子",
                "delivery": "自行领取",
            },
            form_token=f"token-{on.isoformat()}",
        )
    return db.session.scalar(
        sa.select(InfoRequest).where(InfoRequest.tracking_no == sub.tracking_no)
    )


def test_extension_supplement_and_close_move_the_clock_and_are_audited(ctx):
    from portal.interaction import calendar

    item = _request(date(2024, 9, 2))
    base = item.due_date
    with pytest.raises(ValidationError) as info:
        info_requests.extend_request(
            item, days=25, reason="需要调档", approver="主任", actor=staff("staff")
        )
    assert "延期天数" in info.value.errors["days"]
    info_requests.extend_request(
        item, days=20, reason="需要调阅档案", approver="主任", actor=staff("staff")
    )
    assert calendar.working_days_between(base, item.due_date) == 20
    with pytest.raises(InvalidTransition):  # only one extension per request
        info_requests.extend_request(
            item, days=5, reason="再延", approver="主任", actor=staff("staff")
        )
    info_requests.request_supplement(
        item, note="请写明文件名称", actor=staff("staff"), on=date(2024, 9, 4)
    )
    assert item.status == "supplement"
    # Art. 30: the period runs afresh from the day the completed application arrives.
    info_requests.resume(item, actor=staff("staff"), on=date(2024, 9, 14))  # a Saturday
    assert item.receipt_date == date(2024, 9, 14)  # 2024-09-14 was a 调休 working day
    assert item.due_date == calendar.due_date(date(2024, 9, 14), limit=20, extension_days=20)
    info_requests.start_consultation(
        item, note="征求第三方意见", actor=staff("staff"), on=date(2024, 9, 18)
    )
    before = item.due_date
    info_requests.resume(item, actor=staff("staff"), on=date(2024, 9, 27))
    assert calendar.working_days_between(before, item.due_date) == calendar.working_days_between(
        date(2024, 9, 17), date(2024, 9, 27)
    )
    info_requests.close_request(
        item, outcome="partly", reply="部分公开，详见附件。", actor=staff("staff")
    )
    assert item.status == "closed" and item.outcome_label == "部分公开"
    with pytest.raises(InvalidTransition):
        info_requests.extend_request(item, days=1, reason="x", approver="y", actor=staff("staff"))
    actions = db.session.scalars(
        sa.select(AuditRecord.action).where(AuditRecord.target_type == "request")
    ).all()
    assert actions == ["extend", "request_supplement", "resume", "consult", "resume", "close"]


def test_supplement_only_within_seven_working_days(ctx):
    item = _request(date(2024, 9, 2))
    with pytest.raises(InvalidTransition):
        info_requests.request_supplement(
            item, note="补正", actor=staff("staff"), on=date(2024, 9, 20)
        )


def test_close_needs_a_typed_outcome(ctx):
    item = _request(date(2024, 9, 2))
    with pytest.raises(ValidationError) as info:
        info_requests.close_request(item, outcome="maybe", reply="", actor=staff("staff"))
    assert set(info.value.errors) == {"outcome", "reply"}


def crawl(client, start: str = "/", limit: int = 400) -> dict[str, str]:
    """Every public page reachable by links from ``start`` (and the feeds they advertise)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        response = client.get(url)
        body = response.get_data(as_text=True) if response.status_code == 200 else ""
        seen[url] = body
        if "html" not in (response.content_type or ""):
            continue
        for link in re.findall(r'href="(/[^"#]*)"', body):
            link = link.replace("&amp;", "&")
            if not link.startswith(("/static/", "/attachments/")) and link not in seen:
                queue.append(link)
    return seen


def test_requests_and_requester_data_never_public(client, post_form, ctx, make_doc):
    canary_name = "金丝雀测试人"
    post_form("/requests/new", request_data(name=canary_name, address="金丝雀地址测试路88号"))
    post_form(
        "/messages/new",
        message_data(
            name=canary_name, contact="canary@example.com", content="联系我13912345678，谢谢回复。"
        ),
    )
    message = db.session.scalars(sa.select(Message)).one()
    messages.answer_message(message, reply="已答复", department="党政办", actor=staff("staff"))
    publish_as_previewed(message, "staff")
    make_doc("news", title="普通新闻")
    pages = crawl(client)
    pages.update(crawl(client, "/search?q=金丝雀"))
    assert "/messages/" in pages and "/feeds/all.rss" in pages and len(pages) > 30
    for url, body in pages.items():
        for secret in (canary_name, "金丝雀地址", ID_NUMBER, "13912345678", "canary@example.com"):
            assert secret not in body, (url, secret)
    assert search.search("金丝雀").total == 0


def test_demo_example_messages_load_once_and_show_as_examples(client, ctx):
    from portal.interaction.examples import load_examples
    from tests.conftest import ROOT

    assert load_examples(ROOT / "content" / "messages.yaml") == 6
    assert load_examples(ROOT / "content" / "messages.yaml") == 0
    html = client.get("/messages/").get_data(as_text=True)
    assert html.count("示例") >= 6
    assert "装修公司拖欠工资" in html


def test_rate_limits_are_shared_through_redis(database_url, tmp_path):
    """Two workers (two app instances) count one client's submissions together."""
    import redis

    from portal import create_app
    from tests.conftest import empty_database

    url = "redis://127.0.0.1:6379/15"  # database 15 is the test suite's own
    server = redis.Redis.from_url(url)
    server.flushdb()  # the suite expects the machine's Redis to be up
    apps = [
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test",
                "DATABASE_URL": database_url,
                "SEARCH_INDEX": str(tmp_path / "index"),
                "UPLOAD_DIR": str(tmp_path / "uploads"),
                "REDIS_URL": url,
                "MESSAGE_RATE": "2 per hour",
                "MIN_FILL_SECONDS": 0,
            }
        )
        for _ in range(2)
    ]
    try:
        statuses = []
        for n in range(3):
            client = apps[n % 2].test_client()
            fields = csrf_token(client, "/messages/new")
            statuses.append(
                client.post("/messages/new", data={**fields, **message_data()}).status_code
            )
        assert statuses == [200, 200, 429]
    finally:
        server.flushdb()
        server.close()
        for app in apps:
            empty_database(app)


def test_publishing_masks_the_reply_and_the_submitters_own_details(client, post_form, ctx):
    post_form(
        "/messages/new",
        message_data(content="我是王先生，住在东晓，邮箱 wang@example.com 请回复。"),
    )
    message = db.session.scalars(sa.select(Message)).one()
    messages.answer_message(
        message,
        reply="王先生：您反映的问题已处理，如有疑问请拨打13812345678。",
        department="执法队",
        actor=staff("s"),
    )
    told = publish_as_previewed(message, "staff")
    html = client.get("/messages/").get_data(as_text=True)
    assert "王先生" not in html and "13812345678" not in html and "wang@example.com" not in html
    assert "王**" in html
    assert "姓名" in told


def test_supplement_can_be_requested_only_once(ctx):
    item = _request(date(2024, 9, 2))
    info_requests.request_supplement(
        item, note="请写明文件名称", actor=staff("staff"), on=date(2024, 9, 3)
    )
    info_requests.resume(item, actor=staff("staff"), on=date(2024, 9, 5))
    with pytest.raises(InvalidTransition):
        info_requests.request_supplement(
            item, note="再次补正", actor=staff("staff"), on=date(2024, 9, 6)
        )


def test_closing_during_a_consultation_recomputes_the_due_date(ctx):
    from portal.interaction import calendar

    item = _request(date(2024, 9, 2))
    info_requests.start_consultation(
        item, note="征求第三方意见", actor=staff("staff"), on=date(2024, 9, 3)
    )
    info_requests.close_request(item, outcome="disclosed", reply="予以公开。", actor=staff("staff"))
    paused = calendar.working_days_between(date(2024, 9, 2), local_today())
    assert calendar.working_days_between(item.receipt_date, item.due_date) == 20 + paused


def local_today():
    from portal.timeutil import local_date, utcnow

    return local_date(utcnow())


@pytest.mark.parametrize(
    "url",
    [
        "/messages/?page=²",
        "/news/?page=²",
        "/news/?year=0",
        "/news/?year=99999",
        "/search?q=街道&to=9999-12-31",
        "/search?q=街道&from=0001-01-01",
        "/search.rss?q=街道&to=9999-12-31",
        "/search?q=街道&page=²",
    ],
)
def test_odd_query_strings_never_fail(client, url):
    assert client.get(url).status_code in {200, 404}


def test_json_bodies_to_forms_never_fail(client, ctx):
    token = csrf_token(client, "/messages/new")["csrf_token"]
    headers = {"X-CSRFToken": token}
    for url in ("/messages/new", "/requests/new", "/track"):
        for body in ([1], {"subject": 12345}, "x"):
            assert client.post(url, json=body, headers=headers).status_code == 400
    assert client.post("/messages/suggest", json=[1], headers=headers).get_json() == []
    assert count(Message) == 0


def test_nul_bytes_in_forms_are_stripped_not_a_500(post_form, ctx):
    response = post_form("/messages/new", message_data(subject="小区门口\x00占道经营"))
    assert response.status_code == 200
    assert db.session.scalars(sa.select(Message.subject)).one() == "小区门口占道经营"
    assert post_form("/track", {"tracking_no": "LY\x00", "code": "\x00"}).status_code == 400


def test_failed_submissions_do_not_use_up_the_rate_limit(app, post_form, ctx):
    app.config["REQUEST_RATE"] = "1 per hour"
    for _ in range(3):
        assert post_form("/requests/new", request_data(id_number=BAD_ID_NUMBER)).status_code == 400
    assert post_form("/requests/new", request_data()).status_code == 200
    assert post_form("/requests/new", request_data()).status_code == 429


def test_form_fields_link_hints_and_errors_for_screen_readers(client, post_form, ctx):
    html = client.get("/messages/new").get_data(as_text=True)
    assert '="None"' not in html
    assert re.search(r'<input[^>]+aria-describedby="subject-hint"[^>]+id="subject"', html)
    bad = post_form("/messages/new", message_data(subject="")).get_data(as_text=True)
    assert re.search(r'aria-describedby="subject-hint subject-error"[^>]*aria-invalid="true"', bad)
    assert 'id="subject-error"' in bad
