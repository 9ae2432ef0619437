"""Back office: accounts, login, sessions, roles, dashboard."""

from __future__ import annotations

import re

import pyotp
import pytest
import sqlalchemy as sa

from portal.admin import accounts
from portal.admin.blueprint import ACCESS
from portal.admin.models import ROLES, User
from portal.audit import AuditRecord
from portal.errors import ValidationError
from portal.extensions import db
from tests.staff import PASSWORD, login, logout


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
        accounts.create_user("editor1", "编辑", "editor", password, totp=False)
    assert message in info.value.errors["password"]


def test_sixty_four_character_passphrase_is_allowed(ctx):
    user = accounts.create_user("long1", "长", "editor", "很长的口令" * 13, totp=False)
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


def test_every_admin_route_by_role(app, make_user):
    """Anonymous → login page; each role → 200 where ACCESS allows it, else 403."""
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("admin.")]
    assert {r.endpoint for r in routes} == set(ACCESS) | {"admin.login"}
    users = {role: make_user(f"user_{role}", role) for role in ROLES}
    for rule in routes:
        if rule.endpoint == "admin.login" or "GET" not in rule.methods:
            continue
        assert app.test_client().get(rule.rule).status_code == 302
        for role, user in users.items():
            client = app.test_client()
            code = pyotp.TOTP(user.totp_secret).now() if user.totp_secret else ""
            assert login(client, user.username, code=code).status_code == 302
            expected = 200 if role in ACCESS[rule.endpoint] else 403
            assert client.get(rule.rule).status_code == expected, (rule.rule, role)


def test_dashboard_counts(app, make_user):
    from tests.conftest import BASE_FIELDS

    make_user()
    with app.app_context():
        from portal import publishing

        doc = publishing.create(
            "news", "wait", {"title": "待审", "topic": "综合政务", **BASE_FIELDS["news"]}, actor="e"
        )
        publishing.submit(doc, actor="e")
    client = app.test_client()
    login(client, "editor1")
    html = client.get("/admin/").get_data(as_text=True)
    assert re.search(r"<strong>1</strong>待审核信息", html)
