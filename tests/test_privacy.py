"""Finding and masking personal data in residents' messages (synthetic numbers only)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from portal.interaction.privacy import (
    Finding,
    describe,
    find_personal_data,
    mask_name,
    mask_personal_data,
    mask_value,
)
from tests.synthetic_ids import make_credit, make_id


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


ID18 = make_id()  # 440303199003071233
ID_X = next(make_id(seq=f"{n:03d}") for n in range(1000) if make_id(seq=f"{n:03d}")[-1] == "X")
ID15 = "440303900307123"  # pre-1999 format: area, YYMMDD, sequence
MOBILE = "13812345678"


def kinds(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.original) for f in find_personal_data(text)]


@pytest.mark.parametrize(
    ("text", "kind", "original", "masked"),
    [
        (f"我的身份证号{ID18}请核实", "id_number", ID18, "4403**********1233"),
        (f"身份证号码：{ID_X}。", "id_number", ID_X, "4403**********002X"),
        (f"身份证{ID_X.lower()}号", "id_number", ID_X.lower(), "4403**********002X"),
        (f"号码{ID18[:6]} {ID18[6:14]} {ID18[14:]}。", "id_number", None, "4403**********1233"),
        (f"旧身份证{ID15}已作废", "id_number", ID15, "4403*******7123"),
        (f"电话{MOBILE}联系", "mobile", MOBILE, "138****5678"),
        ("手机号码138-1234-5678谢谢", "mobile", "138-1234-5678", "138****5678"),
        ("手机：138 1234 5678，谢谢", "mobile", "138 1234 5678", "138****5678"),
        ("请拨+8613812345678", "mobile", "+8613812345678", "+86138****5678"),
        ("请拨+86 138 1234 5678。", "mobile", "+86 138 1234 5678", "+86 138****5678"),
        ("手机１３８１２３４５６７８", "mobile", "１３８１２３４５６７８", "１３８****５６７８"),
        ("座机0755-12345678转分机", "landline", "0755-12345678", "0755-******78"),
        ("座机(0755)12345678", "landline", "(0755)12345678", "(0755)******78"),
        ("座机（0755）12345678", "landline", "（0755）12345678", "（0755）******78"),
        ("北京010-87654321", "landline", "010-87654321", "010-******21"),
        ("电话0755 2345678。", "landline", "0755 2345678", "0755 *****78"),
        ("邮箱zhang.san@example.com，谢谢", "email", "zhang.san@example.com", "z***@example.com"),
        ("发到li_si+x@mail.example.gov.cn。", "email", "li_si+x@mail.example.gov.cn", None),
        ("邮箱13812345678@163.com", "email", "13812345678@163.com", "1***@163.com"),
    ],
)
def test_single_finding(text: str, kind: str, original: str | None, masked: str | None) -> None:
    (finding,) = find_personal_data(text)
    assert finding.kind == kind
    assert text[finding.start : finding.end] == finding.original
    if original is not None:
        assert finding.original == original
    if masked is not None:
        assert finding.masked == masked
    result, findings = mask_personal_data(text)
    assert findings == [finding]
    assert result == text[: finding.start] + finding.masked + text[finding.end :]
    assert find_personal_data(result) == []  # masking is final: nothing detectable remains


def test_email_mask_keeps_domain() -> None:
    (finding,) = find_personal_data("发到li_si+x@mail.example.gov.cn。")
    assert finding.masked == "l***@mail.example.gov.cn"


def test_multiple_findings_in_one_message() -> None:
    text = (
        f"我叫张三，身份证号{ID18}，手机138-1234-5678，"
        f"邮箱zhang@example.com，家里电话(0755)12345678，备用手机13900001111。"
    )
    masked, findings = mask_personal_data(text)
    assert [f.kind for f in findings] == ["id_number", "mobile", "email", "landline", "mobile"]
    assert masked == (
        "我叫张三，身份证号4403**********1233，手机138****5678，"
        "邮箱z***@example.com，家里电话(0755)******78，备用手机139****1111。"
    )
    assert describe(findings) == (
        "已遮盖 5 处个人信息：手机号 2 处、身份证号 1 处、固定电话 1 处、电子邮箱 1 处"
    )
    for hidden in (ID18, ID18[4:14], "1234", "zhang", "123456", "00001"):
        assert hidden not in masked


def test_describe_example_sentence() -> None:
    _, findings = mask_personal_data(f"手机{MOBILE}，身份证{ID18}")
    assert describe(findings) == "已遮盖 2 处个人信息：手机号 1 处、身份证号 1 处"


def test_describe_nothing_found() -> None:
    assert describe([]) == ""
    assert mask_personal_data("") == ("", [])
    assert mask_personal_data("没有个人信息。") == ("没有个人信息。", [])


@pytest.mark.parametrize(
    "text",
    [
        "会议定于2024-05-01 09:30举行",
        "2024年5月1日起施行",
        "共计拨付资金16751元",
        "共计拨付资金1675100000元",
        "依据深罗东晓〔2024〕15号文件",
        "发布机构统一社会信用代码11440303MB2C93574X",
        f"代码{make_credit('91440303MA5G1234K')}",
        f"代码{make_credit('12440303455123456')}",
        f"代码{make_credit('9144030312345678X')}",
        f"编号{ID18}5",  # 19-digit run
        f"编号9{ID15}",  # 16-digit run
        f"编号{MOBILE}9",  # 12-digit run
        f"编号9{MOBILE}",
        "卡号6222021234567890123",
        "号码12812345678不是手机",
        f"{ID18[:6]}18991231{ID18[14:]}",  # implausible birth year
        f"{ID18[:10]}1307{ID18[14:]}",  # month 13
        "索引号11440303MB2C93574X/2024-00015",
        "热线12345，邮编518000",
        "邮件地址写成zhang@localhost不完整",
    ],
)
def test_no_false_positives(text: str) -> None:
    assert find_personal_data(text) == []
    assert mask_personal_data(text) == (text, [])


def test_masked_text_keeps_only_the_allowed_digits() -> None:
    text = f"身份证{ID18}，手机{MOBILE}，座机0755-12345678"
    masked, findings = mask_personal_data(text)
    kept = {"id_number": ID18[:4] + ID18[-4:], "mobile": "1385678", "landline": "075578"}
    for finding in findings:
        assert re.sub(r"[^0-9X]", "", finding.masked) == kept[finding.kind]
        assert len(finding.masked) <= len(finding.original)
    assert re.sub(r"\D", "", masked) == "".join(kept.values())


def test_id_with_spaces_masks_digits_not_layout() -> None:
    text = f"{ID18[:6]} {ID18[6:14]} {ID18[14:]}"
    (finding,) = find_personal_data(text)
    assert (finding.start, finding.end) == (0, len(text))
    assert finding.masked == "4403**********1233"


def test_full_width_id_number() -> None:
    text = f"身份证{full_width(ID_X)}"
    (finding,) = find_personal_data(text)
    assert finding.masked == full_width("4403") + "*" * 10 + full_width("002X")


def test_finding_is_frozen() -> None:
    finding = Finding("mobile", 0, 11, MOBILE, "138****5678")
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.kind = "email"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        (" 王小明 ", "王**"),
        ("李", "李"),
        ("", ""),
    ],
)
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("id_number", ID18, "4403**********1233"),
        ("id_number", ID_X.lower(), "4403**********002X"),
        ("id_number", ID15, "4403*******7123"),
        ("mobile", MOBILE, "138****5678"),
        ("mobile", "+86 138-1234-5678", "138****5678"),
        ("mobile", "8613812345678", "138****5678"),
        ("email", "zhang.san@example.com", "z***@example.com"),
        ("email", "no-at-sign", "**********"),
        ("landline", "0755-12345678", "0755-******78"),
        ("landline", "(0755)12345678", "(0755)******78"),
        ("landline", "12345678", "******78"),
        ("address", "广东省深圳市罗湖区东晓路1号", "广东省深圳市********"),
        ("address", "东晓路1号", "东晓***"),
        ("name", "张三", "张*"),
        ("mobile", "", ""),
        ("address", "", ""),
    ],
)
def test_mask_value(kind: str, value: str, masked: str) -> None:
    assert mask_value(kind, value) == masked


def test_mask_value_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        mask_value("credit_code", "11440303MB2C93574X")
