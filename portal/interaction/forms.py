"""Forms residents fill in: a message, an information request, a report of an error on a
page (纠错), the tracking lookup, a 补正 to a request.

Every message names its field in Chinese. Each is a ``GuardedForm`` (``portal.web.forms``):
a server-signed one-time token bound to the session, a honeypot and a signed render time.
"""

from __future__ import annotations

import re
from typing import Any

from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.interaction import validators
from portal.interaction.models import FEEDBACK_KINDS, MESSAGE_CATEGORIES, ORGANISATION_TYPES
from portal.interaction.submissions import REQUEST_FIELDS
from portal.web.forms import GuardedForm, PortalForm, options

REQUIRED = "{}：必填"


LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


def phone_number(value: str) -> str:
    """A mainland mobile number, or a landline with its area code (0755-12345678)."""
    try:
        return validators.mobile(value)
    except ValueError:
        text = (value or "").strip().replace(" ", "")
        if LANDLINE.fullmatch(text):
            return text
        raise ValueError("请填写11位手机号码或带区号的固定电话") from None


def _required(label: str) -> DataRequired:
    return DataRequired(message=REQUIRED.format(label))


def _length(label: str, low: int, high: int) -> Length:
    return Length(min=low, max=high, message=f"{label}：应为 {low} 至 {high} 个字")


class MessageForm(GuardedForm):
    subject = StringField("留言标题", [_required("留言标题"), _length("留言标题", 4, 50)])
    category = SelectField(
        "留言类别",
        choices=options(("", "请选择"), *[(c, c) for c in MESSAGE_CATEGORIES]),
        validators=[_required("留言类别")],
        validate_choice=False,
    )
    content = TextAreaField("留言内容", [_required("留言内容"), _length("留言内容", 10, 2000)])
    name = StringField("姓名（选填）", [Optional(), _length("姓名", 1, 20)])
    contact = StringField("联系方式（选填）", [Optional(), Length(max=254)])
    consent = BooleanField("同意公开留言内容（不含个人信息）")

    def validate_category(self, field: SelectField) -> None:
        if field.data not in MESSAGE_CATEGORIES:
            raise ValidationError("留言类别：请从列表中选择")

    def validate_contact(self, field: StringField) -> None:
        if field.data:
            try:
                _, field.data = validators.contact(field.data)
            except ValueError as exc:
                raise ValidationError(f"联系方式：{exc}") from None


ID_TYPES = ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "其他证件")


class RequestForm(GuardedForm):
    applicant_type = RadioField(
        "申请人类型",
        choices=options(("person", "自然人"), ("organisation", "法人或其他组织")),
        validators=[_required("申请人类型")],
    )
    organisation_type = SelectField(
        "组织类型",
        choices=options(("", "请选择"), *[(t, t) for t in ORGANISATION_TYPES]),
        validate_choice=False,
    )
    name = StringField("姓名或名称", [_required("姓名或名称"), _length("姓名或名称", 2, 100)])
    id_type = SelectField(
        "证件类型", choices=options(*[(t, t) for t in ID_TYPES]), validate_choice=False
    )
    id_number = StringField("证件号码或统一社会信用代码", [_required("证件号码或统一社会信用代码")])
    phone = StringField("联系电话", [_required("联系电话")])
    email = StringField("电子邮箱（选填）")
    # A full postal address (省市区 to 门牌) on up to two lines: a textarea, the element
    # the ``street-address`` autofill token belongs to.
    address = TextAreaField("通信地址", render_kw={"rows": 2})
    description = TextAreaField(
        "所需信息的名称、文号或便于查询的其他特征性描述",
        [_required("所需信息的描述"), _length("所需信息的描述", 10, 2000)],
    )
    purpose = TextAreaField("用途（选填）", [Optional(), Length(max=500)])
    medium = RadioField(
        "获取信息的方式",
        choices=options(("纸质", "纸质"), ("电子", "电子")),
        validators=[_required("获取信息的方式")],
    )
    delivery = RadioField(
        "获取信息的途径",
        choices=options(("邮寄", "邮寄"), ("电子邮件", "电子邮件"), ("自行领取", "自行领取")),
        validators=[_required("获取信息的途径")],
    )

    def request_fields(self) -> dict[str, Any]:
        """The application as ``submissions.submit_request`` stores it: an organisation
        identifies itself by its 统一社会信用代码, a person has no organisation type."""
        fields = {name: self[name].data for name in REQUEST_FIELDS}
        if fields["applicant_type"] == "organisation":
            fields["id_type"] = "统一社会信用代码"
        else:
            fields["organisation_type"] = None
        return fields

    def validate_organisation_type(self, field: SelectField) -> None:
        if self.applicant_type.data == "organisation" and field.data not in ORGANISATION_TYPES:
            raise ValidationError("组织类型：法人或其他组织申请时请选择")

    def validate_id_type(self, field: SelectField) -> None:
        if self.applicant_type.data == "person" and field.data not in ID_TYPES:
            raise ValidationError("证件类型：请从列表中选择")

    def validate_id_number(self, field: StringField) -> None:
        try:
            if self.applicant_type.data == "organisation":
                field.data = validators.credit_code(field.data or "")
            elif self.id_type.data == "居民身份证":
                field.data = validators.resident_id(field.data or "")
            else:
                field.data = (field.data or "").strip()
                if not 5 <= len(field.data) <= 30:
                    raise ValueError("证件号码长度不正确")
        except ValueError as exc:
            label = "统一社会信用代码" if self.applicant_type.data == "organisation" else "证件号码"
            raise ValidationError(f"{label}：{exc}") from None

    def validate_phone(self, field: StringField) -> None:
        try:
            field.data = phone_number(field.data or "")
        except ValueError as exc:
            raise ValidationError(f"联系电话：{exc}") from None

    def validate_email(self, field: StringField) -> None:
        if self.delivery.data == "电子邮件" and not field.data:
            raise ValidationError("电子邮箱：选择电子邮件获取时必填")
        if field.data:
            try:
                field.data = validators.email(field.data)
            except ValueError as exc:
                raise ValidationError(f"电子邮箱：{exc}") from None

    def validate_address(self, field: StringField) -> None:
        field.data = (field.data or "").strip()
        if self.delivery.data == "邮寄" and not field.data:
            raise ValidationError("通信地址：选择邮寄时必填")
        if field.data and not 5 <= len(field.data) <= 200:
            raise ValidationError("通信地址：应为 5 至 200 个字")


class FeedbackForm(GuardedForm):
    """纠错: which page, what kind of error, what is wrong, and (optionally) how to reach
    the resident. ``page`` must be an address on this portal (``validators.page_path``)."""

    page = StringField("出错的页面（选填）", [Optional()])
    kind = RadioField(
        "错误类型",
        choices=options(*FEEDBACK_KINDS.items()),
        validators=[_required("错误类型")],
        validate_choice=False,
    )
    description = TextAreaField("问题描述", [_required("问题描述"), _length("问题描述", 5, 1000)])
    contact = StringField("联系方式（选填）", [Optional(), Length(max=254)])

    def __init__(self, *args: object, host: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.host = host

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in FEEDBACK_KINDS:
            raise ValidationError("错误类型：请从列表中选择")

    def validate_page(self, field: StringField) -> None:
        try:
            field.data = validators.page_path(field.data, host=self.host)
        except ValueError as exc:
            raise ValidationError(f"出错的页面：{exc}") from None

    def validate_contact(self, field: StringField) -> None:
        if field.data:
            try:
                _, field.data = validators.contact(field.data)
            except ValueError as exc:
                raise ValidationError(f"联系方式：{exc}") from None


class RecoverForm(GuardedForm):
    """Ask for a new query code, sent to the e-mail address given with the item."""

    tracking_no = StringField("查询编号", [_required("查询编号"), Length(max=20)])


class TrackForm(PortalForm):
    tracking_no = StringField("查询编号", [_required("查询编号"), Length(max=20)])
    code = StringField("查询码", [_required("查询码"), Length(max=20)])


class SupplementAnswerForm(PortalForm):
    """A 补正 sent from the tracking page: text and files (``request_files``). ``access`` is
    the token the page was given (``requester.grant``); once it is no longer good, the
    resident types the number and code again in ``tracking_no`` and ``code``."""

    access = HiddenField()
    tracking_no = StringField("查询编号", [Optional(), Length(max=20)], id="supplement-number")
    code = StringField("查询码", [Optional(), Length(max=20)], id="supplement-code")
    text = TextAreaField(
        "补正内容",
        [Optional(), Length(max=2000, message="补正内容：不能超过 2000 个字")],
        render_kw={"rows": 6},
    )
