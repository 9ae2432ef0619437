"""Forms a handler fills in on a message or request page.

They check only what the services cannot (a number that is not a number, lengths the
database enforces, the reason for taking a message off the site); everything else is the
service's to decide.
"""

from __future__ import annotations

import re
from datetime import date

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.interaction import deadlines
from portal.interaction.forms import RequestForm
from portal.interaction.models import OFFLINE_CHANNELS, OUTCOMES
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
    # 政府信息公开条例 Art. 44: the released information proposed for proactive disclosure
    proactive = BooleanField("纳入主动公开范围（生成待审核的主动公开草稿）")
    proactive_column = SelectField("主动公开栏目", choices=[], validate_choice=False)


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class RegisterRequestForm(RequestForm):
    """A request that came by letter, fax or in person, typed in by its handler: the public
    form's fields (Art. 29) and checks, its one-time token (a second submission stores
    nothing more), but no honeypot (nor is its fill time judged), plus how and when it
    arrived and, for staff of several organisations, which one received it."""

    website = None  # type: ignore[assignment]
    organisation = SelectField("受理单位", choices=[], validate_choice=False)
    channel = RadioField(
        "收到渠道",
        choices=options(*OFFLINE_CHANNELS.items()),
        validators=[DataRequired("收到渠道：必填")],
        validate_choice=False,  # the service refuses anything else
    )
    received_on = StringField("收到申请之日", render_kw={"type": "date"})

    def validate_received_on(self, field: StringField) -> None:
        text = (field.data or "").strip()
        if not text:
            raise ValidationError("收到申请之日：必填")
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            date.fromisoformat(text)
        except ValueError:
            raise ValidationError("收到申请之日：日期格式应为 YYYY-MM-DD") from None

    @property
    def received_day(self) -> date:
        return date.fromisoformat(self.received_on.data or "")  # validated
