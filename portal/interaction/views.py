"""Residents ask: the message box, information requests, reports of an error on a page
(纠错) and lost query codes. Tracking (``/track``, a 补正 online, the answer's files, the
receipt) hangs on this blueprint from ``tracking``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request

from portal import search, security
from portal.errors import expired_form
from portal.extensions import limiter
from portal.interaction import (
    deadlines,
    recovery,
    request_files,
    requester,
    submissions,
    validators,
)
from portal.interaction.forms import FeedbackForm, MessageForm, RecoverForm, RequestForm
from portal.interaction.models import Message
from portal.interaction.queries import message_stats
from portal.orgs import directory
from portal.states import MessageStatus
from portal.timeutil import local_date, utcnow
from portal.web.args import page_arg
from portal.web.forms import GuardedForm
from portal.web.orgroutes import org_route
from portal.web.pagination import paginate

bp = Blueprint("interaction", __name__)
PER_PAGE = 20


def message_rate() -> str:
    return current_app.config["MESSAGE_RATE"]


def _request_rate() -> str:
    return current_app.config["REQUEST_RATE"]


@org_route(bp, "/messages/")
def messages():
    """Answered messages the organisation made public, newest first, with this year's
    figures."""
    org = directory.current()
    public = sa.and_(
        Message.organisation_id == org.id,
        Message.published.is_(True),
        Message.status == MessageStatus.ANSWERED,
    )
    listing = paginate(
        sa.select(Message).where(public).order_by(Message.replied_at.desc(), Message.id.desc()),
        page_arg(),
        PER_PAGE,
        count=sa.select(sa.func.count(Message.id)).where(public),
    )
    return render_template(
        "interaction/messages.html",
        items=listing.items,
        page=listing.page,
        pages=listing.pages,
        total=listing.total,
        stats=message_stats(local_date(utcnow()).year, org.id),
        days_taken=deadlines.working_days_taken,
    )


#: Pages holding a resident's own data (what they typed, a receipt, a tracking result):
#: never kept by a browser or proxy, so the back button or a shared computer shows nothing.
NO_STORE = {
    "interaction.new_message",
    "interaction.new_request",
    "interaction.new_feedback",
    "interaction.track",
    "interaction.track_supplement",
    "interaction.track_file",
    "interaction.track_receipt",
    "interaction.recover",
}


#: Resident forms that take files (every other one is urlencoded: ``security``).
UPLOAD_ENDPOINTS = {security.accept_uploads("interaction.track_supplement")}


@bp.url_value_preprocessor
def _size_limits(endpoint: str | None, values: dict | None) -> None:
    """Let a 补正 carry its files (before CSRF protection parses the form)."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_form_memory_size = request_files.TEXT_BYTES
        request.max_content_length = request_files.body_limit()


@bp.after_request
def no_store(response):
    if request.endpoint in NO_STORE:
        response.headers["Cache-Control"] = "no-store"
    return response


@org_route(bp, "/messages/new", methods=["GET", "POST"])
@limiter.limit(message_rate, methods=["POST"], deduct_when=lambda r: r.status_code < 400)
def new_message():
    """Leave a message; the confirmation shows a tracking number and query code."""
    return _submit(MessageForm(), MESSAGE_FORM, "留言", _store_message)


def _store_message(form: MessageForm) -> submissions.Submission:
    fields = {
        name: form[name].data
        for name in ("subject", "content", "category", "name", "contact", "consent")
    }
    return submissions.submit_message(
        fields,
        form_token=form.form_token.data or "",
        quarantine=form.trap(),
        org_id=directory.current().id,
    )


@org_route(bp, "/requests/new", methods=["GET", "POST"])
@limiter.limit(_request_rate, methods=["POST"], deduct_when=lambda r: r.status_code < 400)
def new_request():
    """Apply for government information (依申请公开); the confirmation is also the
    printable receipt (回执)."""
    return _submit(
        RequestForm(),
        REQUEST_FORM,
        "申请",
        _store_request,
        lambda submission: {"receipt": requester.receipt_for(submission.tracking_no)},
    )


def _store_request(form: RequestForm) -> submissions.Submission:
    return submissions.submit_request(
        form.request_fields(),
        form_token=form.form_token.data or "",
        quarantine=form.trap(),
        org_id=directory.current().id,
    )


@org_route(bp, "/feedback/new", methods=["GET", "POST"])
@limiter.limit(message_rate, methods=["POST"], deduct_when=lambda r: r.status_code < 400)
def new_feedback():
    """Report an error on a page (纠错) to the organisation whose page it is; the
    confirmation shows a tracking number and query code."""
    return _submit(_feedback_form(), FEEDBACK_FORM, "纠错", _store_feedback)


def _feedback_form() -> FeedbackForm:
    """The form, its page filled from ``?page=`` when that is an address on this portal
    (anything else is dropped: the resident may type the address)."""
    form = FeedbackForm(host=request.host)
    if request.method == "GET":
        try:
            form.page.data = validators.page_path(request.args.get("page"), host=request.host)
        except ValueError:
            form.page.data = ""
    return form


def _store_feedback(form: FeedbackForm) -> submissions.Submission:
    fields = {
        "page_url": form.page.data,
        "kind": form.kind.data,
        "description": form.description.data,
        "contact": form.contact.data,
    }
    return submissions.submit_feedback(
        fields,
        form_token=form.form_token.data or "",
        quarantine=form.trap(),
        org_id=directory.current().id,
    )


MESSAGE_FORM = "interaction/message_form.html"
REQUEST_FORM = "interaction/request_form.html"
FEEDBACK_FORM = "interaction/feedback_form.html"


def _submit(
    form: GuardedForm,
    template: str,
    what: str,
    store: Callable[[Any], Any],
    more: Callable[[submissions.Submission], dict[str, Any]] | None = None,
):
    """Store a valid form and show the receipt; otherwise the form again, with its errors."""
    if form.validate_on_submit():
        submission = store(form)
        return render_template(
            "interaction/submitted.html",
            submission=submission,
            what=what,
            **(more(submission) if more else {}),
        )
    return _show_form(form, template, 400 if request.method == "POST" else 200)


def _show_form(form: GuardedForm, template: str, status: int):
    form.prepare()
    return render_template(template, form=form), status


def _expired(form: GuardedForm, template: str):
    """A form again, as typed, after its page expired (nothing was stored)."""
    form.expired = True
    return _show_form(form, template, 400)


@expired_form("interaction.new_message")
def expired_message():
    """The message form again, as typed, after its page expired (nothing was stored)."""
    return _expired(MessageForm(), MESSAGE_FORM)


@expired_form("interaction.new_request")
def expired_request():
    """The request form again, as typed, after its page expired (nothing was stored)."""
    return _expired(RequestForm(), REQUEST_FORM)


@expired_form("interaction.new_feedback")
def expired_feedback():
    """The error report again, as typed, after its page expired (nothing was stored)."""
    return _expired(FeedbackForm(host=request.host), FEEDBACK_FORM)


@bp.route("/track/recover", methods=["GET", "POST"])
@limiter.limit(message_rate, methods=["POST"], deduct_when=lambda r: r.status_code < 400)
def recover():
    """Ask for a new query code by tracking number; it goes only to the e-mail address
    given with the item, and the page says the same whatever the number."""
    form = RecoverForm()
    if form.validate_on_submit():
        if form.trap() is None:
            recovery.recover_code(form.tracking_no.data or "")
        return render_template("interaction/recover.html", form=form, done=True)
    form.prepare()
    status = 400 if request.method == "POST" else 200
    return render_template("interaction/recover.html", form=form, done=False), status


@expired_form("interaction.recover")
def expired_recover():
    """The recovery form again, as typed, after its page expired (nothing was sent)."""
    form = RecoverForm()
    form.expired = True
    form.prepare()
    return render_template("interaction/recover.html", form=form, done=False), 400


@bp.post("/messages/suggest")
def suggest():
    """Published FAQs and documents matching a subject being typed (JSON, for the form).

    A POST (with the form's CSRF token in a header) keeps what residents type out of URLs
    and so out of access logs.
    """
    body = request.get_json(silent=True)
    q = body.get("q") if isinstance(body, dict) else None
    q = q[:50] if isinstance(q, str) else ""
    results = search.search(q, per_page=5) if len(q.strip()) >= 2 else None
    hits = results.hits if results else []
    return jsonify(
        [
            {"title": hit.document.title, "url": hit.document.url, "kind": hit.document.kind_label}
            for hit in hits
        ]
    )
