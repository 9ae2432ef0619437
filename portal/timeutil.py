"""Time helpers: store UTC, show Asia/Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _system_clock() -> datetime:
    return datetime.now(UTC)


#: Where "now" comes from. Tests set it (``set_clock``) to see a dated case exactly as the
#: office would on that day; nothing else changes it.
_clock: Callable[[], datetime] = _system_clock


def utcnow() -> datetime:
    """The current instant, aware UTC."""
    return _clock()


def today() -> date:
    """Today's date in Asia/Shanghai: the day every statutory deadline is judged on."""
    return local_date(utcnow())


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Make ``utcnow`` answer from ``clock`` (None: the system clock again)."""
    global _clock
    _clock = clock or _system_clock


def to_local(value: datetime) -> datetime:
    """Convert an aware (or naive UTC) datetime to Asia/Shanghai."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI)


def local_date(value: datetime) -> date:
    return to_local(value).date()


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` starts in Asia/Shanghai."""
    return datetime.combine(day, time.min, tzinfo=SHANGHAI).astimezone(UTC)


def year_bounds_utc(year: int) -> tuple[datetime, datetime]:
    """UTC [start, end) of a calendar year in Asia/Shanghai."""
    return local_midnight_utc(date(year, 1, 1)), local_midnight_utc(date(year + 1, 1, 1))


def parse_local(value: date | datetime | str) -> datetime:
    """Parse a date or datetime given in Asia/Shanghai into an aware UTC datetime.

    Raises ``ValueError`` for anything that is not ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM[:SS]``.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime.combine(value, time(9, 0))
    elif isinstance(value, str):
        text = value.strip().replace("T", " ")
        found: datetime | None = None
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                found = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
        if found is None:
            raise ValueError(value)
        parsed = found.replace(hour=9) if len(text) == 10 else found
    else:
        raise ValueError(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(UTC)


def days_between(start: date, end: date) -> int:
    return (end - start) // timedelta(days=1)
