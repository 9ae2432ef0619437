"""Forms staff fill in on the consultation pages: questions, moderation, the result.

They carry the CSRF token and hand values over; ``consultations.services`` decides what
is valid, so the rules live in one place.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length

from portal.consultations.models import ADOPTION, QUESTION_TYPES
from portal.consultations.services import MAX_QUESTIONS, REASON_MAX
from portal.web.forms import ActionForm, PortalForm, options

#: Empty question slots offered below the existing questions.
BLANK_SLOTS = 3


class QuestionForm(Form):
    text = StringField("题目", render_kw={"maxlength": 200})
    kind = SelectField(
        "题型",
        choices=options(("", "请选择"), *QUESTION_TYPES.items()),
        validate_choice=False,  # the service refuses anything else
    )
    options = TextAreaField("选项（选择题填写，每行一个）", render_kw={"rows": 4})
    required = BooleanField("必答")

    def is_blank(self) -> bool:
        return not (self.text.data or "").strip() and not (self.options.data or "").strip()

    def item(self) -> dict[str, object]:
        return {
            "text": self.text.data,
            "kind": self.kind.data,
            "options": self.options.data or "",
            "required": self.required.data,
        }


class QuestionsForm(ActionForm):
    questions = FieldList(FormField(QuestionForm), max_entries=MAX_QUESTIONS + BLANK_SLOTS)

    class Meta(PortalForm.Meta):
        def bind_field(self, form, unbound_field, options):
            # FieldList and FormField take no filters (PortalForm adds one to every field); the
            # service strips control characters from each question itself.
            if unbound_field.field_class in {FieldList, FormField}:
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)


class HideForm(ActionForm):
    reason = TextAreaField(
        "不公开原因", [Length(max=REASON_MAX, message=f"不公开原因：不能超过 {REASON_MAX} 个字")]
    )


class AdoptForm(ActionForm):
    decision = SelectField(
        "采纳情况", choices=options(("", "请选择"), *ADOPTION.items()), validate_choice=False
    )
    note = TextAreaField(
        "说明（选填）", [Length(max=REASON_MAX, message=f"说明：不能超过 {REASON_MAX} 个字")]
    )


class ResultForm(ActionForm):
    result_summary = TextAreaField("结果反馈", render_kw={"rows": 12})


class PublishOpinionForm(ActionForm):
    """An opinion's public text as the handler confirms it (masked in the preview)."""

    content = TextAreaField(
        "公开的意见内容",
        [Length(max=5000, message="公开的意见内容：不能超过 5000 个字")],
        id="public-content",
    )
