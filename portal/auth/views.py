"""Signing staff in and out (access to every other page is checked in ``blueprint.guard``)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal import audit
from portal.auth import accounts
from portal.auth.blueprint import bp
from portal.errors import expired_form
from portal.extensions import db, limiter
from portal.web.forms import ActionForm, PortalForm


class LoginForm(PortalForm):
    username = StringField("用户名", [DataRequired("用户名：必填"), Length(max=50)])
    password = PasswordField(
        "密码", [DataRequired("密码：必填"), Length(max=accounts.MAX_PASSWORD)]
    )
    code = StringField("动态验证码（已开启两步验证时填写）", [Length(max=10)])


def _audit(actor: str, action: str, user_id: int = 0, **detail: Any) -> None:
    audit.record(actor, action, "user", user_id, **detail)
    db.session.commit()


def _account_key() -> str:
    # The name as ``authenticate`` will look it up: every spelling that reaches an account
    # (extra spaces, control or zero-width characters, full width) shares its one budget.
    return "login:" + accounts.login_name(request.form.get("username"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"], deduct_when=lambda r: r.status_code == 401)
@limiter.limit(
    "5 per 15 minutes",
    key_func=_account_key,
    methods=["POST"],
    deduct_when=lambda r: r.status_code == 401,
)
def login():
    """Sign in; a new session replaces every earlier one of this account."""
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = accounts.authenticate(
            form.username.data or "", form.password.data or "", form.code.data or ""
        )
        if user is not None:
            version = accounts.start_session(user)
            session.clear()
            session.update(uid=user.id, v=version, seen=time.time())
            _audit(user.username, "login", user.id)
            return redirect(_next_page(request.args.get("next", "")))
        failed = True
        _audit("anonymous", "login_failed", username=(form.username.data or "")[:50])
    status = 401 if failed else (400 if form.errors else 200)
    return render_template("admin/login.html", form=form, failed=failed), status


@expired_form("admin.login")
def expired_login():
    """The sign-in form again, with the name typed, after its page expired."""
    form = LoginForm()
    form.expired = True
    return render_template("admin/login.html", form=form, failed=False), 400


CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # CR and LF included: they would split the header


def _next_page(target: str) -> str:
    """Where to go after signing in: the back-office page in ``next``, else the dashboard."""
    dashboard = url_for("admin.dashboard")
    if CONTROL.search(target) or "\\" in target:
        return dashboard
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. "//[" (an unclosed IPv6 address)
        return dashboard
    if parts.scheme or parts.netloc or not parts.path.startswith("/admin/"):
        return dashboard
    return target


@bp.post("/logout")
def logout():
    """End this and every other session of the signed-in account."""
    if ActionForm().validate_on_submit():
        accounts.end_sessions(g.staff)
        _audit(g.staff.username, "logout", g.staff.id)
    session.clear()
    return redirect(url_for("admin.login"))
