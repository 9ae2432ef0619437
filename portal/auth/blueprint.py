"""The ``/admin/`` blueprint and its one access check.

Every back-office page is listed in ``ACCESS`` with the roles that may open it; ``guard``
runs before each request of the blueprint and refuses anything not listed. Views live in
``views`` (sign-in, dashboard, accounts), ``documents`` (editing and publishing),
``inbox`` (messages and information requests) and ``audit_log``.
"""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from portal.auth.models import ROLES, User
from portal.extensions import db
from portal.web.forms import ActionForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

EVERYONE = frozenset(ROLES)
WRITERS = frozenset({"editor", "reviewer"})
REVIEWERS = frozenset({"reviewer"})
HANDLERS = frozenset({"handler"})
ADMINS = frozenset({"admin"})

#: Which roles may open each back-office page. Pages not listed here are refused.
ACCESS: dict[str, frozenset[str]] = {
    "admin.dashboard": EVERYONE,
    "admin.logout": EVERYONE,
    "admin.users": ADMINS,
    "admin.audit": ADMINS,
    # annual report: Table 四 (复议/诉讼) figures are typed in by reviewers or admins
    "admin.report_figures": frozenset({"reviewer", "admin"}),
    # documents: editors write and submit, reviewers also publish and withdraw
    "admin.documents": WRITERS,
    "admin.document_new": WRITERS,
    "admin.document_edit": WRITERS,
    "admin.document_preview": WRITERS,
    "admin.document_submit": WRITERS,
    "admin.document_history": WRITERS,
    "admin.document_diff": WRITERS,
    "admin.document_attachment": WRITERS,
    "admin.document_publish": REVIEWERS,
    "admin.document_withdraw": REVIEWERS,
    # inbox: handlers answer messages and requests, and alone may reveal personal data
    "admin.messages": HANDLERS,
    "admin.message_detail": HANDLERS,
    "admin.message_answer": HANDLERS,
    "admin.message_publish": HANDLERS,
    "admin.message_unpublish": HANDLERS,
    "admin.message_reveal": HANDLERS,
    "admin.requests": HANDLERS,
    "admin.request_detail": HANDLERS,
    "admin.request_extend": HANDLERS,
    "admin.request_supplement": HANDLERS,
    "admin.request_consult": HANDLERS,
    "admin.request_resume": HANDLERS,
    "admin.request_close": HANDLERS,
    "admin.request_reveal": HANDLERS,
    # consultations: editors and reviewers set the questions, handlers moderate opinions,
    # reviewers publish the result (结果反馈)
    "admin.consultations": frozenset({"editor", "reviewer", "handler"}),
    "admin.consultation_detail": frozenset({"editor", "reviewer", "handler"}),
    "admin.consultation_questions": WRITERS,
    "admin.consultation_result": REVIEWERS,
    "admin.opinion_publish": HANDLERS,
    "admin.opinion_hide": HANDLERS,
    "admin.opinion_adopt": HANDLERS,
    "admin.opinion_reveal": HANDLERS,
}
PUBLIC = {"admin.login"}


def allowed(endpoint: str) -> bool:
    """May the signed-in member of staff open ``endpoint``? (Used to show links.)"""
    staff = g.get("staff")
    return (
        staff is not None
        and endpoint in current_app.view_functions
        and staff.role in ACCESS.get(endpoint, frozenset())
    )


@bp.before_request
def guard():
    """Signed-in, current, not idle, and allowed by ``ACCESS`` — or no entry."""
    if request.endpoint in PUBLIC:
        return None
    user = _current_user()
    if user is None:
        return redirect(url_for("admin.login", next=request.path))
    if user.role not in ACCESS.get(request.endpoint or "", frozenset()):
        abort(403)
    g.staff = user
    return None


def _current_user() -> User | None:
    uid, version, seen = session.get("uid"), session.get("v"), session.get("seen", 0)
    if not uid:
        return None
    idle = current_app.config["ADMIN_IDLE_MINUTES"] * 60
    user = db.session.get(User, uid)
    if (
        user is None
        or not user.active
        or user.session_version != version
        or time.time() - seen > idle
    ):
        session.clear()
        return None
    session["seen"] = time.time()
    return user


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def staff_globals():
    # The logout form only carries a CSRF token: never bound to the request's body, which
    # may be the very thing being refused (413) while this page is rendered.
    return {"logout_form": ActionForm(formdata=None), "allowed": allowed}
