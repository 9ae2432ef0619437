"""``/admin/catalog``: each organisation's 公开目录 and 公开指南, kept by its own admins.

Views do form → service (``editing``, ``guide``) → response; the services check access.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField, widgets

from portal.auth.blueprint import bp, current_actor, guard
from portal.disclosure import editing, guide, listing
from portal.documents import content_types
from portal.documents import filing as tree
from portal.errors import (
    InvalidTransition,
    NotAuthorized,
    NotFound,
    ValidationError,
    expired_form,
    render_error,
)
from portal.web.forms import PortalForm
from portal.web.notices import back_to


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class NodeForm(PortalForm):
    key = StringField("栏目标识", render_kw={"maxlength": "40"})
    name = StringField("栏目名称", render_kw={"maxlength": "60"})
    parent = SelectField("上级栏目", choices=[], validate_choice=False)
    basis = TextAreaField("公开依据", render_kw={"maxlength": "1000", "rows": "3"})
    time_limit = StringField("公开时限", render_kw={"maxlength": "200"})
    subject = StringField("公开主体", render_kw={"maxlength": "100"})
    channel = StringField("公开渠道", render_kw={"maxlength": "200"})
    update_days = StringField("更新周期（天）", render_kw={"inputmode": "numeric"})
    kinds = CheckboxesField("默认归入的信息类型", choices=[], validate_choice=False)

    def values(self) -> dict[str, Any]:
        return {name: self[name].data for name in editing.TEXTS} | {
            "key": self.key.data,
            "parent": self.parent.data,
            "update_days": self.update_days.data,
            "kinds": self.kinds.data or [],
        }


class GuideForm(PortalForm):
    intro = TextAreaField("概述", render_kw={"maxlength": "2000", "rows": "4"})
    office = StringField("受理机构", render_kw={"maxlength": "100"})
    review_body = StringField("行政复议机关", render_kw={"maxlength": "100"})
    court = StringField("行政诉讼管辖法院", render_kw={"maxlength": "100"})
    notes = TextAreaField("其他说明", render_kw={"maxlength": "2000", "rows": "4"})


def _show(form: PortalForm, error: ValidationError) -> list[str]:
    for name, message in error.errors.items():
        if name in form:
            form[name].errors = [message]
    return list(error.errors.values())


@bp.get("/catalog")
def catalogs():
    """The organisations whose 公开目录 one keeps."""
    return render_template("admin/disclosure/catalogs.html", orgs=editing.editable(current_actor()))


@bp.get("/orgs/<code>/catalog")
def catalog_tree(code: str):
    """An organisation's catalogue with each column's count and 54号 metadata."""
    org = editing.org_for(current_actor(), code)
    return render_template(
        "admin/disclosure/tree.html",
        org=org,
        roots=listing.full_tree(org),
        has_tree=tree.has_tree(org.id),
        form=PortalForm(),
    )


@bp.post("/orgs/<code>/catalog/create")
def catalog_create(code: str):
    """Create the default catalogue (the organisation's documents filed by kind)."""
    form = PortalForm()
    if not form.validate_on_submit():
        return back_to("admin.catalog_tree", "页面已过期，请再试一次。", code=code)
    editing.create_default(current_actor(), code)
    return back_to("admin.catalog_tree", "已建立默认公开目录。", code=code)


def _node_form(org_id: int, node: Any | None) -> NodeForm:
    if request.method == "POST":
        form = NodeForm()
    elif node is not None:
        data = {name: getattr(node, name) for name in editing.TEXTS}
        data |= {"key": node.key, "parent": str(node.parent_id or ""), "kinds": node.kinds}
        data["update_days"] = str(node.update_days or "")
        form = NodeForm(data=data)
    else:
        form = NodeForm(data={"parent": request.args.get("parent", "")})
    form.parent.choices = [("", "（无，作为一级栏目）")] + [
        (str(n.id), n.name) for n in tree.nodes(org_id) if node is None or n.id != node.id
    ]
    form.kinds.choices = [(ct.name, ct.label) for ct in content_types.REGISTRY.values()]
    return form


@bp.route("/orgs/<code>/catalog/new", methods=["GET", "POST"])
@bp.route("/orgs/<code>/catalog/<id:node_id>", methods=["GET", "POST"])
def catalog_node(code: str, node_id: int | None = None):
    """Add a column, or change one."""
    actor = current_actor()
    org = editing.org_for(actor, code)
    node = editing.node_of(org, node_id) if node_id is not None else None
    form = _node_form(org.id, node)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            saved = editing.save(actor, code, node_id, form.values())
        except ValidationError as exc:
            problems = _show(form, exc)
        else:
            return back_to("admin.catalog_tree", f"已保存栏目“{saved.name}”。", code=code)
    status = 400 if request.method == "POST" else 200
    return _node_page(form, org, node, problems, status)


def _node_page(form: NodeForm, org: Any, node: Any, problems: list[str], status: int):
    return render_template(
        "admin/disclosure/node.html", form=form, org=org, node=node, problems=problems
    ), status


@expired_form("admin.catalog_node")
def expired_node():
    """The column form again, as typed, after its page expired (nothing was stored)."""
    refused = guard()
    if refused is not None:
        return refused
    args = request.view_args or {}
    try:
        org = editing.org_for(current_actor(), args.get("code", ""))
        node = editing.node_of(org, args["node_id"]) if args.get("node_id") else None
    except NotAuthorized:
        return render_error(403)
    except NotFound:
        return render_error(404)
    form = _node_form(org.id, node)
    form.expired = True
    return _node_page(form, org, node, [], 400)


@bp.post("/orgs/<code>/catalog/<id:node_id>/move")
def catalog_move(code: str, node_id: int):
    form = PortalForm()
    if not form.validate_on_submit():
        return back_to("admin.catalog_tree", "页面已过期，请再试一次。", code=code)
    editing.move(current_actor(), code, node_id, up=request.form.get("direction") == "up")
    return back_to("admin.catalog_tree", "已调整栏目顺序。", code=code)


@bp.post("/orgs/<code>/catalog/<id:node_id>/remove")
def catalog_remove(code: str, node_id: int):
    form = PortalForm()
    if not form.validate_on_submit():
        return back_to("admin.catalog_tree", "页面已过期，请再试一次。", code=code)
    try:
        name = editing.remove(current_actor(), code, node_id)
    except InvalidTransition as exc:
        return back_to("admin.catalog_tree", str(exc), code=code)
    return back_to("admin.catalog_tree", f"已删除栏目“{name}”。", code=code)


@bp.route("/orgs/<code>/guide", methods=["GET", "POST"])
def disclosure_guide(code: str):
    """The admins' text of the 公开指南; saving records a new dated version."""
    actor = current_actor()
    org = editing.org_for(actor, code)
    form = GuideForm() if request.method == "POST" else GuideForm(data=guide.texts(actor, code))
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            made = guide.save(actor, code, {name: form[name].data for name in guide.TEXT_FIELDS})
        except ValidationError as exc:
            problems = _show(form, exc)
        else:
            said = f"已保存，公开指南更新为第 {made.number} 版。" if made else "已保存，没有变化。"
            return back_to("admin.catalog_tree", said, code=code)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/disclosure/guide.html", form=form, org=org, problems=problems
    ), status


@expired_form("admin.disclosure_guide")
def expired_guide():
    refused = guard()
    if refused is not None:
        return refused
    code = (request.view_args or {}).get("code", "")
    try:
        org = editing.org_for(current_actor(), code)
    except NotAuthorized:
        return render_error(403)
    except NotFound:
        return render_error(404)
    form = GuideForm()
    form.expired = True
    return render_template("admin/disclosure/guide.html", form=form, org=org, problems=[]), 400
