"""Staff inbox: public messages (网友留言) and information requests (依申请公开).

Lists put open items first, the soonest due on top. Detail pages mask personal data until
the handler asks to see it, which is logged. Every change goes through
``interaction.messages``, ``interaction.info_requests`` and ``interaction.handling``;
access is checked by ``auth.blueprint.guard`` and again inside each service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import abort, current_app, render_template, request
from flask_wtf import FlaskForm

from portal.auth.blueprint import bp, current_actor
from portal.documents import filing, uploads
from portal.documents.models import Document
from portal.errors import ValidationError
from portal.extensions import db
from portal.interaction import deadlines, handling, inbox_detail, info_requests, request_files
from portal.interaction import inbox as inbox_data
from portal.interaction import messages as message_actions
from portal.interaction.inbox import MESSAGE_VIEWS, REQUEST_VIEWS
from portal.interaction.models import (
    CHANNELS,
    MESSAGE_CATEGORIES,
    REQUEST_FILE_KINDS,
    InfoRequest,
    Message,
)
from portal.interaction.staff_forms import (
    AnswerForm,
    CloseForm,
    ConsultForm,
    ExtendForm,
    PublishMessageForm,
    SupplementForm,
    UnpublishForm,
)
from portal.timeutil import local_date, utcnow
from portal.web.args import page_arg
from portal.web.forms import ActionForm, options
from portal.web.notices import back_to

NOT_TRACKING_NO = re.compile(r"[^0-9A-Za-z-]")
REPLY_SLOT = "reply_file"  # the close form's file inputs: reply_file_0 …


def current_day():
    """Today in Asia/Shanghai, the day every deadline on these screens is judged on."""
    return local_date(utcnow())


def get_item(model: type[Message] | type[InfoRequest], item_id: int) -> Any:
    # the ``id`` converter keeps item_id in range; another office's item is a 404 too
    item = inbox_data.visible(model, item_id, current_actor())
    if item is None:
        abort(404)
    return item


def list_filters(views: dict[str, str]) -> dict[str, Any]:
    """The list's query arguments, unknown values ignored; a bad page number is a 404."""
    page = page_arg()
    view = request.args.get("status", "open")
    return {
        "view": view if view in views else "open",
        "q": NOT_TRACKING_NO.sub("", request.args.get("q", ""))[:20],
        "page": page,
        "per_page": current_app.config["PAGE_SIZE"],
        "today": current_day(),
    }


def run_action(service: Callable[..., Any], item: Any, form: FlaskForm, **kwargs: Any) -> bool:
    """Run a service action; on invalid input put its messages on ``form`` (the service
    stored nothing)."""
    try:
        service(item, actor=current_actor(), **kwargs)
    except ValidationError as exc:
        show_errors(form, exc.errors)
        return False
    return True


def show_errors(form: FlaskForm, errors: dict[str, str]) -> None:
    """Put a service's field errors on the form's fields (others above the form)."""
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


def check_csrf() -> None:
    """Refuse (400) a POST whose form carries no valid CSRF token."""
    if not ActionForm().validate_on_submit():
        abort(400)


def _back(endpoint: str, notice: str, **ids: Any):
    return back_to(endpoint, notice, **ids)


def _reveal(item: Message | InfoRequest, fields: list[str]) -> None:
    """Check the form's token and log that the handler saw ``fields`` in full."""
    check_csrf()
    handling.reveal_personal_data(item, fields=fields, actor=current_actor())


#: The request page's form slot for each action, so a refused form is shown again in place.
FORM_CLASSES = {
    "extend": ExtendForm,
    "supplement": SupplementForm,
    "consult": ConsultForm,
    "resume": ActionForm,
    "close": CloseForm,
}


def _request_action(
    request_id: int,
    slot: str,
    service: Callable[..., Any],
    notice: str,
    arguments: Callable[[Any], dict[str, Any]],
):
    """One action on a request: its form, then the service; the page again on bad input."""
    item = get_item(InfoRequest, request_id)
    form = FORM_CLASSES[slot]()
    if form.validate_on_submit() and run_action(service, item, form, **arguments(form)):
        return _back("admin.request_detail", notice, request_id=item.id)
    return _request_page(item, status=400, **{slot: form})


# -- messages -------------------------------------------------------------------------


@bp.get("/messages/")
def messages():
    """Messages to answer, the soonest due first, with the 5-working-day target."""
    filters = list_filters(MESSAGE_VIEWS)
    category = request.args.get("category", "")
    category = category if category in MESSAGE_CATEGORIES else ""
    listing = inbox_data.message_list(current_actor(), category=category, **filters)
    return render_template(
        "admin/inbox/messages.html",
        listing=listing,
        filters=filters,
        category=category,
        views=MESSAGE_VIEWS,
        categories=MESSAGE_CATEGORIES,
    )


def _message_page(message: Message, *, status: int = 200, revealed: bool = False, **forms):
    forms = {
        "answer": AnswerForm(formdata=None),
        "unpublish": UnpublishForm(formdata=None),
        "action": ActionForm(formdata=None),
        **forms,
    }
    detail = inbox_detail.message_detail(message, current_day(), revealed=revealed)
    return render_template(
        "admin/inbox/message.html", message=message, detail=detail, forms=forms, revealed=revealed
    ), status


@bp.get("/messages/<id:message_id>")
def message_detail(message_id: int):
    """One message with its sender's details masked, its deadline and what can be done."""
    return _message_page(get_item(Message, message_id))


@bp.post("/messages/<id:message_id>/reveal")
def message_reveal(message_id: int):
    """Show the sender's details in full on this one response; the reveal is logged."""
    message = get_item(Message, message_id)
    _reveal(message, inbox_detail.message_detail(message, current_day(), revealed=True).sensitive)
    return _message_page(message, revealed=True)


@bp.post("/messages/<id:message_id>/answer")
def message_answer(message_id: int):
    """Record the office's reply to a message."""
    message = get_item(Message, message_id)
    form = AnswerForm()
    if form.validate_on_submit() and run_action(
        message_actions.answer_message,
        message,
        form,
        reply=form.reply.data,
        department=form.department.data,
    ):
        return _back("admin.message_detail", "答复已保存。", message_id=message.id)
    return _message_page(message, status=400, answer=form)


@bp.route("/messages/<id:message_id>/publish", methods=["GET", "POST"])
def message_publish(message_id: int):
    """Preview a message as it would be published (personal data masked and marked), let
    the handler edit the public texts, and publish them on confirm."""
    message = get_item(Message, message_id)
    preview = message_actions.message_preview(message)
    if request.method == "GET":
        form = PublishMessageForm(
            formdata=None, **{name: text.masked for name, text in preview.items()}
        )
        return _publish_page(message, preview, form)
    form = PublishMessageForm()
    if form.validate_on_submit() and run_action(
        message_actions.publish_message,
        message,
        form,
        texts={name: form[name].data for name in message_actions.MESSAGE_PUBLIC_FIELDS},
    ):
        return _back("admin.message_detail", "留言已公开。", message_id=message.id)
    return _publish_page(message, preview, form, 400)


def _publish_page(message: Message, preview: dict, form: PublishMessageForm, status: int = 200):
    return render_template(
        "admin/inbox/publish.html", message=message, preview=preview, form=form
    ), status


@bp.post("/messages/<id:message_id>/unpublish")
def message_unpublish(message_id: int):
    """Take a message off the public list, with a reason."""
    message = get_item(Message, message_id)
    form = UnpublishForm()
    if form.validate_on_submit() and run_action(
        message_actions.unpublish_message, message, form, reason=form.reason.data
    ):
        return _back("admin.message_detail", "留言已取消公开。", message_id=message.id)
    return _message_page(message, status=400, unpublish=form)


# -- information requests -------------------------------------------------------------


@bp.get("/requests/")
def requests():
    """Information requests, the soonest statutory deadline first (of one channel, if
    asked)."""
    filters = list_filters(REQUEST_VIEWS)
    channel = request.args.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    listing = inbox_data.request_list(current_actor(), channel=channel, **filters)
    return render_template(
        "admin/inbox/requests.html",
        listing=listing,
        filters=filters,
        views=REQUEST_VIEWS,
        channel=channel,
        channels=CHANNELS,
    )


def _request_page(
    item: InfoRequest,
    *,
    status: int = 200,
    revealed: bool = False,
    file_errors: dict[str, str] | None = None,
    **forms,
):
    today = current_day()
    forms = {
        **{slot: form_class(formdata=None) for slot, form_class in FORM_CLASSES.items()},
        "action": ActionForm(formdata=None),
        **forms,
    }
    _proactive_columns(forms["close"], item.organisation_id)
    proactive = (
        db.session.get(Document, item.proactive_document_id) if item.proactive_document_id else None
    )
    return render_template(
        "admin/inbox/request.html",
        item=item,
        detail=inbox_detail.request_detail(item, today, revealed=revealed),
        forms=forms,
        revealed=revealed,
        can_supplement=deadlines.can_request_supplement(item, today),
        max_extension=deadlines.MAX_EXTENSION,
        reply_slots=request_files.slot_names(REPLY_SLOT),
        file_kinds=REQUEST_FILE_KINDS,
        file_errors=file_errors or {},
        accepted=uploads.ACCEPTED,
        max_mb=current_app.config["UPLOAD_MAX_MB"],
        proactive=proactive,
    ), status


def _proactive_columns(form: CloseForm, org_id: int) -> None:
    """The organisation's catalogue columns to file released information under (Art. 44),
    the default one chosen unless the handler chose another."""
    form.proactive_column.choices = options(*filing.columns(org_id))
    if not form.proactive_column.data:
        form.proactive_column.data = filing.proactive_column(org_id)


@bp.get("/requests/<id:request_id>")
def request_detail(request_id: int):
    """One request with the applicant's details masked, its clock and what can be done."""
    return _request_page(get_item(InfoRequest, request_id))


@bp.post("/requests/<id:request_id>/reveal")
def request_reveal(request_id: int):
    """Show the applicant's details in full on this one response; the reveal is logged."""
    item = get_item(InfoRequest, request_id)
    _reveal(item, inbox_detail.request_detail(item, current_day(), revealed=True).sensitive)
    return _request_page(item, revealed=True)


@bp.post("/requests/<id:request_id>/extend")
def request_extend(request_id: int):
    """Extend the deadline once, with the reason and who approved it."""
    return _request_action(
        request_id,
        "extend",
        info_requests.extend_request,
        "已延期，答复期限已更新。",
        lambda form: {
            "days": form.day_count,
            "reason": form.reason.data,
            "approver": form.approver.data,
        },
    )


@bp.post("/requests/<id:request_id>/supplement")
def request_supplement(request_id: int):
    """Tell the applicant what to complete (补正); the clock stops until it arrives."""
    return _request_action(
        request_id,
        "supplement",
        info_requests.request_supplement,
        "已登记补正告知，计时停止。",
        lambda form: {"note": form.note.data},
    )


@bp.post("/requests/<id:request_id>/consult")
def request_consult(request_id: int):
    """Record that a third party is being consulted; that time does not count."""
    return _request_action(
        request_id,
        "consult",
        info_requests.start_consultation,
        "已登记征求第三方意见，计时暂停。",
        lambda form: {"note": form.note.data},
    )


@bp.post("/requests/<id:request_id>/resume")
def request_resume(request_id: int):
    """The supplement or the third party's opinion arrived: the clock runs again."""
    return _request_action(
        request_id, "resume", info_requests.resume, "已恢复计时，答复期限已更新。", lambda form: {}
    )


@bp.post("/requests/<id:request_id>/close")
def request_close(request_id: int):
    """Answer the request with its outcome, as counted in the annual report, and the files
    that go with the answer (告知书, the information released)."""
    item = get_item(InfoRequest, request_id)
    form = CloseForm()
    with request_files.received(REPLY_SLOT) as (files, file_errors):
        valid = form.validate_on_submit()
        if file_errors:
            form.form_errors.extend(file_errors.values())
        elif valid and run_action(
            info_requests.close_request,
            item,
            form,
            outcome=form.outcome.data,
            reply=form.reply.data,
            files=files,
            proactive=form.proactive.data,
            column=form.proactive_column.data,
        ):
            return _back("admin.request_detail", "申请已办结。", request_id=item.id)
    if request_files.chosen(REPLY_SLOT):
        form.form_errors.append("所选文件没有保存，请重新选择后再办结。")
    return _request_page(item, status=400, close=form, file_errors=file_errors)
