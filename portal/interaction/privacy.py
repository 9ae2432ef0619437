"""Find and mask personal data (ID numbers, phone numbers, e-mail, street addresses) in
residents' free text, and one masked form for each kind of value wherever it is shown.

The portal's API for personal data: ``find_personal_data``, ``mask_personal_data``,
``mask_own_details``, ``mask_value``, ``mask_name``, ``contact_kind``, ``describe``, and the
``Finding`` they report. How text is normalised and searched is ``detect``'s business.

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
from collections import Counter
from collections.abc import Iterable

from portal.interaction import detect
from portal.interaction.detect import Finding

KIND_LABELS = {
    "mobile": "手机号",
    "id_number": "身份证号",
    "landline": "固定电话",
    "email": "电子邮箱",
    "address": "详细地址",
    "name": "姓名",
}
VALUE_KINDS = ("id_number", "mobile", "email", "landline", "address", "name")


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in ``text``, in order, without overlaps (the earliest, then longest, wins).

    Found: mobile numbers (1[3-9] and 9 digits, with or without +86), 18- and 15-character ID
    numbers with a plausible birth date, landlines with an area code (010, 02x, 0[3-9]xx,
    bracketed or not), local numbers without one when written as a phone (see
    ``detect.is_local_number``), e-mail addresses, and street addresses of the shape road +
    number + building or room (东晓路1001号3栋502室), found from the house number on. Numbers may be
    written in any grouping, with full-width or other digits and invisible characters.
    """
    return detect.settle(text or "", detect.find)


def mask_personal_data(text: str) -> tuple[str, list[Finding]]:
    """``text`` with every finding replaced by its masked form, and the findings."""
    findings = find_personal_data(text)
    return detect.replace(text or "", findings)[0], findings


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
    folded = detect.normalise((value or "").strip()).text
    if "@" in folded:
        return "email"
    national = detect.national(folded)
    if re.fullmatch("1[3-9][0-9]{9}", national):
        return "mobile"
    if national.startswith("0") or re.fullmatch("[2-9][0-9]{6,7}", national):
        return "landline"
    if detect.CC_PREFIX_RE.match(folded) and re.fullmatch("[2-9][0-9]{8,10}", national):
        return "landline"  # +86 755 8234 5678
    return "mobile"


def _mask_address(value: str) -> str:
    norm = detect.normalise(value)
    road = detect.ROAD_NUMBER_RE.search(norm.text)
    if road:
        kept = norm.span(0, road.end())[1]
        return value[:kept] + "*" * (len(norm.text) - road.end())
    return detect.keep(value, 6 if len(value) > 6 else len(value) // 2, 0)


def mask_value(kind: str, value: str) -> str:
    """Mask one known value of ``kind`` (id_number, mobile, email, landline, address, name),
    in the same form as free-text detection masks the same value. An address keeps the text
    up to the road name before a house number (else its first six characters)."""
    if kind not in VALUE_KINDS:
        raise ValueError(f"unknown kind of personal data: {kind!r}")
    value = (value or "").strip()
    folded = detect.normalise(value).text
    if kind == "id_number":
        return detect.keep(detect.alnum_of(folded), 4, 4).upper()
    if kind == "mobile":
        return detect.keep(detect.national(folded), 3, 4)
    if kind == "email":
        return detect.mask_email(folded)
    if kind == "landline":
        national = detect.national(folded)
        if detect.CC_PREFIX_RE.match(folded) and not national.startswith("0"):
            national = "0" + national
        if re.fullmatch("0(?:10|2[0-9]|[3-9][0-9]{2})[0-9]{7,8}|[0-9]{7,8}", national):
            return detect.mask_landline(national)
        return detect.keep(detect.alnum_of(folded), 0, 2)
    if kind == "address":
        return _mask_address(value)
    return mask_name(value)


# -- a resident's own details ---------------------------------------------------------------


def _own_name(norm: str, name: str) -> Iterable[tuple[str, re.Match[str], str]]:
    """(kind, match, masked form) for the name wherever it stands, spaced out or not."""
    chars = [char for char in detect.normalise(name).text if not char.isspace()]
    if len(chars) < 2:
        return
    pattern = r"\s{0,3}+".join(re.escape(char) for char in chars)
    if chars[0].isascii() and chars[0].isalpha():
        pattern = "(?<![A-Za-z])" + pattern
    if chars[-1].isascii() and chars[-1].isalpha():
        pattern += "(?![A-Za-z])"
    masked = mask_name(name)
    for match in detect.searches(re.compile(pattern, re.I), norm):
        yield "name", match, masked


def _own_contact(norm: str, value: str) -> Iterable[tuple[str, re.Match[str], str]]:
    """(kind, match, masked form) for a contact value wherever it stands, in any shape."""
    folded = detect.normalise(value).text.strip()
    if len(folded) < 2:
        return
    kind = contact_kind(value)
    alnum = detect.alnum_of(folded)
    if kind == "email":
        pattern = f"(?<![A-Za-z0-9._%+\\-]){re.escape(folded)}(?![A-Za-z0-9\\-]|\\.[A-Za-z0-9])"
        for match in detect.searches(re.compile(pattern, re.I), norm):
            yield "email", match, detect.mask_email(match.group())
        return
    if re.fullmatch("[1-9][0-9]{16}[0-9Xx]|[1-9][0-9]{14}", alnum):
        pattern = f"(?<![0-9]){detect.GAP.join(alnum.upper())}(?![0-9])".replace("X", "[Xx]")
        for match in detect.searches(re.compile(pattern), norm):
            yield "id_number", match, detect.keep(detect.alnum_of(match.group()), 4, 4).upper()
        return
    national = detect.national(folded)
    if kind == "landline" and not national.startswith("0") and len(national) > 8:
        national = "0" + national
    if len(national) >= 7 and kind in ("mobile", "landline"):
        patterns = [detect.GAP.join(national)]
        if kind == "mobile":
            patterns = [f"(?:{detect.COUNTRY_CODE}{detect.GAP})?{patterns[0]}"]
        elif national.startswith("0"):  # also with the area code in brackets, or left out
            area = 3 if national[1:2] in ("1", "2") else 4
            local = detect.GAP.join(national[area:])
            patterns += [rf"\({detect.GAP.join(national[:area])}\){detect.GAP}{local}", local]
        for pattern in patterns:
            for match in detect.searches(re.compile(f"(?<![0-9]){pattern}(?![0-9])"), norm):
                digits = detect.digits_of(match.group())
                if kind == "mobile":
                    yield kind, match, detect.keep(digits[-len(national) :], 3, 4)
                else:
                    yield kind, match, detect.mask_landline(digits)
        return
    if len(folded) < 4:
        return  # too short to find as written without hitting other numbers
    if re.search(f"[{detect.CJK}]", folded):  # an address, given as a contact
        kind, masked = "address", mask_value("address", value)
    else:
        masked = "*" * len(folded)
    for match in detect.searches(re.compile(re.escape(folded), re.I), norm):
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

    def find_with_own(text: str) -> list[Finding]:
        norm = detect.normalise(text)
        own = list(_own_name(norm.text, name)) if name else []
        for value in values:
            own += _own_contact(norm.text, value)
        found = detect.candidates(text, norm)
        for kind, match, masked in own:
            start, end = norm.span(*match.span())
            found.append(Finding(kind, start, end, text[start:end], masked))
        return detect.choose(found)

    text = text or ""
    findings = detect.settle(text, find_with_own)
    return detect.replace(text, findings)[0], findings
