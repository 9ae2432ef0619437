"""Working-day calendar and statutory due dates (portal.interaction.calendar)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.interaction import calendar as cal

D = date.fromisoformat
UNCOVERED_YEAR = 2099  # far beyond any chinese-calendar release


@pytest.fixture
def overrides(tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """Install a temporary overrides file; the shipped file is restored afterwards."""

    def install(text: str) -> None:
        path = tmp_path / "holidays.yaml"
        path.write_text(text, encoding="utf-8")
        cal.load_overrides(path)

    yield install
    cal.reset_caches()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2024-02-04", True),  # Sunday, make-up working day before 春节
        ("2024-02-10", False),
        ("2024-02-14", False),  # Wednesday inside 春节
        ("2024-02-17", False),
        ("2024-02-18", True),  # Sunday, make-up working day after 春节
        ("2024-09-29", True),  # Sunday, make-up working day before 国庆
        ("2024-10-01", False),
        ("2024-10-07", False),  # Monday inside 国庆
        ("2024-10-08", True),
        ("2024-10-12", True),  # Saturday, make-up working day after 国庆
        ("2024-10-13", False),
    ],
)
def test_2024_facts_agree_with_package(day: str, working: bool) -> None:
    assert chinese_calendar.is_workday(D(day)) is working
    assert cal.is_working_day(D(day)) is working


def test_package_2026_matches_state_council_notice() -> None:
    # 国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04).
    off = ["01-01", "01-03", "02-15", "02-23", "04-06", "05-05", "06-19", "09-25", "10-07"]
    make_up = ["01-04", "02-14", "02-28", "05-09", "09-20", "10-10"]
    assert not any(cal.is_working_day(D(f"2026-{md}")) for md in off)
    assert all(cal.is_working_day(D(f"2026-{md}")) for md in make_up)


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2024-09-27", "2024-10-30"),  # across 国庆, counting Sep 29 (Sun) and Oct 12 (Sat)
        ("2024-02-08", "2024-03-13"),  # across 春节, counting Feb 9 and Feb 18 (Sun)
        ("2024-03-02", "2024-04-01"),  # Saturday: counts as received Monday Mar 4
        ("2024-10-03", "2024-11-04"),  # 国庆 holiday: counts as received Oct 8
    ],
)
def test_due_date_20_working_days(received: str, due: str) -> None:
    assert cal.due_date(D(received)) == D(due)


def test_receipt_day() -> None:
    assert cal.receipt_day(D("2024-03-04")) == D("2024-03-04")  # working Monday
    assert cal.receipt_day(D("2024-03-02")) == D("2024-03-04")  # Saturday
    assert cal.receipt_day(D("2024-02-03")) == D("2024-02-04")  # Saturday before make-up Sunday
    assert cal.receipt_day(D("2024-10-01")) == D("2024-10-08")  # 国庆


def test_add_and_count_working_days() -> None:
    assert cal.add_working_days(D("2024-03-04"), 0) == D("2024-03-04")
    assert cal.add_working_days(D("2024-03-04"), 1) == D("2024-03-05")  # Monday + 1 = Tuesday
    assert cal.add_working_days(D("2024-03-08"), 1) == D("2024-03-11")  # Friday + 1 = Monday
    assert cal.next_working_day(D("2024-09-30")) == D("2024-10-08")
    assert cal.working_days_between(D("2024-09-27"), D("2024-10-30")) == 20
    assert cal.working_days_between(D("2024-09-30"), D("2024-10-07")) == 0
    assert cal.working_days_between(D("2024-10-30"), D("2024-09-27")) == 0
    with pytest.raises(ValueError):
        cal.add_working_days(D("2024-03-04"), -1)


def test_extension_of_20_working_days() -> None:
    assert cal.due_date(D("2024-09-27"), extension_days=20) == D("2024-11-27")
    assert cal.due_date(D("2024-09-27"), limit=40) == D("2024-11-27")


def test_supplement_pause() -> None:
    # 补正 from Wed Mar 6 to Tue Mar 12: 5 working days do not count; the clock
    # then runs over 清明 (Apr 4-6 off) and counts the make-up Sunday Apr 7.
    assert cal.due_date(D("2024-03-04")) == D("2024-04-01")
    pause = (D("2024-03-06"), D("2024-03-12"))
    assert cal.due_date(D("2024-03-04"), pauses=[pause]) == D("2024-04-09")


def test_pause_spanning_a_holiday_only_skips_its_working_days() -> None:
    # Sep 30 - Oct 8 holds just two working days (Sep 30, Oct 8): two more days.
    pause = (D("2024-09-30"), D("2024-10-08"))
    assert cal.due_date(D("2024-09-27"), pauses=[pause]) == D("2024-11-01")
    with pytest.raises(ValueError):
        cal.due_date(D("2024-09-27"), pauses=[(pause[1], pause[0])])


def test_uncovered_year_counts_statutory_holidays_and_warns_once(
    overrides: Callable[[str], None], caplog: pytest.LogCaptureFixture
) -> None:
    overrides("")
    saturday = date(UNCOVERED_YEAR, 1, 3)
    assert saturday.weekday() == 5
    with caplog.at_level(logging.WARNING, logger=cal.__name__):
        due = cal.due_date(saturday)
        cal.due_date(saturday, extension_days=20)
        cal.is_working_day(date(UNCOVERED_YEAR, 7, 1))
    # Received Monday Jan 5; 春节 (除夕 Jan 20 to 初三 Jan 23, all weekdays) adds four days.
    assert cal.statutory_holidays(UNCOVERED_YEAR) >= {date(UNCOVERED_YEAR, 1, d) for d in (20, 23)}
    assert due == date(UNCOVERED_YEAR, 1, 5) + timedelta(weeks=4, days=4)
    assert due.weekday() < 5
    warnings = [r for r in caplog.records if r.name == cal.__name__]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert str(UNCOVERED_YEAR) in warnings[0].getMessage()
    assert cal.coverage()["fallback_years_seen"] == [UNCOVERED_YEAR]


def test_is_provisional_and_provisional_years() -> None:
    cal.reset_caches()  # the shipped file, which has no 2027 arrangement
    last = max(cal.package_years())
    assert last >= 2026
    assert not cal.is_provisional(D("2026-03-01"))
    assert cal.is_provisional(date(last + 1, 3, 1))
    assert cal.provisional_years(date(last, 12, 2), date(last + 2, 1, 1)) == [last + 1, last + 2]
    assert cal.provisional_years(D("2024-01-01"), D("2026-12-31")) == []
    cov = cal.coverage(date(last, 12, 2))
    assert cov["years"] == {str(last): "arranged", str(last + 1): "provisional"}
    assert cov["provisional_years"] == [last + 1]
    assert cov["statutory"]["name"] == "holidays"


# 2027 has no State Council arrangement in chinese-calendar 1.11 or the shipped file: these
# deadlines count the statutory holidays the `holidays` package computes, plus weekends.
PROVISIONAL_2027 = pytest.mark.skipif(
    2027 in cal.package_years(), reason="chinese-calendar now knows the 2027 arrangement"
)


@PROVISIONAL_2027
def test_2027_statutory_holidays_are_computed() -> None:
    cal.reset_caches()
    assert cal.is_provisional(D("2027-03-01"))
    festivals = cal.statutory_holidays(2027, observed=False)
    assert {D("2027-01-01"), D("2027-05-01"), D("2027-05-02"), D("2027-10-01")} <= festivals
    # 春节 2027 (2024 rules: 除夕 to 初三): 除夕 Fri Feb 5, 初一 Sat Feb 6 ... 初三 Mon Feb 8.
    assert {D("2027-02-05"), D("2027-02-06"), D("2027-02-07"), D("2027-02-08")} <= festivals
    assert D("2027-02-04") not in festivals
    # 初一 and 初二 fall on the weekend: made up on the following weekdays (补假).
    assert not cal.is_working_day(D("2027-02-09"))
    assert not cal.is_working_day(D("2027-02-10"))
    assert cal.is_working_day(D("2027-02-11"))


@PROVISIONAL_2027
@pytest.mark.parametrize(
    ("received", "due", "weekends_only"),
    [
        # 元旦: Fri Jan 1 2027 off; counting starts Mon Dec 28 2026 (an arranged year).
        ("2026-12-25", "2027-01-25", "2027-01-22"),
        # 春节: Fri Feb 5 to Wed Feb 10 off, four weekdays plus the make-up ones.
        ("2027-02-01", "2027-03-05", "2027-03-01"),
        # Received on 初三 (Mon Feb 8): counts as received Thu Feb 11.
        ("2027-02-08", "2027-03-11", "2027-03-08"),
        # 国庆: Fri Oct 1, observed Mon Oct 4 and Tue Oct 5.
        ("2027-09-29", "2027-11-01", "2027-10-27"),
    ],
)
def test_2027_deadlines_count_statutory_holidays(received: str, due: str, weekends_only: str):
    cal.reset_caches()
    assert cal.due_date(D(received)) == D(due)
    assert D(due) > D(weekends_only)  # what the weekends-only fallback used to answer
    assert cal.working_days_between(cal.receipt_day(D(received)), D(due)) == 20


@PROVISIONAL_2027
def test_overrides_file_wins_over_the_computed_holidays(overrides: Callable[[str], None]) -> None:
    overrides(
        "2027:\n"
        "  holidays: [2027-02-11, 2027-02-12]\n"  # 春节 extended to Friday
        "  workdays: [2027-02-09, 2027-02-20]\n"  # a computed 补假 day, a Saturday
    )
    assert not cal.is_provisional(D("2027-03-01"))
    assert not cal.is_working_day(D("2027-02-11"))
    assert not cal.is_working_day(D("2027-02-12"))
    assert cal.is_working_day(D("2027-02-09"))  # the file wins over the computed day off
    assert cal.is_working_day(D("2027-02-20"))
    # An arranged year takes its days off from the file: the computed 补假 guess on Wed
    # Feb 10 is not one, but the festival days themselves (除夕 Fri Feb 5) stay off.
    assert cal.is_working_day(D("2027-02-10"))
    assert not cal.is_working_day(D("2027-02-05"))
    # Feb 2-4, 9-10, 15-19, Sat 20, 22-26, Mar 1-4.
    assert cal.due_date(D("2027-02-01")) == D("2027-03-04")
    assert cal.coverage(D("2026-12-02"))["provisional_years"] == []


def test_overrides_win(overrides: Callable[[str], None], caplog: pytest.LogCaptureFixture) -> None:
    overrides(
        f"{UNCOVERED_YEAR}:\n"
        f"  holidays: [{UNCOVERED_YEAR}-01-05]\n"  # a Monday off
        f"  workdays: ['{UNCOVERED_YEAR}-01-10']\n"  # a Saturday on
        "2024:\n"
        "  holidays: [2024-10-08]\n"
    )
    with caplog.at_level(logging.WARNING, logger=cal.__name__):
        assert not cal.is_working_day(date(UNCOVERED_YEAR, 1, 5))
        assert cal.is_working_day(date(UNCOVERED_YEAR, 1, 10))
        assert cal.is_working_day(date(UNCOVERED_YEAR, 1, 6))  # unlisted weekday
        assert cal.receipt_day(date(UNCOVERED_YEAR, 1, 4)) == date(UNCOVERED_YEAR, 1, 6)
    assert not caplog.records  # a year in the file is known: no fallback warning
    assert not cal.is_working_day(D("2024-10-08"))  # wins over the package
    assert cal.is_working_day(D("2024-10-09"))
    cov = cal.coverage()
    assert cov["overrides"]["years"] == [2024, UNCOVERED_YEAR]
    assert {2024, 2026} <= set(cov["package"]["years"])
    assert UNCOVERED_YEAR in cov["known_years"]


def test_bad_overrides_file_is_rejected(overrides: Callable[[str], None]) -> None:
    with pytest.raises(ValueError):
        overrides("2030:\n  holidays: [2031-01-01]\n")
    with pytest.raises(ValueError):
        overrides("2030:\n  holidays: [2030-01-01]\n  workdays: [2030-01-01]\n")


def test_shipped_overrides_file_loads() -> None:
    cal.reset_caches()
    assert isinstance(cal.load_overrides(), dict)
    assert cal.coverage()["package"]["last_year"] >= 2026


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
limits = st.integers(min_value=0, max_value=40)
property_test = settings(deadline=None, database=None)


@property_test
@given(days, st.integers(min_value=1, max_value=40))
def test_due_date_is_a_working_day(received: date, limit: int) -> None:
    due = cal.due_date(received, limit=limit)
    assert cal.is_working_day(due)
    assert cal.working_days_between(cal.receipt_day(received), due) == limit


@property_test
@given(days, days, limits)
def test_later_receipt_never_due_earlier(a: date, b: date, limit: int) -> None:
    early, late = sorted((a, b))
    assert cal.due_date(early, limit=limit) <= cal.due_date(late, limit=limit)


@property_test
@given(days, limits)
def test_larger_limit_never_due_earlier(received: date, limit: int) -> None:
    assert cal.due_date(received, limit=limit + 1) >= cal.due_date(received, limit=limit)


@property_test
@given(days, limits, limits)
def test_add_working_days_composes(start: date, a: int, b: int) -> None:
    combined = cal.add_working_days(start, a + b)
    assert combined == cal.add_working_days(cal.add_working_days(start, a), b)


@property_test
@given(st.integers(min_value=2027, max_value=2100))
def test_provisional_years_never_work_on_a_statutory_holiday(year: int) -> None:
    cal.reset_caches()
    if not cal.is_provisional(date(year, 1, 1)):
        return
    days_off = cal.statutory_holidays(year)
    assert days_off  # computable up to 2100
    assert date(year, 10, 1) in days_off
    assert not any(cal.is_working_day(d) for d in days_off)
