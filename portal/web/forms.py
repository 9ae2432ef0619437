"""The base of every form: what it reads, how it cleans text, and the guards of the forms
residents send without signing in.

``PortalForm`` reads only form-encoded data (never a JSON body) and cleans every text field.
``GuardedForm`` adds a one-time token (so a double-submitted form stores one row), a
honeypot field and a signed render time (a form sent back faster than a person can type is
quarantined, not rejected, so bots learn nothing). The token is issued and signed by the
server and bound to the browser session it was given to (``FormTokenField``): services
dedupe on it and derive a query code from it, so a token chosen by the client, or copied
from someone else's form, would hand over that person's receipt. Such a token is refused
and the form shown again with a fresh one.
"""

from __future__ import annotations

import hmac
import secrets
import time

from flask import current_app, request, session
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import FieldList, Form, FormField, HiddenField, PasswordField, StringField

# SelectChoice is new in WTForms 3.3; the types-WTForms stubs describe 3.2.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]
from wtforms.validators import ValidationError

from portal.text import CONTROL_CHARS, clean_text


def options(*pairs: tuple[str, str]) -> list[SelectChoice]:
    """Choices of a select or radio field: (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="form-rendered-at")


def _clean(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else value


def _strip_controls(value: object) -> object:
    return CONTROL_CHARS.sub("", value).strip() if isinstance(value, str) else value


def _bind_cleaned(form, unbound_field, options):
    if unbound_field.field_class in (FieldList, FormField):  # their own fields are cleaned
        return unbound_field.bind(form=form, **options)
    clean = _strip_controls if unbound_field.field_class is PasswordField else _clean
    filters = [*unbound_field.kwargs.get("filters", ()), clean]
    return unbound_field.bind(form=form, filters=filters, **options)


class PortalForm(FlaskForm):
    """Reads only form-encoded data (never a JSON body) and cleans every text: control and
    invisible format characters (direction overrides, zero-width spaces) removed, and a
    field with nothing visible left counts as empty, so "必填" applies to it. Passwords
    keep their every other character: only control characters and outer spaces go.
    Repeated rows (``FieldList`` of ``FormField``) are ``RowForm`` s, cleaned the same way."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            return _bind_cleaned(form, unbound_field, options)

    expired = False  # shown again because its page had expired (CSRF or form token)

    def __init__(self, *args: object, **kwargs: object) -> None:
        if "formdata" not in kwargs and request.method == "POST":
            kwargs["formdata"] = request.form
        super().__init__(*args, **kwargs)


class RowForm(Form):
    """One row of a repeated group inside a ``PortalForm`` (no CSRF token of its own: the
    enclosing form has it), its texts cleaned as the enclosing form's are."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            return _bind_cleaned(form, unbound_field, options)


FORM_TOKEN_SALT = "portal.form-token"
SESSION_NONCE = "form_nonce"  # the session's own random value, in every token it is given
EXPIRED = "页面已过期，请再次提交"


def _token_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=FORM_TOKEN_SALT)


def session_nonce() -> str:
    """This browser session's own random value (made on first use): what binds a token
    the server signs for a resident to the session it was given to."""
    nonce = session.get(SESSION_NONCE)
    if not isinstance(nonce, str):
        nonce = session[SESSION_NONCE] = secrets.token_urlsafe(16)
    return nonce


def issue_form_token() -> tuple[str, str]:
    """A new submission key and the signed token that carries it in this session's form."""
    key = secrets.token_urlsafe(24)
    return key, _token_signer().dumps([session_nonce(), key])


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


class ActionForm(PortalForm):
    """A form with nothing but its CSRF token (logout, publish, submit …)."""


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
