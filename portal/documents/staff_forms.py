"""Forms of the document editor, generated from the content-type registry.

The registry (``portal.content_types``) validates every value; these forms only render
the fields, carry the CSRF token and hand the values over. Uploaded files are read from
``request.files`` here and kept in temporary files until the publishing service has
stored its own copies.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from flask import current_app, request
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms import Field as FormField
from wtforms.validators import Length

from portal.documents import uploads
from portal.documents.content_types import COMMON_FIELDS, REGISTRY, Field
from portal.documents.models import Document
from portal.documents.publishing import AttachmentFile
from portal.text import CONTROL_CHARS
from portal.web.forms import ActionForm, options

#: How many files one save may add (each with its own title).
UPLOAD_SLOTS = 3
#: Text fields allowed more characters than this get a few lines to type in.
LONG_TEXT = 200
#: Shown instead of the stored value for choices whose value is a code.
CHOICE_LABELS = {"organisation": "法人或其他组织", "person": "自然人", "True": "是", "False": "否"}
HINTS = {
    "markdown": "支持 Markdown：空一行分段，## 小标题，- 列表，**加粗**。",
    "date": "格式：YYYY-MM-DD。",
    "tags": "多个标签用逗号或顿号分隔，最多 10 个。",
    "ref": "格式：类型/标识，例如 news/2024-pufa。",
    "index_no": "留空则自动生成。",
    "decimal": "单位：元，最多两位小数。",
}
FIELD_HINTS = {
    "party": "当事人为自然人时只公开姓氏（如“张某”），不得填写证件号、电话。",
    "summary": "列表和订阅中显示，不超过 500 个字。",
    "publisher": "留空则为本单位名称。",
    "normative": "按《行政规范性文件制定和监督管理》规定制发的文件才勾选；内部工作制度、"
    "工作方案、计划不勾选。只有勾选的文件计入政府信息公开工作年度报告表二。",
}
SLUG_HINT = (
    "用于网址，只能包含小写字母、数字和连字符，例如 2024-pufa-xuanchuan；"
    "留空则按日期自动生成。创建后不能修改。"
)


class EditorForm(ActionForm):
    """Base of the generated forms; subclasses add one field per registry field."""

    registry_fields: ClassVar[tuple[Field, ...]] = ()
    hints: ClassVar[dict[str, str]] = {}


def _form_field(fld: Field, label: str) -> FormField:
    attrs: dict[str, Any] = {}
    if fld.required:
        label += "（必填）"
        attrs["aria-required"] = "true"
    if fld.max_length and fld.type != "markdown":
        attrs["maxlength"] = fld.max_length
    if fld.type == "markdown":
        attrs["rows"] = 16 if fld.name == "body" else 6
        return TextAreaField(label, render_kw=attrs)
    if fld.type == "text" and (fld.max_length or 0) > LONG_TEXT:
        attrs["rows"] = 3
        return TextAreaField(label, render_kw=attrs)
    if fld.type == "bool":
        return BooleanField(label, render_kw=attrs)
    if fld.type == "choice":
        choices = options(("", "请选择"), *[(c, CHOICE_LABELS.get(c, c)) for c in fld.choices])
        return SelectField(label, choices=choices, validate_choice=False, render_kw=attrs)
    if fld.type == "date":
        attrs["type"] = "date"
    elif fld.type == "int":
        attrs["inputmode"] = "numeric"
    elif fld.type == "decimal":
        attrs["inputmode"] = "decimal"
    elif fld.type == "url":
        attrs["type"] = "url"
    return StringField(label, render_kw=attrs)


@cache
def editor_form(kind: str, creating: bool) -> type[EditorForm]:
    """The form class for ``kind``: slug (new documents only), common fields, kind fields."""
    content_type = REGISTRY[kind]
    fields = (*COMMON_FIELDS, *content_type.fields)
    attrs: dict[str, Any] = {"registry_fields": fields, "hints": {}}
    if creating:
        attrs["slug"] = StringField("标识（选填）", render_kw={"maxlength": 120})
        attrs["hints"]["slug"] = SLUG_HINT
    for fld in fields:
        label = content_type.body_label if fld.name == "body" else fld.label
        attrs[fld.name] = _form_field(fld, label)
        hint = FIELD_HINTS.get(fld.name) or HINTS.get(fld.type)
        if hint:
            attrs["hints"][fld.name] = hint
    if not creating:
        attrs["note"] = StringField(
            "修改说明（选填）",
            [Length(max=500, message="修改说明：不能超过 500 个字")],
            render_kw={"maxlength": 500},
        )
        attrs["hints"]["note"] = "简要说明改了什么，会记入修改记录。"
    return type(f"{kind.title()}{'New' if creating else 'Edit'}Form", (EditorForm,), attrs)


def initial_data(doc: Document) -> dict[str, Any]:
    """A document's current values as the form shows them."""
    data: dict[str, Any] = {
        "title": doc.title,
        "summary": doc.summary,
        "publisher": doc.publisher,
        "index_no": doc.index_no,
        "topic": doc.topic,
        "tags": "，".join(doc.tags or []),
        "body": doc.body,
    }
    for name, value in (doc.extra or {}).items():
        # a yes/no flag stays a bool: the checkbox would read "False" as ticked
        data[name] = value if isinstance(value, bool) else "" if value is None else str(value)
    return data


def submitted_data(form: EditorForm) -> dict[str, Any]:
    """The registry fields' values as typed (the registry cleans and checks them)."""
    return {fld.name: form[fld.name].data for fld in form.registry_fields}


def show_errors(form: EditorForm, errors: dict[str, str]) -> None:
    """Attach each message to its field, so it is shown next to it."""
    for name, message in errors.items():
        if name in form:
            form[name].errors = [message]


class WithdrawForm(ActionForm):
    reason = TextAreaField(
        "撤回原因（必填）", render_kw={"maxlength": 500, "rows": 4, "aria-required": "true"}
    )


class PreviewForm(ActionForm):
    body = TextAreaField()


def _upload_title(index: int, filename: str) -> tuple[str, str | None]:
    raw = request.form.get(f"attachment_title_{index}", "")
    title = CONTROL_CHARS.sub("", raw).strip() or Path(filename).stem or filename
    if len(title) > 200:
        return title, f"附件 {filename}：显示名称不能超过 200 个字"
    return title, None


def _slot_has_file(index: int) -> bool:
    upload = request.files.get(f"attachment_file_{index}")
    return upload is not None and bool(upload.filename)


def files_chosen() -> bool:
    """Did the person choose any file to upload?"""
    return any(_slot_has_file(i) for i in range(UPLOAD_SLOTS))


@contextmanager
def received_files() -> Iterator[tuple[list[AttachmentFile], dict[str, str]]]:
    """The files chosen in the upload slots, checked by content and size.

    Yields ``(files, errors)``; ``errors`` maps ``attachment_file_<n>`` to a Chinese message
    naming the refused file. Every temporary file is deleted when the block ends.
    """
    folder = Path(current_app.config["UPLOAD_DIR"]) / ".incoming"
    max_mb = current_app.config["UPLOAD_MAX_MB"]
    files: list[AttachmentFile] = []
    errors: dict[str, str] = {}
    temporary: list[Path] = []
    try:
        for index in range(UPLOAD_SLOTS):
            if not _slot_has_file(index):
                continue
            key = f"attachment_file_{index}"
            try:
                received = uploads.receive(request.files[key], folder, max_mb)
            except uploads.UploadError as exc:
                errors[key] = str(exc)
                continue
            temporary.append(received.path)
            title, problem = _upload_title(index, received.filename)
            if problem:
                errors[key] = problem
                continue
            files.append(AttachmentFile(title, received.path, received.filename))
        yield files, errors
    finally:
        for path in temporary:
            path.unlink(missing_ok=True)


def kept_attachments(doc: Document) -> tuple[list[AttachmentFile], bool]:
    """The document's attachments minus those ticked for removal, and whether any was."""
    remove = set(request.form.getlist("remove_attachment"))
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    kept = [
        AttachmentFile(a.title, upload_dir / a.stored_name, a.filename)
        for a in doc.attachments
        if str(a.id) not in remove
    ]
    return kept, len(kept) != len(doc.attachments)
