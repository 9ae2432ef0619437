"""Form-field validators for resident input: each returns the normalised value or raises ValueError.

The ``ValueError`` message is a short Simplified Chinese sentence meant to be shown beside the
form field; the messages are module constants so forms can reuse them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from urllib.parse import quote, urlsplit

from portal import creditcode
from portal.timeutil import local_date, utcnow

MSG_ID_EMPTY = "请填写身份证号码"
MSG_ID_FORMAT = "身份证号码应为18位，最后一位为数字或X"
MSG_ID_BIRTH_DATE = "身份证号码中的出生日期不正确"
MSG_ID_CHECK = "身份证号码校验位不正确"
MSG_CREDIT_EMPTY = "请填写统一社会信用代码"
MSG_CREDIT_FORMAT = "统一社会信用代码应为18位数字或大写字母（不含I、O、Z、S、V）"
MSG_CREDIT_DIVISION = "统一社会信用代码第3至8位应为行政区划代码"
MSG_CREDIT_CHECK = "统一社会信用代码校验位不正确"
MSG_MOBILE_EMPTY = "请填写手机号码"
MSG_MOBILE = "请填写正确的11位手机号码"
MSG_EMAIL_EMPTY = "请填写电子邮箱"
MSG_EMAIL = "电子邮箱格式不正确"
MSG_CONTACT = "请填写11位手机号码或电子邮箱"

# GB 11643-1999: ISO 7064 MOD 11-2 over the first 17 digits.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_MAP = "10X98765432"

_ID_RE = re.compile(r"[0-9]{17}[0-9X]")
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_EMAIL_LOCAL_RE = re.compile(r"[^\s@<>()\[\]\\,;:\"]+")
_LABEL_CHAR = "[A-Za-z0-9\u00a1-\uffff]"  # ASCII letters/digits or non-ASCII (IDN) characters
_EMAIL_LABEL_RE = re.compile(f"{_LABEL_CHAR}(?:(?:{_LABEL_CHAR}|-)*{_LABEL_CHAR})?")
_SPACES_RE = re.compile(r"\s+")


def _fold(value: str) -> str:
    """Fold full-width forms (digits, letters, ＠, ＋, ideographic space) to ASCII."""
    return unicodedata.normalize("NFKC", value)


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 ASCII digits."""
    total = sum(int(ch) * weight for ch, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_MAP[total % 11]


def resident_id(value: str, *, today: date | None = None) -> str:
    """Validate an 18-character mainland resident ID number; return it upper-cased."""
    code = _SPACES_RE.sub("", _fold(value or "")).upper()
    if not code:
        raise ValueError(MSG_ID_EMPTY)
    if not _ID_RE.fullmatch(code):
        raise ValueError(MSG_ID_FORMAT)
    try:
        born = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise ValueError(MSG_ID_BIRTH_DATE) from None
    if born.year < 1900 or born > (today or local_date(utcnow())):
        raise ValueError(MSG_ID_BIRTH_DATE)
    if resident_id_check_char(code[:17]) != code[17]:
        raise ValueError(MSG_ID_CHECK)
    return code


def credit_code(value: str) -> str:
    """Validate an 18-character 统一社会信用代码; return it upper-cased."""
    # The registration-authority and organisation-type characters are only checked against the
    # charset: their code tables grow by regulation, and the check character catches typos.
    code = _SPACES_RE.sub("", _fold(value or "")).upper()
    if not code:
        raise ValueError(MSG_CREDIT_EMPTY)
    if not creditcode.CREDIT_RE.fullmatch(code):
        raise ValueError(MSG_CREDIT_FORMAT)
    if not code[2:8].isdigit():
        raise ValueError(MSG_CREDIT_DIVISION)
    if creditcode.check_char(code[:17]) != code[17]:
        raise ValueError(MSG_CREDIT_CHECK)
    return code


def mobile(value: str) -> str:
    """Validate a mainland mobile number (optional +86, spaces, hyphens); return its 11 digits."""
    number = re.sub(r"[\s-]+", "", _fold(value or ""))
    if not number:
        raise ValueError(MSG_MOBILE_EMPTY)
    if number.startswith("+86"):
        number = number[3:]
    elif number.startswith("86") and len(number) == 13:
        number = number[2:]
    if not _MOBILE_RE.fullmatch(number):
        raise ValueError(MSG_MOBILE)
    return number


def email(value: str) -> str:
    """Validate an e-mail address practically; return it with the domain lower-cased."""
    address = _fold(value or "").strip()
    if not address:
        raise ValueError(MSG_EMAIL_EMPTY)
    if len(address) > 254 or address.count("@") != 1:
        raise ValueError(MSG_EMAIL)
    local, domain = address.split("@")
    labels = domain.split(".")
    if (
        len(local) > 64
        or not _EMAIL_LOCAL_RE.fullmatch(local)
        or local.startswith(".")
        or local.endswith(".")
        or ".." in local
        or len(labels) < 2
        or not all(_EMAIL_LABEL_RE.fullmatch(label) for label in labels)
        or len(labels[-1]) < 2
        or labels[-1].isdigit()
    ):
        raise ValueError(MSG_EMAIL)
    return f"{local}@{domain.lower()}"


def contact(value: str) -> tuple[str, str]:
    """Validate a mobile number or an e-mail address; return ("mobile"|"email", normalised)."""
    text = _fold(value or "")
    try:
        if "@" in text:
            return "email", email(text)
        return "mobile", mobile(text)
    except ValueError:
        raise ValueError(MSG_CONTACT) from None


PAGE_MAX = 500  # characters of a reported page's address, as stored
MSG_PAGE = "请填写本站页面的地址，如 /news/… ，或留空"
_PAGE_SAFE = "/?&=%:@!$'()*+,;-._~"  # kept as they are when the address is percent-encoded
_NOT_IN_PAGE = re.compile(r"[\x00-\x1f\x7f]")


def page_path(value: str | None, *, host: str = "") -> str:
    """The address of one of this portal's pages as a same-site path with its query
    (``/news/x?page=2``), percent-encoded to ASCII; "" when nothing was given.

    A full address is accepted only on this portal's own ``host`` (and loses its scheme and
    host); anything else — another site, ``//host``, ``/\\host``, ``javascript:``, control
    characters, staff pages, more than ``PAGE_MAX`` characters — is a ``ValueError``. What
    is kept holds no character a browser would read as leaving the path (spaces, quotes,
    backslashes and the rest are percent-encoded).
    """
    text = (value or "").strip()
    if not text:
        return ""
    if len(text) > PAGE_MAX or _NOT_IN_PAGE.search(text):
        raise ValueError(MSG_PAGE)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise ValueError(MSG_PAGE) from None
    if parts.scheme or parts.netloc:
        ours = bool(host) and parts.netloc.lower() == host.lower()
        if parts.scheme not in ("http", "https") or not ours:
            raise ValueError(MSG_PAGE)
        text = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not text.startswith("/") or text[1:2] in ("/", "\\"):
        raise ValueError(MSG_PAGE)
    text = quote(text.split("#", 1)[0].removesuffix("?"), safe=_PAGE_SAFE)
    path = text.split("?", 1)[0]
    if len(text) > PAGE_MAX or path == "/admin" or path.startswith("/admin/"):
        raise ValueError(MSG_PAGE)
    return text
