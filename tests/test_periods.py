"""Tests of periods and deadlines under 《民法典》第二百零一条至第二百零三条 (medcredit.time.periods)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcredit.diagnostics.errors import CalendarRangeError, PeriodError, UnannouncedYearError
from medcredit.time.official_calendar import OfficialCalendar, default_calendar, load_schedule
from medcredit.time.periods import (
    ART_202,
    ART_203,
    HOLIDAY_EXTENSION_INTERPRETATION,
    RULE_DAY_PERIOD,
    RULE_DEADLINE,
    RULE_HOLIDAY_EXTENSION,
    RULE_MONTH_PERIOD,
    RULE_WAITING_PERIOD,
    RULE_WORKING_DAYS,
    WAITING_PERIOD_INTERPRETATION,
    Interpretation,
    deadline,
    first_day_after_period,
    period_end,
    working_day_deadline,
)

FIXTURES = Path(__file__).parent / "fixtures" / "schedules"

# Starts whose periods (<= 2 years) end in years every holidays release from 0.109 on knows.
stable_starts = st.dates(min_value=date(2005, 1, 1), max_value=date(2023, 12, 31))
month_counts = st.integers(min_value=1, max_value=24)
# (months, days) with exactly one of them positive: a month period or a day period.
month_or_day_units = st.one_of(st.tuples(month_counts, st.just(0)), st.tuples(st.just(0), st.integers(1, 400)))


def _last_day_of_month(year: int, month: int) -> int:
    """Days in a month, computed independently of the code under test."""
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


# ----------------------------------------------------------------------- period_end


def test_brief_example_six_months() -> None:
    """A 6-month period from 2023-03-15 ends on 2023-09-15; action after it from 2023-09-16."""
    end = period_end(date(2023, 3, 15), months=6)
    assert end.value == date(2023, 9, 15)
    assert end.rule == RULE_MONTH_PERIOD
    assert ART_202 in end.sources
    assert "2023-03-15" in end.explanation
    assert "2023-09-15" in end.explanation
    assert "2023-09-15" in end.explanation_zh
    after = first_day_after_period(date(2023, 3, 15), months=6)
    assert after.value == date(2023, 9, 16)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 11, 30), 3, date(2024, 2, 29)),
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2023, 8, 31), 1, date(2023, 9, 30)),
        (date(2023, 2, 28), 1, date(2023, 3, 28)),
        (date(2023, 12, 15), 1, date(2024, 1, 15)),
    ],
)
def test_month_end_rule(start: date, months: int, expected: date) -> None:
    """Without a corresponding day the period ends on the final month's last day (第二百零二条)."""
    result = period_end(start, months=months)
    assert result.value == expected
    assert expected.isoformat() in result.explanation


def test_month_end_explanation_says_why() -> None:
    """The explanation says the final month has no corresponding day when the end is clipped."""
    result = period_end(date(2023, 11, 30), months=3)
    assert "no day 30" in result.explanation
    assert "月末日" in result.explanation_zh


@pytest.mark.parametrize(
    ("years", "expected"),
    [(1, date(2025, 2, 28)), (2, date(2026, 2, 28)), (4, date(2028, 2, 29))],
)
def test_year_periods_from_29_february(years: int, expected: date) -> None:
    """A year period from 29 February ends on 28 February unless the final year is leap."""
    assert period_end(date(2024, 2, 29), years=years).value == expected


def test_years_and_months_combine() -> None:
    """Years count as 12 months each and combine with months."""
    assert period_end(date(2023, 1, 31), years=1, months=1).value == date(2024, 2, 29)


def test_start_day_not_counted_for_day_periods() -> None:
    """An N-day period ends on start + N (the start day itself is not counted)."""
    one = period_end(date(2023, 3, 15), days=1)
    assert one.value == date(2023, 3, 16)
    assert one.rule == RULE_DAY_PERIOD
    assert period_end(date(2023, 3, 15), days=10).value == date(2023, 3, 25)
    assert period_end(date(2023, 12, 25), days=15).value == date(2024, 1, 9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"months": 0, "days": 0},
        {"months": -1},
        {"days": -3},
        {"years": -1, "months": 13},
        {"months": 1, "days": 2},
        {"months": True},
    ],
)
def test_bad_periods_rejected(kwargs: dict[str, int]) -> None:
    """Zero, negative, non-integer and mixed month/day periods raise PeriodError."""
    with pytest.raises(PeriodError):
        period_end(date(2023, 3, 15), **kwargs)


@pytest.mark.parametrize(
    ("start", "kwargs"),
    [
        (date(1999, 12, 31), {"days": 1}),
        (date(2100, 12, 15), {"months": 1}),
        (date(2100, 12, 15), {"days": 30}),
        (date(2023, 1, 1), {"days": 10**9}),
        (date(2023, 1, 1), {"years": 10**6}),
    ],
)
def test_out_of_range_periods(start: date, kwargs: dict[str, int]) -> None:
    """Starts before 2000 and ends after 2100 raise CalendarRangeError (never OverflowError)."""
    with pytest.raises(CalendarRangeError):
        period_end(start, **kwargs)


# ------------------------------------------------------------- waiting vs deadline


def test_waiting_period_ending_on_holiday_is_not_moved() -> None:
    """A waiting period ending on 2023-10-01 (National Day) still allows action on 2023-10-02."""
    after = first_day_after_period(date(2023, 4, 1), months=6)
    assert after.value == date(2023, 10, 2)
    assert after.rule == RULE_WAITING_PERIOD
    assert WAITING_PERIOD_INTERPRETATION.citation in after.sources
    assert "2023-10-01" in after.explanation
    assert "2023-10-02" in after.explanation_zh


def test_deadline_ending_on_holiday_moves_to_next_working_day() -> None:
    """A time limit ending on 2023-10-01 moves to 2023-10-07, a make-up working Saturday."""
    result = deadline(date(2023, 4, 1), months=6)
    assert result.value == date(2023, 10, 7)
    assert result.rule == RULE_HOLIDAY_EXTENSION
    assert ART_203 in result.sources
    assert HOLIDAY_EXTENSION_INTERPRETATION.citation in result.sources
    assert "official holiday" in result.explanation
    assert "2023-10-01" in result.explanation
    assert "2023-10-07" in result.explanation
    assert "法定节假日" in result.explanation_zh


def test_deadline_ending_on_ordinary_weekend_moves() -> None:
    """A time limit ending on Saturday 2023-03-04 moves to Monday 2023-03-06 (公休日 reading)."""
    result = deadline(date(2023, 2, 4), months=1)
    assert result.value == date(2023, 3, 6)
    assert result.rule == RULE_HOLIDAY_EXTENSION
    assert "weekly rest day" in result.explanation
    assert "公休日" in result.explanation_zh


def test_deadline_on_make_up_workday_not_moved() -> None:
    """A time limit ending on make-up working Saturday 2023-10-07 stays there."""
    result = deadline(date(2023, 9, 7), months=1)
    assert result.value == date(2023, 10, 7)
    assert result.rule == RULE_DEADLINE
    assert "2023-10-07" in result.explanation


def test_deadline_on_working_day_not_moved() -> None:
    """A 15-day time limit from 2023-03-01 ends on working day 2023-03-16 unchanged."""
    result = deadline(date(2023, 3, 1), days=15)
    assert result.value == date(2023, 3, 16)
    assert result.rule == RULE_DEADLINE


def test_deadline_in_unannounced_year_refused_then_accepted() -> None:
    """A deadline ending in an unannounced year is refused; the 2027 fixture makes it exact."""
    with pytest.raises(UnannouncedYearError) as info:
        deadline(date(2030, 12, 1), months=6)
    assert info.value.year == 2031
    cal = OfficialCalendar([load_schedule(FIXTURES / "cn_2027.yaml")])
    # 2026-11-05 + 3 months = 2027-02-05, a day off in the fixture; 02-06..12 off too.
    result = deadline(date(2026, 11, 5), months=3, calendar=cal)
    assert result.value == date(2027, 2, 15)
    assert any("TEST FIXTURE" in s for s in result.sources)


# ----------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2023, 9, 28), 3, date(2023, 10, 9)),
        (date(2023, 9, 27), 1, date(2023, 9, 28)),
        (date(2023, 9, 27), 2, date(2023, 10, 7)),
        (date(2024, 2, 2), 1, date(2024, 2, 4)),
        (date(2024, 2, 8), 2, date(2024, 2, 18)),
        (date(2024, 2, 8), 5, date(2024, 2, 21)),
    ],
)
def test_working_day_deadlines_across_holidays(start: date, n: int, expected: date) -> None:
    """N working days across National Day 2023 and Spring Festival 2024 count make-up days."""
    result = working_day_deadline(start, n)
    assert result.value == expected
    assert result.rule == RULE_WORKING_DAYS


def test_working_day_deadline_rejects_zero() -> None:
    """Zero working days is not a deadline."""
    with pytest.raises(PeriodError):
        working_day_deadline(date(2023, 9, 28), 0)


# ------------------------------------------------------------- interpretation texts


@pytest.mark.parametrize("interp", [HOLIDAY_EXTENSION_INTERPRETATION, WAITING_PERIOD_INTERPRETATION])
def test_interpretations_are_citable(interp: Interpretation) -> None:
    """Both interpretations carry clause, question and decision in English and Chinese."""
    data = interp.as_dict()
    for key in ("id", "clause", "question", "question_zh", "decision", "decision_zh"):
        assert data[key].strip()
    assert "第二百零三条" in data["clause"]


# ---------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(a=stable_starts, b=stable_starts, months=month_counts)
def test_prop_period_end_monotone(a: date, b: date, months: int) -> None:
    """A later start never gives an earlier period end."""
    lo, hi = min(a, b), max(a, b)
    assert period_end(lo, months=months).value <= period_end(hi, months=months).value


@settings(max_examples=200, deadline=None)
@given(start=stable_starts, months=month_counts)
def test_prop_corresponding_day_rule(start: date, months: int) -> None:
    """The end is the corresponding day if it exists, else the last day of the final month."""
    end = period_end(start, months=months).value
    index = start.year * 12 + start.month - 1 + months
    assert (end.year, end.month) == (index // 12, index % 12 + 1)
    last = _last_day_of_month(end.year, end.month)
    assert end.day == (start.day if start.day <= last else last)


@settings(max_examples=200, deadline=None)
@given(start=stable_starts, units=month_or_day_units)
def test_prop_deadline_not_before_period_end(start: date, units: tuple[int, int]) -> None:
    """deadline() >= period_end(), lands on a working day, and waits only over rest days."""
    months, days = units
    end = period_end(start, months=months, days=days).value
    due = deadline(start, months=months, days=days).value
    cal = default_calendar()
    assert due >= end
    assert cal.is_working_day(due)
    if due > end:
        assert cal.is_rest_day(end)
        assert cal.count_working_days(end, due - timedelta(days=1)) == 0


@settings(max_examples=200, deadline=None)
@given(start=stable_starts, days=st.integers(1, 400))
def test_prop_first_day_after_is_next_day(start: date, days: int) -> None:
    """The first day after a period is always period_end + 1, holidays or not."""
    end = period_end(start, days=days).value
    assert first_day_after_period(start, days=days).value == end + timedelta(days=1)
