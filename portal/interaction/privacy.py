"""Find and mask personal data (ID numbers, phone numbers, e-mail, street addresses) in
residents' free text, and one masked form for each kind of value wherever it is shown.

Detection runs on a normalised copy of the text and maps every match back to the original:
full-width forms and other digits fold to ASCII, any space character to " ", dashes to "-",
middle dots to "·", and invisible characters (zero-width, soft hyphen, bidi controls,
variation selectors) are dropped. Between any two characters of a number a run of one to three
separators (spaces, dots, hyphens or dashes, middle dots) may stand.

Masked forms are canonical, so one value reads the same on every page however it was written:

- mobile ``139****4321`` (the country code dropped),
- ID number ``4403**********3475`` (first and last four, ``X`` upper-case),
- landline ``0755-******78`` (area code, a hyphen, the local number's last two digits) or
  ``******78`` without an area code,
- e-mail ``z***@example.com`` (lower-cased),
- street address: the text up to the road name kept, the rest starred,
- name ``张*``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

KIND_LABELS = {
    "mobile": "手机号",
    "id_number": "身份证号",
    "landline": "固定电话",
    "email": "电子邮箱",
    "address": "详细地址",
    "name": "姓名",
}
VALUE_KINDS = ("id_number", "mobile", "email", "landline", "address", "name")


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data found in a text: ``text[start:end] == original``."""

    kind: str
    start: int
    end: int
    original: str
    masked: str


# -- normalising -------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"
_MIDDLE_DOTS = "\u2027\u2219\u22c5\u30fb\uff65"
_SMALL_FORMS = {0xFE59: "(", 0xFE5A: ")", 0xFE62: "+", 0xFE6B: "@"}
_INVISIBLE_RE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufe00-\ufe0f\ufeff]"
)


class _Fold(dict[int, int]):
    """``str.translate`` table folding one character to one ASCII look-alike, filled lazily."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII forms
            folded = chr(code - 0xFEE0)
        elif char in _DASHES:
            folded = "-"
        elif char in _MIDDLE_DOTS:
            folded = "\u00b7"
        elif code in _SMALL_FORMS:
            folded = _SMALL_FORMS[code]
        elif unicodedata.category(char) == "Zs":  # NBSP, ideographic space, thin spaces …
            folded = " "
        elif unicodedata.category(char) == "Nd":  # any decimal digit
            folded = str(unicodedata.digit(char))
        else:
            folded = char
        self[code] = ord(folded)
        return ord(folded)


_FOLD = _Fold()


@dataclass(frozen=True, slots=True)
class _Normalised:
    """A text folded and stripped of invisible characters, with the way back to the original."""

    text: str
    where: list[int] | None  # original index of each character; None: the same indexes

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised, non-empty span ``start:end``."""
        if self.where is None:
            return start, end
        return self.where[start], self.where[end - 1] + 1


def _normalise(text: str) -> _Normalised:
    folded = text.translate(_FOLD)
    if not _INVISIBLE_RE.search(folded):
        return _Normalised(folded, None)
    where = [i for i, char in enumerate(folded) if not _INVISIBLE_RE.match(char)]
    return _Normalised("".join(folded[i] for i in where), where)


# -- patterns (over normalised text) -------------------------------------------------------

_SEPARATORS = " .-\u00b7"
_SEP = "[ .\\-\u00b7]"  # the separators as a character class
_S = f"{_SEP}{{0,3}}+"  # between any two characters of a number
_D = "[0-9]"


def _spaced(*atoms: str) -> str:
    """One-character patterns in a row, a short run of separators allowed between them."""
    return _S.join(atoms)


_MONTH = f"(?:0{_S}[1-9]|1{_S}[0-2])"
_DAY = f"(?:0{_S}[1-9]|[12]{_S}{_D}|3{_S}[01])"
_AREA6 = ("[1-9]", *[_D] * 5)
_ID18_RE = re.compile(
    "(?<![0-9])"
    + _spaced(*_AREA6, f"(?:1{_S}9|2{_S}0)", _D, _D, _MONTH, _DAY, _D, _D, _D, "[0-9Xx]")
    + "(?![0-9])"
)
_ID15_RE = re.compile(
    "(?<![0-9])" + _spaced(*_AREA6, _D, _D, _MONTH, _DAY, _D, _D, _D) + "(?![0-9])"
)
# +86, 0086, (+86) or 86 before a mobile number; a lone 0 as dialled from another city.
_CC = rf"(?:\((?:\+|00)?{_S}86\)|(?:\+|00){_S}86)"
_MOBILE_RE = re.compile(
    rf"(?<![0-9])(?P<cc>{_CC}{_S}|86{_S}|0)?(?P<number>{_spaced('1', '[3-9]', *[_D] * 9)})"
    r"(?![0-9])"
)
# Area codes by the national numbering plan: 010 and 02x have three digits, 0[3-9]xx four.
_AREA = f"(?:1{_S}0|2{_S}{_D}|[3-9]{_S}{_D}{_S}{_D})"
_LANDLINE_RE = re.compile(
    rf"(?<![0-9])(?:(?P<cc>{_CC}){_S}(?:\((?:0{_S})?{_AREA}\)|(?:0{_S})?{_AREA})"
    rf"|\(0{_S}{_AREA}\)|0{_S}{_AREA}){_S}{_spaced('[1-9]', *[_D] * 6)}(?:{_S}{_D})?(?![0-9])"
)
# A local number without an area code: 7-8 digits starting 2-9, whole or grouped 3+4 or 4+4.
_LOCAL_RE = re.compile(
    rf"(?<![0-9])(?:[2-9][0-9]{{6,7}}|[2-9][0-9]{{2,3}}(?P<sep>{_SEP}{{1,3}}+)[0-9]{{4}})"
    r"(?![0-9])"
)
# 电话, 手机号码：, 致电 , Tel. … right before the number.
_PHONE_CUE_RE = re.compile(
    r"(?:电话|手机|联系|致电|拨打|座机|热线|传真|tel|phone|fax|mobile)(?:号码|号)?[\s:：.是为]{0,3}$",
    re.I,
)
_COUNTED_RE = re.compile(r" ?[元万亿年月日号个人次份件条项届期平米亩户套间台辆名位家所处天周%]")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_EMAIL_RE = re.compile(
    rf"(?<![A-Za-z0-9._%+\-@])(?P<local>[A-Za-z0-9._%+\-]+)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,}})"
)
_CJK = "\u4e00-\u9fff"
_NAME = f"[{_CJK}A-Za-z]{{0,14}}?"  # an estate or building name
_BLOCK = "[0-9A-Za-z]{1,4} ?(?:栋|幢|座|号楼)"
_UNIT = "[0-9A-Za-z]{1,3} ?单元"
_FLOOR = "(?:[0-9]{1,3} ?(?:楼|层|F))?"
_ROOM = "[0-9A-Za-z]{2,6} ?[室房号户]?"
_ADDRESS_RE = re.compile(
    rf"(?<=[{_CJK}])[路街巷道](?P<rest> ?[0-9]{{1,5}}(?:-[0-9]{{1,4}})? ?号(?:之[0-9]{{1,3}})?"
    rf"(?:{_NAME}{_BLOCK}(?:{_UNIT})?{_FLOOR}{_ROOM}"  # …3栋502室, …大厦A座1201
    rf"|{_NAME}{_UNIT}{_FLOOR}{_ROOM}"  # …2单元502号
    rf"|{_NAME}小区{_NAME}{_BLOCK}(?:{_UNIT})?"  # …东晓小区3栋
    rf"|{_FLOOR}[0-9]{{2,5}} ?[室房户]))"  # …502室
    r"(?![0-9])"
)
_ROAD_NUMBER_RE = re.compile(f"(?<=[{_CJK}])[路街巷道](?= ?[0-9])")
_CC_PREFIX_RE = re.compile(rf"[ (]*(?:\+|00){_S}86")


# -- masked forms ------------------------------------------------------------------------


def _keep(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters, star the rest (all if too short)."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def _digits(text: str) -> str:
    return "".join(char for char in text if "0" <= char <= "9")


def _alnum(text: str) -> str:
    return "".join(char for char in text if char.isascii() and char.isalnum())


def _national(folded: str) -> str:
    """The digits of a folded phone number without a +86 / 0086 / 86 country code."""
    digits = _digits(folded)
    prefix = _CC_PREFIX_RE.match(folded)
    if prefix:
        return digits[len(_digits(prefix.group())) :]
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    if re.fullmatch("01[3-9][0-9]{9}", digits):  # a mobile dialled from another city
        return digits[1:]
    return digits


def _mask_landline(digits: str) -> str:
    """``0755-******78`` for area code + local number, ``******78`` for a local number."""
    if not digits.startswith("0"):
        return _keep(digits, 0, 2)
    area = 3 if digits[1:2] in ("1", "2") else 4
    return digits[:area] + "-" + _keep(digits[area:], 0, 2)


def _mask_email(folded: str) -> str:
    local, at, domain = folded.rpartition("@")
    if not at:
        return _keep(folded, 0, 0)
    return f"{local[:1].lower()}***@{domain.lower()}"


# -- finding ------------------------------------------------------------------------------


def _is_date_or_years(digits: str) -> bool:
    """An 8-digit run that reads as a date (20240506) or a span of years (20232024)."""
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    month, day = int(digits[4:6]), int(digits[6:])
    return digits[4:6] in ("19", "20") or (1 <= month <= 12 and 1 <= day <= 31)


def _is_local_number(norm: str, match: re.Match[str]) -> bool:
    """Whether a bare local number (7-8 digits starting 2-9, whole or as 3+4 or 4+4 digits)
    is a phone number: yes right after a phone cue (电话, 手机, 联系, 致电, 拨打, 座机, 热线,
    传真, tel, phone, fax, then at most 号码 and a colon or space); without a cue only as 4+4
    digits apart by spaces, not starting with 19 or 20 (a year), not in a longer run of digit
    groups, not after 第 and not before a unit (元, 年, 号, 人, 平 …). Never a date, a span
    of years or the integer part of an amount."""
    start, end = match.span()
    digits = _digits(match.group())
    if _is_date_or_years(digits) or re.match(r"[.,][0-9]", norm[end : end + 2]):
        return False
    if _PHONE_CUE_RE.search(norm[max(0, start - 16) : start]):
        return True
    before = norm[max(0, start - 4) : start].rstrip(_SEPARATORS)
    after = norm[end : end + 4].lstrip(_SEPARATORS)
    return (
        match.group("sep") is not None
        and len(digits) == 8
        and set(match.group("sep")) == {" "}
        and digits[:2] not in ("19", "20")
        and not before[-1:].isdigit()
        and not after[:1].isdigit()
        and norm[max(0, start - 1) : start] != "第"
        and not _COUNTED_RE.match(norm, end)
    )


def _searches(pattern: re.Pattern[str], norm: str) -> Iterable[re.Match[str]]:
    """Every match of ``pattern``, overlapping ones included."""
    position = 0
    while (match := pattern.search(norm, position)) is not None:
        yield match
        position = match.start() + 1


def _candidates(text: str, norm: _Normalised) -> list[Finding]:
    """Every match of every pattern, overlapping ones included."""
    found: list[Finding] = []

    def add(kind: str, match: re.Match[str], masked: str, group: str | int = 0) -> None:
        start, end = norm.span(match.start(group), match.end(group))
        found.append(Finding(kind, start, end, text[start:end], masked))

    for pattern in (_ID18_RE, _ID15_RE):
        for m in _searches(pattern, norm.text):
            add("id_number", m, _keep(_alnum(m.group()), 4, 4).upper())
    for m in _searches(_MOBILE_RE, norm.text):
        add("mobile", m, _keep(_digits(m.group("number")), 3, 4))
    for m in _searches(_LANDLINE_RE, norm.text):
        digits = _digits(m.group())[len(_digits(m.group("cc") or "")) :]
        add("landline", m, _mask_landline(digits if digits.startswith("0") else "0" + digits))
    for m in _searches(_LOCAL_RE, norm.text):
        if _is_local_number(norm.text, m):
            add("landline", m, _mask_landline(_digits(m.group())))
    for m in _searches(_EMAIL_RE, norm.text):
        add("email", m, _mask_email(m.group()))
    for m in _searches(_ADDRESS_RE, norm.text):
        add("address", m, "*" * len(m.group("rest")), "rest")
    return found


def _choose(candidates: Iterable[Finding]) -> list[Finding]:
    """Candidates in order, without overlaps (the earliest, then the longest, wins)."""
    chosen: list[Finding] = []
    for finding in sorted(candidates, key=lambda f: (f.start, f.start - f.end)):
        if not chosen or finding.start >= chosen[-1].end:
            chosen.append(finding)
    return chosen


def _replace(text: str, findings: list[Finding]) -> tuple[str, list[int]]:
    """``text`` with the findings masked, and where each masked form starts in it."""
    pieces: list[str] = []
    starts: list[int] = []
    length = position = 0
    for finding in findings:
        length += finding.start - position
        starts.append(length)
        length += len(finding.masked)
        pieces += [text[position : finding.start], finding.masked]
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces), starts


def _merge(text: str, findings: list[Finding], extra: Finding) -> list[Finding]:
    """``findings`` with ``extra``, found in the masked text, merged into those it touches."""
    masked, starts = _replace(text, findings)
    ends = [start + len(f.masked) for f, start in zip(findings, starts, strict=True)]
    touched = [i for i, f in enumerate(findings) if starts[i] < extra.end and extra.start < ends[i]]
    low = min([extra.start] + [starts[i] for i in touched])
    high = max([extra.end] + [ends[i] for i in touched])

    def original(position: int) -> int:  # a position outside every masked form
        before = [i for i in range(len(findings)) if ends[i] <= position]
        return position + (findings[before[-1]].end - ends[before[-1]] if before else 0)

    first = findings[touched[0]] if touched else None
    start = first.start if first and starts[touched[0]] == low else original(low)
    end = findings[touched[-1]].end if touched and ends[touched[-1]] == high else original(high)
    merged = Finding(
        first.kind if first else extra.kind,
        start,
        end,
        text[start:end],
        masked[low : extra.start] + extra.masked + masked[extra.end : high],
    )
    kept = [f for i, f in enumerate(findings) if i not in touched]
    return sorted([*kept, merged], key=lambda f: f.start)


def _settle(text: str, detect: Callable[[str], list[Finding]]) -> list[Finding]:
    """``detect(text)``, grown until a second look at the masked text finds nothing.

    A masked form keeps some digits; beside a number that lost to an overlapping finding they
    can read as new personal data (``13987654321 5678``). What the second look finds is merged
    with the findings it touches, so masking masked text changes nothing.
    """
    findings = detect(text)
    for _ in range(4):  # real text settles at once; each round stars more characters
        extra = detect(_replace(text, findings)[0])
        if not extra:
            break
        for finding in reversed(extra):  # from the end, so earlier offsets stay valid
            findings = _merge(text, findings, finding)
    return findings


def _detect(text: str) -> list[Finding]:
    return _choose(_candidates(text, _normalise(text)))


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in ``text``, in order, without overlaps (the earliest, then longest, wins).

    Found: mobile numbers (1[3-9] and 9 digits, with or without +86), 18- and 15-character ID
    numbers with a plausible birth date, landlines with an area code (010, 02x, 0[3-9]xx,
    bracketed or not), local numbers without one when written as a phone (see
    ``_is_local_number``), e-mail addresses, and street addresses of the shape road + number
    + building or room (东晓路1001号3栋502室), found from the house number on. Numbers may be
    written in any grouping, with full-width or other digits and invisible characters.
    """
    return _settle(text or "", _detect)


def mask_personal_data(text: str) -> tuple[str, list[Finding]]:
    """``text`` with every finding replaced by its masked form, and the findings."""
    findings = find_personal_data(text)
    return _replace(text or "", findings)[0], findings


def describe(findings: list[Finding]) -> str:
    """Staff notice such as "已遮盖 2 处个人信息：手机号 1 处、身份证号 1 处" ("" if none)."""
    if not findings:
        return ""
    counts = Counter(finding.kind for finding in findings)
    parts = "、".join(
        f"{label} {counts[kind]} 处" for kind, label in KIND_LABELS.items() if counts[kind]
    )
    return f"已遮盖 {len(findings)} 处个人信息：{parts}"


# -- one value -----------------------------------------------------------------------------


def mask_name(name: str) -> str:
    """A person's name with all but the first character starred: 张三 -> 张*."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def contact_kind(value: str) -> str:
    """How to mask a contact: "email" (has an @), "landline" (an area code, or 7-8 digits
    starting 2-9) or "mobile" (anything else)."""
    folded = _normalise((value or "").strip()).text
    if "@" in folded:
        return "email"
    national = _national(folded)
    if re.fullmatch("1[3-9][0-9]{9}", national):
        return "mobile"
    if national.startswith("0") or re.fullmatch("[2-9][0-9]{6,7}", national):
        return "landline"
    if _CC_PREFIX_RE.match(folded) and re.fullmatch("[2-9][0-9]{8,10}", national):
        return "landline"  # +86 755 8234 5678
    return "mobile"


def _mask_address(value: str) -> str:
    norm = _normalise(value)
    road = _ROAD_NUMBER_RE.search(norm.text)
    if road:
        kept = norm.span(0, road.end())[1]
        return value[:kept] + "*" * (len(norm.text) - road.end())
    return _keep(value, 6 if len(value) > 6 else len(value) // 2, 0)


def mask_value(kind: str, value: str) -> str:
    """Mask one known value of ``kind`` (id_number, mobile, email, landline, address, name),
    in the same form as free-text detection masks the same value. An address keeps the text
    up to the road name before a house number (else its first six characters)."""
    if kind not in VALUE_KINDS:
        raise ValueError(f"unknown kind of personal data: {kind!r}")
    value = (value or "").strip()
    folded = _normalise(value).text
    if kind == "id_number":
        return _keep(_alnum(folded), 4, 4).upper()
    if kind == "mobile":
        return _keep(_national(folded), 3, 4)
    if kind == "email":
        return _mask_email(folded)
    if kind == "landline":
        national = _national(folded)
        if _CC_PREFIX_RE.match(folded) and not national.startswith("0"):
            national = "0" + national
        if re.fullmatch("0(?:10|2[0-9]|[3-9][0-9]{2})[0-9]{7,8}|[0-9]{7,8}", national):
            return _mask_landline(national)
        return _keep(_alnum(folded), 0, 2)
    if kind == "address":
        return _mask_address(value)
    return mask_name(value)


# -- a resident's own details ---------------------------------------------------------------


def _own_name(norm: str, name: str) -> Iterable[tuple[str, re.Match[str], str]]:
    """(kind, match, masked form) for the name wherever it stands, spaced out or not."""
    chars = [char for char in _normalise(name).text if not char.isspace()]
    if len(chars) < 2:
        return
    pattern = r"\s{0,3}+".join(re.escape(char) for char in chars)
    if chars[0].isascii() and chars[0].isalpha():
        pattern = "(?<![A-Za-z])" + pattern
    if chars[-1].isascii() and chars[-1].isalpha():
        pattern += "(?![A-Za-z])"
    masked = mask_name(name)
    for match in _searches(re.compile(pattern, re.I), norm):
        yield "name", match, masked


def _own_contact(norm: str, value: str) -> Iterable[tuple[str, re.Match[str], str]]:
    """(kind, match, masked form) for a contact value wherever it stands, in any shape."""
    folded = _normalise(value).text.strip()
    if len(folded) < 2:
        return
    kind = contact_kind(value)
    alnum = _alnum(folded)
    if kind == "email":
        pattern = f"(?<![A-Za-z0-9._%+\\-]){re.escape(folded)}(?![A-Za-z0-9\\-]|\\.[A-Za-z0-9])"
        for match in _searches(re.compile(pattern, re.I), norm):
            yield "email", match, _mask_email(match.group())
        return
    if re.fullmatch("[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14}", alnum):
        pattern = f"(?<![0-9]){_S.join(alnum.upper())}(?![0-9])".replace("X", "[Xx]")
        for match in _searches(re.compile(pattern), norm):
            yield "id_number", match, _keep(_alnum(match.group()), 4, 4).upper()
        return
    national = _national(folded)
    if kind == "landline" and not national.startswith("0") and len(national) > 8:
        national = "0" + national
    if len(national) >= 7 and kind in ("mobile", "landline"):
        patterns = [_S.join(national)]
        if kind == "mobile":
            patterns = [f"(?:{_CC}{_S})?{patterns[0]}"]
        elif national.startswith("0"):  # also with the area code in brackets, or left out
            area = 3 if national[1:2] in ("1", "2") else 4
            local = _S.join(national[area:])
            patterns += [rf"\({_S.join(national[:area])}\){_S}{local}", local]
        for pattern in patterns:
            for match in _searches(re.compile(f"(?<![0-9]){pattern}(?![0-9])"), norm):
                digits = _digits(match.group())
                if kind == "mobile":
                    yield kind, match, _keep(digits[-len(national) :], 3, 4)
                else:
                    yield kind, match, _mask_landline(digits)
        return
    if len(folded) < 4:
        return  # too short to find as written without hitting other numbers
    if re.search(f"[{_CJK}]", folded):  # an address, given as a contact
        kind, masked = "address", mask_value("address", value)
    else:
        masked = "*" * len(folded)
    for match in _searches(re.compile(re.escape(folded), re.I), norm):
        yield kind, match, masked


def mask_own_details(
    text: str, *, name: str | None = None, contacts: Iterable[str | None] = ()
) -> tuple[str, list[Finding]]:
    """``text`` with all personal data masked as ``mask_personal_data`` masks it, and also the
    resident's own ``name`` (two characters or more, spaces or invisible characters between
    them allowed) and own ``contacts`` (phone numbers in any written shape, the local part of
    a landline alone too; e-mail case-insensitively; ID numbers; any other value where it
    appears as written), each in the form ``mask_value`` gives it; and the findings."""
    values = [value.strip() for value in contacts if value and value.strip()]

    def detect(text: str) -> list[Finding]:
        norm = _normalise(text)
        own = list(_own_name(norm.text, name)) if name else []
        for value in values:
            own += _own_contact(norm.text, value)
        found = _candidates(text, norm)
        for kind, match, masked in own:
            start, end = norm.span(*match.span())
            found.append(Finding(kind, start, end, text[start:end], masked))
        return _choose(found)

    text = text or ""
    findings = _settle(text, detect)
    return _replace(text, findings)[0], findings
