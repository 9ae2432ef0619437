"""Back-office sign-in, dashboard and accounts (access is checked in ``blueprint.guard``)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, redirect, render_template, request, session, url_for
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import audit
from ..extensions import db, limiter
from ..interaction import calendar, services
from ..interaction.forms import PortalForm
from ..interaction.models import InfoRequest, Message
from ..models import Document
from ..timeutil import local_date, utcnow
from . import accounts, inspection
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
            target = request.args.get("next", "")
            if not target.startswith("/admin/") or target.startswith("//"):
                target = url_for("admin.dashboard")
            return redirect(target)
        failed = True
        _audit("anonymous", "login_failed", username=form.username.data[:50])
    status = 401 if failed else (400 if form.errors else 200)
    return render_template("admin/login.html", form=form, failed=failed), status


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
    soon = calendar.add_working_days(today, 3)
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
    open_requests = sa.and_(InfoRequest.status != "closed", InfoRequest.quarantined.is_(False))
    count = sa.func.count(InfoRequest.id)
    return Dashboard(
        in_review=in_review or 0,
        unanswered_messages=len(waiting),
        late_messages=late,
        open_requests=db.session.scalar(sa.select(count).where(open_requests)) or 0,
        requests_due_soon=db.session.scalar(
            sa.select(count).where(
                open_requests, InfoRequest.due_date >= today, InfoRequest.due_date <= soon
            )
        )
        or 0,
        requests_overdue=db.session.scalar(
            sa.select(count).where(open_requests, InfoRequest.due_date < today)
        )
        or 0,
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
