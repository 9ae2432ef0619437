"""Mainland China working-day calendar for statutory disclosure deadlines (政府信息公开条例)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

logger = logging.getLogger(__name__)

DATA_FILE = Path(__file__).with_name("data") / "holidays.yaml"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class YearOverride:
    """Days off and make-up working days (调休) that one year's arrangement declares."""

    holidays: frozenset[date]
    workdays: frozenset[date]


_overrides: dict[int, YearOverride] | None = None
_overrides_path: Path = DATA_FILE
_warned_years: set[int] = set()


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
    _overrides, _overrides_path = parsed, path
    _warned_years.clear()
    return parsed


def reset_caches() -> None:
    """Forget loaded overrides and logged warnings; the shipped file is re-read on next use."""
    global _overrides, _overrides_path
    _overrides, _overrides_path = None, DATA_FILE
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


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day: overrides first, then the package, then Mon–Fri."""
    override = _active_overrides().get(day.year)
    if override is not None and day in override.holidays:
        return False
    if override is not None and day in override.workdays:
        return True
    known = _package_is_workday(day)
    if known is not None:
        return known
    if override is None and day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "No holiday data for %s: treating Mon-Fri as working days; add the year to %s",
            day.year,
            _overrides_path,
        )
    return day.weekday() < 5


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


def coverage() -> dict[str, Any]:
    """Which years the package and the overrides file know, for health checks."""
    pkg = package_years()
    overrides = sorted(_active_overrides())
    return {
        "package": {
            "name": "chinese-calendar",
            "version": version("chinese-calendar"),
            "first_year": pkg[0] if pkg else None,
            "last_year": pkg[-1] if pkg else None,
            "years": list(pkg),
        },
        "overrides": {"path": str(_overrides_path), "years": overrides},
        "known_years": sorted(set(pkg) | set(overrides)),
        "fallback_years_seen": sorted(_warned_years),
    }
