"""Forms a handler fills in on a message or request page.

They check only what the services cannot (a number that is not a number, lengths the
database enforces, the reason for taking a message off the site); everything else is the
service's to decide.
"""

from __future__ import annotations

import re

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.interaction import deadlines
from portal.interaction.models import OUTCOMES
from portal.web.forms import PortalForm, options

DIGITS = re.compile(r"[0-9]{1,6}")


def _max(label: str, n: int) -> Length:
    return Length(max=n, message=f"{label}：不能超过 {n} 个字")


class AnswerForm(PortalForm):
    reply = TextAreaField("答复内容", [_max("答复内容", 5000)])
    department = StringField("答复部门", [_max("答复部门", 100)])


class FeedbackAnswerForm(PortalForm):
    reply = TextAreaField("答复内容", [_max("答复内容", 5000)], id="feedback-reply")


class PublishMessageForm(PortalForm):
    """The public texts of a message as the handler confirms them (masked in the preview)."""

    subject = TextAreaField("公开的留言标题", [_max("公开的留言标题", 100)], id="public-subject")
    content = TextAreaField("公开的留言内容", [_max("公开的留言内容", 5000)], id="public-content")
    reply = TextAreaField("公开的答复内容", [_max("公开的答复内容", 5000)], id="public-reply")


class UnpublishForm(PortalForm):
    reason = TextAreaField(
        "取消公开原因", [DataRequired("取消公开原因：必填"), _max("取消公开原因", 500)]
    )


class ExtendForm(PortalForm):
    days = StringField("延期天数（工作日）")
    reason = TextAreaField("延期理由", [_max("延期理由", 1000)])
    approver = StringField("批准人", [_max("批准人", 50)])

    def validate_days(self, field: StringField) -> None:
        if not DIGITS.fullmatch(field.data or ""):
            raise ValidationError(f"延期天数：请填写 1 至 {deadlines.MAX_EXTENSION} 之间的整数")

    @property
    def day_count(self) -> int:
        return int(self.days.data or "")  # validate_days has checked it


class SupplementForm(PortalForm):
    note = TextAreaField("需要申请人补正的内容", [_max("补正内容", 2000)])


class ConsultForm(PortalForm):
    # Its own id: the supplement form on the same page also has a ``note``.
    note = TextAreaField("征求意见的第三方和事项", [_max("征求意见事项", 2000)], id="consult-note")


class CloseForm(PortalForm):
    outcome = SelectField(
        "办理结果",
        choices=options(("", "请选择"), *OUTCOMES.items()),
        validate_choice=False,  # the service refuses anything not in OUTCOMES
    )
    reply = TextAreaField("答复内容", [_max("答复内容", 5000)])
