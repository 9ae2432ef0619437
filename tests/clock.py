"""Moving the portal's clock in tests: see a dated case exactly as the office would that day."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time

from portal import timeutil
from portal.timeutil import SHANGHAI


def instant(moment: date | datetime | str) -> datetime:
    """An aware instant: a date means 10:00 that day in Asia/Shanghai."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment) if len(moment) > 10 else date.fromisoformat(moment)
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(10, 0))
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@contextmanager
def frozen(moment: date | datetime | str) -> Iterator[datetime]:
    """Within the block, ``timeutil.utcnow()`` answers ``moment`` (and today is its date)."""
    fixed = instant(moment)
    timeutil.set_clock(lambda: fixed)
    try:
        yield fixed
    finally:
        timeutil.set_clock(None)
