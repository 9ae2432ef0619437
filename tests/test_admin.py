"""Back office: accounts, login, sessions, roles, dashboard."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask, url_for

from portal import create_app
from portal.audit import AuditRecord
from portal.auth import accounts
from portal.auth.actor import SYSTEM
from portal.auth.blueprint import ACCESS, PUBLIC
from portal.auth.models import ROLES, User
from portal.disclosure.listing import node as catalog_node
from portal.documents import publishing, uploads, wordcheck
from portal.errors import ValidationError
from portal.extensions import db
from portal.interaction import info_requests, messages, submissions
from portal.interaction.models import FeedbackReport, InfoRequest, Message
from portal.orgs.directory import home
from portal.timeutil import parse_local
from tests.actors import staff
from tests.conftest import BASE_FIELDS
from tests.staff import PASSWORD, csrf, login, login_as, logout
from tests.synthetic_ids import make_id


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short7!", "至少 8 个字符"),
        ("x" * 129, "不能超过 128 个字符"),
        ("password123", "过于常见"),
        ("Qwerty123", "过于常见"),
        ("editor1-is-me", "包含用户名"),
    ],
)
def test_password_rules(app, password, message):
    with app.app_context(), pytest.raises(ValidationError) as info:
        accounts.create_user("editor1", "编辑", "editor", password, totp=False, org_ids=[home().id])
    assert message in info.value.errors["password"]


def test_sixty_four_character_passphrase_is_allowed(ctx):
    user = accounts.create_user(
        "long1", "长", "editor", "很长的口令" * 13, totp=False, org_ids=[home().id]
    )
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_there_is_no_default_account(ctx):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_cli_creates_an_admin_with_totp(runner, app):
    result = runner.invoke(
        args=["users", "create", "chief", "--role", "admin", "--password", PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert "otpauth://totp/" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.totp_secret).where(User.username == "chief"))
    bad = runner.invoke(args=["users", "create", "x", "--role", "editor", "--password", "123456"])
    assert bad.exit_code != 0 and "用户名" in bad.output


def test_login_logout_and_an_old_cookie_is_useless(client, make_user):
    make_user()
    assert client.get("/admin/").status_code == 302
    response = login(client, "editor1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/")
    assert page.status_code == 200 and "工作台" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    cookie = client.get_cookie("session").value
    logout(client)
    client.set_cookie("session", cookie)  # replay the cookie from before logout
    assert client.get("/admin/").status_code == 302


def test_logging_in_again_ends_the_earlier_session(app, make_user):
    make_user()
    first, second = app.test_client(), app.test_client()
    login(first, "editor1")
    login(second, "editor1")
    assert second.get("/admin/").status_code == 200
    assert first.get("/admin/").status_code == 302


def test_session_cookie_flags(client, make_user):
    make_user()
    response = login(client, "editor1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_idle_session_ends(app, client, make_user):
    make_user()
    login(client, "editor1")
    app.config["ADMIN_IDLE_MINUTES"] = 0
    assert client.get("/admin/").status_code == 302


def test_wrong_password_and_unknown_user_look_the_same(client, make_user, ctx):
    make_user()
    wrong = login(client, "editor1", "not-the-password")
    unknown = login(client, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert "用户名、密码或动态验证码不正确" in wrong.get_data(as_text=True)
    actions = db.session.scalars(sa.select(AuditRecord.action)).all()
    assert actions == ["login_failed", "login_failed"]


@pytest.mark.parametrize(
    ("target", "landing"),
    [
        ("/admin/documents/?kind=news", "/admin/documents/?kind=news"),
        ("/admin/%0D%0ASet-Cookie:%20x=1", "/admin/"),  # would split the Location header
        ("/admin/%00", "/admin/"),
        ("/admin/%09x", "/admin/"),
        ("https://evil.example/admin/", "/admin/"),
        ("//evil.example/admin/", "/admin/"),
        ("/admin/%5C%5Cevil.example", "/admin/"),
        ("/news/", "/admin/"),
        ("//[", "/admin/"),
    ],
)
def test_after_login_next_leads_only_to_a_back_office_page(client, make_user, target, landing):
    make_user()
    token = csrf(client, "/admin/login")
    response = client.post(
        f"/admin/login?next={target}",
        data={"csrf_token": token, "username": "editor1", "password": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == landing


def test_totp_is_required_when_enrolled(client, make_user):
    user = make_user("admin1", "admin")
    assert login(client, "admin1").status_code == 401
    assert login(client, "admin1", code="000000").status_code == 401
    code = pyotp.TOTP(user.totp_secret).now()
    assert login(client, "admin1", code=code).status_code == 302


def test_login_failures_are_rate_limited_per_account(app, make_user):
    make_user()
    clients = [app.test_client() for _ in range(6)]  # as if from several places
    statuses = [login(c, "editor1", "wrong-password").status_code for c in clients]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    assert "Retry-After" in login(clients[0], "editor1", "wrong").headers


def test_successful_logins_do_not_count_towards_the_limit(app, make_user):
    make_user()
    for _ in range(7):
        client = app.test_client()
        assert login(client, "editor1").status_code == 302


def test_logout_and_login_need_csrf(client, make_user):
    make_user()
    response = client.post("/admin/login", data={"username": "editor1", "password": PASSWORD})
    assert response.status_code == 400
    login(client, "editor1")
    assert client.post("/admin/logout").status_code == 400
    assert client.get("/admin/").status_code == 200  # the forged logout did nothing


def test_invisible_or_control_characters_do_not_open_a_fresh_login_bucket(app, make_user):
    """Each variant is one more failure against the same account, not a bucket of its own."""
    make_user()
    variants = ["editor1\x01", "editor1\u200b", "\u202eeditor1", "editor1\x7f", " editor1\ufeff"]
    statuses = [login(app.test_client(), name, "wrong-password").status_code for name in variants]
    assert statuses == [401] * 5
    assert login(app.test_client(), "editor1\x02", "wrong-password").status_code == 429
    assert login(app.test_client(), "editor1\u2060").status_code == 429  # even the right one


def test_the_limit_and_the_check_share_one_name_normalisation(app, make_user):
    assert accounts.login_name(" editor1\u200b\x00\u202e\t") == "editor1"
    assert accounts.login_name("ｅｄｉｔｏｒ１") == "editor1"  # full width, as a Chinese IME types
    make_user()
    assert login(app.test_client(), "ｅｄｉｔｏｒ１\u200b").status_code == 302


def _clear_of_a_step_boundary(seconds: float = 3.0) -> None:
    """Wait if a new 30-second TOTP step is about to start (the test compares steps)."""
    left = 30 - time.time() % 30
    if left < seconds:
        time.sleep(left + 0.1)


def test_a_totp_code_signs_in_only_once(app, make_user):
    admin = make_user("admin1", "admin")
    _clear_of_a_step_boundary()
    code = pyotp.TOTP(admin.totp_secret).now()
    assert login(app.test_client(), "admin1", code=code).status_code == 302
    replay = login(app.test_client(), "admin1", code=code)
    assert replay.status_code == 401
    assert "用户名、密码或动态验证码不正确" in replay.get_data(as_text=True)


def test_a_totp_code_older_than_the_last_one_used_is_refused(app, make_user):
    admin = make_user("admin1", "admin")
    totp = pyotp.TOTP(admin.totp_secret)
    _clear_of_a_step_boundary()
    now = time.time()
    previous, current = totp.at(now - 30), totp.at(now)
    assert login(app.test_client(), "admin1", code=previous).status_code == 302  # clock drift
    assert login(app.test_client(), "admin1", code=current).status_code == 302
    assert login(app.test_client(), "admin1", code=previous).status_code == 401
    assert login(app.test_client(), "admin1", code=current).status_code == 401
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "admin1"))
        assert user.totp_last_step == int(now // 30)


def test_a_wrong_password_does_not_use_up_the_totp_code(app, make_user):
    admin = make_user("admin1", "admin")
    _clear_of_a_step_boundary()
    code = pyotp.TOTP(admin.totp_secret).now()
    assert login(app.test_client(), "admin1", "wrong-password", code=code).status_code == 401
    assert login(app.test_client(), "admin1", code=code).status_code == 302


def test_a_cookie_signed_with_the_once_public_key_is_not_accepted(
    app, database_url, make_user, monkeypatch, tmp_path
):
    """The development default key was in the source: anyone could sign a session with it.
    Without ``PORTAL_SECRET_KEY`` development now uses a key of its own."""
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "inst"))
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    default = create_app({"TESTING": True, "DATABASE_URL": database_url})
    make_user("admin1", "admin")
    with default.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "admin1"))
        session = {"uid": user.id, "v": user.session_version, "seen": time.time()}
    forger = Flask("forger")
    forger.secret_key = "dev-insecure-secret-change-me"
    cookie = forger.session_interface.get_signing_serializer(forger).dumps(session)
    client = default.test_client()
    client.set_cookie("session", cookie)
    assert client.get("/admin/users").status_code == 302  # to the sign-in page
    with default.app_context():  # close its connections now, not when collected
        db.session.remove()
        db.engine.dispose()


def _records(app, tmp_path) -> tuple[dict[str, object], dict[str, dict[str, object]]]:
    """One of everything an admin URL can point at, keyed by the URL argument's name, and
    per endpoint the arguments that differ: document pages open a draft (which editors may
    change), the withdraw form a published document, and submit and publish act on a
    draft of their own, so the order in which routes are tried changes nothing."""
    pdf = tmp_path / "公告.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    with app.app_context():

        def document(slug: str, **options):
            fields = {"title": "矩阵测试", "topic": "综合政务", "body": "第一版"}
            doc = publishing.create("news", slug, fields, actor=staff("test"), **options)
            publishing.update(
                doc, {"body": "第二版"}, actor=staff("test")
            )  # two revisions to compare
            return doc

        doc = document("matrix", attachments=[publishing.AttachmentFile("附件", pdf)])
        published = document("matrix-published")
        publishing.publish(published, actor=staff("test"))
        workflow = document("matrix-workflow")
        message = submissions.submit_message(
            {"subject": "路灯不亮", "content": "东晓路路灯坏了。", "category": "城市管理"},
            form_token="matrix-message",
        )
        publishable = submissions.submit_message(
            {
                "subject": "井盖松动",
                "content": "东晓路井盖松动。",
                "category": "城市管理",
                "consent": True,
            },
            form_token="matrix-publishable",
        )
        answered = db.session.scalar(
            sa.select(Message).where(Message.tracking_no == publishable.tracking_no)
        )
        messages.answer_message(
            answered, reply="已修复。", department="城管办", actor=staff("test")
        )
        request_ = submissions.submit_request(
            {
                "applicant_type": "person",
                "name": "张三",
                "id_type": "身份证",
                "id_number": make_id(),
                "phone": "13800138000",
                "description": "2024年东晓街道道路维修资金使用情况",
                "medium": "电子",
                "delivery": "电子邮件",
            },
            form_token="matrix-request",
        )
        # The request's 补正, sent online with a file (for the staff download).
        asked = db.session.scalar(
            sa.select(InfoRequest).where(InfoRequest.tracking_no == request_.tracking_no)
        )
        info_requests.request_supplement(asked, note="请写明文号。", actor=staff("test"))
        sent = uploads.Received(pdf, "补正.pdf", uploads.PDF, pdf.stat().st_size)
        info_requests.answer_supplement(asked, text="文号为1号。", files=[sent])
        from portal.consultations import services as consultations

        consultation = publishing.create(
            "consultation",
            "matrix-consultation",
            {
                "title": "矩阵测试征集",
                "topic": "综合政务",
                "opens_on": "2000-01-01",
                "closes_on": "2099-12-31",
            },
            actor=staff("test"),
        )
        publishing.publish(consultation, actor=staff("test"))
        opinion = consultations.submit_opinion(
            consultation,
            {"content": "建议增加社区普法讲座。", "consent": True},
            raw_answers={},
            form_token="matrix-opinion",
        )
        report = submissions.submit_feedback(
            {"page_url": "/news/", "kind": "typo", "description": "标题有错别字。"},
            form_token="matrix-feedback",
        )
        values = {
            "report_id": db.session.scalar(
                sa.select(FeedbackReport.id).where(FeedbackReport.tracking_no == report.tracking_no)
            ),
            "kind": "news",
            "year": 2024,
            "doc_id": doc.id,
            "attachment_id": doc.attachments[0].id,
            "message_id": db.session.scalar(
                sa.select(Message.id).where(Message.tracking_no == message.tracking_no)
            ),
            "request_id": db.session.scalar(
                sa.select(InfoRequest.id).where(InfoRequest.tracking_no == request_.tracking_no)
            ),
            "file_id": asked.files[0].id,
            "consultation_id": consultation.id,
            "opinion_id": opinion.id,
            "code": home().code,
            "word_id": wordcheck.add(SYSTEM, "矩阵测试词", "").id,
            # the section's fixed part: moved and edited, never removed
            "node_id": catalog_node(home().id, "rules").id,
        }
        overrides: dict[str, dict[str, object]] = {
            "admin.document_withdraw": {"doc_id": published.id},
            "admin.document_submit": {"doc_id": workflow.id},
            "admin.document_publish": {"doc_id": workflow.id},
            "admin.message_publish": {"message_id": answered.id},
        }
        return values, overrides


def _held(role: str) -> set[str]:
    """The roles a ``make_user(..., role)`` account holds: an admin of the one-office site
    is also its platform admin."""
    return {role, "platform"} if role == "admin" else {role}


def test_access_table_lists_exactly_the_admin_routes(app):
    routes = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")}
    assert routes == set(ACCESS) | PUBLIC


def test_every_admin_route_by_role(app, make_user, tmp_path):
    """Anonymous → login page; each role → allowed or 403 exactly as ``ACCESS`` says.

    GET pages must answer 200 to the roles allowed; POST actions must not answer 403 (or
    500) to them. Actions run with a valid CSRF token; logout goes last.
    """
    values, overrides = _records(app, tmp_path)
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")),
        key=lambda r: r.endpoint == "admin.logout",
    )
    clients = {role: login_as(app, make_user(f"user_{role}", role)) for role in ROLES}
    anonymous = app.test_client()
    for rule in rules:
        if rule.endpoint in PUBLIC:
            continue
        with app.test_request_context():
            given = {**values, **overrides.get(rule.endpoint, {})}
            url = url_for(rule.endpoint, **{name: given[name] for name in rule.arguments})
        if "GET" in rule.methods:
            assert anonymous.get(url).status_code == 302, url
        token = csrf(anonymous, "/admin/login")
        assert anonymous.post(url, data={"csrf_token": token}).status_code in {302, 405}, url
        for role, client in clients.items():
            allowed = bool(_held(role) & ACCESS[rule.endpoint])
            if "GET" in rule.methods:
                with client.get(url) as response:  # closes a downloaded file
                    status = response.status_code
                assert status == (200 if allowed else 403), (url, role, status)
            if "POST" in rule.methods:
                status = client.post(url, data={"csrf_token": csrf(client, "/admin/")}).status_code
                if allowed:
                    assert status not in {403, 500}, (url, role, status)
                else:
                    assert status == 403, (url, role, status)


def test_dashboard_counts(app, make_user):
    from tests.conftest import BASE_FIELDS

    make_user()
    with app.app_context():
        from portal.documents import publishing

        doc = publishing.create(
            "news",
            "wait",
            {"title": "待审", "topic": "综合政务", **BASE_FIELDS["news"]},
            actor=staff("e"),
        )
        publishing.submit(doc, actor=staff("e"))
    client = app.test_client()
    login(client, "editor1")
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong>待审核信息", html)


def test_audit_log_shows_logins_with_ip_and_filters(app, make_user):
    make_user("editor1", "editor")
    chief = make_user("chief", "admin")
    login(app.test_client(), "editor1")
    login(app.test_client(), "editor1", "wrong-password")
    admin = login_as(app, chief)
    page = admin.get("/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "登录失败" in html and "127.0.0.1" in html and "editor1" in html
    only_failed = admin.get("/admin/audit?action=login_failed").get_data(as_text=True)
    assert "登录失败" in only_failed and "<td>chief</td>" not in only_failed
    by_actor = admin.get("/admin/audit?actor=chief").get_data(as_text=True)
    assert "<td>chief</td>" in by_actor and "<td>editor1</td>" not in by_actor
    for odd in ("page=x", "page=0", "from=2024-13-40&to=tomorrow", "target_id=abc", "action=%00"):
        assert admin.get(f"/admin/audit?{odd}").status_code in {200, 404}, odd


def test_audit_log_actor_filter_drops_control_characters(app, make_user):
    chief = make_user("chief", "admin")
    admin = login_as(app, chief)
    html = admin.get("/admin/audit?actor=%00chief%1F").get_data(as_text=True)
    assert "<td>chief</td>" in html and 'value="chief"' in html


def test_audit_log_is_append_only(app, make_user):
    chief = make_user("chief", "admin")
    admin = login_as(app, chief)
    token = csrf(admin, "/admin/audit")
    for method in ("post", "put", "delete", "patch"):
        response = getattr(admin, method)("/admin/audit", data={"csrf_token": token})
        assert response.status_code == 405
    with app.app_context():
        row = db.session.scalars(sa.select(AuditRecord)).first()
        row.actor = "someone-else"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.scalars(sa.select(AuditRecord)).first())
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.commit()


def test_dashboard_warns_before_inspection_marks_the_site_down(app, make_user):
    from datetime import timedelta

    from portal.timeutil import to_local, utcnow

    def days_ago(n: int) -> str:
        return to_local(utcnow() - timedelta(days=n)).strftime("%Y-%m-%d %H:%M")

    with app.app_context():
        for kind, age in (("news", 20), ("notice", 30), ("policy", 200)):
            doc = publishing.create(
                kind,
                f"{kind}-old",
                {"title": "旧信息", "topic": "综合政务", **BASE_FIELDS[kind]},
                actor=staff("t"),
            )
            publishing.publish(doc, actor=staff("t"), published_at=parse_local(days_ago(age)))
        sub = submissions.submit_message(
            {"subject": "路灯", "content": "路灯坏了", "category": "城市管理"}, form_token="old"
        )
        message = db.session.scalar(
            sa.select(Message).where(Message.tracking_no == sub.tracking_no)
        )
        message.received_at = utcnow() - timedelta(days=70)
        db.session.commit()
    html = login_as(app, make_user("editor2", "editor")).get("/admin/").get_data(as_text=True)
    assert "“工作动态”栏目已 20 天未更新" in html
    assert "“政策文件”栏目已 200 天未更新" in html
    assert "通知公告”栏目已" not in html  # 30 days is within the six-month rule
    assert "1 条留言超过 5 个工作日未答复" in html
    assert "满 3 个月未答复属检查指标单项否决" in html


def test_every_admin_post_needs_a_csrf_token(app, make_user, tmp_path):
    """Each POST route, sent by a role allowed to use it but without the token: 400, and
    the audit log (every action writes to it) is unchanged."""
    values, overrides = _records(app, tmp_path)
    clients = {role: login_as(app, make_user(f"user_{role}", role)) for role in ROLES}
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(AuditRecord.id)))
    posts = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    posts = [r for r in posts if "POST" in r.methods and r.endpoint not in PUBLIC]
    assert posts
    for rule in posts:
        with app.test_request_context():
            given = {**values, **overrides.get(rule.endpoint, {})}
            url = url_for(rule.endpoint, **{name: given[name] for name in rule.arguments})
        role = next(r for r in sorted(ROLES) if _held(r) & ACCESS[rule.endpoint])
        response = clients[role].post(url, data={"reason": "x", "reply": "x", "days": "5"})
        assert response.status_code == 400, (url, role, response.status_code)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditRecord.id))) == before
