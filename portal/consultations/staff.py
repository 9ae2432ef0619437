"""Back office for consultations (征集调查): questions, opinions, moderation, the result.

Editors and reviewers set the questions before opinions arrive; handlers publish, hide and
record the adoption of opinions; reviewers publish the result (结果反馈) once the
consultation has closed. Changes go through ``consultations.services`` and ``questions``,
which check access again (``blueprint.guard`` is the first gate)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, current_app, render_template, request

from portal import timeutil
from portal.auth.blueprint import bp, current_actor
from portal.consultations import queries, services
from portal.consultations import questions as question_service
from portal.consultations.models import ADOPTION, OPINION_STATUSES, Opinion
from portal.consultations.staff_forms import (
    BLANK_SLOTS,
    AdoptForm,
    HideForm,
    PublishOpinionForm,
    QuestionsForm,
    ResultForm,
)
from portal.documents import catalog, publishing
from portal.documents.models import Document
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.interaction import deadlines, privacy
from portal.states import DocumentStatus
from portal.web.args import page_arg
from portal.web.forms import ActionForm
from portal.web.notices import back_to
from portal.web.pagination import paginate

VIEWS = {"all": "全部", **OPINION_STATUSES, "undecided": "未登记采纳", "quarantined": "系统拦截"}


def _consultation(consultation_id: int) -> Document:
    doc = queries.consultation(consultation_id, current_actor())
    if doc is None:
        abort(404)
    return doc


def _opinion(opinion_id: int) -> Opinion:
    item = db.session.get(Opinion, opinion_id) if 0 < opinion_id <= queries.MAX_ID else None
    if item is None or not queries.works_on(current_actor(), item.document.organisation_id):
        abort(404)
    return item


def _to_opinion(item: Opinion, notice: str):
    return back_to(
        "admin.consultation_detail",
        notice,
        anchor=f"opinion-{item.id}",
        consultation_id=item.document_id,
    )


@dataclass
class Row:
    doc: Document
    state: catalog.ConsultationState
    received: int
    waiting: int  # not yet published or hidden
    undecided: int  # no adoption decision yet
    overdue: bool  # result due 10 working days after closing and not out: an inspection risk


def _rows() -> list[Row]:
    docs = db.session.scalars(
        sa.select(Document)
        .where(
            Document.kind == "consultation",
            Document.status != "withdrawn",
            queries.scope(current_actor()),
        )
        .order_by(Document.created_at.desc(), Document.id.desc())
    ).all()
    counted = Opinion.quarantined.is_(False)
    figures = {
        row.document_id: row
        for row in db.session.execute(
            sa.select(
                Opinion.document_id,
                sa.func.count(Opinion.id).label("received"),
                sa.func.count(Opinion.id).filter(Opinion.status == "received").label("waiting"),
                sa.func.count(Opinion.id).filter(Opinion.adoption.is_(None)).label("undecided"),
            )
            .where(counted)
            .group_by(Opinion.document_id)
        )
    }
    today = timeutil.today()
    rows = []
    for doc in docs:
        state = catalog.consultation_state(doc.extra or {}, today)
        found = figures.get(doc.id)
        overdue = doc.status == DocumentStatus.PUBLISHED and deadlines.result_overdue(
            doc.extra or {}, today
        )
        rows.append(
            Row(
                doc,
                state,
                found.received if found else 0,
                found.waiting if found else 0,
                found.undecided if found else 0,
                overdue,
            )
        )
    return rows


@bp.get("/consultations/")
def consultations():
    """Every consultation with its state, opinions still to handle and its result."""
    return render_template(
        "admin/consultations/list.html", rows=_rows(), within=deadlines.RESULT_WITHIN
    )


def _opinion_page(doc: Document, view: str, page: int):
    conditions = [Opinion.document_id == doc.id]
    if view == "quarantined":
        conditions.append(Opinion.quarantined.is_(True))
    else:
        conditions.append(Opinion.quarantined.is_(False))
        if view in OPINION_STATUSES:
            conditions.append(Opinion.status == view)
        elif view == "undecided":
            conditions.append(Opinion.adoption.is_(None))
    return paginate(
        sa.select(Opinion).where(*conditions).order_by(Opinion.received_at, Opinion.id),
        page,
        current_app.config["PAGE_SIZE"],
        count=sa.select(sa.func.count(Opinion.id)).where(*conditions),
    )


def masked_sender(item: Opinion) -> str:
    """Who sent an opinion, as staff lists show it (masked)."""
    parts = []
    if item.name:
        parts.append(privacy.mask_name(item.name))
    if item.contact:
        parts.append(privacy.mask_value(privacy.contact_kind(item.contact), item.contact))
    return "，".join(parts) or "未留姓名和联系方式"


def full_sender(item: Opinion) -> str:
    """Who sent an opinion, in full (after an audited reveal)."""
    return "，".join(filter(None, [item.name, item.contact])) or "未留姓名和联系方式"


def masked_content(item: Opinion) -> str:
    """An opinion's text as staff see it until a handler reveals it: personal data and the
    sender's own details masked."""
    masked, _ = privacy.mask_own_details(item.content or "", **services.own_details(item))
    return masked


@bp.get("/consultations/<id:consultation_id>")
def consultation_detail(consultation_id: int):
    """A consultation's opinions to moderate and adopt, with the tallies so far."""
    return _detail_page(_consultation(consultation_id))


def _detail_page(doc: Document, revealed: int | None = None):
    page = page_arg()
    view = request.args.get("status", "all")
    view = view if view in VIEWS else "all"
    asked = queries.questions(doc)
    return render_template(
        "admin/consultations/detail.html",
        doc=doc,
        state=catalog.consultation_state(doc.extra or {}),
        counts=queries.counts_by_status(doc),
        adoption=queries.adoption(doc),
        questions=asked,
        tallies=queries.tallies(doc, asked),
        listing=_opinion_page(doc, view, page),
        view=view,
        views=VIEWS,
        decisions=ADOPTION,
        sender=lambda o: full_sender(o) if o.id == revealed else masked_sender(o),
        content=lambda o: o.content if o.id == revealed else masked_content(o),
        revealed=revealed,
        action=ActionForm(formdata=None),
        editable=publishing.may_edit(doc, current_actor()),
    )


@bp.post("/opinions/<id:opinion_id>/reveal")
def opinion_reveal(opinion_id: int):
    """Show one opinion's sender and text in full on this response; the reveal is logged."""
    item = _opinion(opinion_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.reveal_opinion(item, actor=current_actor())
    return _detail_page(_consultation(item.document_id), revealed=item.id)


# -- questions ------------------------------------------------------------------------


def _questions_form(doc: Document) -> QuestionsForm:
    form = QuestionsForm(formdata=None)
    for question in queries.questions(doc):
        form.questions.append_entry(
            {
                "text": question.text,
                "kind": question.kind,
                "options": "\n".join(question.options),
                "required": question.required,
            }
        )
    for _ in range(BLANK_SLOTS):
        form.questions.append_entry()
    return form


@bp.route("/consultations/<id:consultation_id>/questions", methods=["GET", "POST"])
def consultation_questions(consultation_id: int):
    """Set the structured questions residents answer (only before opinions arrive)."""
    doc = _consultation(consultation_id)
    if request.method == "GET":
        return _questions_page(doc, _questions_form(doc))
    form = QuestionsForm()
    if not form.validate_on_submit():
        return _questions_page(doc, form, 400)
    entries = [entry.form for entry in form.questions.entries]
    slots = [i for i, entry in enumerate(entries) if not entry.is_blank()]
    try:
        saved = question_service.set_questions(
            doc,
            [entries[i].item() for i in slots],
            actor=current_actor(),
        )
    except InvalidTransition as exc:
        form.form_errors.append(str(exc))
        return _questions_page(doc, form, 409)
    except ValidationError as exc:
        for key, message in exc.errors.items():
            _, position, name = [*key.split("-"), "", ""][:3]
            if position.isdigit() and name:
                entries[slots[int(position)]][name].errors = [message]
            else:
                form.form_errors.append(message)
        return _questions_page(doc, form, 400)
    return back_to(
        "admin.consultation_detail",
        f"问题已保存（共 {len(saved)} 题）。" if saved else "已清空全部问题。",
        consultation_id=doc.id,
    )


def _questions_page(doc: Document, form: QuestionsForm, status: int = 200):
    return render_template(
        "admin/consultations/questions.html",
        doc=doc,
        form=form,
        received=queries.received(doc),
        questions=queries.questions(doc),
        errors=[
            message
            for entry in form.questions.entries
            for messages in entry.form.errors.values()
            for message in messages
        ]
        + list(form.form_errors)
        + (["页面已过期，请重新提交。"] if "csrf_token" in form.errors else []),
    ), status


# -- the result -----------------------------------------------------------------------


@bp.route("/consultations/<id:consultation_id>/result", methods=["GET", "POST"])
def consultation_result(consultation_id: int):
    """Publish (or correct) the result of a closed consultation: summary, adoption, tallies."""
    doc = _consultation(consultation_id)
    if request.method == "GET":
        form = ResultForm(formdata=None, result_summary=(doc.extra or {}).get("result_summary"))
        return _result_page(doc, form)
    form = ResultForm()
    if not form.validate_on_submit():
        return _result_page(doc, form, 400)
    try:
        services.publish_result(doc, summary=form.result_summary.data or "", actor=current_actor())
    except InvalidTransition as exc:
        form.form_errors.append(str(exc))
        return _result_page(doc, form, 409)
    except ValidationError as exc:
        for name, message in exc.errors.items():
            target = form._fields.get(name)
            if target is None:
                form.form_errors.append(message)
            else:
                target.errors = [*target.errors, message]
        return _result_page(doc, form, 400)
    return back_to(
        "admin.consultation_detail",
        "征集结果已公布；网站页面、搜索、订阅和开放数据接口已同步更新。",
        consultation_id=doc.id,
    )


def _result_page(doc: Document, form: ResultForm, status: int = 200):
    asked = queries.questions(doc)
    return render_template(
        "admin/consultations/result.html",
        doc=doc,
        form=form,
        state=catalog.consultation_state(doc.extra or {}),
        adoption=queries.adoption(doc),
        published=queries.published_adoption(doc),
        tallies=queries.tallies(doc, asked),
    ), status


# -- opinions -------------------------------------------------------------------------


@bp.route("/opinions/<id:opinion_id>/publish", methods=["GET", "POST"])
def opinion_publish(opinion_id: int):
    """Preview an opinion as it would be published (personal data masked and marked), let
    the handler edit the public text, and publish it on confirm."""
    item = _opinion(opinion_id)
    preview = services.opinion_preview(item)
    if request.method == "GET":
        return _publish_page(
            item, preview, PublishOpinionForm(formdata=None, content=preview.masked)
        )
    form = PublishOpinionForm()
    if form.validate_on_submit():
        try:
            services.publish_opinion(item, content=form.content.data or "", actor=current_actor())
        except ValidationError as exc:
            form.content.errors = [*form.content.errors, *exc.errors.values()]
        else:
            return _to_opinion(item, "意见已公开。")
    return _publish_page(item, preview, form, 400)


def _publish_page(item: Opinion, preview, form: PublishOpinionForm, status: int = 200):
    return render_template(
        "admin/consultations/publish_opinion.html",
        opinion=item,
        doc=_consultation(item.document_id),
        preview=preview,
        form=form,
    ), status


@bp.post("/opinions/<id:opinion_id>/hide")
def opinion_hide(opinion_id: int):
    """Keep an opinion off the public page, with a reason."""
    item = _opinion(opinion_id)
    form = HideForm()
    if not form.validate_on_submit():
        return _to_opinion(item, "未能设为不公开：" + "；".join(_messages(form)))
    try:
        services.hide_opinion(item, reason=form.reason.data or "", actor=current_actor())
    except (InvalidTransition, ValidationError) as exc:
        return _to_opinion(item, "未能设为不公开：" + _reason(exc))
    return _to_opinion(item, "意见已设为不公开。")


@bp.post("/opinions/<id:opinion_id>/adopt")
def opinion_adopt(opinion_id: int):
    """Record whether the office adopted an opinion."""
    item = _opinion(opinion_id)
    form = AdoptForm()
    if not form.validate_on_submit():
        return _to_opinion(item, "未能登记：" + "；".join(_messages(form)))
    try:
        services.adopt_opinion(
            item, decision=form.decision.data, note=form.note.data or "", actor=current_actor()
        )
    except (InvalidTransition, ValidationError) as exc:
        return _to_opinion(item, "未能登记：" + _reason(exc))
    return _to_opinion(item, f"已登记采纳情况：{ADOPTION[form.decision.data]}。")


def _messages(form: ActionForm) -> list[str]:
    return [
        "页面已过期，请重新提交" if name == "csrf_token" else message
        for name, messages in form.errors.items()
        for message in messages
    ]


def _reason(exc: InvalidTransition | ValidationError) -> str:
    return "；".join(exc.errors.values()) if isinstance(exc, ValidationError) else str(exc)
