"""统一社会信用代码 (GB 32100-2015): the charset and the check character.

Shared by the request form (an organisation applying) and the organisations of the platform
(whose code prefixes their 索引号).
"""

from __future__ import annotations

import re

# 31 characters, no I O Z S V; check over the first 17 characters, modulus 31.
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_RE = re.compile(f"[{CREDIT_CHARSET}]{{18}}")


def check_char(first17: str) -> str:
    """The GB 32100 check character for 17 characters of the credit-code charset."""
    pairs = zip(first17, CREDIT_WEIGHTS, strict=True)
    total = sum(CREDIT_CHARSET.index(ch) * weight for ch, weight in pairs)
    return CREDIT_CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """What is wrong with an upper-cased, space-free ``code`` (Chinese), or None."""
    if not CREDIT_RE.fullmatch(code):
        return "应为18位数字或大写字母（不含I、O、Z、S、V）"
    if not code[2:8].isdigit():
        return "第3至8位应为行政区划代码"
    if check_char(code[:17]) != code[17]:
        return "校验位不正确"
    return None
