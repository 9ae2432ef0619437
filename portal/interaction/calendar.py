"""Mainland China working-day calendar for statutory disclosure deadlines (政府信息公开条例).

Where a day's answer comes from, first match wins:

1. the year's State Council arrangement (国务院办公厅节假日安排) typed into
   ``data/holidays.yaml`` (days off and 调休 make-up working days);
2. the arrangement as known to ``chinese_calendar`` (up to its last release);
3. for a year with no arrangement yet (a *provisional* year): the statutory holidays of the
   全国年节及纪念日放假办法 as computed by ``holidays`` (元旦, 春节 除夕–初三, 清明, 劳动节
   5/1–5/2, 端午, 中秋, 国庆 10/1–10/3, and a weekday off for each that falls on a weekend)
   plus weekends. The 调休 make-up working days and the State Council's own choice of
   bridging days are not known, so a provisional deadline can still move by a day or two
   once the arrangement is added.

In a year listed in ``holidays.yaml`` that ``chinese_calendar`` does not know, the statutory
festival days themselves stay off unless listed as workdays: no arrangement can make them
working days, and a block left out of the file must not turn into working days.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import chinese_calendar
import holidays
import yaml

from portal.timeutil import local_date, utcnow

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).with_name("data") / "holidays.yaml"
ARRANGED, PROVISIONAL = "arranged", "provisional"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class YearOverride:
    """Days off and make-up working days (调休) that one year's arrangement declares."""

    holidays: frozenset[date]
    workdays: frozenset[date]


_overrides: dict[int, YearOverride] | None = None
_overrides_path: Path = DATA_FILE
_warned_years: set[int] = set()
_days: dict[date, bool] = {}  # is_working_day's answers under the active overrides
_lock = threading.Lock()


def _parse_day(value: Any, year: int) -> date:
    """Turn a YAML value (a date or an ISO string) into a date inside ``year``."""
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    if day.year != year:
        raise ValueError(f"{day} is listed under year {year}")
    return day


def load_overrides(path: Path | None = None) -> dict[int, YearOverride]:
    """Read an overrides file (default: the shipped one), make it the active one and return it."""
    global _overrides, _overrides_path
    path = path or DATA_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of year -> {{holidays, workdays}}")
    parsed: dict[int, YearOverride] = {}
    for key, entry in raw.items():
        year, entry = int(key), entry or {}
        off = frozenset(_parse_day(v, year) for v in entry.get("holidays") or ())
        on = frozenset(_parse_day(v, year) for v in entry.get("workdays") or ())
        if off & on:
            raise ValueError(f"{path}: {sorted(off & on)} listed as both holiday and workday")
        parsed[year] = YearOverride(holidays=off, workdays=on)
    with _lock:
        _overrides, _overrides_path = parsed, path
        _days.clear()
        _warned_years.clear()
    return parsed


def reset_caches() -> None:
    """Forget loaded overrides and logged warnings; the shipped file is re-read on next use."""
    global _overrides, _overrides_path
    with _lock:
        _overrides, _overrides_path = None, DATA_FILE
        _days.clear()
        _warned_years.clear()


def _active_overrides() -> dict[int, YearOverride]:
    """The active overrides, loading the shipped file on first use."""
    return _overrides if _overrides is not None else load_overrides()


@cache
def _package_is_workday(day: date) -> bool | None:
    """What ``chinese_calendar`` says about ``day``, or None if it has no data for the year."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


@cache
def package_years() -> tuple[int, ...]:
    """Years for which the installed ``chinese_calendar`` has data."""
    return tuple(y for y in range(1900, 2101) if _package_is_workday(date(y, 6, 1)) is not None)


@cache
def _package_year_set() -> frozenset[int]:
    return frozenset(package_years())


@cache
def statutory_holidays(year: int, *, observed: bool = True) -> frozenset[date]:
    """The statutory days off of ``year`` computed by ``holidays`` (no 调休 make-up days).

    With ``observed`` (the default), a festival day that falls on a weekend adds the weekday
    ``holidays`` expects it to be made up on (补假); without, only the festival days.
    Empty for years the package cannot compute (before 1950, after 2100).
    """
    return frozenset(holidays.China(years=year, observed=observed))


def is_provisional(day: date) -> bool:
    """Whether ``day``'s year has no State Council arrangement (neither the file nor the package).

    Deadlines in such a year count statutory holidays and weekends only; cheap enough to
    call for every deadline on a page.
    """
    return day.year not in _active_overrides() and day.year not in _package_year_set()


def provisional_years(start: date, end: date) -> list[int]:
    """The years from ``start`` to ``end`` (inclusive, either order) that are provisional."""
    first, last = sorted((start.year, end.year))
    return [y for y in range(first, last + 1) if is_provisional(date(y, 1, 1))]


def _warn_provisional(year: int) -> None:
    with _lock:
        if year in _warned_years:
            return
        _warned_years.add(year)
    logger.warning(
        "No holiday arrangement for %s: using statutory holidays and weekends (no 调休) "
        "until the year is added to %s",
        year,
        _overrides_path,
    )


def _compute_working_day(day: date) -> bool:
    override = _active_overrides().get(day.year)
    if override is not None:
        if day in override.holidays:
            return False
        if day in override.workdays:
            return True
    known = _package_is_workday(day)
    if known is not None:
        return known
    if override is None:
        _warn_provisional(day.year)
    # An arranged year keeps the festival days themselves; a provisional one also the 补假.
    if day in statutory_holidays(day.year, observed=override is None):
        return False
    return day.weekday() < 5


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: the file, then the package, then statutory + weekends."""
    working = _days.get(day)
    if working is None:
        working = _days[day] = _compute_working_day(day)
    return working


def next_working_day(day: date) -> date:
    """The first working day strictly after ``day``."""
    day += _ONE_DAY
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def receipt_day(day: date) -> date:
    """The day a request received on ``day`` counts as received (next working day if off)."""
    return day if is_working_day(day) else next_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (counting from the day after; n=0 -> start)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    for _ in range(n):
        start = next_working_day(start)
    return start


def working_days_between(start: date, end: date) -> int:
    """Number of working days d with start < d <= end (0 if end <= start)."""
    count, day = 0, start + _ONE_DAY
    while day <= end:
        count += is_working_day(day)
        day += _ONE_DAY
    return count


def due_date(
    received: date,
    *,
    limit: int = 20,
    extension_days: int = 0,
    pauses: Sequence[tuple[date, date]] = (),
) -> date:
    """Answer deadline: receipt_day(received) + limit + extension_days working days, minus pauses.

    Each pause ``(pause_start, pause_end)`` is inclusive: the working days in
    [pause_start, pause_end] are not counted (e.g. while waiting for a 补正 supplement);
    counting resumes with the first working day after ``pause_end``. The result is the
    receipt day itself when nothing is to be counted, and always a working day.
    """
    remaining = limit + extension_days
    if remaining < 0:
        raise ValueError("limit + extension_days must be >= 0")
    if any(end < begin for begin, end in pauses):
        raise ValueError("a pause ends before it starts")
    day = receipt_day(received)
    while remaining:
        day = next_working_day(day)
        if not any(begin <= day <= end for begin, end in pauses):
            remaining -= 1
    return day


def coverage(today: date | None = None) -> dict[str, Any]:
    """What the calendar knows, for health checks; ``years`` covers this year and the next."""
    today = today or local_date(utcnow())
    pkg = package_years()
    overrides = sorted(_active_overrides())
    years = {
        y: PROVISIONAL if is_provisional(date(y, 1, 1)) else ARRANGED
        for y in (today.year, today.year + 1)
    }
    return {
        "package": {
            "name": "chinese-calendar",
            "version": version("chinese-calendar"),
            "first_year": pkg[0] if pkg else None,
            "last_year": pkg[-1] if pkg else None,
            "years": list(pkg),
        },
        "statutory": {"name": "holidays", "version": version("holidays")},
        "overrides": {"path": str(_overrides_path), "years": overrides},
        "known_years": sorted(set(pkg) | set(overrides)),
        "years": {str(y): status for y, status in years.items()},
        "provisional_years": [y for y, status in years.items() if status == PROVISIONAL],
        "fallback_years_seen": sorted(_warned_years),
    }
