"""Consultations (征集调查): state from dates, opinions, questions, moderation, the result."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from html import unescape

import pytest
import sqlalchemy as sa

from portal import timeutil
from portal.admin import inspection
from portal.audit import AuditRecord
from portal.consultations import queries, services
from portal.consultations import questions as question_service
from portal.consultations.models import Opinion, Question
from portal.consultations.tallies import percent
from portal.documents import catalog, publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.timeutil import SHANGHAI, parse_local
from tests.actors import staff
from tests.staff import csrf, login_as, publish_as_previewed
from tests.synthetic_ids import make_id

OPENS, CLOSES = "2024-06-01", "2024-06-30"  # a Saturday to a Sunday
ID_NUMBER = make_id()
PHONE_RE = re.compile(r"1[3-9]\d{9}")
ID_RE = re.compile(r"\d{17}[\dXx]")


def moment(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` Beijing time, as the UTC instant the portal stores."""
    local = datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=SHANGHAI)
    return local.astimezone(UTC)


@pytest.fixture
def clock():
    """``clock("2024-06-10")`` moves the portal's "now" (everything that asks ``timeutil``;
    the suite puts the system clock back after each test)."""

    def _move(day: str, hour: int = 10, minute: int = 0) -> None:
        now = moment(day, hour, minute)
        timeutil.set_clock(lambda: now)

    _move("2024-06-10")
    return _move


def new_consultation(app, slug: str = "pufa", questions=(), **fields):
    """A published consultation (in its own app context, so staff clients can be used)."""
    data = {
        "title": "《东晓街道普法规划（征求意见稿）》公开征求意见",
        "summary": "征求对普法规划的意见",
        "topic": "法治建设",
        "body": "征求意见稿全文见附件。",
        "opens_on": OPENS,
        "closes_on": CLOSES,
        **fields,
    }
    with app.app_context():
        doc = publishing.create("consultation", slug, data, actor=staff("editor"))
        publishing.publish(doc, actor=staff("reviewer"), published_at=parse_local(OPENS))
        if questions:
            question_service.set_questions(
                doc, list(questions), actor=staff("reviewer", "reviewer")
            )
        return doc.id


QUESTIONS = (
    {
        "text": "您最关心哪类法律知识？",
        "kind": "single",
        "options": "民法典\n劳动法\n消防法规",
        "required": True,
    },
    {
        "text": "您希望通过哪些方式学习？",
        "kind": "multiple",
        "options": ["讲座", "短视频", "宣传栏"],
    },
    {"text": "其他建议", "kind": "text"},
)


def form_fields(client, url: str) -> dict[str, str]:
    """The hidden fields (CSRF, form token, render time) of the opinion form on ``url``."""
    html = client.get(url).get_data(as_text=True)
    return dict(
        re.findall(r'<input[^>]*name="(csrf_token|form_token|rendered)"[^>]*value="([^"]*)"', html)
    )


def opinion_data(**overrides):
    return {
        "content": "建议在社区开展民法典讲座，并在宣传栏张贴案例。",
        "name": "王先生",
        "contact": "13812345678",
        "consent": "y",
        **overrides,
    }


@pytest.fixture
def post_opinion(client):
    def _post(slug: str = "pufa", data=None, **overrides):
        page = f"/consultation/{slug}"
        fields = {**form_fields(client, page), **(data if data is not None else opinion_data())}
        fields.update(overrides)
        return client.post(f"{page}/opinions", data=fields)

    return _post


def count(app, model=Opinion) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def doc_of(doc_id: int):
    return db.session.get(Document, doc_id)


# -- state from dates -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "code", "label", "left"),
    [
        ("2024-05-31", "upcoming", "未开始", None),
        ("2024-06-01", "open", "征集中", 29),
        ("2024-06-29", "open", "征集中", 1),
        ("2024-06-30", "open", "征集中", 0),
        ("2024-07-01", "closed", "已结束", None),
    ],
)
def test_state_follows_the_dates(today, code, label, left):
    extra = {"opens_on": OPENS, "closes_on": CLOSES}
    assert catalog.consultation_state(extra, today) == (code, label, left)
    assert catalog.consultation_state(extra, date.fromisoformat(today)).days_left == left


def test_result_state_needs_a_closed_consultation_with_a_result():
    extra = {"opens_on": OPENS, "closes_on": CLOSES, "result_summary": "共收到 3 条意见。"}
    assert catalog.consultation_state(extra, "2024-07-01").code == "result"
    assert catalog.consultation_state(extra, "2024-06-30").code == "open"


def test_page_state_moves_with_the_clock_in_beijing_time(app, client, clock):
    new_consultation(app)
    clock("2024-05-31", 23, 59)
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "未开始" in html and 'id="opinion-form-title"' not in html
    clock("2024-06-01", 0, 1)
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "征集中" in html and "还有 29 天" in html and 'id="opinion-form-title"' in html
    clock("2024-06-30", 23, 30)  # 15:30 UTC: still the last day in Beijing
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "今天截止" in html
    clock("2024-07-01", 0, 30)  # still 2024-06-30 in UTC, but closed in Beijing
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "已结束" in html and 'id="opinion-form-title"' not in html
    assert "不再接收意见" in html


# -- residents' opinions --------------------------------------------------------------


def test_opinion_inside_the_window_is_stored_once_and_counted(app, client, clock, ctx):
    new_consultation(app)
    fields = {**form_fields(client, "/consultation/pufa"), **opinion_data()}
    first = client.post("/consultation/pufa/opinions", data=fields)
    second = client.post("/consultation/pufa/opinions", data=fields)  # sent twice
    assert first.status_code == second.status_code == 200
    assert "您的意见已提交" in first.get_data(as_text=True)
    stored = db.session.scalars(sa.select(Opinion)).one()
    assert stored.name == "王先生" and stored.contact == "13812345678" and stored.consent
    assert stored.status == "received" and not stored.quarantined
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "本页已收到意见：<strong>1</strong> 条" in html
    assert "暂无公开的意见" in html and "民法典讲座" not in html  # not moderated yet


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2024-05-31", "目前还不能提交意见"),
        ("2024-07-01", "已于 2024年06月30日 截止，不再接收意见"),
    ],
)
def test_outside_the_window_no_form_and_a_post_is_refused(
    app, client, clock, post_opinion, day, message
):
    new_consultation(app)
    fields = form_fields(client, "/consultation/pufa")  # taken while open
    clock(day)
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "/consultation/pufa/opinions" not in html and "提交意见</button>" not in html
    response = client.post("/consultation/pufa/opinions", data={**fields, **opinion_data()})
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert message in body and 'role="alert"' in body and "意见未提交" in body
    assert count(app) == 0


def test_withdrawn_or_draft_consultations_take_no_opinions(app, client, clock):
    new_consultation(app)
    fields = form_fields(client, "/consultation/pufa")
    with app.app_context():
        publishing.withdraw(
            db.session.scalar(sa.select(Document)), reason="重新起草", actor=staff("r")
        )
        draft = publishing.create(
            "consultation",
            "draft",
            {"title": "草稿征集", "topic": "综合政务", "opens_on": OPENS, "closes_on": CLOSES},
            actor=staff("e"),
        )
        assert draft.status == "draft"
    response = client.post("/consultation/pufa/opinions", data={**fields, **opinion_data()})
    assert response.status_code == 409 and "不接收意见" in response.get_data(as_text=True)
    assert client.post("/consultation/draft/opinions", data=fields).status_code == 404
    assert count(app) == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"content": ""}, "意见内容：必填"),
        ({"content": "太短"}, "意见内容：应为 5 至 2000 个字"),
        ({"content": "长" * 2001}, "意见内容：不能超过 2000 个字"),
        ({"contact": "1381234567"}, "联系方式："),
        ({"name": "名" * 21}, "姓名：不能超过 20 个字"),
    ],
)
def test_bad_fields_get_chinese_messages_and_nothing_is_stored(
    app, clock, post_opinion, overrides, message
):
    new_consultation(app)
    response = post_opinion(**overrides)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "请修改以下" in html
    if "content" not in overrides:
        assert "民法典讲座" in html  # what was typed is kept
    assert count(app) == 0


def test_missing_csrf_token_is_refused(app, client, clock):
    new_consultation(app)
    assert client.post("/consultation/pufa/opinions", data=opinion_data()).status_code == 400
    assert count(app) == 0


def test_rate_limit_applies_and_failed_posts_do_not_use_it_up(app, clock, post_opinion):
    new_consultation(app)
    app.config["MESSAGE_RATE"] = "2 per hour"
    assert post_opinion(content="").status_code == 400  # does not count
    assert post_opinion().status_code == 200
    assert post_opinion().status_code == 200
    blocked = post_opinion()
    assert blocked.status_code == 429 and "操作过于频繁" in blocked.get_data(as_text=True)
    assert count(app) == 2


def test_honeypot_and_too_fast_opinions_are_quarantined_and_not_counted(
    app, client, clock, post_opinion, ctx
):
    new_consultation(app)
    trapped = post_opinion(website="http://spam.example")
    assert trapped.status_code == 200 and "您的意见已提交" in trapped.get_data(as_text=True)
    app.config["MIN_FILL_SECONDS"] = 60
    assert "您的意见已提交" in post_opinion().get_data(as_text=True)
    reasons = db.session.scalars(sa.select(Opinion.quarantine_reason).order_by(Opinion.id)).all()
    assert reasons == ["honeypot", "too fast"]
    assert queries.received(db.session.scalar(sa.select(Document))) == 0
    assert "本页已收到意见：<strong>0</strong> 条" in client.get("/consultation/pufa").get_data(
        as_text=True
    )
    with pytest.raises(InvalidTransition):
        publish_as_previewed(db.session.scalars(sa.select(Opinion)).first(), "h")


# -- structured questions -------------------------------------------------------------


def test_questions_are_rendered_with_fieldsets_and_answers_validated(
    app, client, clock, post_opinion, ctx
):
    new_consultation(app, questions=QUESTIONS)
    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "<legend>问卷（共 3 题）</legend>" in html
    assert "<legend>1. 您最关心哪类法律知识？（单选，必答）</legend>" in html
    assert len(re.findall(r'type="radio"', html)) == 3
    assert len(re.findall(r'name="q\d+" type="checkbox"', html)) == 3
    assert re.search(r'<textarea[^>]*name="q\d+"', html)
    ids = [q.field_name for q in queries.questions(db.session.scalar(sa.select(Document)))]

    missing = post_opinion(data={"content": "", **{ids[1]: "0"}})
    assert missing.status_code == 400 and "第 1 题：请选择一项" in missing.get_data(as_text=True)
    forged = post_opinion(data={ids[0]: "7", "content": ""})
    assert "第 1 题：请从给出的选项中选择" in forged.get_data(as_text=True)
    single = queries.questions(db.session.scalar(sa.select(Document)))[0]
    with pytest.raises(ValueError, match="第 1 题：只能选择一项"):
        services.clean_answer(single, ["0", "1"])  # a radio sends one value; the service checks
    too_long = post_opinion(data={ids[0]: "0", ids[2]: "字" * 1001})
    assert "第 3 题：不能超过 1000 个字" in too_long.get_data(as_text=True)
    assert count(app) == 0

    # Answers alone are an opinion when there are questions; the text is then optional.
    ok = post_opinion(data={ids[0]: "1", ids[1]: ["2", "0"], ids[2]: "  多办线上讲座  "})
    assert ok.status_code == 200
    stored = db.session.scalars(sa.select(Opinion)).one()
    q1, q2, q3 = (q.split("q")[1] for q in ids)
    assert stored.answers == {q1: 1, q2: [0, 2], q3: "多办线上讲座"} and stored.content == ""


def test_questions_cannot_change_once_opinions_arrived(app, make_user, clock):
    doc_id = new_consultation(app)
    # The consultation is published: its questions change only through review.
    editor = login_as(app, make_user("reviewer1", "reviewer"))
    url = f"/admin/consultations/{doc_id}/questions"
    data = {
        "csrf_token": csrf(editor, url),
        "questions-0-text": "您是否支持本规划？",
        "questions-0-kind": "single",
        "questions-0-options": "支持\n不支持\n\n",
        "questions-0-required": "y",
        "questions-1-text": "",
        "questions-1-kind": "",
        "questions-1-options": "",
        "questions-2-text": "只有一个选项",
        "questions-2-kind": "multiple",
        "questions-2-options": "唯一",
    }
    bad = editor.post(url, data=data)
    assert bad.status_code == 400
    assert "第 2 题：选择题应有 2 至 20 个选项" in bad.get_data(as_text=True)
    del data["questions-2-text"], data["questions-2-kind"], data["questions-2-options"]
    assert editor.post(url, data=data).status_code == 302
    with app.app_context():
        (saved,) = db.session.scalars(sa.select(Question)).all()
        assert (saved.kind, saved.options, saved.required) == ("single", ["支持", "不支持"], True)
        doc = doc_of(doc_id)
        services.submit_opinion(
            doc, {"content": ""}, raw_answers={saved.field_name: "0"}, form_token="t1"
        )
    locked = editor.get(url).get_data(as_text=True)
    assert "问题不能再修改" in locked and 'name="questions-0-text"' not in locked
    refused = editor.post(url, data={**data, "questions-0-text": "改过的问题"})
    assert refused.status_code == 409 and "问题不能再修改" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(Question.text)).all() == ["您是否支持本规划？"]
        actions = db.session.scalars(sa.select(AuditRecord.action)).all()
        assert actions.count("questions_set") == 1


# -- moderation -----------------------------------------------------------------------


def test_published_opinions_are_masked_and_personal_data_never_public(
    app, client, make_user, clock
):
    doc_id = new_consultation(app)
    canary = "金丝雀测试人"
    text = f"我是{canary}，电话13912345678，身份证{ID_NUMBER}。建议多办民法典讲座。"
    with app.app_context():
        doc = doc_of(doc_id)
        kept = services.submit_opinion(
            doc,
            {"content": text, "name": canary, "contact": "canary@example.com", "consent": True},
            raw_answers={},
            form_token="a",
        )
        private = services.submit_opinion(
            doc,
            {"content": "不同意公开的意见内容。", "consent": False},
            raw_answers={},
            form_token="b",
        )
        kept_id, private_id = kept.id, private.id
    handler = login_as(app, make_user("handler1", "handler"))
    token = csrf(handler, f"/admin/consultations/{doc_id}")
    preview = handler.get(f"/admin/opinions/{kept_id}/publish").get_data(as_text=True)
    assert "公开前预览" in preview and "<mark" in preview
    assert "手机号 1 处" in preview and "身份证号 1 处" in preview
    offered = unescape(re.search(r'name="content"[^>]*>\n?(.*?)</textarea>', preview, re.S)[1])
    assert canary not in offered and "13912345678" not in offered and ID_NUMBER not in offered
    done = handler.post(
        f"/admin/opinions/{kept_id}/publish", data={"csrf_token": token, "content": offered}
    )
    assert done.status_code == 302
    assert "意见已公开" in handler.get(done.headers["Location"]).get_data(as_text=True)
    refused = handler.get(f"/admin/opinions/{private_id}/publish")
    assert refused.status_code == 409 and "提交人未同意公开意见内容" in refused.text

    pages = {
        url: client.get(url).get_data(as_text=True)
        for url in (
            "/consultation/pufa",
            "/api/v1/documents/consultation/pufa",
            "/feeds/consultation.rss",
            "/search?q=民法典讲座",
        )
    }
    assert "建议多办民法典讲座" in pages["/consultation/pufa"]
    assert "建议多办民法典讲座" in pages["/api/v1/documents/consultation/pufa"]
    assert "不同意公开的意见内容" not in pages["/consultation/pufa"]
    for url, body in pages.items():
        assert not PHONE_RE.search(body), url
        assert not ID_RE.search(body), url
        for secret in (canary, "canary@example.com", "13912345678", ID_NUMBER):
            assert secret not in body, (url, secret)
    assert "139****5678" in pages["/consultation/pufa"]

    # Hiding needs a reason, takes the text off the page and is audited.
    blank = handler.post(f"/admin/opinions/{kept_id}/hide", data={"csrf_token": token})
    assert "不公开原因：必填" in handler.get(blank.headers["Location"]).get_data(as_text=True)
    handler.post(
        f"/admin/opinions/{kept_id}/hide", data={"csrf_token": token, "reason": "含有他人隐私"}
    )
    assert "建议多办民法典讲座" not in client.get("/consultation/pufa").get_data(as_text=True)
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditRecord.action, AuditRecord.target_type, AuditRecord.detail).where(
                AuditRecord.target_type == "opinion"
            )
        ).all()
        assert [(r.action, r.target_type) for r in rows] == [
            ("opinion_publish", "opinion"),
            ("opinion_hide", "opinion"),
        ]
        assert rows[0].detail == {"masked": 3} and rows[1].detail == {"reason": "含有他人隐私"}
    admin_list = handler.get(f"/admin/consultations/{doc_id}").get_data(as_text=True)
    # Staff read the text; the sender's own name and contact are masked in the list.
    assert '提交人：<span class="masked">金*****，c***@example.com</span>' in admin_list


def test_handler_pages_and_roles(app, make_user, clock):
    doc_id = new_consultation(app)
    with app.app_context():
        opinion = services.submit_opinion(
            doc_of(doc_id), {"content": "建议延长征集时间。"}, raw_answers={}, form_token="x"
        )
        opinion_id = opinion.id
    editor = login_as(app, make_user("editor1", "editor"))
    handler = login_as(app, make_user("handler1", "handler"))
    listing = handler.get("/admin/consultations/").get_data(as_text=True)
    assert "征集中" in listing and f"/admin/consultations/{doc_id}" in listing
    page = handler.get(f"/admin/consultations/{doc_id}").get_data(as_text=True)
    assert "建议延长征集时间" in page and f'action="/admin/opinions/{opinion_id}/adopt"' in page
    editor_page = editor.get(f"/admin/consultations/{doc_id}").get_data(as_text=True)
    assert f"/admin/opinions/{opinion_id}/adopt" not in editor_page  # handlers only
    token = csrf(editor, "/admin/")
    assert (
        editor.post(f"/admin/opinions/{opinion_id}/adopt", data={"csrf_token": token}).status_code
        == 403
    )
    assert handler.get("/admin/consultations/999999").status_code == 404
    assert handler.get("/admin/consultations/0").status_code == 404


# -- the result -----------------------------------------------------------------------

# Hand-counted fixture: (answer to Q1 single, Q2 multiple, Q3 text, adoption).
ANSWERS = [
    ("0", ["0", "1"], "多办讲座", "adopted"),
    ("1", ["1"], "", "adopted"),
    ("0", ["0", "1", "2"], "线上课程", "partly"),
    ("2", [], "", "rejected"),
    ("0", ["2"], "", "rejected"),
    (None, ["1"], "送法进小区", "rejected"),
]
# Q1 (5 answered): 民法典 3, 劳动法 1, 消防法规 1 -> 60%, 20%, 20%
# Q2 (5 answered): 讲座 2, 短视频 4, 宣传栏 2 -> 40%, 80%, 40%
# Q3: 3 answered. Adoption: 2 adopted, 1 partly, 3 rejected.
EXPECTED = {
    1: (5, [("民法典", 3, 60), ("劳动法", 1, 20), ("消防法规", 1, 20)]),
    2: (5, [("讲座", 2, 40), ("短视频", 4, 80), ("宣传栏", 2, 40)]),
    3: (3, []),
}


# The same questions, none required (one resident skipped the first).
TALLY_QUESTIONS = tuple({**q, "required": False} for q in QUESTIONS)


def _fill(app, doc_id: int) -> None:
    with app.app_context():
        doc = doc_of(doc_id)
        q1, q2, q3 = (q.field_name for q in queries.questions(doc))
        for n, (one, many, text, decision) in enumerate(ANSWERS):
            raw = {q1: one, q2: many, q3: text}
            opinion = services.submit_opinion(
                doc, {"content": f"第{n}条意见内容。"}, raw_answers=raw, form_token=f"t{n}"
            )
            services.adopt_opinion(opinion, decision=decision, note="", actor=staff("handler"))
        # A quarantined opinion with answers counts nowhere.
        services.submit_opinion(
            doc,
            {"content": "机器人提交的意见。"},
            raw_answers={q1: "2", q2: ["2"], q3: "垃圾"},
            form_token="bot",
            quarantine="honeypot",
        )


def test_tallies_and_adoption_equal_hand_counts(app, clock, ctx):
    doc_id = new_consultation(app, questions=TALLY_QUESTIONS)
    _fill(app, doc_id)
    doc = doc_of(doc_id)
    for tally in queries.tallies(doc):
        respondents, options = EXPECTED[tally.question.number]
        assert tally.respondents == respondents
        assert [(b.label, b.count, b.percent) for b in tally.bars] == options
    assert queries.adoption(doc) == queries.Adoption(2, 1, 3, 0)
    assert queries.received(doc) == 6
    assert [percent(1, 8), percent(1, 3), percent(2, 3), percent(0, 0)] == [13, 33, 67, 0]


def test_result_is_refused_while_open_and_with_undecided_opinions(app, clock, ctx):
    doc_id = new_consultation(app)
    doc = doc_of(doc_id)
    with pytest.raises(InvalidTransition, match="截止后才能公布结果"):
        services.publish_result(doc, summary="结果", actor=staff("reviewer"))
    services.submit_opinion(doc, {"content": "一条未处理的意见。"}, raw_answers={}, form_token="u")
    clock("2024-07-02")
    with pytest.raises(ValidationError) as info:
        services.publish_result(doc, summary="结果", actor=staff("reviewer"))
    assert "还有 1 条意见没有登记采纳情况" in info.value.errors["adoption"]
    with pytest.raises(ValidationError) as info:
        services.publish_result(doc, summary="  ", actor=staff("reviewer"))
    assert info.value.errors == {"result_summary": "结果反馈：必填"}
    doc = doc_of(doc_id)
    assert "result_summary" not in doc.extra and len(doc.revisions) == 2  # created, published
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditRecord.action == "result_publish"))
        == 0
    )


def test_published_result_shows_table_chart_and_reaches_search_feeds_and_api(
    app, client, make_user, clock
):
    doc_id = new_consultation(app, questions=TALLY_QUESTIONS)
    _fill(app, doc_id)
    clock("2024-07-05")
    reviewer = login_as(app, make_user("reviewer1", "reviewer"))
    url = f"/admin/consultations/{doc_id}/result"
    preview = reviewer.get(url).get_data(as_text=True)
    assert "未登记：0" in preview and '<td class="num">4</td>' in preview
    summary = "共收到有效意见 6 条。建议增设**充电桩**宣传点的意见已采纳。"
    done = reviewer.post(url, data={"csrf_token": csrf(reviewer, url), "result_summary": summary})
    assert done.status_code == 302

    html = client.get("/consultation/pufa").get_data(as_text=True)
    assert "已公布结果" in html and "<strong>充电桩</strong>" in html
    assert "公布日期：" in html and "2024年07月05日" in html
    adoption = re.search(r'<table class="data-table adoption-table">.*?</table>', html, re.S).group(
        0
    )
    cells = re.findall(r'<th scope="row">(.+?)</th><td class="num">(\d+)</td>', adoption)
    assert cells == [("采纳", "2"), ("部分采纳", "1"), ("未采纳", "3"), ("合计", "6")]
    tables = re.findall(r'<table class="data-table tally-table">.*?</table>', html, re.S)
    assert len(tables) == 3
    for number, table in enumerate(tables, 1):
        respondents, options = EXPECTED[number]
        assert f"{respondents} 人作答" in table
        rows = re.findall(
            r'<th scope="row">(.+?)</th><td class="num">(\d+)</td><td class="num">(\d+)%</td>',
            table,
        )
        assert [(label, int(n), int(p)) for label, n, p in rows] == options
    charts = re.findall(r'<svg[^>]*role="img"[^>]*aria-label="([^"]+)"', html)
    assert len(charts) == 2  # the two choice questions; the text question has no chart
    assert "民法典 3 人（60%）" in charts[0] and "短视频 4 人（80%）" in charts[1]
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)  # no inline script (CSP)
    assert "style=" not in html

    # The result goes through the publishing service: search, feeds and the API follow.
    found = client.get("/search?q=充电桩").get_data(as_text=True)
    assert "东晓街道普法规划" in found
    feed = client.get("/feeds/consultation.rss").get_data(as_text=True)
    assert "充电桩" in feed and "结果反馈" in feed
    api = client.get("/api/v1/documents/consultation/pufa").get_json()
    assert api["fields"]["result_summary"] == summary
    assert api["fields"]["result_published_on"] == "2024-07-05"
    assert (api["fields"]["result_adopted"], api["fields"]["result_partly_adopted"]) == (2, 1)
    assert api["fields"]["result_not_adopted"] == 3
    consultation = api["consultation"]
    assert consultation["state"] == "result" and consultation["opinions_received"] == 6
    assert consultation["result"]["adoption"] == {"adopted": 2, "partly": 1, "rejected": 3}
    assert [
        (
            t["number"],
            t["respondents"],
            [(o["label"], o["count"], o["percent"]) for o in t["options"]],
        )
        for t in consultation["result"]["tallies"]
    ] == [(n, r, o) for n, (r, o) in EXPECTED.items()]
    assert consultation["opinions"] == []  # none published: opinions are public only then

    with app.app_context():
        doc = doc_of(doc_id)
        assert doc.revisions[-1].note == "公布征集结果"
        record = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "result_publish")
        ).one()
        assert record.target_type == "document" and record.target_id == doc_id
        assert record.action_label == "公布征集结果"
        assert record.detail["adopted"] == 2 and record.detail["rejected"] == 3


def test_dashboard_warns_ten_working_days_after_close_without_a_result(app, make_user, clock):
    doc_id = new_consultation(app)  # closes Sunday 2024-06-30
    reviewer = login_as(app, make_user("reviewer1", "reviewer"))
    warning = "征集调查结束超过 10 个工作日仍未公布结果"
    clock("2024-07-12")  # Friday: the 10th working day after closing
    with app.app_context():
        assert not inspection.unpublished_results(date(2024, 7, 12))
    assert warning not in reviewer.get("/admin/").get_data(as_text=True)
    clock("2024-07-15")  # Monday: the 11th
    dashboard = reviewer.get("/admin/").get_data(as_text=True)
    assert warning in dashboard and "东晓街道普法规划" in dashboard
    assert "逾期未公布" in reviewer.get("/admin/consultations/").get_data(as_text=True)
    with app.app_context():
        (alert,) = inspection.unpublished_results(date(2024, 7, 15))
        assert alert.severe
        services.publish_result(doc_of(doc_id), summary="未收到意见。", actor=staff("reviewer"))
        assert not inspection.unpublished_results(date(2024, 7, 15))
    assert warning not in reviewer.get("/admin/").get_data(as_text=True)


# -- questions: only through review, never once closed (issue 13, point 8) -------------


def test_questions_of_a_published_consultation_change_only_through_review(app, make_user, clock):
    doc_id = new_consultation(app, questions=QUESTIONS[:1])
    url = f"/admin/consultations/{doc_id}/questions"
    editor = login_as(app, make_user("editor1", "editor"))
    reviewer = login_as(app, make_user("reviewer1", "reviewer"))
    change = {"questions-0-text": "改过的问题", "questions-0-kind": "text"}
    refused = editor.post(url, data={"csrf_token": csrf(editor, url), **change})
    assert refused.status_code == 409 and "审核人员" in refused.get_data(as_text=True)
    wiped = editor.post(url, data={"csrf_token": csrf(editor, url)})  # an empty form
    assert wiped.status_code == 409
    with app.app_context():
        assert [q.text for q in queries.questions(doc_of(doc_id))] == [QUESTIONS[0]["text"]]
    assert reviewer.post(url, data={"csrf_token": csrf(reviewer, url), **change}).status_code == 302
    with app.app_context():
        assert [q.text for q in queries.questions(doc_of(doc_id))] == ["改过的问题"]


def test_questions_of_a_closed_consultation_never_change(app, make_user, clock):
    doc_id = new_consultation(app, questions=QUESTIONS[:1])
    clock("2024-07-20")  # closed on 06-30
    reviewer = login_as(app, make_user("reviewer1", "reviewer"))
    url = f"/admin/consultations/{doc_id}/questions"
    wiped = reviewer.post(url, data={"csrf_token": csrf(reviewer, url)})
    assert wiped.status_code == 409 and "已经截止" in wiped.get_data(as_text=True)
    with app.app_context():
        assert len(queries.questions(doc_of(doc_id))) == 1
        with pytest.raises(InvalidTransition):
            question_service.set_questions(doc_of(doc_id), [], actor=staff("x", "reviewer"))


# -- opinions masked for staff, revealed only by handlers, on the record (point 7) -------


def test_opinion_text_is_masked_for_staff_and_revealed_only_by_handlers(app, make_user, clock):
    doc_id = new_consultation(app)
    text = f"我是李大伟，电话13912345678，身份证{ID_NUMBER}，建议多办讲座。"
    with app.app_context():
        opinion_id = services.submit_opinion(
            doc_of(doc_id),
            {"content": text, "name": "李大伟", "contact": "13912345678"},
            raw_answers={},
            form_token="o",
        ).id
    page = f"/admin/consultations/{doc_id}"
    for role in ("editor", "reviewer", "handler"):
        staff = login_as(app, make_user(f"{role}1", role))
        html = staff.get(page).get_data(as_text=True)
        assert "建议多办讲座" in html, role
        for secret in ("13912345678", ID_NUMBER, "李大伟"):
            assert secret not in html, (role, secret)
        reveal = staff.post(
            f"/admin/opinions/{opinion_id}/reveal", data={"csrf_token": csrf(staff, page)}
        )
        if role != "handler":
            assert reveal.status_code == 403
            continue
        shown = reveal.get_data(as_text=True)
        assert reveal.status_code == 200 and ID_NUMBER in shown and "李大伟" in shown
        assert ID_NUMBER not in staff.get(page).get_data(as_text=True)  # masked again
    with app.app_context():
        (record,) = db.session.scalars(
            sa.select(AuditRecord).where(AuditRecord.action == "reveal")
        ).all()
        assert (record.actor, record.target_type, record.target_id) == (
            "handler1",
            "opinion",
            opinion_id,
        )


# -- what will be published is seen, edited and stored before it is public (point 6) -----


def test_a_handler_edits_the_public_text_and_the_original_stays(app, client, make_user, clock):
    doc_id = new_consultation(app)
    text = "我家住东晓路88号3栋502室，楼下的路灯坏了，建议尽快修好。"
    with app.app_context():
        opinion_id = services.submit_opinion(
            doc_of(doc_id), {"content": text, "consent": True}, raw_answers={}, form_token="o"
        ).id
    handler = login_as(app, make_user("handler1", "handler"))
    url = f"/admin/opinions/{opinion_id}/publish"
    token = csrf(handler, url)
    leaked = handler.post(url, data={"csrf_token": token, "content": "请回电13912345678"})
    assert leaked.status_code == 400
    assert "仍含有个人信息" in leaked.get_data(as_text=True)
    edited = "楼下的路灯坏了，建议尽快修好。"
    assert handler.post(url, data={"csrf_token": token, "content": edited}).status_code == 302
    public = client.get("/consultation/pufa").get_data(as_text=True)
    assert edited in public and "88号" not in public
    with app.app_context():
        opinion = db.session.get(Opinion, opinion_id)
        assert (opinion.public_content, opinion.content) == (edited, text)
