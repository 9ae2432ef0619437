"""Synthetic identifiers for tests: check characters computed here, independently of the
validators, so nobody's real numbers are used and the module under test is not trusted."""

from __future__ import annotations

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def make_id(born: str = "19900307", area: str = "440303", seq: str = "123") -> str:
    """An 18-character resident ID number with a correct check character."""
    first17 = area + born + seq
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]


def make_credit(first17: str) -> str:
    """A unified social credit code with a correct check character."""
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]
