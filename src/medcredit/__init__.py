"""medcredit: China's medical-insurance fund supervision credit rules as executable policy packs.

The public API is this module; everything else is private and may change.

>>> import medcredit
>>> pack = medcredit.load_pack("wushan")
>>> subject = medcredit.load_subject({"id": "x", "category": "retail_pharmacy"})
>>> medcredit.evaluate(pack, subject, 2023).status  # no inspection in the cycle: not graded
'excluded'

Bad input raises a :class:`MedcreditError` subclass, never a bare Python error:
``load_subject`` raises :class:`HistoryError` with located problems, ``evaluate``
with a wrong argument raises :class:`ArgumentError`.  ``evaluate_file`` grades a
whole history file and accounts for every input in a :class:`BatchSummary`.
"""

from medcredit.diagnostics.errors import (
    ArgumentError,
    CalendarError,
    CalendarRangeError,
    ExpressionError,
    HistoryError,
    MedcreditError,
    PackError,
    PackNotFoundError,
    PeriodError,
    ProblemsError,
    ScheduleError,
    UnannouncedYearError,
    ValidityError,
)
from medcredit.diagnostics.problems import Problem
from medcredit.engine.batch import BatchSummary, Failed, evaluate_file
from medcredit.engine.evaluation import evaluate
from medcredit.history.model import Record, Subject, SubjectCategory
from medcredit.history.reader import subject_from_data as load_subject
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import bundled_pack_names, load_pack, validate_pack_text
from medcredit.trace.result import Result

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "BatchSummary",
    "CalendarError",
    "CalendarRangeError",
    "CompiledPack",
    "ExpressionError",
    "Failed",
    "HistoryError",
    "MedcreditError",
    "PackError",
    "PackNotFoundError",
    "PeriodError",
    "Problem",
    "ProblemsError",
    "Record",
    "Result",
    "ScheduleError",
    "Subject",
    "SubjectCategory",
    "UnannouncedYearError",
    "ValidityError",
    "__version__",
    "bundled_pack_names",
    "evaluate",
    "evaluate_file",
    "load_pack",
    "load_subject",
    "validate_pack_text",
]
