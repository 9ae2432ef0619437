"""Find and mask personal data (ID numbers, phone numbers, e-mail) in residents' free text."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

KIND_LABELS = {
    "mobile": "手机号",
    "id_number": "身份证号",
    "landline": "固定电话",
    "email": "电子邮箱",
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


# Full-width ASCII forms (U+FF01-FF5E) and the ideographic space fold one-to-one to ASCII, so
# patterns only deal with ASCII while match offsets stay valid for the original text.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SEP = r"[ \-]?"
_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
# A lone digit boundary on both sides: digits inside a longer digit run are never matched.
_ID18_RE = re.compile(
    rf"(?<![0-9])[1-9][0-9]{{5}}{_SEP}(?:19|20)[0-9]{{2}}{_DATE}{_SEP}[0-9]{{3}}[0-9Xx](?![0-9])"
)
_ID15_RE = re.compile(rf"(?<![0-9])[1-9][0-9]{{7}}{_DATE}[0-9]{{3}}(?![0-9])")
_MOBILE_RE = re.compile(
    rf"(?<![0-9])(?P<prefix>\+?86[ \-]?)?(?P<number>1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}})"
    r"(?![0-9])"
)
_LANDLINE_RE = re.compile(
    r"(?<![0-9])(?P<area>\(0[0-9]{2,3}\)[ \-]?|0[0-9]{2,3}[ \-])(?P<local>[1-9][0-9]{6,7})(?![0-9])"
)
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_EMAIL_RE = re.compile(rf"(?P<local>[A-Za-z0-9._%+\-]+)@(?P<domain>(?:{_LABEL}\.)+[A-Za-z]{{2,}})")


def _keep(value: str, head: int, tail: int) -> str:
    """Keep ``head`` leading and ``tail`` trailing characters, star the rest (all if too short)."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def _alnum(original: str, folded: str) -> str:
    """The original characters whose folded form is an ASCII letter or digit (drops separators)."""
    return "".join(o for o, f in zip(original, folded, strict=True) if f.isascii() and f.isalnum())


def _candidates(text: str) -> list[Finding]:
    """Every match of every pattern, overlapping ones included."""
    folded = text.translate(_FOLD)
    found: list[Finding] = []

    def add(kind: str, match: re.Match[str], masked: str) -> None:
        found.append(
            Finding(kind, match.start(), match.end(), text[match.start() : match.end()], masked)
        )

    def part(match: re.Match[str], group: str | int) -> str:
        return text[match.start(group) : match.end(group)] if match.group(group) else ""

    for pattern in (_ID18_RE, _ID15_RE):
        for m in pattern.finditer(folded):
            add("id_number", m, _keep(_alnum(part(m, 0), m.group()), 4, 4).upper())
    for m in _MOBILE_RE.finditer(folded):
        digits = _alnum(part(m, "number"), m.group("number"))
        add("mobile", m, part(m, "prefix") + _keep(digits, 3, 4))
    for m in _LANDLINE_RE.finditer(folded):
        add("landline", m, part(m, "area") + _keep(part(m, "local"), 0, 2))
    for m in _EMAIL_RE.finditer(folded):
        add("email", m, part(m, "local")[:1] + "***@" + part(m, "domain"))
    return found


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in ``text``, in order, without overlaps (the earliest, then longest, wins)."""
    chosen: list[Finding] = []
    for finding in sorted(_candidates(text or ""), key=lambda f: (f.start, f.start - f.end)):
        if not chosen or finding.start >= chosen[-1].end:
            chosen.append(finding)
    return chosen


def mask_personal_data(text: str) -> tuple[str, list[Finding]]:
    """``text`` with every finding replaced by its masked form, and the findings."""
    findings = find_personal_data(text)
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces += [text[position : finding.start], finding.masked]
        position = finding.end
    pieces.append((text or "")[position:])
    return "".join(pieces), findings


def describe(findings: list[Finding]) -> str:
    """Staff notice such as "已遮盖 2 处个人信息：手机号 1 处、身份证号 1 处" ("" if none)."""
    if not findings:
        return ""
    counts = Counter(finding.kind for finding in findings)
    parts = "、".join(
        f"{label} {counts[kind]} 处" for kind, label in KIND_LABELS.items() if counts[kind]
    )
    return f"已遮盖 {len(findings)} 处个人信息：{parts}"


def mask_name(name: str) -> str:
    """A person's name with all but the first character starred: 张三 -> 张*."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_value(kind: str, value: str) -> str:
    """Mask one known value of ``kind`` (id_number, mobile, email, landline, address, name)."""
    if kind not in VALUE_KINDS:
        raise ValueError(f"unknown kind of personal data: {kind!r}")
    value = (value or "").strip()
    folded = value.translate(_FOLD)
    if kind == "id_number":
        return _keep(_alnum(value, folded), 4, 4).upper()
    if kind == "mobile":
        digits = _alnum(value, folded)
        if len(digits) == 13 and folded.lstrip("+").startswith("86"):
            digits = digits[2:]
        return _keep(digits, 3, 4)
    if kind == "email":
        local, at, domain = value.rpartition("@")
        return f"{local[:1]}***@{domain}" if at else _keep(value, 0, 0)
    if kind == "landline":
        match = _LANDLINE_RE.fullmatch(folded)
        if match:
            return value[: match.end("area")] + _keep(value[match.start("local") :], 0, 2)
        return _keep(value, 0, 2)
    if kind == "address":
        return _keep(value, 6 if len(value) > 6 else len(value) // 2, 0)
    return mask_name(value)
