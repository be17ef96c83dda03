"""What an evaluation looks at: its window of dates, and whether a record is still in force.

A calendar-year pack evaluates a cycle (1 January – 31 December).  A pack whose
cycle kind is ``as_of`` or ``rolling`` evaluates a date: every record up to it
(or, rolling, the months before it) — each still counting only while in force,
for facts that say so (``window: in_force``).
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from medcredit.diagnostics.errors import ArgumentError, CalendarRangeError
from medcredit.engine.arguments import CYCLE_MAX, CYCLE_MIN, check_cycle
from medcredit.engine.validity import cycle_bounds
from medcredit.history.model import Record
from medcredit.pack.compiled import CompiledPack
from medcredit.time.periods import month_period_end, month_period_start

#: An as-of window reaches back to the earliest year a record may carry.
_EARLIEST = dt.date(CYCLE_MIN, 1, 1)


class Point(NamedTuple):
    """The cycle (year) of an evaluation, its evaluation date (``None`` for calendar-year packs) and window."""

    cycle: int
    as_of: dt.date | None
    start: dt.date
    end: dt.date


_YEARS: dict[int, Point] = {}


def evaluation_point(pack: CompiledPack, cycle: object, as_of: object) -> Point:
    """Resolve ``cycle`` / ``as_of`` for the pack's cycle kind, or :class:`ArgumentError`."""
    kind = pack.cycle_kind
    if as_of is not None:
        if kind == "calendar_year":
            raise ArgumentError(
                f"pack '{pack.id}' evaluates calendar-year cycles: pass cycle (a year), not as_of "
                "(cycle.kind is calendar_year)"
            )
        if not isinstance(as_of, dt.date) or isinstance(as_of, dt.datetime):
            raise ArgumentError(f"as_of must be a datetime.date, got {type(as_of).__name__}")
        if cycle is not None and check_cycle(cycle) != as_of.year:
            raise ArgumentError(f"cycle {cycle} and as_of {as_of} disagree: give one of them")
        if not CYCLE_MIN <= as_of.year <= CYCLE_MAX:
            raise ArgumentError(f"as_of {as_of} is out of range: a year from {CYCLE_MIN} to {CYCLE_MAX}")
        end = as_of
    else:
        if cycle is None:
            raise ArgumentError("give the cycle (a year) or, for an as-of pack, as_of (a date)")
        year = check_cycle(cycle)
        if kind == "calendar_year":
            # one Point per year, made once (a batch asks for the same year per subject); a plain int only,
            # so an int subclass given as the cycle is kept as given
            point = _YEARS.get(year) if type(year) is int else None
            if point is None:
                point = Point(year, None, *cycle_bounds(year))
                if type(year) is int:
                    _YEARS[year] = point  # bounded: check_cycle keeps years within CYCLE_MIN..CYCLE_MAX
            return point
        end = dt.date(year, 12, 31)  # an as-of pack asked about a year: as of its last day
    start = month_period_start(end, pack.rolling_months) if kind == "rolling" else _EARLIEST
    return Point(end.year, end, start, end)


def expiry(pack: CompiledPack, record: Record) -> tuple[str, dt.date] | None:
    """The window that governs a record and the last day it is in force (``None``: no end declared).

    The record's own ``publicity_end`` (the department's decision on this record) comes first;
    then the first declared window that fits its kind and severity.
    """
    if record.publicity_end is not None:
        return "publicity_end", record.publicity_end
    for window in pack.windows:
        if window.fits(record):
            start = record.publicity_start if window.from_publicity and record.publicity_start else record.date
            try:
                return window.id, month_period_end(start, window.years * 12 + window.months)
            except CalendarRangeError:
                return None  # ends after the supported calendar: in force on every date we evaluate
    return None
