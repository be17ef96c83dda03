"""The official Chinese working-day calendar, with its sources and its limits.

Why this module exists: credit-repair rules say "within N working days" (N 个工作日)
and "if the last day is a 法定休假日 the period ends on the next day" (《民法典》
第二百零三条).  Both need the *official* calendar of the year: the State Council
announces each year which weekdays are days off (法定节假日 and bridging days) and
which Saturdays or Sundays are worked instead (调休上班日).  Counting Monday to
Friday would be wrong around every long holiday, so we refuse to guess:

* The years whose official schedule is known come from the ``holidays`` package's
  own data: a year is *announced* when the package lists special (substituted)
  days for China in that year, which it does only after the State Council notice
  is published.  Nothing here hard-codes a year, so upgrading ``holidays`` extends
  the calendar automatically.
* A computation that must look at a day of an unannounced year raises
  :class:`~medcredit.diagnostics.errors.UnannouncedYearError` naming the year, unless the caller
  supplies that year's schedule as a small YAML/JSON file (:func:`load_schedule`);
  a supplied schedule overrides the package for its year.
* Days outside the supported range (before the first announced year of the package,
  before 2000 or after 2100) raise :class:`~medcredit.diagnostics.errors.CalendarRangeError`.

Working day: a day that is not an official day off and is either Monday to Friday or
a make-up working day.  Rest day (休息日): every other day, i.e. official days off and
ordinary Saturdays/Sundays.  :meth:`OfficialCalendar.is_holiday` tells the two kinds of
rest day apart so explanations can say which one moved a deadline; the decision that
both kinds count as 法定休假日 for 第二百零三条 is recorded in
:data:`medcredit.time.periods.HOLIDAY_EXTENSION_INTERPRETATION`.

Caveat recorded for auditors: a late-December make-up working day can be announced in
the *next* year's notice (e.g. 2001-12-29 came with the 2002 notice); until that notice
exists, the package cannot know it, and neither can we.

The engine is pure: nothing here reads the clock.  Per-year tables are cached (sorted
working-day ordinals) so that counting and adding working days is a couple of binary
searches, cheap enough for batch runs of millions of deadlines.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import holidays
from holidays.countries import china as china_module
from holidays.holiday_base import HolidayBase
from pydantic import BaseModel, BeforeValidator, ConfigDict, StrictInt, StrictStr, ValidationError
from pydantic_core import PydanticCustomError

from medcredit.diagnostics.errors import (
    ArgumentError,
    CalendarRangeError,
    PeriodError,
    ProblemsError,
    ScheduleError,
    UnannouncedYearError,
)
from medcredit.diagnostics.problems import Problem, YamlPath
from medcredit.io.pydantic_problems import problems_from_validation
from medcredit.io.yamlload import Located, load_yaml_file

__all__ = [
    "FIRST_SUPPORTED_DATE",
    "HOLIDAYS_VERSION",
    "LAST_SUPPORTED_DATE",
    "RULE_NEXT_WORKING_DAY",
    "RULE_WORKING_DAYS",
    "ComputedDate",
    "OfficialCalendar",
    "Schedule",
    "calendar_year_range",
    "check_date_range",
    "default_calendar",
    "load_schedule",
    "package_announced_years",
    "schedule_from_data",
]

#: Plain date arithmetic (periods) is supported from this day ...
FIRST_SUPPORTED_DATE = date(2000, 1, 1)
#: ... to this day; outside it a :class:`CalendarRangeError` is raised.
LAST_SUPPORTED_DATE = date(2100, 12, 31)

#: Version of the ``holidays`` package whose data is used, quoted in every source.
HOLIDAYS_VERSION: str = str(getattr(holidays, "__version__", "unknown"))

#: Stable rule id of :meth:`OfficialCalendar.add_working_days`.
RULE_WORKING_DAYS = "working_days"
#: Stable rule id of :meth:`OfficialCalendar.next_working_day_on_or_after`.
RULE_NEXT_WORKING_DAY = "next_working_day"

#: 《民法典》第二百零一条: the starting day of a period is not counted.
_ART_201 = "《民法典》第二百零一条"
_ONE_DAY = timedelta(days=1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
#: The package's China class, typed (its ``__init__`` takes untyped ``**kwargs``).
_make_china: Callable[..., HolidayBase] = china_module.China
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class ComputedDate:
    """A date together with the rule, the reasons and the sources that produced it.

    Traces show ``explanation``/``explanation_zh`` to people and keep ``rule`` and
    ``sources`` so that an auditor can re-derive the date independently.
    """

    value: date
    rule: str
    explanation: str
    explanation_zh: str
    sources: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form for traces (the date as ISO text)."""
        return {
            "value": self.value.isoformat(),
            "rule": self.rule,
            "explanation": self.explanation,
            "explanation_zh": self.explanation_zh,
            "sources": list(self.sources),
        }


# --------------------------------------------------------------------------- range


def check_date_range(d: date, what: str = "date") -> None:
    """Refuse dates outside 2000-01-01..2100-12-31, where no rule of ours is meant to apply."""
    if not FIRST_SUPPORTED_DATE <= d <= LAST_SUPPORTED_DATE:
        raise CalendarRangeError(
            f"{what} {d.isoformat()} is outside the supported range "
            f"{FIRST_SUPPORTED_DATE.isoformat()} to {LAST_SUPPORTED_DATE.isoformat()}"
        )


# ------------------------------------------------------------- package (holidays) data


@functools.cache
def package_announced_years() -> frozenset[int]:
    """Years whose official Chinese schedule the installed ``holidays`` package knows.

    The package records the State Council's substituted days (调休) per year in
    ``ChinaStaticHolidays.special_public_holidays``; it adds a year there only once
    the notice is published, so the keys are exactly the announced years.  If a
    future release moves that table, we fall back to the years that have weekend
    make-up working days in a China instance, which carry the same information.
    """
    years = _years_from_static_table()
    if not years:
        years = _years_from_weekend_workdays()
    return frozenset(y for y in years if FIRST_SUPPORTED_DATE.year <= y <= LAST_SUPPORTED_DATE.year)


def _years_from_static_table() -> set[int]:
    """Keys of the package's table of special (substituted) Chinese days, if present."""
    static = getattr(china_module, "ChinaStaticHolidays", None)
    years: set[int] = set()
    for name in ("special_public_holidays", "special_public_holidays_observed"):
        table = getattr(static, name, None)
        if isinstance(table, Mapping):
            years.update(int(y) for y in table)
    return years


def _years_from_weekend_workdays() -> set[int]:
    """Years with at least one make-up working day in the package (fallback derivation)."""
    span = range(FIRST_SUPPORTED_DATE.year, LAST_SUPPORTED_DATE.year + 1)
    instance = _make_china(years=span)
    return {d.year for d in instance.weekend_workdays}


@functools.cache
def calendar_year_range() -> tuple[int, int]:
    """First and last year of working-day computations.

    The first year is the first the package has an official schedule for (never
    before 2000); the last is 2100.  Years between them that are not announced are
    *unannounced*, not out of range: a schedule file can supply them.
    """
    announced = package_announced_years()
    first = max(FIRST_SUPPORTED_DATE.year, min(announced, default=FIRST_SUPPORTED_DATE.year))
    return first, LAST_SUPPORTED_DATE.year


@functools.cache
def _package_days() -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Days off and make-up working days per announced year, from one package instance.

    One instance spanning all announced years (plus neighbours) is built because a
    substituted day can be declared in another year's notice; every date is then
    filed under its own year, never under the instance year that mentioned it.
    """
    announced = package_announced_years()
    if not announced:
        return {}
    span = range(min(announced) - 1, max(announced) + 2)
    instance = _make_china(years=span, categories=(holidays.PUBLIC,))
    off: dict[int, set[date]] = {y: set() for y in announced}
    worked: dict[int, set[date]] = {y: set() for y in announced}
    for day in instance:
        if day.year in off:
            off[day.year].add(day)
    for day in instance.weekend_workdays:
        if day.year in worked:
            worked[day.year].add(day)
    return {y: (frozenset(off[y]), frozenset(worked[y])) for y in announced}


# ------------------------------------------------------------------- supplied schedules


@dataclass(frozen=True)
class Schedule:
    """One year's official schedule supplied by the caller (overrides the package).

    ``days_off`` are statutory holidays and bridging days off; ``make_up_workdays``
    are Saturdays/Sundays that are worked.  Construction validates the same rules
    as :func:`load_schedule`, so a hand-built schedule cannot be inconsistent.
    """

    year: int
    days_off: frozenset[date]
    make_up_workdays: frozenset[date]
    source: str
    file: str | None = None

    def __post_init__(self) -> None:
        off = [(("days_off", i), d) for i, d in enumerate(sorted(self.days_off))]
        worked = [(("make_up_workdays", i), d) for i, d in enumerate(sorted(self.make_up_workdays))]
        findings = _schedule_findings(self.year, self.source, off, worked)
        if findings:
            file = self.file or f"<schedule {self.year}>"
            problems = [Problem(code=c, message=m, file=file, path=p) for c, m, p in findings]
            raise ScheduleError(f"{file}: invalid holiday schedule", problems)

    def describe_source(self) -> str:
        """The notice cited for this schedule, with the file it was read from."""
        return f"{self.source} ({self.file})" if self.file else self.source


def _parse_iso_date(value: Any) -> Any:
    """Accept only ``YYYY-MM-DD`` text (or a date), so typos cannot become timestamps."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
        raise PydanticCustomError("date_format", "expected a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise PydanticCustomError(
            "invalid_date",
            "{text} is not a real calendar date ({reason})",
            {"text": value.strip(), "reason": str(exc)},
        ) from exc


_IsoDate = Annotated[date, BeforeValidator(_parse_iso_date)]


class _ScheduleModel(BaseModel):
    """The file format of a supplied schedule; unknown keys are rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: StrictInt
    source: StrictStr
    days_off: list[_IsoDate]
    make_up_workdays: list[_IsoDate]


Finding = tuple[str, str, YamlPath]


def _schedule_findings(
    year: int,
    source: str,
    days_off: Sequence[tuple[YamlPath, date]],
    make_up: Sequence[tuple[YamlPath, date]],
) -> list[Finding]:
    """Consistency problems of a schedule: range, year, weekday, duplicates, overlap."""
    first, last = calendar_year_range()
    findings: list[Finding] = []
    if not source.strip():
        findings.append(("schedule-source", "source must name the official notice", ("source",)))
    if not first <= year <= last:
        msg = f"year {year} is outside the supported range {first} to {last}"
        findings.append(("schedule-year-range", msg, ("year",)))
    for field_name, items in (("days_off", days_off), ("make_up_workdays", make_up)):
        findings.extend(_field_findings(year, field_name, items))
    off_days = {d for _, d in days_off}
    for path, d in make_up:
        if d.weekday() < 5:
            msg = (
                f"make_up_workdays: {d.isoformat()} is a {_WEEKDAYS[d.weekday()]}; "
                "a make-up workday must be a Saturday or Sunday"
            )
            findings.append(("schedule-makeup-weekday", msg, path))
        if d in off_days:
            msg = f"make_up_workdays: {d.isoformat()} is also listed in days_off"
            findings.append(("schedule-off-and-worked", msg, path))
    return findings


def _field_findings(year: int, field_name: str, items: Sequence[tuple[YamlPath, date]]) -> list[Finding]:
    """Dates of one list that are in another year or listed twice."""
    findings: list[Finding] = []
    seen: set[date] = set()
    for path, d in items:
        if d.year != year:
            msg = f"{field_name}: {d.isoformat()} is not in the schedule's year {year}"
            findings.append(("schedule-date-year", msg, path))
        if d in seen:
            msg = f"{field_name}: {d.isoformat()} is listed more than once"
            findings.append(("schedule-duplicate-date", msg, path))
        seen.add(d)
    return findings


def schedule_from_data(located: Located) -> Schedule:
    """Validate a parsed schedule document; every problem is located (file:line:column)."""
    if not isinstance(located.data, dict):
        msg = "a schedule must be a mapping with keys year, source, days_off, make_up_workdays"
        problem = located.problem("schedule-not-mapping", msg, ())
        raise ScheduleError(f"{located.file}: invalid holiday schedule", [problem])
    try:
        model = _ScheduleModel.model_validate(located.data)
    except ValidationError as exc:
        problems = problems_from_validation(
            exc, _ScheduleModel, file=located.file, locate=located.where, code_prefix="schedule", data=located.data
        )
        raise ScheduleError(f"{located.file}: invalid holiday schedule", problems) from exc
    off = [(("days_off", i), d) for i, d in enumerate(model.days_off)]
    worked = [(("make_up_workdays", i), d) for i, d in enumerate(model.make_up_workdays)]
    findings = _schedule_findings(model.year, model.source, off, worked)
    if findings:
        problems = [located.problem(code, msg, path) for code, msg, path in findings]
        raise ScheduleError(f"{located.file}: invalid holiday schedule", problems)
    return Schedule(
        year=model.year,
        days_off=frozenset(model.days_off),
        make_up_workdays=frozenset(model.make_up_workdays),
        source=model.source.strip(),
        file=located.file,
    )


def load_schedule(path: str | Path) -> Schedule:
    """Read a YAML or JSON schedule file; any problem raises :class:`ScheduleError`."""
    try:
        located = load_yaml_file(Path(path))
    except ScheduleError:
        raise
    except ProblemsError as exc:
        raise ScheduleError(f"{path}: cannot read holiday schedule", exc.problems) from exc
    return schedule_from_data(located)


# ------------------------------------------------------------------------ the calendar


@dataclass(frozen=True, slots=True)
class _YearTable:
    """Everything needed to answer questions about one year, precomputed once."""

    year: int
    days_off: frozenset[date]
    make_up: frozenset[date]
    working: tuple[int, ...]  # sorted ordinals of the year's working days
    source: str


def _build_table(year: int, days_off: frozenset[date], make_up: frozenset[date], source: str) -> _YearTable:
    """Precompute the sorted working-day ordinals of ``year``."""
    day = date(year, 1, 1)
    working: list[int] = []
    while day.year == year:
        if day not in days_off and (day.weekday() < 5 or day in make_up):
            working.append(day.toordinal())
        day += _ONE_DAY
    return _YearTable(year, days_off, make_up, tuple(working), source)


def _ordinal_suffix(n: int) -> str:
    """English ordinal of ``n`` (1st, 2nd, 3rd, 11th ...), for explanations."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _day(d: object) -> date:
    """``d`` if it is a calendar day; a datetime (a moment, not a day), a string or anything else is refused."""
    if not isinstance(d, date) or isinstance(d, datetime):
        raise ArgumentError(f"a day must be a datetime.date, got {type(d).__name__} {d!r:.40}")
    return d


class OfficialCalendar:
    """Working days of mainland China by the official annual schedules.

    Built from the ``holidays`` package plus any supplied :class:`Schedule` (which
    wins for its year).  Every method that needs a day of a year without a known
    schedule raises :class:`UnannouncedYearError` for that year; it never guesses.
    """

    def __init__(self, schedules: Iterable[Schedule] = ()) -> None:
        supplied: dict[int, Schedule] = {}
        for schedule in schedules:
            if schedule.year in supplied:
                file = schedule.file or f"<schedule {schedule.year}>"
                msg = f"a schedule for {schedule.year} was already supplied"
                problem = Problem(code="schedule-duplicate-year", message=msg, file=file, path=("year",))
                raise ScheduleError(f"two schedules supplied for {schedule.year}", [problem])
            supplied[schedule.year] = schedule
        self._supplied = supplied
        self._tables: dict[int, _YearTable] = {}
        self.first_year, self.last_year = calendar_year_range()

    def __repr__(self) -> str:
        return f"OfficialCalendar(supplied_years={sorted(self._supplied)})"

    # ---------------------------------------------------------------- year bookkeeping

    def announced_years(self) -> frozenset[int]:
        """Years answerable exactly: the package's announced years and supplied years."""
        return package_announced_years() | frozenset(self._supplied)

    def source_for(self, year: int) -> str:
        """The citation for ``year``'s schedule (supplied notice or package version)."""
        self._check_year(year)
        if year in self._supplied:
            return self._supplied[year].describe_source()
        if year in package_announced_years():
            return f"holidays {HOLIDAYS_VERSION} official schedule {year} (China)"
        raise UnannouncedYearError(year)

    def _check_year(self, year: int) -> None:
        """Range check; years outside it cannot be supplied either."""
        if isinstance(year, bool) or not isinstance(year, int):
            raise ArgumentError(f"year must be an int, got {type(year).__name__} {year!r:.40}")
        if not self.first_year <= year <= self.last_year:
            raise CalendarRangeError(
                f"year {year} is outside the working-day calendar's range "
                f"{self.first_year} to {self.last_year} (holidays {HOLIDAYS_VERSION} has no "
                f"official Chinese schedule before {self.first_year})"
            )

    def _check_day(self, d: date) -> None:
        """Type and range check for a date given by the caller."""
        _day(d)
        self._check_year(d.year)

    def _table(self, year: int) -> _YearTable:
        """The cached table of ``year``, built on first use."""
        table = self._tables.get(year)
        if table is None:
            table = self._load_table(year)
            self._tables[year] = table
        return table

    def _load_table(self, year: int) -> _YearTable:
        """Build a year's table from the supplied schedule or the package."""
        source = self.source_for(year)  # raises for out-of-range and unannounced years
        if year in self._supplied:
            sched = self._supplied[year]
            return _build_table(year, sched.days_off, sched.make_up_workdays, source)
        off, worked = _package_days()[year]
        return _build_table(year, off, worked, source)

    # --------------------------------------------------------------------- single days

    def is_working_day(self, d: date) -> bool:
        """True on weekdays that are not days off and on make-up working days (调休)."""
        table = self._table(_day(d).year)
        if d in table.days_off:
            return False
        return d.weekday() < 5 or d in table.make_up

    def is_rest_day(self, d: date) -> bool:
        """True on official days off and on Saturdays/Sundays that are not worked."""
        return not self.is_working_day(d)

    def is_holiday(self, d: date) -> bool:
        """True on an official day off (statutory holiday or announced bridging day).

        Unlike :meth:`is_rest_day` this is False on an ordinary weekend; explanations
        use it to say *why* a day is a rest day.
        """
        return d in self._table(_day(d).year).days_off

    # ------------------------------------------------------------------- computations

    def add_working_days(self, start: date, n: int) -> ComputedDate:
        """The ``n``-th working day after ``start`` (the start day itself is not counted)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PeriodError(f"the number of working days must be a whole number >= 1, got {n!r}")
        self._check_day(start)
        first = start + _ONE_DAY
        year, remaining = first.year, n
        index = bisect_left(self._table(year).working, first.toordinal())
        while True:
            working = self._table(year).working
            available = len(working) - index
            if remaining <= available:
                value = date.fromordinal(working[index + remaining - 1])
                break
            remaining -= available
            year, index = year + 1, 0
        return self._working_days_result(start, n, value)

    def _working_days_result(self, start: date, n: int, value: date) -> ComputedDate:
        """Wrap an :meth:`add_working_days` answer with its reasons and sources."""
        years = range((start + _ONE_DAY).year, value.year + 1)
        sources = (_ART_201, *(self.source_for(y) for y in years))
        return ComputedDate(
            value=value,
            rule=RULE_WORKING_DAYS,
            explanation=(
                f"The {_ordinal_suffix(n)} working day after {start.isoformat()} (start day not "
                f"counted) is {value.isoformat()} under the official calendar, which counts "
                "make-up working days and skips holidays and rest days."
            ),
            explanation_zh=(
                f"{start.isoformat()}之后第{n}个工作日（开始当日不计入）为{value.isoformat()}"
                "（按国务院公布的节假日安排，调休上班日计入，节假日和休息日不计入）。"
            ),
            sources=sources,
        )

    def count_working_days(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``: the start day is not counted, the end day is."""
        if _day(end) < _day(start):
            raise PeriodError(
                f"end {end.isoformat()} is before start {start.isoformat()}; cannot count working days backwards"
            )
        self._check_day(start)
        self._check_day(end)
        if end == start:
            return 0
        lo, hi = start.toordinal(), end.toordinal()
        total = 0
        for year in range((start + _ONE_DAY).year, end.year + 1):
            working = self._table(year).working
            total += bisect_right(working, hi) - bisect_right(working, lo)
        return total

    def next_working_day_on_or_after(self, d: date) -> ComputedDate:
        """``d`` itself if it is a working day, else the first working day after it."""
        self._check_day(d)
        year = d.year
        index = bisect_left(self._table(year).working, d.toordinal())
        while index >= len(self._table(year).working):
            year, index = year + 1, 0
        value = date.fromordinal(self._table(year).working[index])
        sources = tuple(self.source_for(y) for y in range(d.year, value.year + 1))
        if value == d:
            text = f"{d.isoformat()} is a working day in the official calendar."
            text_zh = f"{d.isoformat()}为工作日（按国务院公布的节假日安排）。"
        else:
            text = (
                f"{d.isoformat()} is a rest day in the official calendar; the next working day is {value.isoformat()}."
            )
            text_zh = f"{d.isoformat()}为休息日，其后第一个工作日为{value.isoformat()}。"
        return ComputedDate(value, RULE_NEXT_WORKING_DAY, text, text_zh, sources)


@functools.cache
def default_calendar() -> OfficialCalendar:
    """The shared calendar with package data only (its per-year cache is reused)."""
    return OfficialCalendar()
