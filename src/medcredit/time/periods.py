"""Periods and deadlines by 《民法典》 第二百零一条 to 第二百零三条.

Why a module of its own: every credit rule is phrased as a period ("公示期满 6 个月后
可申请信用修复", "15 日内作出决定", "3 个工作日内答复"), and getting the last day wrong
by one is a wrong decision about a real institution.  The rules applied:

* 第二百零一条: the starting day is not counted; a period of N days ends on start + N.
* 第二百零二条: a month/year period ends on the corresponding day of the final month,
  or on that month's last day if it has no corresponding day, at 24:00.
* 第二百零三条: if the last day is a 法定休假日, the day after the rest ends is the last
  day.  We read 法定休假日 as every non-working day of the official calendar (statutory
  holidays, announced bridging days off, and Saturdays/Sundays that are not make-up
  working days), so a *deadline* ending on any such day moves to the next working day;
  see :data:`HOLIDAY_EXTENSION_INTERPRETATION`.
* A *waiting* period (something becomes possible after it) is not extended; see
  :data:`WAITING_PERIOD_INTERPRETATION`.

Both interpretations are data so that policy packs and traces cite them verbatim.
A period mixes either years/months or days, never both: the Civil Code gives no rule
for the order in which mixed units would be applied, so we refuse to invent one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from medcredit.diagnostics.errors import CalendarRangeError, PeriodError
from medcredit.time.official_calendar import (
    LAST_SUPPORTED_DATE,
    RULE_WORKING_DAYS,
    ComputedDate,
    OfficialCalendar,
    check_date_range,
    default_calendar,
)

__all__ = [
    "ART_201",
    "ART_202",
    "ART_203",
    "HOLIDAY_EXTENSION_INTERPRETATION",
    "RULE_DAY_PERIOD",
    "RULE_DEADLINE",
    "RULE_HOLIDAY_EXTENSION",
    "RULE_MONTH_PERIOD",
    "RULE_WAITING_PERIOD",
    "RULE_WORKING_DAYS",
    "WAITING_PERIOD_INTERPRETATION",
    "Interpretation",
    "deadline",
    "first_day_after_period",
    "period_end",
    "working_day_deadline",
]

ART_201 = "《民法典》第二百零一条"
ART_202 = "《民法典》第二百零二条"
ART_203 = "《民法典》第二百零三条"

#: Rule ids (stable; traces and tests key on them).
RULE_DAY_PERIOD = "civil_code_art_201_day_period"
RULE_MONTH_PERIOD = "civil_code_art_202_month_period"
RULE_WAITING_PERIOD = "waiting_period_first_day_after"
RULE_DEADLINE = "civil_code_art_203_deadline"
RULE_HOLIDAY_EXTENSION = "civil_code_art_203_holiday_extension"

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Interpretation:
    """A recorded reading of a clause where the text leaves a question open."""

    id: str
    clause: str
    question: str
    question_zh: str
    decision: str
    decision_zh: str

    @property
    def citation(self) -> str:
        """How a trace cites this reading next to the clause itself."""
        return f"medcredit interpretation {self.id} ({self.clause})"

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready form for packs and traces."""
        return {
            "id": self.id,
            "clause": self.clause,
            "question": self.question,
            "question_zh": self.question_zh,
            "decision": self.decision,
            "decision_zh": self.decision_zh,
        }


HOLIDAY_EXTENSION_INTERPRETATION = Interpretation(
    id="civil_code_art_203_rest_days",
    clause=ART_203,
    question=(
        "Does 法定休假日 in Article 203 mean only the statutory public holidays, or also the ordinary weekly rest days?"
    ),
    question_zh="第二百零三条所称“法定休假日”是仅指法定节假日，还是也包括公休日？",
    decision=(
        "It means every non-working day of the official calendar: statutory holidays, bridging "
        "days off announced by the State Council, and Saturdays/Sundays that are not make-up "
        "working days. A deadline whose last day is such a day moves to the next working day; "
        "a weekend make-up working day (调休上班日) is a working day and moves nothing."
    ),
    decision_zh=(
        "法定休假日包括法定节假日、国务院通知调休放假的日期和公休日（周六、周日，调休上班日除外）。"
        "期限的最后一日为上述休息日的，以其后第一个工作日为期限的最后一日；"
        "调休上班的周六、周日为工作日，不顺延。"
    ),
)

WAITING_PERIOD_INTERPRETATION = Interpretation(
    id="waiting_period_no_extension",
    clause=f"{ART_201}、第二百零二条、第二百零三条",
    question=(
        "Is a waiting period (e.g. credit repair may be requested after a 6-month publicity "
        "period) extended under Article 203 when its last day is a rest day?"
    ),
    question_zh=("等待期（如公示期满6个月后方可申请信用修复）的最后一日为休息日的，是否依第二百零三条顺延？"),
    decision=(
        "No. Article 203 protects a party who must act within a period; a waiting period asks "
        "no act, so it ends under Articles 201-202 and the next step is possible from the "
        "following day, whatever the calendar."
    ),
    decision_zh=(
        "不顺延。第二百零三条旨在保护须在期间内为一定行为的当事人；等待期不要求当事人为任何行为，"
        "依第二百零一条、第二百零二条计算届满日，届满次日即可为后续行为，不因节假日、休息日顺延。"
    ),
)


# -------------------------------------------------------------------------- arithmetic


@dataclass(frozen=True, slots=True)
class _Period:
    """A validated period: either whole months (years folded in) or days."""

    years: int
    months: int
    days: int

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def label(self) -> str:
        """English label such as ``6-month`` or ``1-year-3-month`` or ``10-day``."""
        parts = [f"{v}-{u}" for v, u in ((self.years, "year"), (self.months, "month")) if v]
        return "-".join(parts) if parts else f"{self.days}-day"

    def label_zh(self) -> str:
        """Chinese label such as ``6个月`` or ``1年3个月`` or ``10日``."""
        parts = [f"{v}{u}" for v, u in ((self.years, "年"), (self.months, "个月")) if v]
        return "".join(parts) if parts else f"{self.days}日"


def _period(years: int, months: int, days: int) -> _Period:
    """Validate the units: whole, non-negative, not all zero, not months mixed with days."""
    for name, value in (("years", years), ("months", months), ("days", days)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise PeriodError(f"{name} must be a whole number, got {value!r}")
        if value < 0:
            raise PeriodError(f"{name} must not be negative, got {value}")
    if years == months == days == 0:
        raise PeriodError("a period needs a positive length (years, months or days)")
    if days and (years or months):
        raise PeriodError(
            "a period is counted either in years/months (第二百零二条) or in days; compute mixed periods step by step"
        )
    return _Period(years, months, days)


def _last_day_of_month(year: int, month: int) -> int:
    """Number of days in ``month`` of ``year``."""
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - _ONE_DAY).day


def _add_months(start: date, months: int) -> date:
    """Corresponding day ``months`` later, or that month's last day (第二百零二条)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    if year > LAST_SUPPORTED_DATE.year:
        raise CalendarRangeError(
            f"a {months}-month period from {start.isoformat()} ends after "
            f"{LAST_SUPPORTED_DATE.isoformat()}, outside the supported range"
        )
    return date(year, month + 1, min(start.day, _last_day_of_month(year, month + 1)))


def _add_days(start: date, days: int) -> date:
    """``start + days``, refusing to leave the supported range (or overflow)."""
    if days > (LAST_SUPPORTED_DATE - start).days:
        raise CalendarRangeError(
            f"a {days}-day period from {start.isoformat()} ends after "
            f"{LAST_SUPPORTED_DATE.isoformat()}, outside the supported range"
        )
    return start + timedelta(days=days)


# ------------------------------------------------------------------------- public API


def period_end(start: date, *, years: int = 0, months: int = 0, days: int = 0) -> ComputedDate:
    """Last day (inclusive, to 24:00) of a period beginning on ``start``.

    The start day is not counted (第二百零一条); month/year periods end on the
    corresponding day or the month's last day (第二百零二条).  No holiday extension:
    use :func:`deadline` for a time limit to act.
    """
    return _period_end(start, _period(years, months, days))


def month_period_end(start: date, months: int) -> date:
    """:func:`period_end` of a ``months``-month period as a bare date (no explanation): the hot path of
    record windows, evaluated for every record."""
    return _add_months(start, months)


def month_period_start(end: date, months: int) -> date:
    """First day of the ``months``-month period that ends on ``end`` (the reverse of :func:`month_period_end`:
    the period begins the day after the corresponding day ``months`` earlier)."""
    return _add_months(end, -months) + _ONE_DAY


def _period_end(start: date, period: _Period) -> ComputedDate:
    """:func:`period_end` for an already validated period."""
    check_date_range(start, "period start")
    if period.days:
        value = _add_days(start, period.days)
        return _day_period_result(start, period, value)
    value = _add_months(start, period.total_months)
    return _month_period_result(start, period, value)


def _day_period_result(start: date, period: _Period, value: date) -> ComputedDate:
    """Explain a day period's end."""
    s, v = start.isoformat(), value.isoformat()
    return ComputedDate(
        value=value,
        rule=RULE_DAY_PERIOD,
        explanation=(f"The {period.label()} period from {s} (start day not counted) ends at 24:00 on {v}."),
        explanation_zh=f"自{s}起算的{period.label_zh()}期间（开始当日不计入）于{v}二十四时届满。",
        sources=(ART_201,),
    )


def _month_period_result(start: date, period: _Period, value: date) -> ComputedDate:
    """Explain a month/year period's end, saying whether the corresponding day existed."""
    s, v = start.isoformat(), value.isoformat()
    if value.day == start.day:
        why, why_zh = "the corresponding day of the final month", "到期月的对应日"
    else:
        why = f"the last day of the final month, which has no day {start.day}"
        why_zh = f"到期月没有{start.day}日，以月末日"
    return ComputedDate(
        value=value,
        rule=RULE_MONTH_PERIOD,
        explanation=(f"The {period.label()} period from {s} (start day not counted) ends at 24:00 on {v}, {why}."),
        explanation_zh=(
            f"自{s}起算的{period.label_zh()}期间（开始当日不计入）于{v}二十四时届满（{why_zh}为期间的最后一日）。"
        ),
        sources=(ART_201, ART_202),
    )


def first_day_after_period(start: date, *, years: int = 0, months: int = 0, days: int = 0) -> ComputedDate:
    """Earliest day on which something allowed "after the period" can happen.

    This is a waiting period: the day after :func:`period_end`, never extended for
    holidays (:data:`WAITING_PERIOD_INTERPRETATION`).
    """
    period = _period(years, months, days)
    end = _period_end(start, period)
    value = _add_days(end.value, 1)
    label, label_zh = period.label(), period.label_zh()
    s, e, v = start.isoformat(), end.value.isoformat(), value.isoformat()
    return ComputedDate(
        value=value,
        rule=RULE_WAITING_PERIOD,
        explanation=(
            f"The {label} waiting period from {s} is complete at 24:00 on {e}, so the earliest "
            f"day after it is {v}; waiting periods are not extended for holidays or rest days."
        ),
        explanation_zh=(
            f"自{s}起算的{label_zh}等待期于{e}二十四时届满，最早可于{v}为后续行为；等待期不因节假日、休息日顺延。"
        ),
        sources=(*end.sources, WAITING_PERIOD_INTERPRETATION.citation),
    )


def deadline(
    start: date,
    *,
    years: int = 0,
    months: int = 0,
    days: int = 0,
    calendar: OfficialCalendar | None = None,
) -> ComputedDate:
    """Last day to act within a period, extended under 第二百零三条 past rest days.

    If :func:`period_end` falls on a non-working day of the official calendar, the
    deadline is the first working day after it (:data:`HOLIDAY_EXTENSION_INTERPRETATION`).
    Raises :class:`~medcredit.diagnostics.errors.UnannouncedYearError` if that year's schedule is unknown.
    """
    cal = calendar if calendar is not None else default_calendar()
    period = _period(years, months, days)
    end = _period_end(start, period)
    label, label_zh = period.label(), period.label_zh()
    s, e = start.isoformat(), end.value.isoformat()
    base_sources = (*end.sources, ART_203, HOLIDAY_EXTENSION_INTERPRETATION.citation)
    if cal.is_working_day(end.value):
        return ComputedDate(
            value=end.value,
            rule=RULE_DEADLINE,
            explanation=(
                f"The {label} time limit from {s} (start day not counted) ends on {e}, a working "
                "day, so Article 203 does not extend it."
            ),
            explanation_zh=(
                f"自{s}起算的{label_zh}期限（开始当日不计入）于{e}届满，该日为工作日，不适用第二百零三条顺延。"
            ),
            sources=(*base_sources, cal.source_for(end.value.year)),
        )
    moved = cal.next_working_day_on_or_after(end.value)
    kind, kind_zh = (
        ("an official holiday", "法定节假日") if cal.is_holiday(end.value) else ("a weekly rest day", "公休日")
    )
    v = moved.value.isoformat()
    return ComputedDate(
        value=moved.value,
        rule=RULE_HOLIDAY_EXTENSION,
        explanation=(
            f"The {label} time limit from {s} (start day not counted) would end on {e}, which is "
            f"{kind}, so under Article 203 the deadline moves to {v}, the next working day."
        ),
        explanation_zh=(
            f"自{s}起算的{label_zh}期限（开始当日不计入）本应于{e}届满，该日为{kind_zh}，"
            f"依第二百零三条顺延至其后第一个工作日{v}。"
        ),
        sources=(*base_sources, *moved.sources),
    )


def working_day_deadline(start: date, n: int, calendar: OfficialCalendar | None = None) -> ComputedDate:
    """The ``n``-th working day after ``start`` ("N 个工作日内"), make-up days included."""
    cal = calendar if calendar is not None else default_calendar()
    return cal.add_working_days(start, n)
