"""Form validators: resident ID, unified social credit code, mobile, e-mail, contact.

All numbers are synthetic: check characters are computed here, independently of the module.
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from portal.interaction import validators as v
from tests.synthetic_ids import CREDIT_CHARS, make_credit, make_id


def wrong_last(code: str, alphabet: str) -> str:
    return code[:17] + next(c for c in alphabet if c != code[17])


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


ID_WITH_X = next(make_id(seq=f"{n:03d}") for n in range(1000) if make_id(seq=f"{n:03d}")[-1] == "X")
VALID_ID = make_id()


def test_known_examples() -> None:
    assert v.credit_code("11440303MB2C93574X") == "11440303MB2C93574X"
    assert make_credit("11440303MB2C93574") == "11440303MB2C93574X"
    assert ID_WITH_X.endswith("X")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (VALID_ID, VALID_ID),
        (make_id("20000229"), make_id("20000229")),  # leap day
        (make_id("19000101"), make_id("19000101")),
        (ID_WITH_X, ID_WITH_X),
        (ID_WITH_X.lower(), ID_WITH_X),
        (full_width(ID_WITH_X), ID_WITH_X),
        (full_width(ID_WITH_X.lower()), ID_WITH_X),
        (f" {VALID_ID[:6]} {VALID_ID[6:14]} {VALID_ID[14:]} ", VALID_ID),
        (f"{VALID_ID[:6]}\u3000{VALID_ID[6:]}", VALID_ID),
    ],
)
def test_resident_id_valid(raw: str, expected: str) -> None:
    assert v.resident_id(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", v.MSG_ID_EMPTY),
        ("   ", v.MSG_ID_EMPTY),
        (wrong_last(VALID_ID, "0123456789X"), v.MSG_ID_CHECK),
        (wrong_last(ID_WITH_X, "0123456789"), v.MSG_ID_CHECK),
        (VALID_ID[:14] + VALID_ID[15] + VALID_ID[14] + VALID_ID[16:], v.MSG_ID_CHECK),  # swap
        (make_id("19900230"), v.MSG_ID_BIRTH_DATE),
        (make_id("19901301"), v.MSG_ID_BIRTH_DATE),
        (make_id("19900100"), v.MSG_ID_BIRTH_DATE),
        (make_id("19000229"), v.MSG_ID_BIRTH_DATE),  # 1900 is not a leap year
        (make_id("18991231"), v.MSG_ID_BIRTH_DATE),
        (make_id("29990101"), v.MSG_ID_BIRTH_DATE),  # future
        (VALID_ID[:17], v.MSG_ID_FORMAT),
        (VALID_ID + "1", v.MSG_ID_FORMAT),
        (VALID_ID[:6] + VALID_ID[8:17], v.MSG_ID_FORMAT),  # 15-digit old number
        (VALID_ID[:5] + "A" + VALID_ID[6:], v.MSG_ID_FORMAT),
        ("X" + VALID_ID[1:], v.MSG_ID_FORMAT),
        (VALID_ID[:17] + "Y", v.MSG_ID_FORMAT),
        (VALID_ID[:6] + "-" + VALID_ID[6:], v.MSG_ID_FORMAT),
    ],
)
def test_resident_id_invalid(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        v.resident_id(raw)


def test_resident_id_birth_date_not_in_future() -> None:
    today = date(2024, 5, 1)
    assert v.resident_id(make_id("20240501"), today=today) == make_id("20240501")
    with pytest.raises(ValueError, match=f"^{re.escape(v.MSG_ID_BIRTH_DATE)}$"):
        v.resident_id(make_id("20240502"), today=today)


CREDIT_OK = [
    make_credit("91440303MA5G1234K"),
    make_credit("12440303455123456"),
    make_credit("Y1110000123456789"),
    make_credit("51440303MJL00001A"),
    # the body whose weighted sum is a multiple of 31, so the check character is "0"
    next(
        make_credit("9144030312345678" + c)
        for c in CREDIT_CHARS
        if make_credit("9144030312345678" + c).endswith("0")
    ),
]


@pytest.mark.parametrize("code", CREDIT_OK)
def test_credit_code_valid(code: str) -> None:
    assert v.credit_code(code) == code
    assert v.credit_code(code.lower()) == code
    assert v.credit_code(full_width(code)) == code
    assert v.credit_code(f" {code[:9]} {code[9:]} ") == code


def test_credit_code_check_character_zero_case_present() -> None:
    assert CREDIT_OK[-1].endswith("0")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", v.MSG_CREDIT_EMPTY),
        (wrong_last(CREDIT_OK[0], CREDIT_CHARS), v.MSG_CREDIT_CHECK),
        (wrong_last("11440303MB2C93574X", CREDIT_CHARS), v.MSG_CREDIT_CHECK),
        (CREDIT_OK[0][:17], v.MSG_CREDIT_FORMAT),
        (CREDIT_OK[0] + "0", v.MSG_CREDIT_FORMAT),
        *[(CREDIT_OK[0][:10] + bad + CREDIT_OK[0][11:], v.MSG_CREDIT_FORMAT) for bad in "IOZSV"],
        (CREDIT_OK[0][:17] + "-", v.MSG_CREDIT_FORMAT),
        (make_credit("91A40303MA5G1234K"), v.MSG_CREDIT_DIVISION),
        (make_credit("914403M3MA5G1234K"), v.MSG_CREDIT_DIVISION),
    ],
)
def test_credit_code_invalid(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        v.credit_code(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "8613812345678",
        "86 13812345678",
        "１３８１２３４５６７８",
        "＋８６ １３８－１２３４－５６７８",
    ],
)
def test_mobile_valid(raw: str) -> None:
    assert v.mobile(raw) == "13812345678"


@pytest.mark.parametrize("second", "3456789")
def test_mobile_second_digit(second: str) -> None:
    assert v.mobile(f"1{second}012345678") == f"1{second}012345678"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", v.MSG_MOBILE_EMPTY),
        (" - ", v.MSG_MOBILE_EMPTY),
        ("12812345678", v.MSG_MOBILE),
        ("10812345678", v.MSG_MOBILE),
        ("23812345678", v.MSG_MOBILE),
        ("1381234567", v.MSG_MOBILE),
        ("138123456789", v.MSG_MOBILE),
        ("138a2345678", v.MSG_MOBILE),
        ("+85213812345678", v.MSG_MOBILE),
        ("86138123456", v.MSG_MOBILE),
        ("0755-12345678", v.MSG_MOBILE),
        ("(138)12345678", v.MSG_MOBILE),
    ],
)
def test_mobile_invalid(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        v.mobile(raw)


def address_of_length(total: int) -> str:
    return "u" * 64 + "@" + "a" * (total - 65 - 4) + ".com"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("zhang@example.com", "zhang@example.com"),
        ("Zhang.San@Example.COM", "Zhang.San@example.com"),
        ("  li_si+portal@mail.example.gov.cn ", "li_si+portal@mail.example.gov.cn"),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "zhang@example.com"),
        ("13812345678@163.com", "13812345678@163.com"),
        ("user@my-host.example.cn", "user@my-host.example.cn"),
        ("用户@例子.中国", "用户@例子.中国"),
        (address_of_length(254), address_of_length(254)),
    ],
)
def test_email_valid(raw: str, expected: str) -> None:
    assert v.email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", v.MSG_EMAIL_EMPTY),
        ("no-at.example.com", v.MSG_EMAIL),
        ("a@@example.com", v.MSG_EMAIL),
        ("a@b@example.com", v.MSG_EMAIL),
        ("zhang san@example.com", v.MSG_EMAIL),
        ("zhang@exa mple.com", v.MSG_EMAIL),
        ("user@localhost", v.MSG_EMAIL),
        ("user@.example.com", v.MSG_EMAIL),
        ("user@example..com", v.MSG_EMAIL),
        ("user@example.com.", v.MSG_EMAIL),
        ("user@-example.com", v.MSG_EMAIL),
        ("user@example-.com", v.MSG_EMAIL),
        ("user@example.c", v.MSG_EMAIL),
        ("user@10.0.0.1", v.MSG_EMAIL),
        ("@example.com", v.MSG_EMAIL),
        ("user@", v.MSG_EMAIL),
        (".user@example.com", v.MSG_EMAIL),
        ("user.@example.com", v.MSG_EMAIL),
        ("us..er@example.com", v.MSG_EMAIL),
        ("<user>@example.com", v.MSG_EMAIL),
        ("u" * 65 + "@example.com", v.MSG_EMAIL),
        (address_of_length(255), v.MSG_EMAIL),
    ],
)
def test_email_invalid(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        v.email(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", ("mobile", "13812345678")),
        ("+86 138-1234-5678", ("mobile", "13812345678")),
        ("１３８１２３４５６７８", ("mobile", "13812345678")),
        ("Zhang@Example.com", ("email", "Zhang@example.com")),
        ("zhang＠example.com", ("email", "zhang@example.com")),
    ],
)
def test_contact_valid(raw: str, expected: tuple[str, str]) -> None:
    assert v.contact(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "12812345678", "zhang@", "zhang", "0755-12345678"])
def test_contact_invalid(raw: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(v.MSG_CONTACT)}$"):
        v.contact(raw)


def test_messages_are_chinese_constants() -> None:
    assert v.MSG_CONTACT == "请填写11位手机号码或电子邮箱"
    assert v.MSG_ID_CHECK == "身份证号码校验位不正确"
    names = [name for name in dir(v) if name.startswith("MSG_")]
    assert len(names) >= 10
    for name in names:
        message = getattr(v, name)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), name
        assert len(message) <= 40, name
