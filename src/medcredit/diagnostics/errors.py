"""The typed exception hierarchy of medcredit.

Every error a user can provoke with bad input is a subclass of
:class:`MedcreditError`, so a caller can catch one type and still tell the
cases apart.  Errors that come from a file carry the problems found, each with
file, line, column and YAML/JSON path (see :mod:`medcredit.diagnostics.problems`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from medcredit.diagnostics.problems import Problem


class MedcreditError(Exception):
    """Base class of every error raised on purpose by medcredit."""


class ProblemsError(MedcreditError):
    """An input was rejected; ``problems`` lists everything found, ranked."""

    def __init__(self, summary: str, problems: Sequence[Problem]) -> None:
        self.summary = summary
        self.problems: tuple[Problem, ...] = tuple(problems)
        lines = [summary, *(p.render() for p in self.problems)]
        super().__init__("\n".join(lines))


class PackError(ProblemsError):
    """A policy pack failed to load or validate."""


class HistoryError(ProblemsError):
    """A subject history (JSON, JSONL or YAML) is malformed."""


class ScheduleError(ProblemsError):
    """A supplied official holiday schedule file is malformed or inconsistent."""


class ExpressionError(MedcreditError):
    """A pack expression is not allowed by the sandbox or is ill-typed."""


class CalendarError(MedcreditError):
    """A working-day computation cannot be answered exactly."""


class UnannouncedYearError(CalendarError):
    """The official schedule of a year is not known and none was supplied."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"the official holiday schedule for {year} is not known to this installation "
            f"(working days in {year} cannot be computed exactly); supply it with a "
            f"schedule file for {year}"
        )


class CalendarRangeError(CalendarError):
    """A date lies outside the range the calendar can reason about."""


class PeriodError(MedcreditError):
    """A period or deadline was asked for with impossible arguments."""


class ValidityError(MedcreditError):
    """A computation falls outside the policy pack's validity window."""


class PackNotFoundError(MedcreditError):
    """No bundled pack has the given name and no such file exists."""


class ArgumentError(MedcreditError, TypeError, ValueError):
    """A library function was called with an argument of the wrong type or out of range.

    Also a TypeError/ValueError, so callers that catch those keep working.
    """


class InternalError(MedcreditError):
    """Evaluating one subject raised an error medcredit did not foresee (a defect to report).

    A batch reports the subject as failed with this error, as it does any typed error, and goes on
    with the others: one subject never loses the rest of the batch.
    """

    @classmethod
    def wrapping(cls, exc: BaseException) -> InternalError:
        return cls(f"internal error while evaluating this subject ({type(exc).__name__}: {exc}); please report it")
