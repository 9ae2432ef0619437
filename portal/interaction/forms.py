"""Forms residents fill in: a message, an information request, the tracking lookup.

Every message names its field in Chinese. Each form carries a one-time token (so a
double-submitted form stores one row), a honeypot field and a signed render time (a form
sent back faster than a person can type is quarantined, not rejected, so bots learn
nothing).

The token is issued and signed by the server and bound to the browser session it was
given to (``FormTokenField``): the services dedupe on it and derive the query code from
it, so a token chosen by the client, or copied from someone else's form, would hand over
that person's receipt. Such a token is refused and the form shown again with a fresh one.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time

from flask import current_app, request, session
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..content_types import CONTROL_CHARS, clean_text
from . import validators
from .models import MESSAGE_CATEGORIES, ORGANISATION_TYPES

REQUIRED = "{}：必填"


def options(*pairs: tuple[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


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


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="form-rendered-at")


def _clean(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _strip_controls(value: object) -> object:
    return CONTROL_CHARS.sub("", value).strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """Reads only form-encoded data (never a JSON body) and cleans every text: control and
    invisible format characters (direction overrides, zero-width spaces) removed, and a
    field with nothing visible left counts as empty, so "必填" applies to it. Passwords
    keep their every other character: only control characters and outer spaces go."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            clean = _strip_controls if unbound_field.field_class is PasswordField else _clean
            filters = [*unbound_field.kwargs.get("filters", ()), clean]
            return unbound_field.bind(form=form, filters=filters, **options)

    expired = False  # shown again because its page had expired (CSRF or form token)

    def __init__(self, *args: object, **kwargs: object) -> None:
        if "formdata" not in kwargs and request.method == "POST":
            kwargs["formdata"] = request.form
        super().__init__(*args, **kwargs)


FORM_TOKEN_SALT = "portal.form-token"
SESSION_NONCE = "form_nonce"  # the session's own random value, in every token it is given
EXPIRED = "页面已过期，请再次提交"


def _token_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FORM_TOKEN_SALT)


def _session_nonce() -> str:
    nonce = session.get(SESSION_NONCE)
    if not isinstance(nonce, str):
        nonce = session[SESSION_NONCE] = secrets.token_urlsafe(16)
    return nonce


def issue_form_token() -> tuple[str, str]:
    """A new submission key and the signed token that carries it in this session's form."""
    key = secrets.token_urlsafe(24)
    return key, _token_signer().dumps([_session_nonce(), key])


def form_token_key(token: str) -> str | None:
    """The submission key in ``token`` if this server signed it for this session, else None."""
    try:
        nonce, key = _token_signer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    mine = session.get(SESSION_NONCE)
    if not isinstance(mine, str) or not isinstance(nonce, str) or not isinstance(key, str):
        return None
    if not hmac.compare_digest(nonce, mine) or not 0 < len(key) <= 64:
        return None
    return key


class FormTokenField(HiddenField):
    """The one-time token of a resident form.

    The page carries the signed token (``token``); ``data`` is the submission key inside it
    (what the services dedupe on and derive the query code from), set only when the token
    was signed here for this session. A token from another session, or made up, leaves
    ``data`` empty and fails validation.
    """

    token = ""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.token = valuelist[0] if valuelist and isinstance(valuelist[0], str) else ""
        self.data = form_token_key(self.token) if 0 < len(self.token) <= 512 else None

    def pre_validate(self, form: object) -> None:
        if not self.data:
            raise ValidationError(EXPIRED)

    def issue(self) -> None:
        self.data, self.token = issue_form_token()

    def _value(self) -> str:
        return self.token


class GuardedForm(PortalForm):
    """CSRF, a one-time form token, a honeypot and a minimum fill time."""

    form_token = FormTokenField()
    rendered = HiddenField()
    website = StringField("网址（请勿填写）")  # honeypot: hidden from people, bots fill it

    def prepare(self) -> None:
        """Fill the hidden fields; a form shown again after an error keeps its token (a
        second submission is the same one) and its first time. A token that was refused
        is replaced by a fresh one, and the page says it had expired."""
        if self.form_token.errors:
            self.expired = True
            self.form_token.errors = []
        if not self.form_token.data:
            self.form_token.issue()
        if not self.rendered.data:
            self.rendered.data = _signer().dumps(time.time())

    def trap(self) -> str | None:
        """Why this submission looks automated, or None."""
        if self.website.data:
            return "honeypot"
        try:
            rendered = float(_signer().loads(self.rendered.data or ""))
        except (BadSignature, TypeError, ValueError):
            return "unsigned form"
        if time.time() - rendered < current_app.config["MIN_FILL_SECONDS"]:
            return "too fast"
        return None


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

    def validate_organisation_type(self, field: SelectField) -> None:
        if self.applicant_type.data == "organisation" and field.data not in ORGANISATION_TYPES:
            raise ValidationError("组织类型：法人或其他组织申请时请选择")

    def validate_id_type(self, field: SelectField) -> None:
        if self.applicant_type.data == "person" and field.data not in ID_TYPES:
            raise ValidationError("证件类型：请从列表中选择")

    def validate_id_number(self, field: StringField) -> None:
        try:
            if self.applicant_type.data == "organisation":
                field.data = validators.credit_code(field.data)
            elif self.id_type.data == "居民身份证":
                field.data = validators.resident_id(field.data)
            else:
                field.data = field.data.strip()
                if not 5 <= len(field.data) <= 30:
                    raise ValueError("证件号码长度不正确")
        except ValueError as exc:
            label = "统一社会信用代码" if self.applicant_type.data == "organisation" else "证件号码"
            raise ValidationError(f"{label}：{exc}") from None

    def validate_phone(self, field: StringField) -> None:
        try:
            field.data = phone_number(field.data)
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


class TrackForm(PortalForm):
    tracking_no = StringField("查询编号", [_required("查询编号"), Length(max=20)])
    code = StringField("查询码", [_required("查询码"), Length(max=20)])
