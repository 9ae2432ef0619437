"""Writing and publishing documents: list, editor with preview and attachments, workflow,
revision history and diffs. Every write goes through ``portal.publishing``."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    render_template,
    request,
)

from portal.auth.actor import Actor, Permission
from portal.auth.blueprint import bp, current_actor
from portal.database import unit_of_work
from portal.documents import (
    content_types,
    filing,
    publishing,
    revisions,
    uploads,
    wordcheck,
    worklist,
)
from portal.documents import staff_forms as forms
from portal.documents.models import Attachment, Document, DocumentRevision
from portal.documents.publishing import AttachmentFile
from portal.errors import InvalidTransition, ValidationError
from portal.extensions import db
from portal.markdown import render
from portal.orgs import directory
from portal.web.args import text_arg
from portal.web.converters import parse_id
from portal.web.forms import ActionForm
from portal.web.notices import back_to
from portal.web.pagination import PageOutOfRange

PER_PAGE = 20
EDITOR_ENDPOINTS = {"admin.document_new", "admin.document_edit", "admin.document_preview"}
TEXT_FIELDS_BYTES = 1024 * 1024  # 正文 is at most 200,000 characters: < 1 MB in UTF-8
BODY_LIMIT = next(f.max_length for f in content_types.COMMON_FIELDS if f.name == "body") or 0


@bp.url_value_preprocessor
def _size_limits(endpoint: str | None, values: dict | None) -> None:
    """Let the editor take a long body and its uploads (before CSRF parses the form)."""
    if endpoint in EDITOR_ENDPOINTS:
        max_mb = current_app.config["UPLOAD_MAX_MB"]
        files = int(max_mb * 1024 * 1024) * forms.UPLOAD_SLOTS
        request.max_form_memory_size = TEXT_FIELDS_BYTES
        request.max_content_length = files + 2 * TEXT_FIELDS_BYTES


def _number(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name, "").strip()
    if raw == "":
        return default
    if not re.fullmatch(r"[0-9]{1,6}", raw):
        abort(404)
    return int(raw)


def _document(doc_id: int, *, history: bool = False) -> Document:
    doc = worklist.document(current_actor(), doc_id, history=history)
    if doc is None:
        abort(404)
    return doc


@bp.get("/documents/")
def documents():
    """The documents of the signed-in person's organisations, most recently changed first,
    filtered by organisation, kind, status and title."""
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    q = text_arg("q", 100)
    page = _number("page", 1) or 0
    org_code = request.args.get("org", "")
    org = directory.by_code(org_code) if org_code else None
    if (
        (kind and kind not in content_types.REGISTRY)
        or (status and status not in content_types.STATUSES)
        or (org_code and org is None)
    ):
        abort(404)
    actor = current_actor()
    try:
        result = worklist.documents(
            actor,
            kind=kind,
            status=status,
            q=q,
            org_id=org.id if org else None,
            page=page,
            per_page=PER_PAGE,
        )
    except PageOutOfRange:
        abort(404)
    return render_template(
        "admin/documents/list.html",
        result=result,
        statuses=content_types.STATUSES,
        filters={"kind": kind, "status": status, "q": q, "org": org_code},
        editable=_editable,
        writable_orgs=_writable_orgs(actor),
    )


def _writable_orgs(actor: Actor) -> list[directory.Org]:
    """The organisations ``actor`` may write documents for (a choice shown when several)."""
    ids = actor.org_ids(Permission.WRITE_DOCUMENTS)
    return [org for org in directory.all_orgs() if ids is None or org.id in ids]


def _editable(doc: Document) -> bool:
    """May the signed-in member of staff change ``doc`` now? (Used to show the edit link.)"""
    return publishing.may_edit(doc, current_actor())


def _catalog_choice(doc: Document | None, kind: str) -> dict[str, Any]:
    """The organisation's catalogue columns with their full names, and the ones ticked:
    as submitted, else as filed, else its kind's defaults."""
    org_id = doc.organisation_id if doc else _new_document_org().id
    if request.method == "POST":
        chosen = {parse_id(value) for value in request.form.getlist("catalog")} - {None}
    elif doc is not None:
        chosen = set(filing.filed_ids(doc.id))
    else:
        chosen = set(filing.default_ids(org_id, kind))
    return {"catalog_nodes": filing.named(org_id), "catalog_chosen": chosen}


def _chosen_nodes() -> list[int] | None:
    """The catalogue nodes ticked in the editor (None: the form had no such choice)."""
    if not request.form.get("catalog_shown"):
        return None
    ids = [parse_id(value) for value in request.form.getlist("catalog")]
    if None in ids:
        raise ValidationError({"catalog": "公开目录：所选栏目无效"})
    return [i for i in ids if i is not None]


def _render_editor(form, doc: Document | None, kind: str, status: int = 200, **context):
    context.update(_catalog_choice(doc, kind))
    return (
        render_template(
            "admin/documents/edit.html",
            form=form,
            doc=doc,
            organisation=doc.organisation if doc else _new_document_org(),
            content_type=content_types.get(kind),
            statuses=content_types.STATUSES,
            upload_slots=range(forms.UPLOAD_SLOTS),
            accepted=uploads.ACCEPTED,
            max_mb=current_app.config["UPLOAD_MAX_MB"],
            removing=set(request.form.getlist("remove_attachment")),
            **context,
        ),
        status,
    )


def _save(form, doc: Document | None, kind: str):
    """Validate the form and the uploads, then create or update (and maybe submit)."""
    submit = request.form.get("action") == "submit"
    with forms.received_files() as (new_files, upload_errors):
        errors = {name: errs[0] for name, errs in form.errors.items()} if form.errors else {}
        errors.update(upload_errors)
        data = forms.submitted_data(form)
        attachments: list[AttachmentFile] | None
        if doc is None:
            attachments = new_files
        else:
            kept, removed = forms.kept_attachments(doc)
            attachments = kept + new_files if (removed or new_files) else None
        try:
            if errors:  # still run the registry, so every bad field is reported at once
                _, field_errors = content_types.validate(kind, data)
                raise ValidationError({**field_errors, **errors})
            with unit_of_work():  # saved and submitted together, or neither
                if doc is None:
                    slug = form.slug.data or ""
                    saved = publishing.create(
                        kind,
                        slug,
                        data,
                        actor=current_actor(),
                        attachments=attachments,
                        org_id=_new_document_org().id,
                        catalog=_chosen_nodes(),
                    )
                else:
                    saved = publishing.update(
                        doc,
                        data,
                        actor=current_actor(),
                        attachments=attachments,
                        note=form.note.data or None,
                        catalog=_chosen_nodes(),
                    )
                if submit:
                    publishing.submit(saved, actor=current_actor())
        except ValidationError as exc:
            forms.show_errors(form, exc.errors)
            return _render_editor(form, doc, kind, 400, errors=exc.errors)
    return back_to(
        "admin.document_history", "已保存并提交审核。" if submit else "已保存。", doc_id=saved.id
    )


def _new_document_org() -> directory.Org:
    """The organisation a new document is written for: ``?org=CODE`` among those the
    signed-in person writes for, else the first of them (404 for any other)."""
    choices = _writable_orgs(current_actor())
    code = request.args.get("org")
    chosen = next((org for org in choices if org.code == code), None) if code else None
    if (code and chosen is None) or not choices:
        abort(404)
    return chosen or choices[0]


def _editor(doc: Document | None, kind: str):
    form_class = forms.editor_form(kind, creating=doc is None)
    if request.method == "GET":
        form = form_class(data=forms.initial_data(doc) if doc else None)
        return _render_editor(form, doc, kind)
    form = form_class()
    form.validate()  # the CSRF token and 修改说明's length; the registry checks the rest
    if request.form.get("action") == "preview":
        return _render_editor(
            form,
            doc,
            kind,
            preview=render(form.body.data or ""),
            files_dropped=forms.files_chosen(),
        )
    return _save(form, doc, kind)


@bp.route("/documents/new/<kind:kind>", methods=["GET", "POST"])
def document_new(kind: str):
    """Write a new draft of ``kind``; preview it, attach files, save or send it to review."""
    return _editor(None, kind)


@bp.route("/documents/<id:doc_id>/edit", methods=["GET", "POST"])
def document_edit(doc_id: int):
    """Change a draft, or (reviewers only) a document in review or published, which stays
    published; withdrawn ones are closed."""
    doc = _document(doc_id)
    publishing.check_editable(doc, current_actor())
    return _editor(doc, doc.kind)


@bp.post("/documents/preview")
def document_preview():
    """The body rendered as it will be published (an HTML fragment for the live preview)."""
    form = forms.PreviewForm()
    if not form.validate():
        abort(400)
    body = form.body.data or ""
    if len(body) > BODY_LIMIT:
        return f'<p class="error">正文：不能超过 {BODY_LIMIT} 个字</p>', 400
    return render(body), 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.get("/documents/<id:doc_id>/")
def document_history(doc_id: int):
    """A document's state, what may be done with it next, and every revision."""
    return _history(_document(doc_id, history=True))


def _history(doc, problem: str | None = None, status: int = 200):
    """The history page; the 错敏词 found in a document not yet live, in context, each with
    the box a reviewer ticks to acknowledge it."""
    hits = wordcheck.scan(doc) if doc.status in ("draft", "in_review") else []
    return render_template(
        "admin/documents/history.html",
        doc=doc,
        action_form=ActionForm(),
        actions=revisions.ACTIONS,
        statuses=content_types.STATUSES,
        choice_labels=forms.CHOICE_LABELS,
        revisions=list(reversed(doc.revisions)),
        editable=_editable(doc),
        hits=hits,
        hit_words=sorted({hit.word for hit in hits}),
        acknowledged=set(request.form.getlist("ack")) if request.method == "POST" else set(),
        wordcheck_problem=problem,
    ), status


@bp.post("/documents/<id:doc_id>/submit")
def document_submit(doc_id: int):
    """Send a draft to the reviewers (told of any 错敏词 found, which they must confirm)."""
    if not ActionForm().validate_on_submit():
        abort(400)
    doc = _document(doc_id)
    publishing.submit(doc, actor=current_actor())
    words = wordcheck.words_in(doc)
    notice = "已提交审核。"
    if words:
        notice += f"发现错敏词：{'、'.join(words)}；审核发布前需要逐条确认，建议先修改。"
    return back_to("admin.document_history", notice, doc_id=doc_id)


@bp.post("/documents/<id:doc_id>/publish")
def document_publish(doc_id: int):
    """Make a draft or reviewed document public (reviewers only), once every 错敏词 found
    in it is acknowledged."""
    if not ActionForm().validate_on_submit():
        abort(400)
    doc = _document(doc_id)
    try:
        publishing.publish(doc, actor=current_actor(), acknowledged=request.form.getlist("ack"))
    except ValidationError as exc:
        problem = exc.errors.get("wordcheck") or "；".join(exc.errors.values())
        return _history(_document(doc_id, history=True), problem, 400)
    return back_to("admin.document_history", "已发布。", doc_id=doc_id)


@bp.route("/documents/<id:doc_id>/withdraw", methods=["GET", "POST"])
def document_withdraw(doc_id: int):
    """Withdraw a published document, giving the reason shown on its page (reviewers only)."""
    doc = _document(doc_id)
    if doc.status != "published":
        raise InvalidTransition("只有已发布的信息可以撤回")
    form = forms.WithdrawForm()
    status = 200
    if form.validate_on_submit():
        try:
            publishing.withdraw(doc, reason=form.reason.data or "", actor=current_actor())
        except ValidationError as exc:
            form.reason.errors = [exc.errors.get("reason", "撤回原因：无效")]
            status = 400
        else:
            return back_to("admin.document_history", "已撤回。", doc_id=doc_id)
    return render_template("admin/documents/withdraw.html", doc=doc, form=form), status


@bp.get("/documents/<id:doc_id>/diff")
def document_diff(doc_id: int):
    """What changed between two revisions: metadata before and after, and body lines."""
    doc = _document(doc_id)
    numbers = db.session.scalars(
        sa.select(DocumentRevision.number)
        .where(DocumentRevision.document_id == doc_id)
        .order_by(DocumentRevision.number)
    ).all()
    latest = numbers[-1] if numbers else 0
    b = _number("b", latest)
    a = _number("a", (b or 0) - 1)
    asked = "a" in request.args or "b" in request.args
    if not numbers or (len(numbers) == 1 and not asked):
        return render_template("admin/documents/diff.html", doc=doc, old=None, new=None)
    found = {
        r.number: r
        for r in db.session.scalars(
            sa.select(DocumentRevision).where(
                DocumentRevision.document_id == doc_id, DocumentRevision.number.in_({a, b})
            )
        )
    }
    if a not in found or b not in found:
        abort(404)
    old, new = found[a], found[b]
    return render_template(
        "admin/documents/diff.html",
        doc=doc,
        old=old,
        new=new,
        actions=revisions.ACTIONS,
        numbers=numbers,
        changes=revisions.changed_fields(doc.kind, old.snapshot, new.snapshot),
        body=revisions.body_diff(old.snapshot.get("body"), new.snapshot.get("body")),
    )


@bp.get("/documents/<id:doc_id>/attachments/<id:attachment_id>")
def document_attachment(doc_id: int, attachment_id: int):
    """Download an attachment of any document of one's organisations, drafts included."""
    _document(doc_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.document_id != doc_id:
        abort(404)
    return uploads.send_attachment(item)
