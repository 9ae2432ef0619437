"""Finding and masking personal data in residents' messages (synthetic numbers only)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from portal.interaction.privacy import (
    Finding,
    contact_kind,
    describe,
    find_personal_data,
    mask_name,
    mask_own_details,
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
        ("请拨+8613812345678", "mobile", "+8613812345678", "138****5678"),
        ("请拨+86 138 1234 5678。", "mobile", "+86 138 1234 5678", "138****5678"),
        ("手机１３８１２３４５６７８", "mobile", "１３８１２３４５６７８", "138****5678"),
        ("座机0755-12345678转分机", "landline", "0755-12345678", "0755-******78"),
        ("座机(0755)12345678", "landline", "(0755)12345678", "0755-******78"),
        ("座机（0755）12345678", "landline", "（0755）12345678", "0755-******78"),
        ("北京010-87654321", "landline", "010-87654321", "010-******21"),
        ("电话0755 2345678。", "landline", "0755 2345678", "0755-*****78"),
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
        "邮箱z***@example.com，家里电话0755-******78，备用手机139****1111。"
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
    assert finding.masked == "4403**********002X"  # one masked form, whatever the width


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
        ("landline", "(0755)12345678", "0755-******78"),
        ("landline", "12345678", "******78"),
        ("address", "广东省深圳市罗湖区东晓路1号", "广东省深圳市罗湖区东晓路**"),
        ("address", "东晓路1号", "东晓路**"),
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


# -- numbers written in other ways (issue 13, point 5) ---------------------------------------

ID85 = make_id(born="19850612", seq="347")
ID85_MASKED = f"4403**********{ID85[-4:]}"


@pytest.mark.parametrize(
    ("text", "kind", "masked"),
    [
        ("手机139.8765.4321", "mobile", "139****4321"),
        ("手机139  8765  4321", "mobile", "139****4321"),
        ("手机139\u200b8765\u200b4321", "mobile", "139****4321"),
        ("手机139\u00a08765\u00a04321", "mobile", "139****4321"),
        ("手机139\u20078765\u202f4321", "mobile", "139****4321"),
        ("手机139\u30008765\u30004321", "mobile", "139****4321"),
        ("手机１３９８７６５４３２１", "mobile", "139****4321"),
        ("手机１３９－８７６５－４３２１", "mobile", "139****4321"),
        ("手机+86 139 8765 4321", "mobile", "139****4321"),
        ("手机＋８６ １３９ ８７６５ ４３２１", "mobile", "139****4321"),
        ("手机0086-139-8765-4321", "mobile", "139****4321"),
        ("手机139–8765—4321", "mobile", "139****4321"),
        ("手机139·8765・4321", "mobile", "139****4321"),
        (
            "手机1\u00ad3\u20609\u200c8\u200d7\u200e6\u200f5\u202a4\u202c3\u20662\u20691",
            "mobile",
            "139****4321",
        ),
        ("手机1 3 9 8 7 6 5 4 3 2 1", "mobile", "139****4321"),
        (
            f"身份证{ID85[:4]} {ID85[4:8]} {ID85[8:12]} {ID85[12:16]} {ID85[16:]}",
            "id_number",
            ID85_MASKED,
        ),
        (f"身份证{ID85[:6]}.{ID85[6:14]}.{ID85[14:]}", "id_number", ID85_MASKED),
        (
            f"身份证{ID85[:3]} {ID85[3:6]} {ID85[6:10]} {ID85[10:14]} {ID85[14:]}",
            "id_number",
            ID85_MASKED,
        ),
        (f"身份证{ID85[:6]}-{ID85[6:14]}-{ID85[14:]}", "id_number", ID85_MASKED),
        (f"身份证{full_width(ID85)}", "id_number", ID85_MASKED),
        (f"身份证{ID85[:9]}\u200b{ID85[9:]}", "id_number", ID85_MASKED),
        ("旧身份证440303 850612 347", "id_number", "4403*******2347"),
        ("电话0755 8234 5678", "landline", "0755-******78"),
        ("电话0755-82345678", "landline", "0755-******78"),
        ("电话(0755)82345678", "landline", "0755-******78"),
        ("电话（0755）8234-5678", "landline", "0755-******78"),
        ("电话(0755) 8234 5678", "landline", "0755-******78"),
        ("电话075582345678", "landline", "0755-******78"),
        ("电话０７５５－８２３４５６７８", "landline", "0755-******78"),
        ("电话+86 755 8234 5678", "landline", "0755-******78"),
        ("电话020 8765 4321", "landline", "020-******21"),
        ("电话01087654321", "landline", "010-******21"),
        ("电话0755 234 5678", "landline", "0755-*****78"),
        ("电话8234 5678", "landline", "******78"),
        ("电话82345678", "landline", "******78"),
        ("电话：8234-5678", "landline", "******78"),
        ("致电 234 5678", "landline", "*****78"),
        ("请拨打座机82345678", "landline", "******78"),
        ("Tel: 8234.5678", "landline", "******78"),
        ("家里8234 5678", "landline", "******78"),
        ("邮箱zhang＠example.com", "email", "z***@example.com"),
        ("邮箱zhang\u200b@example.com", "email", "z***@example.com"),
        ("邮箱Zhang.San@Example.COM", "email", "z***@example.com"),
    ],
)
def test_other_ways_of_writing_numbers(text: str, kind: str, masked: str | None) -> None:
    (finding,) = find_personal_data(text)
    assert finding.kind == kind
    assert text[finding.start : finding.end] == finding.original
    assert finding.end == len(text)  # the whole number, all of its separators included
    if masked is not None:
        assert finding.masked == masked
    result, _ = mask_personal_data(text)
    assert result == text[: finding.start] + finding.masked
    assert find_personal_data(result) == []


@pytest.mark.parametrize(
    "text",
    [
        "2024年工作要点",
        "共计拨付资金1250000.00元",
        "电话费共计2250000.00元",
        "会议定于2024-05-06召开",
        "会议定于2024.05.06召开",
        "依据深罗东晓〔2024〕1号文件",
        "索引号11440303MB2C93574X/2024-00012",
        "索引号11440303MB2C93574X/2024-0001",
        "2023-2024学年",
        "统计期间1990 2000年",
        "面积3000-5000平方米",
        "资金3000 5000万元",
        "编号82345678",  # a bare 8-digit number is not a phone number without a cue
        "第3000 5000号",
        "市民热线12345，报警电话110",
        "拨打12345热线反映",
        "联系我们：东晓路1001号3楼会议室",
        "东晓街道办事处位于东晓路1001号",
        "2024年5月6日 14:30",
        "6222 0212 3456 7890 123",
        "共有13个社区、86个小区",
    ],
)
def test_government_text_is_left_alone(text: str) -> None:
    assert find_personal_data(text) == []
    assert mask_personal_data(text) == (text, [])


# -- street addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("深圳市罗湖区东晓路1001号3栋502室", "深圳市罗湖区东晓路***********"),
        ("我住在布心路3008号水贝珠宝大厦A座1201", "我住在布心路*****************"),
        ("住址：东晓路12号东晓花园2栋3单元1201室，谢谢", "住址：东晓路*****************，谢谢"),
        ("家在翠竹路8号2单元502号，谢谢", "家在翠竹路*********，谢谢"),
        ("家在太宁路88号东晓小区3栋", "家在太宁路*********"),
        ("家在深南东路5002号502室", "家在深南东路*********"),
        ("家在深南大道１００２号３栋５０２室", "家在深南大道***********"),
    ],
)
def test_street_addresses_are_masked_after_the_road_name(text: str, masked: str) -> None:
    result, findings = mask_personal_data(text)
    assert result == masked
    assert [f.kind for f in findings] == ["address"]
    assert describe(findings) == "已遮盖 1 处个人信息：详细地址 1 处"
    assert find_personal_data(result) == []


# -- one masked form per value (issue 13, point 4) --------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("landline", "0755-12345678"),
        ("landline", "(0755)12345678"),
        ("landline", "（0755）1234-5678"),
        ("landline", "0755 1234 5678"),
        ("landline", "075512345678"),
        ("landline", "+86 755 1234 5678"),
        ("landline", "010-87654321"),
        ("landline", "0755 2345678"),
        ("mobile", "13987654321"),
        ("mobile", "+86 139-8765-4321"),
        ("mobile", "１３９８７６５４３２１"),
        ("mobile", "139\u200b8765\u200b4321"),
        ("mobile", "013987654321"),
        ("id_number", ID18),
        ("id_number", f"{ID18[:6]} {ID18[6:14]} {ID18[14:]}"),
        ("id_number", ID_X.lower()),
        ("id_number", ID15),
        ("email", "Zhang.San@Example.com"),
        ("email", "zhang＠example.com"),
        ("address", "深圳市罗湖区东晓路1001号3栋502室"),
    ],
)
def test_mask_value_matches_free_text(kind: str, value: str) -> None:
    text = f"联系：{value}"
    (finding,) = find_personal_data(text)
    assert finding.kind == kind
    assert mask_personal_data(text)[0] == f"联系：{mask_value(kind, value)}"
    if kind in ("mobile", "landline", "email"):
        assert contact_kind(value) == kind


def test_one_landline_one_masked_form() -> None:
    shapes = ["0755-12345678", "(0755)12345678", "（0755）12345678", "0755 1234 5678"]
    masked = {mask_value(contact_kind(v), v) for v in shapes}
    masked |= {mask_personal_data(f"电话{v}")[0].removeprefix("电话") for v in shapes}
    masked |= {mask_own_details(f"电话{v}", contacts=[shapes[0]])[0][2:] for v in shapes}
    assert masked == {"0755-******78"}


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("zhang@example.com", "email"),
        ("zhang＠example.com", "email"),
        ("13987654321", "mobile"),
        ("+86 139 8765 4321", "mobile"),
        ("8613987654321", "mobile"),
        ("0755-12345678", "landline"),
        ("(0755)12345678", "landline"),
        ("（0755）12345678", "landline"),
        ("+86 755 8234 5678", "landline"),
        ("8234 5678", "landline"),
        ("", "mobile"),
    ],
)
def test_contact_kind(value: str, kind: str) -> None:
    assert contact_kind(value) == kind


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("来电（13912345678）要求撤下", "来电（139****5678）要求撤下"),
        ("电话（0755-82345678）", "电话（0755-******78）"),
        ("电话(0755 8234 5678)", "电话(0755-******78)"),
        ("电话（+86 139 1234 5678）", "电话（139****5678）"),
        ("电话(+86)13912345678", "电话139****5678"),
        ("电话+86(755)82345678", "电话0755-******78"),
    ],
)
def test_brackets_around_a_whole_number_stay(text: str, masked: str) -> None:
    assert mask_personal_data(text)[0] == masked
    assert mask_own_details(text, contacts=["13912345678", "0755-82345678"])[0] == masked


def test_leftover_digits_beside_a_masked_number_are_masked_with_it() -> None:
    # "4321 5678" would read as a local number once the mobile number is masked.
    text = "手机13987654321 5678"
    masked, findings = mask_personal_data(text)
    assert masked == "手机139**********78"
    assert [(f.kind, f.original) for f in findings] == [("mobile", "13987654321 5678")]
    assert mask_personal_data(masked) == (masked, [])


def test_own_name_is_masked_however_it_is_spaced() -> None:
    text = "我是张三，张 三，张\u200b三，张\u3000三，张　\u200b三。张老师"
    masked, findings = mask_own_details(text, name="张三")
    assert masked == "我是张*，张*，张*，张*，张*。张老师"
    assert [f.kind for f in findings] == ["name"] * 5
    assert all(text[f.start : f.end] == f.original for f in findings)
    assert describe(findings) == "已遮盖 5 处个人信息：姓名 5 处"


def test_own_details_also_mask_other_personal_data() -> None:
    text = f"我是王小明，手机139 8765 4321，身份证{ID18}，邮箱WANG@example.com"
    masked, findings = mask_own_details(text, name="王小明", contacts=["wang@example.com"])
    assert masked == "我是王**，手机139****4321，身份证4403**********1233，邮箱w***@example.com"
    assert [f.kind for f in findings] == ["name", "mobile", "id_number", "email"]


def test_own_contacts_in_any_shape() -> None:
    text = "白天打82345678，晚上打(0755)8234-5678，或者Zhang@Example.com"
    masked, findings = mask_own_details(
        text, name=None, contacts=["0755-82345678", "zhang@example.com", None, ""]
    )
    assert masked == "白天打******78，晚上打0755-******78，或者z***@example.com"
    assert [f.kind for f in findings] == ["landline", "landline", "email"]


def test_own_id_number_and_address_given_as_contacts() -> None:
    text = f"身份证{ID18[:9]} {ID18[9:]}，住深圳市罗湖区东晓路1号"
    masked, findings = mask_own_details(text, contacts=[ID18, "深圳市罗湖区东晓路1号"])
    assert masked == "身份证4403**********1233，住深圳市罗湖区东晓路**"
    assert [f.kind for f in findings] == ["id_number", "address"]


def test_own_details_without_any() -> None:
    assert mask_own_details("") == ("", [])
    assert mask_own_details("没有个人信息。", name="李") == ("没有个人信息。", [])
    assert mask_own_details("没有个人信息。", name=" ", contacts=["13"]) == ("没有个人信息。", [])


def test_own_details_masking_is_final() -> None:
    text = "张三的电话82345678，手机13987654321"
    once, _ = mask_own_details(text, name="张三", contacts=["82345678", "13987654321"])
    assert once == "张*的电话******78，手机139****4321"
    assert mask_own_details(once, name="张三", contacts=["82345678"]) == (once, [])
