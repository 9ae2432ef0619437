"""Back-office sign-in, dashboard and accounts (access is checked in ``blueprint.guard``)."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import g, redirect, render_template, request, session, url_for
from sqlalchemy.orm import load_only
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import audit
from ..extensions import db, limiter
from ..interaction import calendar, services
from ..interaction.forms import PortalForm
from ..interaction.models import InfoRequest, Message
from ..models import Document
from ..timeutil import local_date, utcnow
from . import accounts, inbox_data, inspection
from .blueprint import ActionForm, bp
from .models import User


class LoginForm(PortalForm):
    username = StringField("用户名", [DataRequired("用户名：必填"), Length(max=50)])
    password = PasswordField(
        "密码", [DataRequired("密码：必填"), Length(max=accounts.MAX_PASSWORD)]
    )
    code = StringField("动态验证码（已开启两步验证时填写）", [Length(max=10)])


def _audit(actor: str, action: str, user_id: int = 0, **detail: object) -> None:
    audit.record(actor, action, "user", user_id, **detail)
    db.session.commit()


def _account_key() -> str:
    return "login:" + (request.form.get("username") or "").strip().lower()


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
        user = accounts.authenticate(form.username.data, form.password.data, form.code.data)
        if user is not None:
            version = accounts.start_session(user)
            session.clear()
            session.update(uid=user.id, v=version, seen=time.time())
            _audit(user.username, "login", user.id)
            return redirect(_next_page(request.args.get("next", "")))
        failed = True
        _audit("anonymous", "login_failed", username=form.username.data[:50])
    status = 401 if failed else (400 if form.errors else 200)
    return render_template("admin/login.html", form=form, failed=failed), status


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


@dataclass
class Dashboard:
    in_review: int
    unanswered_messages: int
    late_messages: int
    open_requests: int
    requests_due_soon: int
    requests_overdue: int


def dashboard_counts() -> Dashboard:
    """What staff must act on, counted from the records."""
    today = local_date(utcnow())
    in_review = db.session.scalar(
        sa.select(sa.func.count(Document.id)).where(Document.status == "in_review")
    )
    waiting = db.session.scalars(
        sa.select(Message.received_at).where(
            Message.status == "received", Message.quarantined.is_(False)
        )
    ).all()
    late = sum(
        1
        for received in waiting
        if calendar.working_days_between(calendar.receipt_day(local_date(received)), today)
        > services.MESSAGE_TARGET
    )
    open_requests = db.session.scalars(
        sa.select(InfoRequest)
        .options(load_only(*services.DEADLINE_COLUMNS))
        .where(InfoRequest.status != "closed", InfoRequest.quarantined.is_(False))
    ).all()
    # Judged as the inbox judges them: a paused clock is neither due soon nor overdue.
    states = Counter(inbox_data.request_deadline(item, today).state for item in open_requests)
    return Dashboard(
        in_review=in_review or 0,
        unanswered_messages=len(waiting),
        late_messages=late,
        open_requests=len(open_requests),
        requests_due_soon=states["due-soon"],
        requests_overdue=states["overdue"],
    )


@bp.get("/")
def dashboard():
    """Counts to act on: items in review, messages waiting, requests due soon or overdue."""
    return render_template(
        "admin/dashboard.html", counts=dashboard_counts(), warnings=inspection.warnings()
    )


@bp.get("/users")
def users():
    """Staff accounts and their roles (admin only)."""
    rows = db.session.scalars(sa.select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows)
