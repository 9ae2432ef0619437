"""The staff blueprint (``/admin/``) and its one access check, the first of two gates.

Every back-office page is listed in ``ACCESS`` with the roles that may open it; ``guard``
runs before each request of the blueprint and refuses anything not listed. Pages that act
take their roles from the permission the service behind them requires
(``actor.GRANTS``), so the page and the service — the last gate — never disagree. Each
area hangs its staff screens on ``bp`` (see ``portal.admin.STAFF_SCREENS``).
"""

from __future__ import annotations

import time

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for

from portal.auth.actor import GRANTS, Actor, Permission
from portal.auth.models import ROLES, User
from portal.extensions import db
from portal.web.forms import ActionForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

EVERYONE = frozenset(ROLES) | {"platform"}
ADMINS = frozenset({"admin"})


def granted(permission: Permission) -> frozenset[str]:
    """The staff roles that hold ``permission`` (the portal's own ``system`` role aside)."""
    return GRANTS[permission] & EVERYONE


WRITERS = granted(Permission.WRITE_DOCUMENTS)
REVIEWERS = granted(Permission.REVIEW_DOCUMENTS)
HANDLERS = granted(Permission.HANDLE_MESSAGES)
REQUEST_HANDLERS = granted(Permission.HANDLE_REQUESTS)
REVEALERS = granted(Permission.REVEAL_PERSONAL_DATA)
MODERATORS = granted(Permission.MODERATE_OPINIONS)

#: Which roles may open each back-office page. Pages not listed here are refused.
ACCESS: dict[str, frozenset[str]] = {
    "admin.dashboard": EVERYONE,
    "admin.logout": EVERYONE,
    "admin.users": granted(Permission.MANAGE_ACCOUNTS),
    "admin.orgs": granted(Permission.MANAGE_ORGANISATIONS),
    "admin.org_edit": granted(Permission.MANAGE_ORGANISATIONS),
    # 机构概况: each organisation's admins (the service checks which organisation)
    "admin.org_profiles": granted(Permission.EDIT_ORG_PROFILE),
    "admin.org_profile": granted(Permission.EDIT_ORG_PROFILE),
    "admin.org_profile_confirm": granted(Permission.EDIT_ORG_PROFILE),
    "admin.catalogs": granted(Permission.EDIT_CATALOG),
    "admin.catalog_tree": granted(Permission.EDIT_CATALOG),
    "admin.catalog_create": granted(Permission.EDIT_CATALOG),
    "admin.catalog_node": granted(Permission.EDIT_CATALOG),
    "admin.catalog_move": granted(Permission.EDIT_CATALOG),
    "admin.catalog_remove": granted(Permission.EDIT_CATALOG),
    "admin.disclosure_guide": granted(Permission.EDIT_CATALOG),
    "admin.supervision": granted(Permission.SUPERVISE),
    "admin.audit": granted(Permission.SUPERVISE),
    # search: admins hide hot words; synonyms are platform-wide, for platform admins
    "admin.search_hotwords": granted(Permission.MANAGE_SEARCH),
    "admin.search_synonyms": granted(Permission.MANAGE_SYNONYMS),
    # dead links and missing attachments: those who fix documents, those who supervise
    "admin.link_problems": WRITERS | granted(Permission.SUPERVISE),
    # 错敏词: the platform's own words, for platform admins
    "admin.wordcheck_words": granted(Permission.MANAGE_WORD_LIST),
    "admin.wordcheck_remove": granted(Permission.MANAGE_WORD_LIST),
    # annual report: Table 四 (复议/诉讼) figures are typed in by reviewers or admins
    "admin.report_figures": granted(Permission.ENTER_REPORT_FIGURES),
    # annual report: written and sent to review by writers, published or sent back by
    # reviewers (the service also keeps whoever sent or last changed it from publishing it)
    "admin.annual_reports": WRITERS,
    "admin.annual_report": WRITERS,
    "admin.annual_report_submit": WRITERS,
    "admin.annual_report_return": REVIEWERS,
    "admin.annual_report_publish": REVIEWERS,
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
    "admin.message_reveal": REVEALERS,
    # 纠错: reports of an error on a page, answered by whoever handles messages
    "admin.feedback_reports": HANDLERS,
    "admin.feedback_detail": HANDLERS,
    "admin.feedback_answer": HANDLERS,
    "admin.feedback_reveal": REVEALERS,
    "admin.requests": REQUEST_HANDLERS,
    "admin.request_new": REQUEST_HANDLERS,  # by letter, fax or in person
    "admin.request_detail": REQUEST_HANDLERS,
    "admin.request_extend": REQUEST_HANDLERS,
    "admin.request_supplement": REQUEST_HANDLERS,
    "admin.request_consult": REQUEST_HANDLERS,
    "admin.request_resume": REQUEST_HANDLERS,
    "admin.request_close": REQUEST_HANDLERS,
    "admin.request_file": REQUEST_HANDLERS,
    "admin.request_reveal": REVEALERS,
    # consultations: editors and reviewers set the questions, handlers moderate opinions,
    # reviewers publish the result (结果反馈)
    "admin.consultations": frozenset({"editor", "reviewer", "handler"}),
    "admin.consultation_detail": frozenset({"editor", "reviewer", "handler"}),
    "admin.consultation_questions": granted(Permission.SET_QUESTIONS),
    "admin.consultation_result": granted(Permission.PUBLISH_RESULTS),
    "admin.opinion_publish": MODERATORS,
    "admin.opinion_hide": MODERATORS,
    "admin.opinion_adopt": MODERATORS,
    "admin.opinion_reveal": REVEALERS,
}
PUBLIC = {"admin.login"}


def allowed(endpoint: str) -> bool:
    """May the signed-in member of staff open ``endpoint``? (Used to show links.)"""
    actor: Actor | None = g.get("actor")
    return (
        actor is not None
        and endpoint in current_app.view_functions
        and bool(actor.roles & ACCESS.get(endpoint, frozenset()))
    )


@bp.before_request
def guard():
    """Signed-in, current, not idle, and allowed by ``ACCESS`` — or no entry."""
    if request.endpoint in PUBLIC:
        return None
    user = _current_user()
    if user is None:
        return redirect(url_for("admin.login", next=request.path))
    actor = actor_for(user)
    if not actor.roles & ACCESS.get(request.endpoint or "", frozenset()):
        abort(403)
    g.staff = user
    g.actor = actor
    return None


def actor_for(user: User) -> Actor:
    """The member of staff as the services see them: their memberships, and ``platform``
    in every organisation when they are a platform admin."""
    held: dict[int, set[str]] = {}
    for membership in user.memberships:
        held.setdefault(membership.organisation_id, set()).add(membership.role)
    return Actor(
        user.username,
        frozenset({"platform"}) if user.platform_admin else frozenset(),
        {org_id: frozenset(roles) for org_id, roles in held.items()},
        user.id,
    )


def current_actor() -> Actor:
    """The signed-in member of staff, as the services are told who acts."""
    actor: Actor = g.actor
    return actor


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
