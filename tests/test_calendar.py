"""Tests of the official working-day calendar (medcredit.time.official_calendar)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest
from holidays.countries.china import ChinaStaticHolidays
from hypothesis import given, settings
from hypothesis import strategies as st

from medcredit.diagnostics.errors import (
    CalendarRangeError,
    PeriodError,
    ScheduleError,
    UnannouncedYearError,
)
from medcredit.io.yamlload import load_yaml
from medcredit.time.official_calendar import (
    HOLIDAYS_VERSION,
    RULE_NEXT_WORKING_DAY,
    RULE_WORKING_DAYS,
    ComputedDate,
    OfficialCalendar,
    Schedule,
    calendar_year_range,
    default_calendar,
    load_schedule,
    package_announced_years,
    schedule_from_data,
)

FIXTURES = Path(__file__).parent / "fixtures" / "schedules"
#: Far enough ahead that no holidays release will have announced it for years.
FAR_YEAR = 2031

# Dates whose years every holidays release from 0.109 on knows officially.
stable_dates = st.dates(min_value=date(2005, 1, 1), max_value=date(2025, 6, 30))


@pytest.fixture(scope="module")
def cal() -> OfficialCalendar:
    """The package-only calendar shared by these tests."""
    return default_calendar()


@pytest.fixture(scope="module")
def cal_2027() -> OfficialCalendar:
    """A calendar with the hypothetical 2027 fixture schedule supplied."""
    return OfficialCalendar([load_schedule(FIXTURES / "cn_2027.yaml")])


# ------------------------------------------------------------------- announced years


def test_announced_years_come_from_package_table() -> None:
    """Announced years are exactly the years with special China days in the holidays data."""
    expected = {y for y in ChinaStaticHolidays.special_public_holidays if 2000 <= y <= 2100}
    assert package_announced_years() == frozenset(expected)
    assert set(range(2001, 2027)) <= package_announced_years()
    assert FAR_YEAR not in package_announced_years()


def test_calendar_range_starts_at_first_package_year() -> None:
    """The working-day range starts at the package's first announced year and ends in 2100."""
    first, last = calendar_year_range()
    assert first == max(2000, min(package_announced_years()))
    assert last == 2100


def test_announced_years_include_supplied(cal_2027: OfficialCalendar) -> None:
    """A supplied schedule adds its year to announced_years()."""
    assert 2027 in cal_2027.announced_years()
    assert package_announced_years() <= cal_2027.announced_years()


def test_source_for_package_and_supplied_years(cal_2027: OfficialCalendar) -> None:
    """source_for cites the holidays version for package years and the notice+file otherwise."""
    expected = f"holidays {HOLIDAYS_VERSION} official schedule 2023 (China)"
    assert cal_2027.source_for(2023) == expected
    src = cal_2027.source_for(2027)
    assert "TEST FIXTURE" in src
    assert "cn_2027.yaml" in src


def test_default_calendar_is_cached() -> None:
    """default_calendar() returns the same instance, so its per-year cache is shared."""
    assert default_calendar() is default_calendar()


# ------------------------------------------------------------------ single-day checks


@pytest.mark.parametrize("year", [2023, 2024, 2025])
def test_agrees_with_package_for_whole_years(cal: OfficialCalendar, year: int) -> None:
    """Every day of a mid-range announced year matches holidays' own is_working_day."""
    package = holidays.country_holidays("CN", years=range(year - 1, year + 2))
    day = date(year, 1, 1)
    while day.year == year:
        assert cal.is_working_day(day) == package.is_working_day(day), day
        day += timedelta(days=1)


def test_national_day_2023(cal: OfficialCalendar) -> None:
    """2023-09-29..10-06 are rest days; Saturday 10-07 and Sunday 10-08 are worked."""
    for offset in range(8):
        assert cal.is_rest_day(date(2023, 9, 29) + timedelta(days=offset))
    assert cal.is_working_day(date(2023, 10, 7))
    assert cal.is_working_day(date(2023, 10, 8))
    assert cal.is_working_day(date(2023, 9, 28))


def test_spring_festival_2024(cal: OfficialCalendar) -> None:
    """2024-02-10..17 are off; Sundays 02-04 and 02-18 are make-up working days."""
    for offset in range(8):
        assert cal.is_rest_day(date(2024, 2, 10) + timedelta(days=offset))
    assert cal.is_working_day(date(2024, 2, 4))
    assert cal.is_working_day(date(2024, 2, 18))


def test_is_holiday_distinguishes_weekends(cal: OfficialCalendar) -> None:
    """is_holiday is True on official days off and False on an ordinary weekend day."""
    assert cal.is_holiday(date(2023, 10, 2))
    assert not cal.is_holiday(date(2023, 3, 4))  # ordinary Saturday
    assert cal.is_rest_day(date(2023, 3, 4))


def test_cross_year_make_up_day_filed_under_its_year(cal: OfficialCalendar) -> None:
    """2001-12-29 (Sat), announced in the 2002 notice, is a 2001 working day; no leak elsewhere."""
    assert cal.is_working_day(date(2001, 12, 29))
    assert cal.is_working_day(date(2001, 12, 30))
    assert cal.is_rest_day(date(2025, 12, 27))  # an ordinary Saturday stays a rest day


# ---------------------------------------------------------------------- computations


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2023, 9, 28), 1, date(2023, 10, 7)),
        (date(2023, 9, 28), 2, date(2023, 10, 8)),
        (date(2023, 9, 28), 3, date(2023, 10, 9)),
        (date(2024, 2, 2), 1, date(2024, 2, 4)),
        (date(2024, 2, 8), 1, date(2024, 2, 9)),
        (date(2024, 2, 9), 1, date(2024, 2, 18)),
        (date(2024, 2, 9), 2, date(2024, 2, 19)),
        (date(2023, 12, 29), 1, date(2024, 1, 2)),
    ],
)
def test_add_working_days_across_holidays(cal: OfficialCalendar, start: date, n: int, expected: date) -> None:
    """The n-th working day after start skips holidays and counts make-up working days."""
    result = cal.add_working_days(start, n)
    assert result.value == expected
    assert result.rule == RULE_WORKING_DAYS
    assert start.isoformat() in result.explanation
    assert expected.isoformat() in result.explanation_zh
    assert "《民法典》第二百零一条" in result.sources


def test_add_working_days_agrees_with_package_walk(cal: OfficialCalendar) -> None:
    """3 working days after 2023-09-28, stepping with holidays.is_working_day, is 2023-10-09."""
    package = holidays.country_holidays("CN", years=2023)
    day, found = date(2023, 9, 28), 0
    while found < 3:
        day += timedelta(days=1)
        found += package.is_working_day(day)
    assert day == date(2023, 10, 9) == cal.add_working_days(date(2023, 9, 28), 3).value


def test_add_working_days_cites_every_year(cal: OfficialCalendar) -> None:
    """A computation crossing New Year cites both years' schedules."""
    result = cal.add_working_days(date(2023, 12, 28), 5)
    assert any("2023" in s for s in result.sources)
    assert any("2024" in s for s in result.sources)


@pytest.mark.parametrize("n", [0, -1])
def test_add_working_days_rejects_non_positive(cal: OfficialCalendar, n: int) -> None:
    """n must be at least 1: "within 0 working days" is not a deadline."""
    with pytest.raises(PeriodError):
        cal.add_working_days(date(2023, 5, 5), n)


def test_count_working_days(cal: OfficialCalendar) -> None:
    """Counting is over (start, end]: start excluded, end included, make-up days counted."""
    assert cal.count_working_days(date(2023, 9, 28), date(2023, 10, 9)) == 3
    assert cal.count_working_days(date(2023, 9, 28), date(2023, 9, 28)) == 0
    assert cal.count_working_days(date(2024, 2, 9), date(2024, 2, 18)) == 1
    assert cal.count_working_days(date(2022, 12, 31), date(2023, 12, 31)) == 249


def test_count_working_days_rejects_end_before_start(cal: OfficialCalendar) -> None:
    """An end before the start is a PeriodError, not zero."""
    with pytest.raises(PeriodError, match="before start"):
        cal.count_working_days(date(2023, 10, 9), date(2023, 9, 28))


def test_next_working_day_on_or_after(cal: OfficialCalendar) -> None:
    """A working day is returned as is; a rest day moves to the next (make-up) working day."""
    same = cal.next_working_day_on_or_after(date(2023, 10, 9))
    assert same.value == date(2023, 10, 9)
    moved = cal.next_working_day_on_or_after(date(2023, 10, 1))
    assert moved.value == date(2023, 10, 7)
    assert moved.rule == RULE_NEXT_WORKING_DAY
    assert "2023-10-01" in moved.explanation
    assert "2023-10-07" in moved.explanation


def test_computed_date_as_dict(cal: OfficialCalendar) -> None:
    """ComputedDate.as_dict is JSON-ready, with the date as ISO text."""
    result = cal.add_working_days(date(2023, 9, 28), 3)
    assert isinstance(result, ComputedDate)
    assert result.as_dict()["value"] == "2023-10-09"


# ---------------------------------------------------------------- unannounced years


def test_far_year_is_refused(cal: OfficialCalendar) -> None:
    """A day in an unannounced year raises UnannouncedYearError naming that year."""
    with pytest.raises(UnannouncedYearError) as info:
        cal.is_working_day(date(FAR_YEAR, 3, 4))
    assert info.value.year == FAR_YEAR
    assert str(FAR_YEAR) in str(info.value)


def test_far_year_refused_then_accepted_with_schedule(cal: OfficialCalendar) -> None:
    """The same computation succeeds once the caller supplies that year's schedule."""
    start = date(FAR_YEAR, 1, 2)
    with pytest.raises(UnannouncedYearError):
        cal.add_working_days(start, 1)
    schedule = Schedule(
        year=FAR_YEAR,
        days_off=frozenset({date(FAR_YEAR, 1, 1), date(FAR_YEAR, 1, 3)}),
        make_up_workdays=frozenset({date(FAR_YEAR, 1, 4)}),
        source="hand-built test schedule",
    )
    supplied = OfficialCalendar([schedule])
    assert supplied.add_working_days(start, 1).value == date(FAR_YEAR, 1, 4)  # Saturday worked
    assert supplied.source_for(FAR_YEAR) == "hand-built test schedule"


def test_lookahead_into_unannounced_year_is_refused(cal: OfficialCalendar) -> None:
    """Counting from the last day of an announced year needs the next year's schedule."""
    last = max(package_announced_years())
    with pytest.raises(UnannouncedYearError) as info:
        cal.add_working_days(date(last, 12, 31), 1)
    assert info.value.year == last + 1


@pytest.mark.skipif(2027 in package_announced_years(), reason="holidays already knows 2027")
def test_2027_refused_without_schedule(cal: OfficialCalendar) -> None:
    """Without a supplied schedule, 2027 (not announced in holidays 0.109) is refused."""
    with pytest.raises(UnannouncedYearError) as info:
        cal.is_working_day(date(2027, 2, 20))
    assert info.value.year == 2027


def test_2027_accepted_with_fixture(cal_2027: OfficialCalendar) -> None:
    """With the 2027 fixture: days off are rest, make-up Saturday is worked, counting crosses."""
    assert cal_2027.is_rest_day(date(2027, 2, 8))
    assert cal_2027.is_working_day(date(2027, 2, 20))
    assert cal_2027.is_working_day(date(2027, 2, 15))
    # 2026-12-31 -> 2027-01-01 off, 01-02/03 weekend -> Monday 01-04
    result = cal_2027.add_working_days(date(2026, 12, 31), 1)
    assert result.value == date(2027, 1, 4)
    assert any("TEST FIXTURE" in s for s in result.sources)
    assert cal_2027.add_working_days(date(2027, 2, 4), 1).value == date(2027, 2, 15)


def test_json_schedule_loads() -> None:
    """A JSON schedule parses through the same loader and validation."""
    schedule = load_schedule(FIXTURES / "cn_2027.json")
    assert schedule.year == 2027
    assert date(2027, 2, 20) in schedule.make_up_workdays
    assert schedule.file is not None
    assert schedule.file.endswith("cn_2027.json")


def test_supplied_schedule_overrides_package() -> None:
    """A supplied schedule for a package year replaces the package's days for that year."""
    schedule = Schedule(
        year=2023,
        days_off=frozenset({date(2023, 3, 1)}),
        make_up_workdays=frozenset(),
        source="override test",
    )
    cal = OfficialCalendar([schedule])
    assert cal.is_rest_day(date(2023, 3, 1))
    assert cal.is_working_day(date(2023, 10, 2))
    assert cal.source_for(2023) == "override test"


def test_two_schedules_for_one_year_rejected() -> None:
    """Supplying two schedules for the same year is ambiguous and raises ScheduleError."""
    schedule = load_schedule(FIXTURES / "cn_2027.yaml")
    with pytest.raises(ScheduleError, match="2027"):
        OfficialCalendar([schedule, load_schedule(FIXTURES / "cn_2027.json")])


# ---------------------------------------------------------------- schedule file errors


def _problems(name: str) -> list[tuple[str, int, tuple[str | int, ...]]]:
    """(code, line, path) of every problem found in a bad fixture."""
    with pytest.raises(ScheduleError) as info:
        load_schedule(FIXTURES / name)
    for problem in info.value.problems:
        assert problem.file.endswith(name)
        assert problem.column >= 1
    return [(p.code, p.line, p.path) for p in info.value.problems]


def test_day_both_off_and_worked() -> None:
    """A date in both lists is reported at its make_up_workdays entry (line 7)."""
    assert _problems("bad_off_and_worked.yaml") == [("schedule-off-and-worked", 7, ("make_up_workdays", 0))]


def test_date_outside_year() -> None:
    """A 2026 date in a 2027 schedule is reported with its line and list index."""
    assert _problems("bad_outside_year.yaml") == [("schedule-date-year", 5, ("days_off", 1))]


def test_impossible_date() -> None:
    """2027-02-30 is a located validation problem, not a crash."""
    assert _problems("bad_feb30.yaml") == [("schedule-invalid-date", 5, ("days_off", 1))]


def test_unknown_key_with_line_and_suggestion() -> None:
    """An unknown key is rejected at its line (5) with the nearest valid key suggested."""
    with pytest.raises(ScheduleError) as info:
        load_schedule(FIXTURES / "bad_unknown_key.yaml")
    (problem,) = info.value.problems
    assert (problem.line, problem.column) == (5, 1)
    assert problem.path == ("makeup_workdays",)
    assert problem.suggestion == "make_up_workdays"
    assert "bad_unknown_key.yaml:5:1:" in str(info.value)


def test_make_up_workday_must_be_weekend() -> None:
    """A Monday listed as a make-up workday is rejected."""
    assert _problems("bad_weekday_makeup.yaml") == [("schedule-makeup-weekday", 5, ("make_up_workdays", 0))]


def test_duplicate_date() -> None:
    """A date listed twice is reported at its second occurrence."""
    assert _problems("bad_duplicate.yaml") == [("schedule-duplicate-date", 5, ("days_off", 1))]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("- 2027-01-01\n", "schedule-not-mapping"),
        (
            "year: 2027\nsource: x\ndays_off: [20270101]\nmake_up_workdays: []\n",
            "schedule-date-format",
        ),
        ("year: 2027\nsource: x\ndays_off: []\n", "schedule-missing"),
        ("year: '2027'\nsource: x\ndays_off: []\nmake_up_workdays: []\n", "schedule-int-type"),
        ("year: 2101\nsource: x\ndays_off: []\nmake_up_workdays: []\n", "schedule-year-range"),
        ("year: 2027\nsource: ' '\ndays_off: []\nmake_up_workdays: []\n", "schedule-source"),
    ],
)
def test_schedule_shape_errors(text: str, code: str) -> None:
    """Wrong shapes, types, missing keys, out-of-range years and empty sources are refused."""
    with pytest.raises(ScheduleError) as info:
        schedule_from_data(load_yaml(text, "inline.yaml"))
    assert code in {p.code for p in info.value.problems}


def test_malformed_yaml_is_a_schedule_error(tmp_path: Path) -> None:
    """A syntax error in a schedule file surfaces as ScheduleError with a position."""
    path = tmp_path / "broken.yaml"
    path.write_text("year: 2027\nsource: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScheduleError) as info:
        load_schedule(path)
    assert info.value.problems[0].line >= 1


def test_hand_built_schedule_is_validated() -> None:
    """Constructing an inconsistent Schedule directly raises ScheduleError as well."""
    with pytest.raises(ScheduleError, match="Saturday or Sunday"):
        Schedule(2027, frozenset(), frozenset({date(2027, 2, 22)}), "x")


# ------------------------------------------------------------------------------ range


@pytest.mark.parametrize("day", [date(2101, 1, 3), date(1999, 12, 31)])
def test_out_of_range_dates(cal: OfficialCalendar, day: date) -> None:
    """Days beyond 2100 or before the calendar's first year raise CalendarRangeError."""
    with pytest.raises(CalendarRangeError, match=str(day.year)):
        cal.is_working_day(day)


def test_before_first_package_year_is_out_of_range(cal: OfficialCalendar) -> None:
    """The year before the package's first official schedule is out of range, not unannounced."""
    with pytest.raises(CalendarRangeError):
        cal.add_working_days(date(cal.first_year - 1, 6, 1), 1)


def test_count_to_out_of_range(cal: OfficialCalendar) -> None:
    """Counting up to a day past 2100 is a range error."""
    with pytest.raises(CalendarRangeError):
        cal.count_working_days(date(2023, 1, 1), date(2101, 1, 1))


# ---------------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(start=stable_dates, n=st.integers(min_value=1, max_value=60))
def test_prop_working_day_deadline_is_working_day(start: date, n: int) -> None:
    """The n-th working day after any start is itself a working day, strictly after start."""
    cal = default_calendar()
    value = cal.add_working_days(start, n).value
    assert cal.is_working_day(value)
    assert value > start


@settings(max_examples=200, deadline=None)
@given(start=stable_dates, n=st.integers(min_value=1, max_value=60))
def test_prop_one_more_working_day_is_later(start: date, n: int) -> None:
    """Adding one more working day moves the deadline strictly later, never earlier."""
    cal = default_calendar()
    assert cal.add_working_days(start, n + 1).value > cal.add_working_days(start, n).value


@settings(max_examples=200, deadline=None)
@given(start=stable_dates, n=st.integers(min_value=1, max_value=60))
def test_prop_count_inverts_add(start: date, n: int) -> None:
    """count_working_days(start, add_working_days(start, n)) == n."""
    cal = default_calendar()
    assert cal.count_working_days(start, cal.add_working_days(start, n).value) == n


@settings(max_examples=200, deadline=None)
@given(day=stable_dates)
def test_prop_next_working_day_is_first(day: date) -> None:
    """next_working_day_on_or_after returns a working day with only rest days before it."""
    cal = default_calendar()
    value = cal.next_working_day_on_or_after(day).value
    assert cal.is_working_day(value)
    probe = day
    while probe < value:
        assert cal.is_rest_day(probe)
        probe += timedelta(days=1)
