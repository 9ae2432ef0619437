"""Template filters: dates in Asia/Shanghai, file sizes, amounts in yuan."""

from __future__ import annotations

from datetime import date, datetime

from portal.timeutil import to_local


def format_date(value: datetime | date | str | None, fmt: str = "%Y-%m-%d") -> str:
    """A date as residents read it, in Asia/Shanghai."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(fmt)


def format_size(size: int) -> str:
    """A file size as people read it (B, KB, MB)."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def format_amount(value: str | None) -> str:
    """An amount in yuan with thousands separators and two decimals."""
    if not value:
        return ""
    whole, _, cents = value.partition(".")
    return f"{int(whole):,}.{cents or '00'}"
