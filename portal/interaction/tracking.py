"""Tracking (``/track``): a resident looks up a message, an information request or a report
of an error with its tracking number and query code. For an information request the page
also takes a 补正 online (with files), hands out the answer's files and prints the
receipt (回执).

Past the lookup, every action of the page is a POST carrying the page's access token
(``requester.grant``) and its CSRF token in the body — never the code, never in a URL —
and each checks the token again (``requester.holder``) before it shows or keeps anything.
A file goes out only to the holder of a token for its own request.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template, request

from portal.documents import uploads
from portal.errors import InvalidTransition, ValidationError, expired_form
from portal.extensions import db, limiter
from portal.interaction import info_requests, request_files, requester, submissions
from portal.interaction.forms import SupplementAnswerForm, TrackForm
from portal.interaction.models import (
    FEEDBACK_STATUSES,
    MESSAGE_STATUSES,
    OUTCOMES,
    REQUEST_STATUSES,
    FeedbackReport,
    InfoRequest,
    RequestFile,
)
from portal.interaction.views import bp, message_rate
from portal.states import RequestStatus

TRACK_RATE = "30/hour"  # lookups with a number and a code, from one client
DOWNLOAD_RATE = "120/hour"
SUPPLEMENT_SLOT = "supplement_file"  # the file inputs of the 补正 form: supplement_file_0 …
#: What the page says when its access token is no longer good.
ACCESS_EXPIRED = "页面已过期，请重新输入查询编号和查询码。"
NOT_WAITING = "本申请现在不需要补正，补正没有提交。"
ALREADY_ANSWERED = "已收到您的补正，无需再次提交；这次提交没有保存。"


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(TRACK_RATE, methods=["POST"])
def track():
    """Look up a message, request or report of an error with its tracking number and
    query code; or, from the receipt, show the request of the page's access token again."""
    if request.method == "POST" and "access" in request.form:
        item = requester.holder(request.form.get("access"))
        if item is None:
            return _track_page(TrackForm(formdata=None), None, problem=ACCESS_EXPIRED, status=400)
        return _track_page(TrackForm(formdata=None), item)
    form = TrackForm()
    found = None
    not_found = False
    if form.validate_on_submit():
        found = submissions.track(form.tracking_no.data or "", form.code.data or "")
        not_found = found is None
    status = 400 if request.method == "POST" and form.errors else 200
    return _track_page(form, found, not_found=not_found, status=status)


def _track_page(
    form: TrackForm,
    item: submissions.Submitted | None,
    *,
    not_found: bool = False,
    status: int = 200,
    supplement: SupplementAnswerForm | None = None,
    file_errors: dict[str, str] | None = None,
    notice: str | None = None,
    problem: str | None = None,
):
    context: dict[str, Any] = {}
    if isinstance(item, InfoRequest):
        if supplement is None and item.status == RequestStatus.SUPPLEMENT:
            supplement = SupplementAnswerForm(formdata=None)
        context = {"access": requester.grant(item), **_upload_context()}
    if supplement is not None:
        supplement.access.data = context.get("access", "")
    response = render_template(
        "interaction/track.html",
        form=form,
        item=item,
        not_found=not_found,
        is_request=isinstance(item, InfoRequest),
        is_feedback=isinstance(item, FeedbackReport),
        feedback_statuses=FEEDBACK_STATUSES,
        message_statuses=MESSAGE_STATUSES,
        request_statuses=REQUEST_STATUSES,
        outcomes=OUTCOMES,
        supplement=supplement,
        file_errors=file_errors or {},
        notice=notice,
        problem=problem,
        **context,
    )
    return response, status


def _upload_context() -> dict[str, Any]:
    return {
        "slots": request_files.slot_names(SUPPLEMENT_SLOT),
        "accepted": uploads.ACCEPTED,
        "max_mb": current_app.config["UPLOAD_MAX_MB"],
    }


@expired_form("interaction.track")
def expired_track():
    """The tracking form again, as typed, after its page expired."""
    form = TrackForm()
    form.expired = True
    return _track_page(form, None, status=400)


# -- a 补正 sent online -------------------------------------------------------------------


@bp.post("/track/supplement")
@limiter.limit(TRACK_RATE)  # a code typed again here is a lookup too
@limiter.limit(message_rate, deduct_when=lambda r: r.status_code < 400)
def track_supplement():
    """Answer the office's 补正 request with text and files: the clock starts afresh
    (Art. 30), the handler finds it in the inbox and the applicant gets a mail."""
    form = SupplementAnswerForm()
    item = _supplement_request(form)
    if item is None:
        return _code_again(form, ACCESS_EXPIRED)
    if item.status != RequestStatus.SUPPLEMENT:
        return _not_waiting(item)
    with request_files.received(SUPPLEMENT_SLOT) as (files, file_errors):
        if form.validate() and not file_errors:
            try:
                info_requests.answer_supplement(item, text=form.text.data or "", files=files)
            except ValidationError as exc:
                form.text.errors = [*form.text.errors, *exc.errors.values()]
            except InvalidTransition:
                return _not_waiting(item)
            else:
                notice = "已收到您的补正。答复期限自收到补正之日起重新计算，新的答复期限见下表。"
                return _track_page(TrackForm(formdata=None), item, notice=notice)
    if file_errors:
        form.form_errors.append("所选文件未能接收，请重新选择后提交（已填写的文字已保留）。")
    return _track_page(
        TrackForm(formdata=None), item, supplement=form, file_errors=file_errors, status=400
    )


def _not_waiting(item: InfoRequest):
    """A 补正 the request is not waiting for (never asked, or already sent: a second click)."""
    problem = ALREADY_ANSWERED if item.answered_online else NOT_WAITING
    return _track_page(TrackForm(formdata=None), item, problem=problem, status=409)


def _supplement_request(form: SupplementAnswerForm) -> InfoRequest | None:
    """The request of the form's access token; or, once that is no longer good, of the
    number and code typed again with it."""
    item = requester.holder(form.access.data)
    if item is None and form.tracking_no.data and form.code.data:
        found = submissions.track(form.tracking_no.data, form.code.data)
        item = found if isinstance(found, InfoRequest) else None
    return item


def _code_again(form: SupplementAnswerForm, problem: str):
    """The 补正 form alone, with what was typed, asking for the number and code again."""
    form.access.data = ""
    form.code.data = ""
    return render_template(
        "interaction/supplement_again.html", supplement=form, problem=problem, **_upload_context()
    ), 400


@expired_form("interaction.track_supplement")
def expired_supplement():
    """The 补正 form again, as typed (files must be chosen again), after its page
    expired; nothing was stored."""
    form = SupplementAnswerForm()
    form.expired = True
    item = requester.holder(form.access.data)
    if item is None or item.status != RequestStatus.SUPPLEMENT:
        return _code_again(form, ACCESS_EXPIRED)
    form.form_errors.append("页面已过期，请重新选择文件后再次提交（已填写的文字已保留）。")
    return _track_page(TrackForm(formdata=None), item, supplement=form, status=400)


# -- the answer's files and the receipt ---------------------------------------------------


@bp.post("/track/files/<id:file_id>")
@limiter.limit(DOWNLOAD_RATE)
def track_file(file_id: int):
    """Download a file of one's own request (the answer's, or one's own 补正 material)."""
    item = requester.holder(request.form.get("access"))
    if item is None:
        return _track_page(TrackForm(formdata=None), None, problem=ACCESS_EXPIRED, status=400)
    row = db.session.get(RequestFile, file_id)
    if row is None or row.request_id != item.id:
        abort(404)
    return request_files.send(row)


@bp.post("/track/receipt")
def track_receipt():
    """The receipt (回执) of one's request, to print: without the query code."""
    item = requester.holder(request.form.get("access"))
    if item is None:
        return _track_page(TrackForm(formdata=None), None, problem=ACCESS_EXPIRED, status=400)
    return render_template(
        "interaction/receipt.html", receipt=requester.receipt(item), access=requester.grant(item)
    )
