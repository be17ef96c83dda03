"""medcredit: China's medical-insurance fund supervision credit rules as executable policy packs.

The public API is this module; everything else is private and may change.

>>> import medcredit
>>> pack = medcredit.load_pack("wushan")
>>> subject = medcredit.Subject.model_validate({"id": "x", "category": "retail_pharmacy"})
"""

from medcredit.diagnostics.errors import (
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
from medcredit.engine.evaluation import evaluate
from medcredit.history.model import Record, Subject, SubjectCategory
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import bundled_pack_names, load_pack, validate_pack_text
from medcredit.pack.validity import in_force
from medcredit.procedures.sanctions import PersonSanctions, person_sanctions
from medcredit.trace.result import Result

__version__ = "0.1.0"

__all__ = [
    "CalendarError",
    "CalendarRangeError",
    "CompiledPack",
    "ExpressionError",
    "HistoryError",
    "MedcreditError",
    "PackError",
    "PackNotFoundError",
    "PeriodError",
    "PersonSanctions",
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
    "in_force",
    "load_pack",
    "person_sanctions",
    "validate_pack_text",
]
