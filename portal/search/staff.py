"""Search's staff screens: ``/admin/search/hotwords`` (hide and show hot words) and
``/admin/search/synonyms`` (the synonym groups). The forms carry the values; the services
(``hotwords``, ``synonyms``) check the actor and the input."""

from __future__ import annotations

from flask import abort, render_template, request
from wtforms import HiddenField, StringField

from portal.auth.blueprint import bp, current_actor, guard
from portal.errors import ValidationError, expired_form
from portal.extensions import db
from portal.search import hotwords, synonyms
from portal.search.models import SynonymGroup
from portal.web.forms import ActionForm, PortalForm
from portal.web.notices import back_to

TERMS_HINT = (
    "用空格（或逗号、顿号）分隔，每组 2 至 10 个词，每个词不超过 20 个字；"
    "一个词只能属于一组。搜索其中任何一个词，也会找到含有其他词的信息。"
)


class HotWordForm(PortalForm):
    """Hide or show one word."""

    word = HiddenField()
    action = HiddenField()


class SynonymForm(PortalForm):
    """One synonym group's terms; every check is the service's."""

    terms = StringField(synonyms.LABEL, render_kw={"autocomplete": "off", "maxlength": "300"})

    def show(self, error: ValidationError) -> None:
        for message in error.errors.values():
            self.terms.errors = [message]


@bp.route("/search/hotwords", methods=["GET", "POST"])
def search_hotwords():
    """The hot words residents see, with how many clients searched each; hide or show one."""
    form = HotWordForm()
    if form.validate_on_submit():
        word = form.word.data or ""
        try:
            if form.action.data == "unhide":
                shown = hotwords.unhide(current_actor(), word)
                return back_to("admin.search_hotwords", f"已恢复显示热词“{shown}”。")
            hidden = hotwords.hide(current_actor(), word)
        except ValidationError:
            abort(400)
        return back_to("admin.search_hotwords", f"已隐藏热词“{hidden}”，网站上不再显示。")
    if request.method == "POST":
        abort(400)
    return render_template(
        "admin/search/hotwords.html",
        candidates=hotwords.candidates(),
        hidden=hotwords.hidden_words(),
        shown=hotwords.hot_words(),
        min_clients=hotwords.MIN_CLIENTS,
    )


def _editing() -> SynonymGroup | None:
    """The group being changed (``?edit=`` or the form's ``group``), if any."""
    raw = request.form.get("group") if request.method == "POST" else request.args.get("edit")
    if not raw:
        return None
    group = db.session.get(SynonymGroup, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if group is None:
        abort(404)
    return group


def _synonyms_page(form: SynonymForm, editing: SynonymGroup | None, status: int = 200):
    return (
        render_template(
            "admin/search/synonyms.html",
            form=form,
            editing=editing,
            groups=synonyms.groups(),
            hint=TERMS_HINT,
        ),
        status,
    )


@bp.route("/search/synonyms", methods=["GET", "POST"])
def search_synonyms():
    """Every synonym group, with forms to add one, change one (``?edit=``) or delete one
    (platform admins)."""
    editing = _editing()
    if request.method == "POST" and request.form.get("delete"):
        if editing is None or not ActionForm().validate_on_submit():
            abort(400)
        terms = synonyms.delete(current_actor(), editing.id)
        return back_to("admin.search_synonyms", f"已删除同义词组：{'、'.join(terms)}。")
    form = SynonymForm(data={"terms": editing.terms} if editing is not None else None)
    if form.validate_on_submit():
        try:
            if editing is None:
                group = synonyms.create(current_actor(), form.terms.data or "")
                notice = "已新建同义词组"
            else:
                group = synonyms.update(current_actor(), editing.id, form.terms.data or "")
                notice = "已保存同义词组"
        except ValidationError as exc:
            form.show(exc)
        else:
            return back_to("admin.search_synonyms", f"{notice}：{'、'.join(group.term_list)}。")
    return _synonyms_page(form, editing, 400 if request.method == "POST" else 200)


@expired_form("admin.search_synonyms")
def expired_synonyms():
    """The group's form again, as typed, after its page expired (nothing was stored)."""
    refused = guard()  # the CSRF check runs before the staff guard: sign-in and access
    if refused is not None:
        return refused
    form = SynonymForm()
    form.expired = True
    return _synonyms_page(form, _editing(), 400)
