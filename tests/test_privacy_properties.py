"""Property tests: numbers written in any shape are masked, and nothing else is touched."""

from __future__ import annotations

import itertools
import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.interaction.privacy import find_personal_data, mask_own_details, mask_personal_data
from portal.interaction.validators import resident_id_check_char

property_test = settings(max_examples=300, deadline=None, database=None)

SEPARATORS = (
    " ",
    "\u00a0",  # no-break space
    "\u2007",  # figure space
    "\u202f",  # narrow no-break space
    "\u3000",  # ideographic space
    ".",
    "\uff0e",  # full-width full stop
    "-",
    "\uff0d",  # full-width hyphen-minus
    "\u2010",  # hyphen
    "\u2011",  # non-breaking hyphen
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2212",  # minus sign
    "\u00b7",  # middle dot
    "\u30fb",  # katakana middle dot
    "\u2027",  # hyphenation point
)
INVISIBLE = (
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\u2063",
    "\ufeff",
    "\u00ad",
    "\u061c",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
)
# Chinese text without digits, letters or the road characters of street addresses.
CHINESE = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作于出就分对成会可主发年动同工也能下过"
    "子说产种面而方后多定行学法所民得经之进着等部度家力里如水化高自理起小物现实加量都两体制机当"
    "使点从业本去把性好应开它合还因由其些然前外天政日那社义事平形相全表间样与关各重新线内数正心"
    "你明看原又么利比或但质气第向命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程"
    "，。、；：！？（）() "
)
chinese = st.text(alphabet=CHINESE, max_size=12)


@st.composite
def written(draw: st.DrawFn, chars: str, grouped: bool = True) -> str:
    """``chars`` as a resident might type them: any grouping (unless not ``grouped``) with
    separators, full-width forms, invisible characters between characters."""
    full_width = draw(st.booleans())
    out = []
    for i, char in enumerate(chars):
        if i:
            if grouped and draw(st.integers(0, 2)) == 0:
                out += draw(st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=3))
            out += draw(st.lists(st.sampled_from(INVISIBLE), max_size=2))
        out.append(chr(ord(char) + 0xFEE0) if full_width else char)
    return "".join(out)


def kept_characters(text: str) -> str:
    """The digits (and check characters X) left in a text, folded to ASCII."""
    return "".join(
        str(unicodedata.digit(c)) if unicodedata.category(c) == "Nd" else "X"
        for c in text
        if unicodedata.category(c) == "Nd" or c in "Xx\uff38\uff58"
    )


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    """(a mobile number as written, the digits its masked form keeps)."""
    digits = (
        "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    )
    prefix = draw(st.sampled_from(["", "", "+86", "+86 ", "0086-", "(+86)", "＋８６ "]))
    return prefix + draw(written(digits)), digits[:3] + digits[-4:]


@st.composite
def id_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(an 18-character resident ID number with a GB 11643 check character as written, the
    characters its masked form keeps)."""
    area = draw(st.sampled_from("123456789")) + draw(st.text("0123456789", min_size=5, max_size=5))
    born = draw(st.dates(date(1900, 1, 1), date(2025, 12, 31))).strftime("%Y%m%d")
    first17 = area + born + draw(st.text("0123456789", min_size=3, max_size=3))
    code = first17 + resident_id_check_char(first17)
    shown = code.lower() if draw(st.booleans()) else code
    return draw(written(shown)), code[:4] + code[-4:]


@st.composite
def landlines(draw: st.DrawFn) -> tuple[str, str]:
    """(a landline with its area code as written, the digits its masked form keeps)."""
    area = draw(
        st.one_of(
            st.just("010"),
            st.sampled_from("0123456789").map(lambda d: "02" + d),
            st.tuples(
                st.sampled_from("3456789"), st.text("0123456789", min_size=2, max_size=2)
            ).map(lambda t: "0" + "".join(t)),
        )
    )
    local = draw(st.sampled_from("23456789")) + draw(st.text("0123456789", min_size=6, max_size=7))
    shape = draw(st.sampled_from(["plain", "(", "（", "+86"]))
    if shape == "plain":
        shown = draw(written(area + local))
    elif shape == "(":
        shown = f"({area})" + draw(st.sampled_from(["", " "])) + draw(written(local))
    elif shape == "（":
        shown = f"（{area}）" + draw(written(local))
    else:
        shown = "+86 " + area[1:] + draw(st.sampled_from(SEPARATORS)) + draw(written(local))
    return shown, area + local[-2:]


numbers = st.one_of(mobiles(), id_numbers(), landlines())


@st.composite
def cued_local_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(a local number without area code after a phone cue, the digits its mask keeps)."""
    first = draw(st.sampled_from("23456789"))
    second = draw(st.sampled_from("123456789" if first == "2" else "0123456789"))  # no 20xx
    local = first + second + draw(st.text("0123456789", min_size=5, max_size=6))
    cut = draw(st.sampled_from([0, len(local) - 4]))  # whole, 3+4 or 4+4
    run = draw(st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=3)) if cut else []
    shown = draw(written(local[:cut], False)) + "".join(run) + draw(written(local[cut:], False))
    cue = draw(st.sampled_from(["电话", "电话：", "手机号码：", "致电", "拨打", "座机 ", "Tel: "]))
    return cue + shown, local[-2:]


@property_test
@given(numbers, chinese, chinese)
def test_a_number_in_any_shape_is_masked(number: tuple[str, str], before: str, after: str) -> None:
    shown, kept = number
    text = before + shown + after
    masked, findings = mask_personal_data(text)
    assert len(findings) == 1, findings
    (finding,) = findings
    assert (finding.start, finding.end) == (len(before), len(before) + len(shown))
    assert text[finding.start : finding.end] == finding.original
    assert kept_characters(masked) == kept  # no run of the middle digits survives
    assert masked == before + finding.masked + after


@property_test
@given(st.lists(st.tuples(numbers, chinese), min_size=1, max_size=4), chinese)
def test_several_numbers_are_all_masked_and_masking_is_final(
    parts: list[tuple[tuple[str, str], str]], start: str
) -> None:
    # A non-separator between numbers, so that two numbers never read as one.
    text = start + "".join(f"{shown}，{words}" for (shown, _), words in parts)
    masked, findings = mask_personal_data(text)
    assert len(findings) == len(parts)
    assert all(text[f.start : f.end] == f.original for f in findings)
    assert kept_characters(masked) == "".join(kept for (_, kept), _ in parts)
    assert mask_personal_data(masked) == (masked, [])


PIECES = [*"0123456789 .-·()+@*号路栋室座元年ax\u200b\u3000１２", "+86", "0755", "@example.com"]
PIECES += ["电话", "东晓路", "3栋", "张三", "张 三"]


@property_test
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_masking_is_idempotent_and_offsets_hold_on_any_text(text: str) -> None:
    masked, findings = mask_personal_data(text)
    assert all(text[f.start : f.end] == f.original for f in findings)
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))
    assert mask_personal_data(masked) == (masked, [])
    own = {"name": "张三", "contacts": ["0755-82345678", "13987654321", "a@example.com"]}
    masked, findings = mask_own_details(text, **own)
    assert all(text[f.start : f.end] == f.original for f in findings)
    assert mask_own_details(masked, **own) == (masked, [])


@property_test
@given(cued_local_numbers(), chinese, st.sampled_from(["", "，", "。", "（白天）"]))
def test_a_local_number_after_a_phone_cue_is_masked(
    number: tuple[str, str], before: str, after: str
) -> None:
    shown, kept = number
    text = before + shown + after
    masked, findings = mask_personal_data(text)
    assert [f.kind for f in findings] == ["landline"]
    assert text[findings[0].start : findings[0].end] == findings[0].original
    assert kept_characters(masked) == kept
    assert mask_personal_data(masked) == (masked, [])


GOVERNMENT = (
    "2024年工作要点已经印发",
    "根据《深圳市罗湖区东晓街道2024年度部门预算》安排",
    "共计拨付资金1250000.00元",
    "全年一般公共预算支出3456.78万元，同比增长12.5%",
    "会议定于2024-05-06上午9:30召开",
    "会议定于2024.05.06召开",
    "自2024年5月6日起施行",
    "依据深罗东晓〔2024〕1号文件",
    "罗府办〔2023〕15号",
    "索引号11440303MB2C93574X/2024-00012",
    "统一社会信用代码11440303MB2C93574X",
    "2023-2024学年秋季学期",
    "2019年至2023年",
    "请拨打12345政务服务便民热线",
    "遇紧急情况请拨打110、119或120",
    "办公地址：东晓路1001号3楼",
    "东晓街道办事处位于东晓路1001号",
    "邮政编码518000",
    "共受理依申请公开1234件",
    "辖区面积3000-5000平方米",
    "第3条第2款",
    "本通知自印发之日起实施",
    "共有13个社区、86个小区",
    "2024年1月至6月",
    "建设期为2024年至2026年",
    "补贴标准为每人每月2360元",
)


@property_test
@given(st.lists(st.sampled_from(GOVERNMENT), max_size=6), st.sampled_from(["", "，", "。", "\n"]))
def test_government_text_is_never_changed(sentences: list[str], joint: str) -> None:
    text = joint.join(sentences)
    assert mask_personal_data(text) == (text, [])


@st.composite
def spaced_names(draw: st.DrawFn) -> tuple[str, str]:
    """(a name, the name as written with spaces or invisible characters between characters)."""
    name = draw(st.text(alphabet="张王李赵刘陈杨黄欧阳明华丽伟芳娜", min_size=2, max_size=4))
    gaps = st.sampled_from(["", " ", "\u3000", "\u00a0", "\u200b", " \u200b"])
    shown = name[0] + "".join(draw(gaps) + char for char in name[1:])
    return name, shown


@property_test
@given(spaced_names(), numbers, chinese, chinese)
def test_own_name_and_contact_are_masked(
    person: tuple[str, str], number: tuple[str, str], before: str, after: str
) -> None:
    name, shown_name = person
    shown, kept = number
    text = f"{before}我是{shown_name}，{shown}{after}"
    masked, findings = mask_own_details(text, name=name)
    assert all(text[f.start : f.end] == f.original for f in findings)
    assert shown_name not in masked.replace(f"{name[0]}{'*' * (len(name) - 1)}", "")
    assert f"我是{name[0]}{'*' * (len(name) - 1)}，" in masked
    assert kept_characters(masked) == kept
    assert mask_own_details(masked, name=name) == (masked, [])


@property_test
@given(landlines(), chinese)
def test_own_landline_in_any_shape_reads_the_same(number: tuple[str, str], words: str) -> None:
    shown, kept = number
    text = f"{words}电话{shown}"
    masked, findings = mask_own_details(text, contacts=[shown])
    (finding,) = findings
    assert finding.masked == mask_personal_data(text)[1][0].masked
    assert finding.masked.startswith(kept[:-2] + "-") and finding.masked.endswith(kept[-2:])
    assert find_personal_data(masked) == []
