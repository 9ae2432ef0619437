"""Detecting personal data in free text: the machinery behind ``privacy``'s masking API.

Detection runs on a normalised copy of the text and maps every match back to the original:
full-width forms and other digits fold to ASCII, any space character to " ", dashes to "-",
middle dots to "·", and invisible characters (zero-width, soft hyphen, bidi controls,
variation selectors) are dropped. Between any two characters of a number a run of one to three
separators (spaces, dots, hyphens or dashes, middle dots) may stand.

Held here: the normalisation with its offset map (``normalise``), the patterns, the masked
form of each kind of value (``keep``, ``national``, ``mask_landline``, ``mask_email``),
finding every candidate (``candidates``), choosing among overlapping ones (``choose``) and
growing the findings until masking the masked text changes nothing (``settle``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass


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
class Normalised:
    """A text folded and stripped of invisible characters, with the way back to the original."""

    text: str
    where: list[int] | None  # original index of each character; None: the same indexes

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised, non-empty span ``start:end``."""
        if self.where is None:
            return start, end
        return self.where[start], self.where[end - 1] + 1


def normalise(text: str) -> Normalised:
    """``text`` folded to ASCII look-alikes and without invisible characters."""
    folded = text.translate(_FOLD)
    if not _INVISIBLE_RE.search(folded):
        return Normalised(folded, None)
    where = [i for i, char in enumerate(folded) if not _INVISIBLE_RE.match(char)]
    return Normalised("".join(folded[i] for i in where), where)


# -- patterns (over normalised text) -------------------------------------------------------

_SEPARATORS = " .-\u00b7"
_SEP = "[ .\\-\u00b7]"  # the separators as a character class
GAP = f"{_SEP}{{0,3}}+"  # between any two characters of a number
_D = "[0-9]"


def _spaced(*atoms: str) -> str:
    """One-character patterns in a row, a short run of separators allowed between them."""
    return GAP.join(atoms)


_MONTH = f"(?:0{GAP}[1-9]|1{GAP}[0-2])"
_DAY = f"(?:0{GAP}[1-9]|[12]{GAP}{_D}|3{GAP}[01])"
_AREA6 = ("[1-9]", *[_D] * 5)
_ID18_RE = re.compile(
    "(?<![0-9])"
    + _spaced(*_AREA6, f"(?:1{GAP}9|2{GAP}0)", _D, _D, _MONTH, _DAY, _D, _D, _D, "[0-9Xx]")
    + "(?![0-9])"
)
_ID15_RE = re.compile(
    "(?<![0-9])" + _spaced(*_AREA6, _D, _D, _MONTH, _DAY, _D, _D, _D) + "(?![0-9])"
)
# +86, 0086, (+86) or 86 before a mobile number; a lone 0 as dialled from another city.
COUNTRY_CODE = rf"(?:\((?:\+|00)?{GAP}86\)|(?:\+|00){GAP}86)"
_MOBILE_RE = re.compile(
    rf"(?<![0-9])(?P<cc>{COUNTRY_CODE}{GAP}|86{GAP}|0)?"
    rf"(?P<number>{_spaced('1', '[3-9]', *[_D] * 9)})(?![0-9])"
)
# Area codes by the national numbering plan: 010 and 02x have three digits, 0[3-9]xx four.
_AREA = f"(?:1{GAP}0|2{GAP}{_D}|[3-9]{GAP}{_D}{GAP}{_D})"
_LANDLINE_RE = re.compile(
    rf"(?<![0-9])(?:(?P<cc>{COUNTRY_CODE}){GAP}(?:\((?:0{GAP})?{_AREA}\)|(?:0{GAP})?{_AREA})"
    rf"|\(0{GAP}{_AREA}\)|0{GAP}{_AREA}){GAP}{_spaced('[1-9]', *[_D] * 6)}(?:{GAP}{_D})?(?![0-9])"
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
CJK = "\u4e00-\u9fff"
_NAME = f"[{CJK}A-Za-z]{{0,14}}?"  # an estate or building name
_BLOCK = "[0-9A-Za-z]{1,4} ?(?:栋|幢|座|号楼)"
_UNIT = "[0-9A-Za-z]{1,3} ?单元"
_FLOOR = "(?:[0-9]{1,3} ?(?:楼|层|F))?"
_ROOM = "[0-9A-Za-z]{2,6} ?[室房号户]?"
_ADDRESS_RE = re.compile(
    rf"(?<=[{CJK}])[路街巷道](?P<rest> ?[0-9]{{1,5}}(?:-[0-9]{{1,4}})? ?号(?:之[0-9]{{1,3}})?"
    rf"(?:{_NAME}{_BLOCK}(?:{_UNIT})?{_FLOOR}{_ROOM}"  # …3栋502室, …大厦A座1201
    rf"|{_NAME}{_UNIT}{_FLOOR}{_ROOM}"  # …2单元502号
    rf"|{_NAME}小区{_NAME}{_BLOCK}(?:{_UNIT})?"  # …东晓小区3栋
    rf"|{_FLOOR}[0-9]{{2,5}} ?[室房户]))"  # …502室
    r"(?![0-9])"
)
ROAD_NUMBER_RE = re.compile(f"(?<=[{CJK}])[路街巷道](?= ?[0-9])")
CC_PREFIX_RE = re.compile(rf"[ (]*(?:\+|00){GAP}86")


# -- masked forms ------------------------------------------------------------------------


def keep(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters, star the rest (all if too short)."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def digits_of(text: str) -> str:
    """The ASCII digits of ``text``, in order."""
    return "".join(char for char in text if "0" <= char <= "9")


def alnum_of(text: str) -> str:
    """The ASCII letters and digits of ``text``, in order."""
    return "".join(char for char in text if char.isascii() and char.isalnum())


def national(folded: str) -> str:
    """The digits of a folded phone number without a +86 / 0086 / 86 country code."""
    digits = digits_of(folded)
    prefix = CC_PREFIX_RE.match(folded)
    if prefix:
        return digits[len(digits_of(prefix.group())) :]
    if len(digits) == 13 and digits.startswith("861"):
        return digits[2:]
    if re.fullmatch("01[3-9][0-9]{9}", digits):  # a mobile dialled from another city
        return digits[1:]
    return digits


def mask_landline(digits: str) -> str:
    """``0755-******78`` for area code + local number, ``******78`` for a local number."""
    if not digits.startswith("0"):
        return keep(digits, 0, 2)
    area = 3 if digits[1:2] in ("1", "2") else 4
    return digits[:area] + "-" + keep(digits[area:], 0, 2)


def mask_email(folded: str) -> str:
    """``z***@example.com``: the first character of the local part, lower-cased."""
    local, at, domain = folded.rpartition("@")
    if not at:
        return keep(folded, 0, 0)
    return f"{local[:1].lower()}***@{domain.lower()}"


# -- finding ------------------------------------------------------------------------------


def _is_date_or_years(digits: str) -> bool:
    """An 8-digit run that reads as a date (20240506) or a span of years (20232024)."""
    if len(digits) != 8 or digits[:2] not in ("19", "20"):
        return False
    month, day = int(digits[4:6]), int(digits[6:])
    return digits[4:6] in ("19", "20") or (1 <= month <= 12 and 1 <= day <= 31)


def is_local_number(norm: str, match: re.Match[str]) -> bool:
    """Whether a bare local number (7-8 digits starting 2-9, whole or as 3+4 or 4+4 digits)
    is a phone number: yes right after a phone cue (电话, 手机, 联系, 致电, 拨打, 座机, 热线,
    传真, tel, phone, fax, then at most 号码 and a colon or space); without a cue only as 4+4
    digits apart by spaces, not starting with 19 or 20 (a year), not in a longer run of digit
    groups, not after 第 and not before a unit (元, 年, 号, 人, 平 …). Never a date, a span
    of years or the integer part of an amount."""
    start, end = match.span()
    digits = digits_of(match.group())
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


def searches(pattern: re.Pattern[str], norm: str) -> Iterable[re.Match[str]]:
    """Every match of ``pattern``, overlapping ones included."""
    position = 0
    while (match := pattern.search(norm, position)) is not None:
        yield match
        position = match.start() + 1


def candidates(text: str, norm: Normalised) -> list[Finding]:
    """Every match of every pattern, overlapping ones included."""
    found: list[Finding] = []

    def add(kind: str, match: re.Match[str], masked: str, group: str | int = 0) -> None:
        start, end = norm.span(match.start(group), match.end(group))
        found.append(Finding(kind, start, end, text[start:end], masked))

    for pattern in (_ID18_RE, _ID15_RE):
        for m in searches(pattern, norm.text):
            add("id_number", m, keep(alnum_of(m.group()), 4, 4).upper())
    for m in searches(_MOBILE_RE, norm.text):
        add("mobile", m, keep(digits_of(m.group("number")), 3, 4))
    for m in searches(_LANDLINE_RE, norm.text):
        digits = digits_of(m.group())[len(digits_of(m.group("cc") or "")) :]
        add("landline", m, mask_landline(digits if digits.startswith("0") else "0" + digits))
    for m in searches(_LOCAL_RE, norm.text):
        if is_local_number(norm.text, m):
            add("landline", m, mask_landline(digits_of(m.group())))
    for m in searches(_EMAIL_RE, norm.text):
        add("email", m, mask_email(m.group()))
    for m in searches(_ADDRESS_RE, norm.text):
        add("address", m, "*" * len(m.group("rest")), "rest")
    return found


def choose(found: Iterable[Finding]) -> list[Finding]:
    """Findings in order, without overlaps (the earliest, then the longest, wins)."""
    chosen: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, f.start - f.end)):
        if not chosen or finding.start >= chosen[-1].end:
            chosen.append(finding)
    return chosen


def replace(text: str, findings: list[Finding]) -> tuple[str, list[int]]:
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
    masked, starts = replace(text, findings)
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


def settle(text: str, detect: Callable[[str], list[Finding]]) -> list[Finding]:
    """``detect(text)``, grown until a second look at the masked text finds nothing.

    A masked form keeps some digits; beside a number that lost to an overlapping finding they
    can read as new personal data (``13987654321 5678``). What the second look finds is merged
    with the findings it touches, so masking masked text changes nothing.
    """
    findings = detect(text)
    for _ in range(4):  # real text settles at once; each round stars more characters
        extra = detect(replace(text, findings)[0])
        if not extra:
            break
        for finding in reversed(extra):  # from the end, so earlier offsets stay valid
            findings = _merge(text, findings, finding)
    return findings


def find(text: str) -> list[Finding]:
    """Every pattern's findings in ``text``, without overlaps (one look, not settled)."""
    return choose(candidates(text, normalise(text)))
