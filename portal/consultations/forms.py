"""The opinion form residents fill in on a consultation page.

Its fields are the fixed ones (opinion, name, contact, consent, and the guards every
resident form has) plus one per structured question, added when the form is built. The
form checks what it can on its own (lengths, the contact's format); the answers and the
rules that join fields are checked by ``services.submit_opinion``, once, for every caller.
"""

from __future__ import annotations

from typing import Any, ClassVar

from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.consultations.models import Question
from portal.consultations.services import CONTENT_MAX, TEXT_ANSWER_MAX
from portal.interaction import validators
from portal.web.forms import GuardedForm, options


class OpinionForm(GuardedForm):
    content = TextAreaField(
        "意见内容",
        [Length(max=CONTENT_MAX, message=f"意见内容：不能超过 {CONTENT_MAX} 个字")],
    )
    name = StringField(
        "姓名（选填）", [Optional(), Length(max=20, message="姓名：不能超过 20 个字")]
    )
    contact = StringField("联系方式（选填）", [Optional(), Length(max=254)])
    consent = BooleanField("同意公开我的意见内容（不含姓名和联系方式）")

    questions: ClassVar[list[Question]] = []  # set on the class built for a consultation

    def validate_contact(self, field: StringField) -> None:
        if field.data:
            try:
                _, field.data = validators.contact(field.data)
            except ValueError as exc:
                raise ValidationError(f"联系方式：{exc}") from None

    def question_fields(self) -> list[tuple[Question, Any]]:
        """Each question with its bound field, in order (for the template)."""
        return [(q, self[q.field_name]) for q in self.questions]

    def raw_answers(self) -> dict[str, Any]:
        """What was sent for each question, by field name, for the service to check."""
        return {q.field_name: self[q.field_name].data for q in self.questions}

    def fields(self) -> dict[str, Any]:
        return {name: self[name].data for name in ("content", "name", "contact", "consent")}


def _question_field(question: Question):
    needed = "，必答" if question.required else ""
    label = f"{question.number}. {question.text}（{question.kind_label}{needed}）"
    choices = options(*[(str(i), text) for i, text in enumerate(question.options)])
    if question.kind == "single":
        return RadioField(label, choices=choices, validate_choice=False)
    if question.kind == "multiple":
        return SelectMultipleField(
            label,
            choices=choices,
            validate_choice=False,
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
        )
    return TextAreaField(label, render_kw={"rows": 3, "maxlength": TEXT_ANSWER_MAX})


def opinion_form(questions: list[Question]) -> OpinionForm:
    """The form for a consultation with these questions (bound to the request's data)."""
    form_class = type(
        "ConsultationOpinionForm",
        (OpinionForm,),
        {"questions": questions, **{q.field_name: _question_field(q) for q in questions}},
    )
    return form_class()
