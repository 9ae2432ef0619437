"""``/admin/wordcheck``: the 错敏词 every document is checked for at review, and the words
platform admins add to the shipped list (``portal.documents.wordcheck`` checks and audits)."""

from __future__ import annotations

from flask import abort, render_template, request
from wtforms import StringField

from portal.auth.blueprint import bp, current_actor, guard
from portal.documents import wordcheck
from portal.errors import ValidationError, expired_form
from portal.web.forms import ActionForm, PortalForm
from portal.web.notices import back_to


class WordForm(PortalForm):
    word = StringField("错敏词", render_kw={"maxlength": str(wordcheck.WORD_LIMIT)})
    suggestion = StringField(
        "建议写法（选填）", render_kw={"maxlength": str(wordcheck.SUGGESTION_LIMIT)}
    )


def _words_page(form: WordForm, status: int = 200):
    return render_template(
        "admin/documents/wordcheck.html",
        form=form,
        entries=wordcheck.entries(),
        remove_form=ActionForm(),
    ), status


@bp.route("/wordcheck", methods=["GET", "POST"])
def wordcheck_words():
    """The 错敏词 every document is checked for: the shipped list and the platform's own."""
    form = WordForm()
    if form.validate_on_submit():
        try:
            row = wordcheck.add(current_actor(), form.word.data or "", form.suggestion.data or "")
        except ValidationError as exc:
            for name, message in exc.errors.items():
                form[name].errors = [message]
        else:
            found = wordcheck.published_with(row.word)
            already = f"已发布的信息中有 {found} 篇含有该词，已列入工作台提醒。" if found else ""
            return back_to("admin.wordcheck_words", f"已添加错敏词“{row.word}”。{already}")
    return _words_page(form, 400 if request.method == "POST" else 200)


@expired_form("admin.wordcheck_words")
def expired_words():
    """The word form again, as typed, after its page expired (nothing was stored)."""
    refused = guard()
    if refused is not None:
        return refused
    form = WordForm()
    form.expired = True
    return _words_page(form, 400)


@bp.post("/wordcheck/<id:word_id>/remove")
def wordcheck_remove(word_id: int):
    """Take a word the platform added off the list."""
    if not ActionForm().validate_on_submit():
        abort(400)
    word = wordcheck.remove(current_actor(), word_id)
    return back_to("admin.wordcheck_words", f"已删除错敏词“{word}”。")
